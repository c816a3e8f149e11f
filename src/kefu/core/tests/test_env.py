"""Settings fail loudly on bad values, naming the variable."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kefu.config.env import Env, load_dotenv


@pytest.mark.parametrize(
    ("environ", "call", "message"),
    [
        pytest.param(
            {"DEBUG": "maybe"},
            lambda e: e.bool("DEBUG", False),
            "DEBUG='maybe' is not a boolean",
            id="bool",
        ),
        pytest.param(
            {"N": "ten"}, lambda e: e.int("N", 1), "N='ten' is not a whole number", id="int"
        ),
        pytest.param(
            {"N": "0"}, lambda e: e.int("N", 1, minimum=1), "N=0 must be at least 1", id="int-min"
        ),
        pytest.param(
            {"TIME_ZONE": "Mars/Base"},
            lambda e: e.timezone("TIME_ZONE", "Asia/Shanghai"),
            "not a known time zone",
            id="tz",
        ),
        pytest.param(
            {"DATABASE_URL": "mysql://x"},
            lambda e: e.database("DATABASE_URL", Path("/tmp/x")),
            "only sqlite",
            id="db-scheme",
        ),
        pytest.param(
            {"B": "pigeon"},
            lambda e: e.choice("B", "smtp", ("smtp", "console")),
            "must be one of: smtp, console",
            id="choice",
        ),
    ],
)
def test_bad_values_stop_start_up(environ, call, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        call(Env(environ))


def test_defaults_and_good_values():
    env = Env({"DEBUG": "on", "HOSTS": "a.example, b.example", "N": "7"})
    assert env.bool("DEBUG", False) is True
    assert env.bool("MISSING", False) is False
    assert env.list("HOSTS", []) == ["a.example", "b.example"]
    assert env.int("N", 1) == 7


def test_sqlite_is_djangos_own_engine_with_wal_and_a_deadline_for_the_lock(tmp_path):
    config = Env({}).database("DATABASE_URL", tmp_path / "k.sqlite3", lock_timeout=3)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "k.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["OPTIONS"]["timeout"] == 3
    assert config["CONN_MAX_AGE"] > 0


def test_postgres_waits_have_deadlines():
    env = Env({"DATABASE_URL": "postgres://kefu:pw@db/kefu?options=-c%20work_mem%3D8MB"})
    config = env.database("DATABASE_URL", Path("x"), lock_timeout=3)
    assert config["OPTIONS"]["connect_timeout"] == 3
    assert config["OPTIONS"]["options"] == "-c work_mem=8MB -c lock_timeout=3000"


def test_the_deadline_is_read_from_the_environment(settings):
    assert settings.DB_LOCK_TIMEOUT == 5  # the documented default
    with pytest.raises(ImproperlyConfigured, match="KEFU_DB_LOCK_TIMEOUT=0 must be at least 1"):
        Env({"KEFU_DB_LOCK_TIMEOUT": "0"}).int("KEFU_DB_LOCK_TIMEOUT", 5, minimum=1)


def test_postgres_url():
    config = Env({"DATABASE_URL": "postgres://kefu:pw@db.internal:5433/kefu"}).database(
        "DATABASE_URL", Path("x")
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "kefu")


def test_dotenv_does_not_override_the_environment(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text('# comment\nA=from-file\nexport B="quoted"\n', encoding="utf-8")
    environ = {"A": "from-env"}
    load_dotenv(dotenv, environ)
    assert environ == {"A": "from-env", "B": "quoted"}


def test_dotenv_with_a_bad_line(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("JUSTAWORD\n", encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match=r"\.env:1: expected KEY=VALUE"):
        load_dotenv(dotenv, {})


@pytest.mark.django_db
def test_running_database_is_configured_as_documented(settings):
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_env_example_lists_every_variable_the_settings_read():
    import re

    root = Path(__file__).resolve().parents[4]
    source = (root / "src" / "kefu" / "config" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'env\.\w+\("([A-Z_]+)"', source))
    read |= set(re.findall(r'environ\.get\("([A-Z_]+)"', source))
    example = (root / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    assert read, "the settings read no variables?"
    assert read - listed == set()
