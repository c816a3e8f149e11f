"""The task queue on SQLite (no Redis configured), with writers queueing for the lock.

Huey's SQLite storage writes each enqueued task in its own ``BEGIN EXCLUSIVE``
transaction, one connection per process. Concurrent enqueues from several processes meet
SQLite's lock and poll it with growing sleeps, as the database's writers did before
:mod:`kefu.core.db.sqlite3`; here, too, every write transaction first takes an ``flock``
on a file beside the queue's database, so waiting writers sleep until it is free.
"""

from __future__ import annotations

import contextlib
import threading

from huey import SqliteHuey
from huey.storage import SqliteStorage

from kefu.core.db.filelock import WriterLock


class QueuedSqliteStorage(SqliteStorage):
    _writers: WriterLock | None = None

    def __init__(self, *args, **kwargs) -> None:
        # one lock file per process, so one thread of the process at a time goes for it
        self._writers_in_process = threading.Lock()
        super().__init__(*args, **kwargs)  # creates the tables: a write

    @contextlib.contextmanager
    def db(self, commit=False, close=False):
        if not commit:
            with super().db(commit=False, close=close) as cursor:
                yield cursor
            return
        with self._writers_in_process:
            if self._writers is None:
                self._writers = WriterLock(self.filename)
            self._writers.acquire()
            try:
                with super().db(commit=True, close=close) as cursor:
                    yield cursor
            finally:
                self._writers.release()


class QueuedSqliteHuey(SqliteHuey):
    storage_class = QueuedSqliteStorage
