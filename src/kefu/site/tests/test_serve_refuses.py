"""`kefu serve` refuses to start on a database it cannot use, with one line that says why."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(tmp_path, database_url: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kefu.config.settings",
        "DATABASE_URL": database_url,
        "KEFU_DATA_DIR": str(tmp_path / "data"),
        "KEFU_DB_LOCK_TIMEOUT": "2",
    }
    # a server that starts anyway runs until the timeout: the test then fails
    return subprocess.run(
        [sys.executable, "-m", "kefu", "serve", "--bind", f"127.0.0.1:{free_port()}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )


def test_serve_refuses_an_unreachable_database_naming_it_without_the_password(tmp_path):
    port = free_port()  # nothing listens there
    result = serve(tmp_path, f"postgres://kefu:s3cret@127.0.0.1:{port}/kefu")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        f"CommandError: cannot reach the database postgres://kefu@127.0.0.1:{port}/kefu:"
    )
    assert "s3cret" not in result.stderr + result.stdout


def test_serve_refuses_an_unmigrated_database_and_says_how_to_migrate(tmp_path):
    from django.db.migrations.loader import MigrationLoader

    expected = len(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)
    result = serve(tmp_path, f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"CommandError: the database sqlite:///{tmp_path / 'empty.sqlite3'} has {expected} "
        "unapplied migrations; apply them with: kefu migrate"
    ]


@pytest.mark.django_db
def test_serve_checks_before_it_starts_anything(monkeypatch):
    """On the test database (migrated) the checks pass and gunicorn is started."""
    from django.core.management import call_command

    from kefu.site.management.commands import serve as serve_command

    started = []
    monkeypatch.setattr(serve_command, "run_gunicorn", lambda *a, **k: started.append(a))
    monkeypatch.setattr(serve_command, "call_command", lambda *a, **k: None)  # collectstatic
    call_command("serve", bind="127.0.0.1:8123")
    assert started == [("127.0.0.1:8123",)]


def test_the_gunicorn_master_loads_neither_django_nor_the_apps():
    """`kefu serve` becomes gunicorn with a settings module that imports nothing of the
    application: the workers load it, the master stays small."""
    import subprocess
    import sys

    from kefu.site.management.commands import serve as serve_command

    argv = serve_command.gunicorn_argv("127.0.0.1:8000", workers=2, threads=1)
    assert argv[:3] == [sys.executable, "-m", "gunicorn"]
    assert argv[-1] == "kefu.config.wsgi:application"
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, kefu.site.gunicorn_conf, kefu.core.logmask; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework')"
            " or m.startswith(('kefu.config', 'kefu.tickets', 'kefu.org'))))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "[]"


@pytest.mark.django_db
@pytest.mark.parametrize("bind", ["0.0.0.0:8124", "[::]:8124"])
def test_serving_every_interface_answers_colleagues_by_this_machines_names(
    monkeypatch, capsys, settings, bind
):
    from django.core.management import call_command

    from kefu.site.management.commands import serve as serve_command

    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    monkeypatch.setattr(serve_command, "own_addresses", lambda: ["kefu-host", "10.1.2.3"])
    monkeypatch.setattr(serve_command, "run_gunicorn", lambda *a, **k: None)
    monkeypatch.setattr(serve_command, "call_command", lambda *a, **k: None)
    call_command("serve", bind=bind)
    # the gunicorn workers read it from the environment
    hosts = os.environ["ALLOWED_HOSTS"].split(",")
    assert hosts == [*settings.ALLOWED_HOSTS, "kefu-host", "10.1.2.3"]
    out = capsys.readouterr().out
    assert "http://10.1.2.3:8124/" in out and "http://kefu-host:8124/" in out


@pytest.mark.django_db
def test_an_explicit_allowed_hosts_is_kept_when_serving_every_interface(monkeypatch, capsys):
    from django.core.management import call_command

    from kefu.site.management.commands import serve as serve_command

    monkeypatch.setenv("ALLOWED_HOSTS", "kefu.example.cn")
    monkeypatch.setattr(serve_command, "own_addresses", lambda: ["kefu-host"])
    monkeypatch.setattr(serve_command, "run_gunicorn", lambda *a, **k: None)
    monkeypatch.setattr(serve_command, "call_command", lambda *a, **k: None)
    call_command("serve", bind="0.0.0.0:8124")
    assert os.environ["ALLOWED_HOSTS"] == "kefu.example.cn"
    assert "http://kefu.example.cn:8124/" in capsys.readouterr().out
