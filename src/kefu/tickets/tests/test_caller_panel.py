"""The caller panel beside the intake form, during a live call: the caller's recent orders
open and finished with status, handler, next deadline and last note; the address and
accounts of their customer file; linking the call to an open order with what they said."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.customers.tests.conftest import customer  # noqa: F401
from kefu.sla import services as sla_services
from kefu.tickets import services
from kefu.tickets.models import EventKind, Ticket
from kefu.tickets.states import Action
from kefu.tickets.tests.rendered import rendered_form

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PHONE = "13812345678"  # 王主任 of the customer file


@pytest.fixture
def history(org, new_ticket, customer):  # noqa: F811
    """Yesterday's order of the caller, cancelled; this morning's, signed for by the
    handler with a note, 20 minutes old under the property preset (yellow)."""
    sla_services.sla_preset_load(industry="property")
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        old = new_ticket(title="门禁卡失灵", dispatch=True)
        old = services.ticket_transition(
            ticket=old, action=Action.CANCEL, actor=org.agent, reason="客户已自行解决"
        )
    with time_machine.travel(NOW - timedelta(minutes=20), tick=False):
        open_ = new_ticket(dispatch=True, address="")
        open_ = services.ticket_transition(
            ticket=open_, action=Action.SIGN, actor=org.head, owner=org.handler
        )
        services.ticket_add_note(ticket=open_, actor=org.handler, note="已电话联系，下午上门")
    with time_machine.travel(NOW, tick=False):
        yield {"old": old, "open": open_}


def item(html: str, number: str) -> str:
    (found,) = re.findall(rf'<li data-testid="caller-order-{number}">(.*?)</li>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found).split())


def test_the_panel_shows_recent_orders_open_and_finished(client_as, org, history):
    html = client_as(org.agent).get(f"/tickets/new/caller/?contact_phone={PHONE}").content.decode()
    opened = item(html, history["open"].number)
    assert "已签收" in opened
    assert "处理人： handler · 维修部" in opened
    assert "正常 · 剩 1 小时" in opened  # first contact met at signing; arrival due 11:40
    assert "最近备注：已电话联系，下午上门" in opened
    finished = html[html.index('data-testid="caller-finished-orders"') :]
    assert history["old"].number in finished
    old = item(html, history["old"].number)
    assert "已取消" in old
    assert "最近备注：客户已自行解决" in old


def test_the_phone_switch_opens_the_form_with_the_callers_file_and_address(
    client_as,
    org,
    history,
    customer,  # noqa: F811
):
    html = client_as(org.agent).get(f"/tickets/new/?calling_number={PHONE}").content.decode()
    assert re.search(r'name="address" value="锦城大道1号"', html)
    assert re.search(rf'name="customer" value="{customer.pk}"', html)
    assert "DL0012345678" in html  # the account, beside its premises


def test_linking_the_call_keeps_what_the_caller_said(client_as, org, history):
    agent = client_as(org.agent)
    html = agent.get(f"/tickets/new/?calling_number={PHONE}").content.decode()
    form = rendered_form(html, f"link-repeat-{history['open'].number}")
    assert "note" in form.fields
    form.fields["note"] = "客户说还没人联系他，很着急"
    agent.post(form.action, form.fields)
    ticket = Ticket.objects.get(pk=history["open"].pk)
    assert ticket.repeat_count == 1
    repeat = ticket.events.get(kind=EventKind.REPEAT)
    assert repeat.note == "客户说还没人联系他，很着急"


def test_the_panel_reads_a_fixed_number_of_queries(client_as, org, history, new_ticket):
    agent = client_as(org.agent)
    url = f"/tickets/new/caller/?contact_phone={PHONE}"
    agent.get(url)
    before = _count(agent, url)
    for _ in range(3):
        new_ticket(dispatch=True)
    assert _count(agent, url) == before


def _count(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)
