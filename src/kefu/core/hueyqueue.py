"""The task queue on SQLite (no Redis configured), with writers queueing for the lock.

Huey's SQLite storage writes each enqueued task in its own ``BEGIN EXCLUSIVE``
transaction, one connection per process. Concurrent enqueues from several processes meet
SQLite's lock and poll it with growing sleeps, as the database's writers did before
:mod:`kefu.core.db.sqlite3`; here, too, every write transaction first takes an ``flock``
on a file beside the queue's database, so waiting writers sleep until it is free.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading

from huey import SqliteHuey
from huey.storage import SqliteStorage


class QueuedSqliteStorage(SqliteStorage):
    def __init__(self, *args, **kwargs) -> None:
        self._writers = threading.Lock()  # one thread of this process at the file lock
        self._writers_file: tuple[int, int] | None = None  # (pid, fd)
        super().__init__(*args, **kwargs)

    def _writers_fd(self) -> int:
        pid = os.getpid()
        if self._writers_file is None or self._writers_file[0] != pid:
            # a forked child shares its parent's open file, and flocks belong to it
            path = f"{self.filename}-writers.lock"
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._writers_file = (pid, fd)
        return self._writers_file[1]

    @contextlib.contextmanager
    def db(self, commit=False, close=False):
        if not commit:
            with super().db(commit=False, close=close) as cursor:
                yield cursor
            return
        with self._writers:
            fd = self._writers_fd()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                with super().db(commit=True, close=close) as cursor:
                    yield cursor
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)


class QueuedSqliteHuey(SqliteHuey):
    storage_class = QueuedSqliteStorage
