"""Checks behind /healthz: the database, the task queue and the worker's heartbeat."""

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
    """HTTP status and body: 200 when the database and queue answer, else 503.

    A silent worker does not fail the check (the web app still serves), but is reported as
    ``"status": "degraded"`` so monitoring can alert on it.
    """
    checks = {"database": check_database(), "queue": check_queue(), "worker": check_worker(now)}
    if not (checks["database"]["ok"] and checks["queue"]["ok"]):
        return 503, {"status": "error", "checks": checks}
    status = "ok" if checks["worker"]["ok"] else "degraded"
    return 200, {"status": status, "checks": checks}
