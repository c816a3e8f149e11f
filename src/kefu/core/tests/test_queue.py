"""The task queue with its real stores: SQLite (default) and Redis (when REDIS_URL is set)."""

import os
import uuid

import pytest
from huey import RedisHuey, SqliteHuey

from kefu.core.models import WorkerHeartbeat
from kefu.core.tasks import heartbeat_record

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def run_one_job(huey) -> None:
    """Enqueue a heartbeat job, then take it off the queue and run it as a worker does."""
    task = huey.task()(lambda name: heartbeat_record(name=name).name)
    task("queued-worker")
    assert huey.pending_count() == 1
    assert WorkerHeartbeat.objects.count() == 0  # nothing runs until a worker takes it
    huey.execute(huey.dequeue())
    assert huey.pending_count() == 0


@pytest.mark.django_db
def test_sqlite_store_keeps_jobs_until_a_worker_takes_them(tmp_path):
    huey = SqliteHuey("kefu-test", filename=str(tmp_path / "huey.sqlite3"))
    run_one_job(huey)
    assert WorkerHeartbeat.objects.get().name == "queued-worker"


@pytest.mark.redis
@pytest.mark.django_db
def test_redis_store_keeps_jobs_until_a_worker_takes_them():
    if not redis_reachable():
        message = f"Redis not reachable at {REDIS_URL} (set REDIS_URL)"
        if os.environ.get("KEFU_REQUIRE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)
    huey = RedisHuey(f"kefu-test-{uuid.uuid4().hex}", url=REDIS_URL)
    try:
        run_one_job(huey)
    finally:
        huey.storage.flush_all()
    assert WorkerHeartbeat.objects.get().name == "queued-worker"
