"""The ``kefu`` command as an operator meets it first: its own commands, its version, one
line for a bad setting, and data only where ``KEFU_DATA_DIR`` (or the documented default)
says."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import kefu


def run_kefu(*args: str, cwd, env_extra: dict[str, str] | None = None, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the command's own settings, as installed
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "kefu", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_version_is_kefus_own(tmp_path):
    result = run_kefu("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"kefu {kefu.__version__}"


def test_kefu_alone_lists_its_own_commands_and_how_to_see_djangos(tmp_path):
    result = run_kefu(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    listed = [line.split()[1] for line in lines if line.startswith("  kefu ")]
    assert {"demo", "serve", "worker", "createadmin", "calendar", "notify"} <= set(listed)
    assert "migrate" not in listed  # Django's own are behind `kefu help --all`
    assert "kefu help --all" in result.stdout
    everything = run_kefu("help", "--all", cwd=tmp_path)
    assert "migrate" in everything.stdout


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("SECRET_KEY", "too-short", "SECRET_KEY must be at least 32 characters long"),
        ("DATABASE_URL", "mysql://db/kefu", "DATABASE_URL='mysql://db/kefu'"),
        ("KEFU_PROFILE", "prod", "KEFU_PROFILE"),
    ],
)
def test_a_bad_setting_stops_with_one_line_naming_it(tmp_path, variable, value, named):
    result = run_kefu("check", cwd=tmp_path, env_extra={variable: value})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("kefu: configuration error: ")
    assert named in result.stderr


def test_data_goes_to_the_default_data_directory_not_the_working_directory(tmp_path):
    home = tmp_path / "home"
    work = tmp_path / "somewhere"
    work.mkdir()
    result = run_kefu(
        "check",
        cwd=work,
        env_extra={"HOME": str(home)},
        drop=("KEFU_DATA_DIR", "XDG_DATA_HOME", "DATABASE_URL", "SECRET_KEY"),
    )
    assert result.returncode == 0, result.stderr
    assert list(work.iterdir()) == []
    assert (home / ".local" / "share" / "kefu" / "secret_key").exists()
