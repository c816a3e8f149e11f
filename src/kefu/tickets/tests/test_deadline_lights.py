"""What is late now: the queue shows each order's next deadline with a traffic light that
also reads in words (正常, 预警, 超时), and an 超时 tab lists the open orders whose next
deadline has passed, within the person's scope, with a count on the tab."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import make_staff

from kefu.tickets.models import Ticket

pytestmark = pytest.mark.django_db

RECEIVED = datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def three(new_ticket):
    """Three dispatched orders received together: due much later, due within the warning
    share (under 20 % of the time left), and past due; the clock then stands 9 h later."""
    with time_machine.travel(RECEIVED, tick=False):
        later, soon, late = (new_ticket(dispatch=True) for _ in range(3))
    for ticket, hours in ((later, 100), (soon, 10), (late, 5)):
        due = RECEIVED + timedelta(hours=hours)
        Ticket.objects.filter(pk=ticket.pk).update(next_due_at=due, due_sort=due)
    with time_machine.travel(RECEIVED + timedelta(hours=9), tick=False):
        yield {"later": later, "soon": soon, "late": late}


def lights(html: str) -> dict[str, tuple[str, str]]:
    """Each row's number → (light class, light text)."""
    found = re.findall(
        r'data-testid="due-([A-Z0-9-]+)" class="badge light (\w+)">.*?'
        r'<span class="light-text">([^<]+)</span>',
        html,
    )
    return {number: (kind, text) for number, kind, text in found}


def test_each_row_carries_a_light_that_reads_in_words(client_as, org, three):
    html = client_as(org.head).get("/tickets/?queue=all").content.decode()
    assert lights(html) == {
        three["later"].number: ("ok", "正常"),
        three["soon"].number: ("warn", "预警"),
        three["late"].number: ("late", "超时"),
    }


def tab_count(html: str, name: str) -> str:
    (count,) = re.findall(
        rf'data-testid="queue-tab-{name}">[^<]*<span class="badge[^"]*" '
        rf'data-testid="{name}-count">(\d+)</span>',
        html,
    )
    return count


def test_the_overdue_tab_lists_only_the_late_order_with_its_count(client_as, org, three):
    html = client_as(org.head).get("/tickets/?queue=overdue").content.decode()
    assert 'aria-current="page" data-testid="queue-tab-overdue"' in html
    assert tab_count(html, "overdue") == "1"
    assert list(lights(html)) == [three["late"].number]
    # the count shows on the other tabs too
    html = client_as(org.head).get("/tickets/?queue=all").content.decode()
    assert tab_count(html, "overdue") == "1"


def test_the_overdue_tab_keeps_to_the_persons_scope(client_as, org, three):
    elsewhere = make_staff("qahandler", org.quality, ["handler"], employee_no="PZ009")
    html = client_as(elsewhere).get("/tickets/?queue=overdue").content.decode()
    assert tab_count(html, "overdue") == "0"
    assert lights(html) == {}
    assert three["late"].number not in html


def test_a_closed_or_undated_order_is_not_overdue(client_as, org, three, new_ticket):
    Ticket.objects.filter(pk=three["late"].pk).update(status="closed")
    new_ticket(dispatch=True)  # no deadline at all
    html = client_as(org.head).get("/tickets/?queue=overdue").content.decode()
    assert tab_count(html, "overdue") == "0"
    assert lights(html) == {}
