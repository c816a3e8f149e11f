"""Django's PostgreSQL health check (``CONN_HEALTH_CHECKS``): a connection the server ended
is replaced before a request uses it."""

import select

import psycopg
import pytest
from django.db import close_old_connections, connection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL health check is tested on PostgreSQL (DATABASE_URL)")


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
