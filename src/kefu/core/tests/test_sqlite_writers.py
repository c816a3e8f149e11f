"""SQLite writers queue for the lock instead of failing or polling (kefu.core.db.sqlite3)."""

import os
import threading

import pytest
from django.db import OperationalError, connections, transaction

ALIAS = "writers_test"
THREADS = 4
TRANSACTIONS = 40


@pytest.fixture
def writers_db(tmp_path, django_db_blocker):
    """A file database of its own, with SQLite's busy timeout at 0: any writer that found
    SQLite's lock taken would fail at once with "database is locked"."""
    path = tmp_path / "writers.sqlite3"
    connections.settings[ALIAS] = {
        **connections["default"].settings_dict,
        "ENGINE": "kefu.core.db.sqlite3",
        "NAME": str(path),
        "OPTIONS": {"timeout": 0, "transaction_mode": "IMMEDIATE"},
        "CONN_MAX_AGE": 0,
        "ATOMIC_REQUESTS": False,
        "TEST": {"NAME": str(path)},
    }
    with django_db_blocker.unblock():
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("CREATE TABLE counter (value INTEGER NOT NULL)")
            cursor.execute("INSERT INTO counter VALUES (0)")
        yield path
        connections[ALIAS].close()
    del connections[ALIAS]
    del connections.settings[ALIAS]


def hammer() -> list[str]:
    """THREADS threads, each committing TRANSACTIONS read-modify-write transactions."""
    errors: list[str] = []

    def work():
        try:
            for _ in range(TRANSACTIONS):
                with transaction.atomic(using=ALIAS), connections[ALIAS].cursor() as cursor:
                    cursor.execute("SELECT value FROM counter")
                    (value,) = cursor.fetchone()
                    cursor.execute("UPDATE counter SET value = %s", [value + 1])
        except OperationalError as exc:
            errors.append(str(exc))
        finally:
            connections[ALIAS].close()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_writers_in_two_processes_all_get_in(writers_db):
    child = os.fork()
    if child == 0:  # a second process, as a second gunicorn worker would be
        os._exit(1 if hammer() else 0)
    errors = hammer()
    _, status = os.waitpid(child, 0)
    assert errors == []
    assert os.waitstatus_to_exitcode(status) == 0
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT value FROM counter")
        assert cursor.fetchone() == (2 * THREADS * TRANSACTIONS,)


def test_a_failed_transaction_lets_the_next_writer_in(writers_db):
    class Refused(Exception):
        pass

    def write_then_fail():
        with transaction.atomic(using=ALIAS):
            connections[ALIAS].cursor().execute("UPDATE counter SET value = 5")
            raise Refused

    with pytest.raises(Refused):
        write_then_fail()
    done = []
    thread = threading.Thread(target=lambda: done.append(hammer()))
    thread.start()
    thread.join()
    assert done == [[]]
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT value FROM counter")
        assert cursor.fetchone() == (THREADS * TRANSACTIONS,)
