"""Numbers under concurrency: 50 simultaneous creations on PostgreSQL give 50 distinct,
consecutive numbers."""

import threading

import pytest
from django.db import connection, connections

from kefu.tickets import services
from kefu.tickets.models import Ticket

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

WRITERS = 50


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency of number allocation is tested on PostgreSQL (DATABASE_URL)")


def test_fifty_concurrent_creations_get_consecutive_numbers(postgres_only, org, catalog):
    barrier = threading.Barrier(WRITERS)
    errors = []

    def create(n):
        try:
            barrier.wait(timeout=30)
            services.ticket_create(
                actor=org.agent,
                category=catalog.repair,
                channel="hotline",
                title=f"并发 {n}",
                contact_phone="13812345678",
            )
        except Exception as exc:  # collected and reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    serials = [int(number.rsplit("-", 1)[1]) for number in numbers]
    assert len(set(numbers)) == WRITERS
    assert serials == list(range(1, WRITERS + 1))


def race(*calls):
    """Run the calls at the same moment in separate threads (own connections)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except Exception as exc:  # the refused side is expected to raise
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_people_acting_at_once_cannot_both_win(postgres_only, org, catalog):
    from django.core.exceptions import ValidationError

    from kefu.tickets.states import Action, Status

    ticket = services.ticket_create(
        actor=org.agent,
        category=catalog.repair,
        channel="hotline",
        title="抢签",
        contact_phone="13812345678",
        dispatch=True,
    )
    outcomes = race(
        lambda: services.ticket_transition(
            ticket=ticket, action=Action.SIGN, actor=org.head, owner=org.handler
        ),
        lambda: services.ticket_transition(
            ticket=ticket, action=Action.SIGN, actor=catalog.handler2
        ),
    )
    winners = [o for o in outcomes if isinstance(o, Ticket)]
    losers = [o for o in outcomes if isinstance(o, Exception)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert isinstance(losers[0], ValidationError)
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.status == winners[0].status
    assert fresh.status == Status.SIGNED
    assert fresh.owner in {org.handler, catalog.handler2}
    # exactly one transition was recorded after the dispatch
    assert fresh.events.filter(kind="transition").count() == 2
