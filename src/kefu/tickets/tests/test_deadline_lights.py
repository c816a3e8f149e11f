"""What is late now: the queue shows each order's next deadline with a traffic light that
also reads in words (正常 · 剩…, 预警 · 剩…, 超时…): yellow from the time-limit policy's
first warning threshold, red once the deadline has passed; an 超时 tab lists the open orders
whose next deadline has passed, within the person's scope, with a count on the tab."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import make_staff

from kefu.sla import services as sla_services
from kefu.tickets.models import Ticket

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def three(new_ticket):
    """Three repair calls under the property preset (first contact within 30 min, warned
    at 50 %, i.e. 15 min): received 5, 20 and 40 minutes before the clock now stands."""
    sla_services.sla_preset_load(industry="property")
    made = {}
    for name, minutes in (("later", 5), ("soon", 20), ("late", 40)):
        with time_machine.travel(NOW - timedelta(minutes=minutes), tick=False):
            made[name] = new_ticket(dispatch=True)
    with time_machine.travel(NOW, tick=False):
        yield made


def lights(html: str) -> dict[str, tuple[str, str]]:
    """Each row's number → (light class, light text as read)."""
    found = re.findall(
        r'data-testid="due-([A-Z0-9-]+)" class="badge light (\w+)">(.*?)</span></span>',
        html,
    )
    return {
        number: (kind, " ".join(re.sub(r"<[^>]+>", " ", inner).split()[1:]))
        for number, kind, inner in found
    }


def test_each_row_carries_a_light_that_reads_in_words(client_as, org, three):
    html = client_as(org.head).get("/tickets/?queue=all").content.decode()
    assert lights(html) == {
        three["later"].number: ("ok", "正常 · 剩 25 分钟"),
        three["soon"].number: ("warn", "预警 · 剩 10 分钟"),
        three["late"].number: ("late", "超时 10 分钟"),
    }
    assert 'data-testid="light-legend"' in html


def test_the_order_carries_the_policys_first_warning_instant(three):
    soon = Ticket.objects.get(pk=three["soon"].pk)
    assert soon.next_due_at == NOW + timedelta(minutes=10)
    assert soon.next_warn_at == NOW - timedelta(minutes=5)


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
