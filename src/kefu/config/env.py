"""Reading configuration from the environment, failing loudly on bad values.

Every reader names the variable and the rule it broke, so a typo in a deployment is found
at start-up and not as odd behaviour later.
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Mapping
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class Env:
    """Typed access to a mapping of environment variables."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def str(self, name: str, default: str | None = None) -> str:
        value = self.environ.get(name)
        if value is None or value == "":
            if default is None:
                raise ImproperlyConfigured(f"{name} must be set")
            return default
        return value

    def bool(self, name: str, default: bool) -> bool:
        raw = self.environ.get(name, "").strip().lower()
        if raw == "":
            return default
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a boolean; use one of: true, false, 1, 0, yes, no, on, off"
        )

    def int(self, name: str, default: int, *, minimum: int | None = None) -> int:
        raw = self.environ.get(name, "").strip()
        if raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
        if minimum is not None and value < minimum:
            raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
        return value

    def list(self, name: str, default: list[str]) -> list[str]:
        raw = self.environ.get(name)
        if raw is None or raw.strip() == "":
            return list(default)
        return [item.strip() for item in raw.split(",") if item.strip()]

    def timezone(self, name: str, default: str) -> str:
        value = self.str(name, default)
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ImproperlyConfigured(
                f"{name}={value!r} is not a known time zone (e.g. Asia/Shanghai)"
            ) from None
        return value

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.str(name, default)
        if value not in choices:
            raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}")
        return value

    def database(self, name: str, default_sqlite_path: Path, *, lock_timeout: int = 5) -> dict:
        """A Django DATABASES entry from a URL (``sqlite:///path`` or ``postgres://…``).

        Every wait has a deadline of *lock_timeout* seconds: a write waiting for SQLite's
        lock, a statement waiting for a PostgreSQL lock, a connection being opened. The
        statement then fails with ``OperationalError``, which the request answers with 503
        (:mod:`kefu.core.unavailable`).
        """
        url = self.environ.get(name, "").strip() or f"sqlite:///{default_sqlite_path}"
        if not url.startswith(("sqlite:", "postgres:", "postgresql:", "pgsql:")):
            raise ImproperlyConfigured(
                f"{name}={url!r}: only sqlite:///path and postgres://… URLs are supported"
            )
        try:
            config = dj_database_url.parse(url, conn_max_age=0)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from None
        if config["ENGINE"] == "django.db.backends.sqlite3":
            if not config.get("NAME"):
                raise ImproperlyConfigured(f"{name} must name the SQLite file: sqlite:///path")
            config["OPTIONS"] = {
                # WAL lets readers work while one writer holds the lock and commits
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
                # each write transaction takes the write lock when it begins, waiting at
                # most `timeout` seconds for it ("database is locked" after that)
                "transaction_mode": "IMMEDIATE",
                "timeout": lock_timeout,
            }
            # Keep each thread's connection between requests: opening one costs little,
            # but closing the last one checkpoints the WAL into the database file, which
            # with per-request connections happens after nearly every request.
            config["CONN_MAX_AGE"] = 600
            config["TEST"] = {"NAME": ":memory:"}
        else:
            # Django's PostgreSQL backend; a kept connection is checked (SELECT 1) before each
            # request uses it, and replaced when the server ended it
            config["ENGINE"] = "django.db.backends.postgresql"
            config["CONN_HEALTH_CHECKS"] = True
            config["CONN_MAX_AGE"] = 60
            options = config.setdefault("OPTIONS", {})
            options.setdefault("connect_timeout", max(2, lock_timeout))  # libpq's minimum: 2
            # a statement waiting for a lock (a row another transaction holds) gives up
            # after the deadline; appended to any options the URL gave
            deadline = f"-c lock_timeout={lock_timeout * 1000}"
            options["options"] = f"{options.get('options', '')} {deadline}".strip()
        config["ATOMIC_REQUESTS"] = False
        return config


def load_dotenv(path: Path, environ: dict[str, str] | None = None) -> None:
    """Load ``KEY=VALUE`` lines from *path* into the environment without overriding it."""
    environ = os.environ if environ is None else environ
    if not path.is_file():
        return
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if "=" not in stripped:
            raise ImproperlyConfigured(f"{path}:{number}: expected KEY=VALUE, got {stripped!r}")
        key, value = stripped.split("=", 1)
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        environ.setdefault(key, value)
