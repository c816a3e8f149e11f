"""Checks behind /healthz and ``kefu serve``: the database (reachable, migrated), the task
queue and the worker's heartbeat."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; say which
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)[:200]}
    return {"ok": True, "vendor": connection.vendor}


def database_url(conn=connection) -> str:
    """The database's URL as an operator would write it, without the password."""
    settings_dict = conn.settings_dict
    if conn.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    user = f"{settings_dict['USER']}@" if settings_dict.get("USER") else ""
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    host = settings_dict.get("HOST") or "localhost"
    scheme = "postgres" if conn.vendor == "postgresql" else conn.vendor
    return f"{scheme}://{user}{host}{port}/{settings_dict['NAME']}"


def unapplied_migrations(conn=connection) -> list[str]:
    """The migrations in the code that the database has not applied, in the order
    ``kefu migrate`` would apply them (``app.name``)."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(conn)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def check_migrations() -> dict:
    try:
        unapplied = unapplied_migrations()
    except Exception as exc:  # the database is down: check_database says so
        return {"ok": False, "error": str(exc)[:200]}
    if not unapplied:
        return {"ok": True, "unapplied": 0, "migrations": []}
    return {
        "ok": False,
        "unapplied": len(unapplied),
        "migrations": unapplied[:20],
        "apply_with": "kefu migrate",
    }


def check_queue() -> dict:
    from huey.contrib.djhuey import HUEY

    backend = type(HUEY.storage).__name__
    try:
        pending = HUEY.pending_count()
    except Exception as exc:  # storage unreachable
        return {"ok": False, "backend": backend, "error": str(exc)[:200]}
    return {"ok": True, "backend": backend, "pending": pending}


def check_worker(now=None) -> dict:
    from kefu.core.models import WorkerHeartbeat

    now = now or timezone.now()
    try:
        latest = WorkerHeartbeat.objects.order_by("-last_seen").first()
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:200]}
    if latest is None:
        return {"ok": False, "last_seen": None, "error": "no worker has reported yet"}
    stale = timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    age = (now - latest.last_seen).total_seconds()
    return {
        "ok": age <= stale.total_seconds(),
        "last_seen": latest.last_seen.isoformat(),
        "age_seconds": round(age),
    }


def health_report(now=None) -> tuple[int, dict]:
    """HTTP status and body: 200 when the database answers and has every migration applied
    and the queue answers, else 503.

    A silent worker does not fail the check (the web app still serves), but is reported as
    ``"status": "degraded"`` so monitoring can alert on it.
    """
    checks = {
        "database": check_database(),
        "migrations": check_migrations(),
        "queue": check_queue(),
        "worker": check_worker(now),
    }
    if not all(checks[name]["ok"] for name in ("database", "migrations", "queue")):
        return 503, {"status": "error", "checks": checks}
    status = "ok" if checks["worker"]["ok"] else "degraded"
    return 200, {"status": status, "checks": checks}
