"""The queue page reader: the same orders as the queue, in the same order, page by page.

On PostgreSQL a scoped queue is read as a union of index walks (one per department of the
subtree and per way of taking part); these tests hold it to the plain queue's answer.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.tickets import services
from kefu.tickets.selectors import QUEUES, TicketFilter, keyset_page, queue, queue_page
from kefu.tickets.states import Action

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(org, catalog, new_ticket):
    """Orders across departments, statuses, priorities, grades and ways of taking part."""
    made = []
    for priority, grade in (("urgent", "A"), ("normal", "B"), ("low", ""), ("high", "C")):
        made.append(new_ticket(priority=priority, customer_grade=grade))
        made.append(new_ticket(priority=priority, customer_grade=grade, dispatch=True))
    signed = new_ticket(dispatch=True)
    services.ticket_transition(ticket=signed, action=Action.SIGN, actor=org.head, owner=org.handler)
    services.ticket_urge(ticket=made[1], actor=org.agent, note="快点")
    services.ticket_supervise(
        ticket=made[3], actor=org.head, due=timezone.localdate() + timedelta(days=2)
    )
    made.append(new_ticket(actor=catalog.officer, category=catalog.complaint, dispatch=True))
    made.append(new_ticket(actor=None, channel="web", title="网上报修"))
    made.append(new_ticket(category=catalog.consult, settle_with="已答复"))
    return made


def walk(user, name, *, size, filters=None):
    seen, cursor = [], ""
    while True:
        rows, cursor = queue_page(user, name, filters, after=cursor, size=size)
        seen += [row.pk for row in rows]
        if not cursor:
            return seen


@pytest.mark.parametrize("name", QUEUES)
def test_every_persona_pages_through_exactly_the_queue(org, catalog, spread, name):
    for user in [*org.personas().values(), catalog.officer, catalog.handler2]:
        expected = list(queue(user, name).values_list("pk", flat=True))
        assert walk(user, name, size=2) == expected, user.username
        assert walk(user, name, size=50) == expected, user.username


def test_filters_apply_to_the_page_as_to_the_queue(org, catalog, spread):
    filters = TicketFilter(status=("closed", "dispatched", "received"), grade="A")
    expected = list(queue(org.head, "all", filters).values_list("pk", flat=True))
    assert expected
    assert walk(org.head, "all", size=1, filters=filters) == expected


def test_the_page_cursor_is_the_keyset_cursor(org, spread):
    rows, cursor = queue_page(org.head, "all", size=3)
    plain_rows, plain_cursor = keyset_page(queue(org.head, "all"), size=3)
    assert [r.pk for r in rows] == [r.pk for r in plain_rows]
    assert cursor == plain_cursor


def test_scoped_page_query_count_does_not_grow(org, new_ticket, django_assert_max_num_queries):
    new_ticket(dispatch=True)
    with django_assert_max_num_queries(10) as captured:
        queue_page(org.head, "all", size=30)
    few = len(captured.captured_queries)
    for _ in range(20):
        new_ticket(dispatch=True)
    with django_assert_max_num_queries(few):
        queue_page(org.head, "all", size=30)
