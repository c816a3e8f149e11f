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

import fcntl
import os
import weakref

from django.db.backends.sqlite3 import base

_open_wrappers: weakref.WeakSet = weakref.WeakSet()


def _forget_after_fork() -> None:
    # A forked child shares its parent's open files, and with them the parent's flocks:
    # it opens its own on first use instead.
    for wrapper in list(_open_wrappers):
        wrapper._writer_fd = None
        wrapper._writer_holds = False


os.register_at_fork(after_in_child=_forget_after_fork)


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_fd: int | None = None
    _writer_holds = False

    def _writer_file(self) -> int | None:
        if self._writer_fd is None:
            if self.is_in_memory_db():
                return None
            path = f"{self.settings_dict['NAME']}-writers.lock"
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._writer_fd = fd
            weakref.finalize(self, os.close, fd)
            _open_wrappers.add(self)
        return self._writer_fd

    def _writer_acquire(self) -> None:
        fd = self._writer_file()
        if fd is not None and not self._writer_holds:
            fcntl.flock(fd, fcntl.LOCK_EX)  # sleeps, without the GIL, until it is free
            self._writer_holds = True

    def _writer_release(self) -> None:
        if self._writer_holds:
            self._writer_holds = False
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)

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
