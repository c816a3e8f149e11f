"""The printable work order (派工单): what a field team needs on paper, on A4 or an 80 mm
receipt, seen by the same people as the order page."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.sla import services as sla_services
from kefu.tickets import services
from kefu.tickets.states import Action

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def field(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</dd>', html, re.S)
    assert match, testid
    return text(match.group(1)).strip()


@pytest.fixture
def signed_order(org, catalog, new_ticket):
    sla_services.sla_preset_load(industry="property")
    with time_machine.travel(datetime(2026, 3, 10, 9, 30, tzinfo=SHANGHAI), tick=False):
        ticket = new_ticket(
            description="楼上漏水，厨房顶棚滴水。",
            extra={"meter_no": "SB-00123"},
        )
        ticket = services.ticket_transition(ticket=ticket, action=Action.DISPATCH, actor=org.agent)
        return services.ticket_transition(
            ticket=ticket, action=Action.SIGN, actor=org.head, owner=org.handler
        )


def test_the_handler_prints_the_work_order_on_a4(client_as, org, signed_order):
    ticket = signed_order
    detail = client_as(org.handler).get(f"/tickets/{ticket.pk}/").content.decode()
    link = re.search(r'href="([^"]+)" data-testid="print-order"', detail)
    assert link, "the order page links to the printable work order"

    response = client_as(org.handler).get(link.group(1))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-paper="a4"' in html
    assert "print-a4.css" in html and "print-receipt.css" not in html
    assert field(html, "wo-category").endswith("水电报修")
    assert field(html, "wo-priority") == "高"
    assert field(html, "wo-received") == "2026-03-10 09:30"
    assert ticket.number in text(html)
    assert field(html, "wo-customer") == "张先生"
    # the handler calls the customer: the number whole, and a tap dials it
    assert field(html, "wo-phone") == "13812345678"
    assert 'href="tel:13812345678"' in html
    assert field(html, "wo-address") == "城东区幸福小区3栋"
    assert "表号" in text(html) and field(html, "wo-extra") == "SB-00123"
    assert "楼上漏水，厨房顶棚滴水。" in html
    assert field(html, "wo-department") == "水电班" or field(html, "wo-department") == "维修部"
    assert field(html, "wo-owner").startswith(org.handler.display_name)
    blanks = text(html[html.index('data-testid="wo-blanks"') :])
    for label in ("到场时间", "处理结果", "客户签字", "处理人签字"):
        assert label in blanks
    # printing is a button kefu.js binds to window.print() (no inline code)
    assert 'data-print data-testid="print-button"' in html
    assert "<script>" not in html and "onclick" not in html


def test_the_work_order_shows_the_open_time_limits(client_as, org, signed_order):
    from kefu.sla.selectors import ticket_deadlines

    ticket = signed_order
    ticket.refresh_from_db()
    html = client_as(org.handler).get(f"/tickets/{ticket.pk}/print/").content.decode()
    open_limits = [d for d in ticket_deadlines(ticket) if d.due_at and not d.met_at]
    assert open_limits, "a repair order has running time limits"
    printed = re.findall(r'<dt>([^<]*)</dt><dd data-testid="wo-deadline">([^<]*)', html)
    assert [name for name, _ in printed] == [d.name for d in open_limits]
    for (_name, due), limit in zip(printed, open_limits, strict=True):
        assert due.startswith(limit.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"))
    if ticket.next_due_at:
        assert field(html, "wo-next-due") == ticket.next_due_at.astimezone(SHANGHAI).strftime(
            "%Y-%m-%d %H:%M"
        )


def test_the_receipt_form_is_80_mm(client_as, org, signed_order):
    html = (
        client_as(org.handler)
        .get(f"/tickets/{signed_order.pk}/print/?format=receipt")
        .content.decode()
    )
    assert 'data-paper="receipt"' in html
    assert "print-receipt.css" in html and "print-a4.css" not in html
    assert field(html, "wo-phone") == "13812345678"
    assert "客户签字" in text(html)


def test_an_unknown_paper_falls_back_to_a4(client_as, org, signed_order):
    html = client_as(org.handler).get(f"/tickets/{signed_order.pk}/print/?format=x").content
    assert b'data-paper="a4"' in html


def test_someone_who_cannot_see_the_order_gets_404(client_as, org, signed_order):
    outsider = client_as(org.account_manager)
    assert outsider.get(f"/tickets/{signed_order.pk}/").status_code == 404
    assert outsider.get(f"/tickets/{signed_order.pk}/print/").status_code == 404


def test_logged_out_people_are_sent_to_log_in(client, signed_order):
    response = client.get(f"/tickets/{signed_order.pk}/print/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_sealed_reporter_stays_off_the_paper(client_as, org, signed_order):
    from kefu.tickets.models import Ticket

    Ticket.objects.filter(pk=signed_order.pk).update(identity_sealed=True)
    html = client_as(org.handler).get(f"/tickets/{signed_order.pk}/print/").content.decode()
    assert field(html, "wo-sealed") == "已保密"
    for hidden in ("wo-customer", "wo-phone", "wo-address", "tel:"):
        assert hidden not in html
