"""The demo data looks like a service centre on a normal day: every complaint and tip-off
has its case file, the month's statistics have something to say, callers are known
customers, and most work is on time."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from kefu.complaints import rules as complaint_rules
from kefu.complaints.selectors import complaint_statistics
from kefu.org.models import User
from kefu.sla.models import TicketDeadline
from kefu.sla.selectors import compliance
from kefu.tickets.models import Ticket
from kefu.tickets.states import FINAL_STATUSES

pytestmark = pytest.mark.django_db


# The demo is written relative to the moment it is loaded; the tests load it on a fixed day
# in the middle of a month (the clock runs on from there), so the current month always has
# complaints registered and closed, whatever day the tests run.
LOADED_AT = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def demo():
    with time_machine.travel(LOADED_AT):
        call_command("demo", no_serve=True)
        yield User.objects.get(is_superuser=True, username="admin")


def test_every_complaint_and_tip_off_has_its_case_file(demo):
    orders = Ticket.objects.filter(ticket_type__code__in=["complaint", "tip_off"])
    assert orders.count() > 10
    assert not orders.filter(parent__isnull=True, complaint_case__isnull=True).exists()
    numbers = list(orders.values_list("complaint_case__register_no", flat=True))
    assert all(numbers) and len(set(numbers)) == len(numbers)


@pytest.mark.parametrize("months_back", [0, 1])
def test_the_months_complaint_statistics_are_neither_empty_nor_perfect(demo, months_back):
    month = complaint_rules.month_of(timezone.localdate())
    if months_back:
        month = complaint_rules.previous_months(month, 2)[0]
    stats = complaint_statistics(demo, month)
    assert stats.registered > 0
    assert stats.closed > 0
    assert 0 < stats.on_time_rate < 100


def test_orders_are_linked_to_customers_with_their_phone(demo):
    linked = Ticket.objects.filter(customer__isnull=False)
    # a tip-off's reporter, customer link included, is sealed off the order
    known = Ticket.objects.exclude(ticket_type__code="tip_off")
    assert linked.count() > known.count() // 2
    phones = {
        (customer_id, mobile)
        for customer_id, mobile in linked.values_list("customer_id", "customer__contacts__mobile")
    }
    for ticket in linked.filter(ticket_type__code="complaint")[:20]:
        assert (ticket.customer_id, ticket.contact_phone) in phones


def test_most_work_is_on_time(demo):
    now = timezone.now()
    unmet = TicketDeadline.objects.filter(met_at__isnull=True, due_at__isnull=False).exclude(
        ticket__status__in=FINAL_STATUSES
    )
    assert unmet.exists()
    overdue = unmet.filter(due_at__lt=now).count()
    assert overdue / unmet.count() < 0.2
    month = complaint_rules.month_of(timezone.localdate(now))
    total = compliance(demo, month=month, now=now)[-1]
    assert total.on_time_rate is not None
    assert 0 < total.on_time_rate < 100


def test_history_deadlines_agree_with_their_orders(demo):
    from django.db.models import F

    met = TicketDeadline.objects.filter(
        met_at__isnull=False, due_at__isnull=False, ticket__call_recording_ref__startswith="HIST-"
    )
    assert met.count() > 50
    late = met.filter(met_at__gt=F("due_at"))
    assert 0.02 < late.count() / met.count() < 0.2
    assert not late.filter(breached_at__isnull=True).exists()
    assert not met.filter(met_at__lte=F("due_at"), breached_at__isnull=False).exists()
