"""The PostgreSQL health check: free while the connection is quiet, and a connection the
server ended is replaced before a request uses it."""

import select

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.db.backends.postgresql import base as django_pg

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL health check is tested on PostgreSQL (DATABASE_URL)")


def test_a_quiet_connection_is_usable_without_a_round_trip(postgres, monkeypatch):
    connection.ensure_connection()

    def round_trip(self):
        raise AssertionError("SELECT 1 sent")

    monkeypatch.setattr(django_pg.DatabaseWrapper, "is_usable", round_trip)
    assert connection.is_usable()


def test_a_connection_the_server_ended_is_replaced(postgres):
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    # the server's farewell reaches the socket (waits for that event, at most 10 s)
    assert select.select([connection.connection.fileno()], [], [], 10)[0]
    assert not connection.is_usable()
    close_old_connections()  # what Django does when the next request starts
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
