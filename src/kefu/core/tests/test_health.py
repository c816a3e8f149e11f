from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.core import health
from kefu.core.tasks import heartbeat_record

pytestmark = pytest.mark.django_db


def test_healthz_reports_degraded_until_a_worker_reports(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["queue"]["ok"] is True
    assert body["checks"]["worker"]["ok"] is False


def test_healthz_ok_with_a_fresh_heartbeat(client):
    heartbeat_record(name="worker-1")
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"]["worker"]["ok"] is True


def test_stale_heartbeat_is_reported(settings):
    heartbeat_record(name="worker-1")
    later = timezone.now() + timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS + 5)
    assert health.check_worker(now=later)["ok"] is False


def test_unreachable_queue_makes_healthz_fail(client, monkeypatch):
    from huey.contrib.djhuey import HUEY
    from huey.storage import RedisStorage

    # A real Redis storage pointed at a port where nothing listens.
    monkeypatch.setattr(HUEY, "storage", RedisStorage("kefu-down", url="redis://127.0.0.1:9/0"))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["checks"]["queue"]["ok"] is False


def test_the_heartbeat_task_runs_through_the_queue():
    from kefu.core.models import WorkerHeartbeat
    from kefu.core.tasks import worker_heartbeat

    worker_heartbeat()  # immediate mode in tests: enqueued and executed in-process
    assert WorkerHeartbeat.objects.count() == 1


def test_healthz_reports_unapplied_migrations(client):
    from django.db.migrations.recorder import MigrationRecorder

    latest = MigrationRecorder.Migration.objects.filter(app="tickets").order_by("-id").first()
    latest.delete()  # as if the code had a migration the database has not applied
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["checks"]["migrations"] == {
        "ok": False,
        "unapplied": 1,
        "migrations": [f"tickets.{latest.name}"],
        "apply_with": "kefu migrate",
    }


def test_healthz_on_a_migrated_database_says_so(client):
    assert client.get("/healthz").json()["checks"]["migrations"] == {
        "ok": True,
        "unapplied": 0,
        "migrations": [],
    }
