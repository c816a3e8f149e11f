"""SQLite with a queue for writers.

SQLite lets one writer in at a time. A writer that finds the database locked polls it,
sleeping 1, 2, 5, 10 … up to 100 ms between tries, so under concurrent writes a request
can wait far longer than the transactions in front of it took, and which writer gets in
next is luck. Here every write transaction (Django starts each atomic block with
``BEGIN IMMEDIATE``) first takes an ``flock`` on a file beside the database, each
connection through its own open file: waiting writers, in any thread of any process,
sleep in the kernel until the lock is free, and SQLite's own lock is then free when they
ask for it. The lock is released when the transaction commits or rolls back, or the
connection closes.

Like a row lock in PostgreSQL, the wait has no time limit: a writer waits for the
transaction in front of it, however long that takes, instead of failing with "database is
locked" after the ``timeout`` option's seconds.

In-memory databases (the test database) live in one process and are left to SQLite.
"""

from __future__ import annotations

from django.db.backends.sqlite3 import base

from kefu.core.db.filelock import WriterLock


class DatabaseWrapper(base.DatabaseWrapper):
    _writers: WriterLock | None = None

    def _writer_acquire(self) -> None:
        if self._writers is None:
            if self.is_in_memory_db():
                return
            self._writers = WriterLock(self.settings_dict["NAME"])
        self._writers.acquire()

    def _writer_release(self) -> None:
        if self._writers is not None:
            self._writers.release()

    def _start_transaction_under_autocommit(self):
        self._writer_acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._writer_release()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._writer_release()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._writer_release()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._writer_release()
