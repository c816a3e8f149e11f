"""Register numbers under concurrency: simultaneous complaints on PostgreSQL get distinct,
consecutive numbers of the month."""

import threading

import pytest
import time_machine
from django.db import connection, connections

from kefu.complaints.models import ComplaintCase
from kefu.complaints.tests.conftest import at
from kefu.tickets import services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS = 30


def test_concurrent_complaints_get_consecutive_register_numbers(org, catalog):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency of register numbers is tested on PostgreSQL (DATABASE_URL)")
    barrier = threading.Barrier(WRITERS)
    errors = []

    def create(n):
        try:
            barrier.wait(timeout=30)
            services.ticket_create(
                actor=org.agent,
                category=catalog.complaint,
                channel="hotline",
                title=f"并发投诉 {n}",
                contact_phone="13812345678",
                now=at(2025, 3, 5, 10, 0),
            )
        except Exception as exc:  # collected and reported below
            errors.append(exc)
        finally:
            connections.close_all()

    with time_machine.travel(at(2025, 3, 5, 10, 0), tick=True):
        threads = [threading.Thread(target=create, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert errors == []
    numbers = sorted(ComplaintCase.objects.values_list("register_no", flat=True))
    assert numbers == [f"2503{n:02d}" for n in range(1, WRITERS + 1)]
