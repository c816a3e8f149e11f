"""New orders read the time-limit policies through a per-process copy (kefu.sla.engine):
a change to a policy is seen by the very next order."""

import pytest

from kefu.calendars import services as calendars
from kefu.sla import services as sla
from kefu.sla.models import SlaPolicy, TicketDeadline

# Committed transactions: the copy is only kept when read outside a transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def hours_of(ticket) -> list[int]:
    return list(TicketDeadline.objects.filter(ticket=ticket).values_list("amount", flat=True))


def test_a_changed_or_switched_off_policy_applies_to_the_next_order(org, catalog, new_ticket):
    calendars.calendars_ensure()
    calendar = calendars.work_calendar_create(code="always", name="全天", always_open=True)
    policy = sla.sla_policy_create(code="repair", name="报修", order=1, ticket_types="repair")
    milestone = sla.sla_milestone_create(
        policy=policy, kind="reply", amount=4, unit="hours", calendar=calendar
    )
    first = new_ticket()
    assert (first.sla_policy_code, hours_of(first)) == ("repair", [4])
    assert new_ticket().next_due_at is not None  # served from the copy

    sla.sla_milestone_update(milestone=milestone, amount=2)
    assert hours_of(new_ticket()) == [2]

    sla.sla_policy_update(policy=SlaPolicy.objects.get(code="repair"), is_active=False)
    later = new_ticket()
    assert hours_of(later) == []
    assert later.next_due_at is None
