"""An enqueue on the SQLite task queue waits for the queue's lock at most the configured
deadline (KEFU_DB_LOCK_TIMEOUT), then fails instead of hanging."""

import sqlite3
import time

import pytest
from huey.storage import SqliteStorage


def test_the_sqlite_queue_is_hueys_own_with_the_deadline(settings):
    if settings.REDIS_URL:
        pytest.skip("the task queue is in Redis (REDIS_URL)")
    assert settings.HUEY["huey_class"] == "huey.SqliteHuey"
    assert settings.HUEY["connection"]["timeout"] == settings.DB_LOCK_TIMEOUT


def test_an_enqueue_behind_a_frozen_writer_gives_up_at_the_deadline(tmp_path):
    path = tmp_path / "queue.sqlite3"
    storage = SqliteStorage(filename=str(path), timeout=1)
    frozen = sqlite3.connect(path, isolation_level=None)
    frozen.execute("BEGIN IMMEDIATE")  # a writer that holds the lock and never commits
    frozen.execute("INSERT INTO kv (queue, key, value) VALUES ('q', 'k', x'00')")
    try:
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            storage.enqueue(b"task")
        assert time.monotonic() - started < 1 + 4
    finally:
        frozen.rollback()
        frozen.close()
    storage.enqueue(b"task")  # the writer is gone: the next enqueue gets in
    assert storage.queue_size() == 1
