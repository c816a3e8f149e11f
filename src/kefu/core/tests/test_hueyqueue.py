"""Enqueues from several processes and threads all reach the SQLite task queue."""

import os
import threading

from kefu.core.hueyqueue import QueuedSqliteStorage

THREADS = 4
TASKS = 50


def enqueue_all(storage_class, path) -> list[str]:
    """THREADS threads enqueueing TASKS tasks each; SQLite's busy timeout is 0, so any
    enqueue that met SQLite's lock taken fails at once."""
    storage = storage_class(filename=str(path), timeout=0)
    errors: list[str] = []

    def work():
        for n in range(TASKS):
            try:
                storage.enqueue(f"task {n}".encode())
            except Exception as exc:
                errors.append(str(exc))

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def run_two_processes(storage_class, path) -> tuple[list[str], int, int]:
    storage_class(filename=str(path))  # creates the tables once
    child = os.fork()
    if child == 0:
        os._exit(1 if enqueue_all(storage_class, path) else 0)
    errors = enqueue_all(storage_class, path)
    _, status = os.waitpid(child, 0)
    return errors, os.waitstatus_to_exitcode(status), storage_class(filename=str(path)).queue_size()


def test_every_enqueue_gets_in(tmp_path):
    # Huey's own SqliteStorage fails this (database is locked) nearly every run.
    errors, child_status, size = run_two_processes(QueuedSqliteStorage, tmp_path / "q.db")
    assert (errors, child_status, size) == ([], 0, 2 * THREADS * TASKS)
