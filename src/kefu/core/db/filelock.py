"""An exclusive ``flock`` on a file beside a database: the queue its writers wait in."""

from __future__ import annotations

import fcntl
import os


class WriterLock:
    """``flock`` on ``<database>-writers.lock`` through this object's own open file.

    flocks belong to the open file, so two objects (one per connection, say) exclude each
    other even in one process, while one object must not be shared by threads that should
    exclude each other. A forked child shares its parent's open files, and with them the
    parent's lock: the child opens the file anew on first use.
    """

    def __init__(self, database_path: str) -> None:
        self.path = f"{database_path}-writers.lock"
        self._fd: int | None = None
        self._pid: int | None = None
        self._held = False

    def acquire(self) -> None:
        fd = self._file()
        if not self._held:
            fcntl.flock(fd, fcntl.LOCK_EX)  # sleeps, without the GIL, until it is free
            self._held = True

    def release(self) -> None:
        if self._held and self._pid == os.getpid():
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._held = False

    def _file(self) -> int:
        if self._pid != os.getpid():
            if self._fd is not None and self._pid is not None:
                os.close(self._fd)  # the parent's: closing our copy leaves its lock alone
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
            self._held = False
        return self._fd

    def __del__(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
