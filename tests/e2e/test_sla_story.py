"""Time limits in the browser: a repair order is warned, goes overdue, is urged
automatically and escalated, the first responder tells the customer of the delay, the
order is resolved late and closed, and the late department answers the investigation
notice opened at the closure — all on the live server, with the clock moved by the test
(never slept on)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from kefu.org import services as org_services
from kefu.sla import engine
from kefu.sla import services as sla_services
from kefu.tickets import services
from kefu.tickets.models import Ticket, TicketType
from kefu.tickets.states import Action
from tests.e2e.conftest import log_in, log_out, open_more_actions

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Deadline-2026-pass"
SH = ZoneInfo("Asia/Shanghai")
# a Monday after today, so that every cookie the server sets is still valid for the browser
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=SH)


def row_of(page, milestone: str):
    return page.get_by_test_id("ticket-deadlines").locator("tr", has_text=milestone)


def test_order_warned_overdue_urged_investigated_and_resolved_late(page, org, settings):
    settings.SESSION_COOKIE_AGE = 7 * 24 * 3600  # the clock jumps hours ahead below
    for person in (org.agent, org.head, org.handler, org.shift_leader):
        org_services.staff_set_password(user=person, password=PASSWORD)
    sla_services.sla_preset_load(industry="property")  # repairs: on site within 2 h, 24×7
    services.category_create(
        name="水电报修",
        code="repair-water",
        ticket_type=TicketType.objects.get(code="repair"),
        lead_department=org.repairs,
    )

    with time_machine.travel(T0, tick=True) as clock:
        # 09:00 the agent takes the call; the head signs it for the handler at once
        log_in(page, "agent", PASSWORD)
        page.goto(page.base_url + "/tickets/new/?calling_number=13812345678")
        page.get_by_label("联系人").fill("张先生")
        page.get_by_label("业务分类").select_option(label="水电报修")
        page.get_by_label("标题").fill("卫生间水管漏水")
        page.get_by_role("button", name="受理并派单").click()
        expect(page.get_by_test_id("ticket-status")).to_have_text("已派单")
        ticket = Ticket.objects.get()
        services.ticket_transition(
            ticket=ticket, action=Action.SIGN, actor=org.head, owner=org.handler
        )
        log_out(page)

        # 10:01 — half the on-site time is used up: the handler is warned
        clock.move_to(T0 + timedelta(hours=1, minutes=1))
        assert engine.sla_sweep()["warnings"] == 1
        log_in(page, "handler", PASSWORD)
        page.goto(page.base_url + f"/tickets/{ticket.pk}/")
        expect(row_of(page, "到场")).to_contain_text("已预警")
        expect(page.get_by_test_id("timeline")).to_contain_text("时限预警")

        # 11:01 — on site is overdue: urged automatically
        clock.move_to(T0 + timedelta(hours=2, minutes=1))
        assert engine.sla_sweep()["breaches"] == 1
        page.reload()
        expect(row_of(page, "到场")).to_contain_text("已超时")
        timeline = page.get_by_test_id("timeline")
        expect(timeline).to_contain_text("时限超时")
        expect(timeline).to_contain_text("催办")
        page.goto(page.base_url + "/tickets/?queue=urged")
        expect(page.get_by_role("link", name=ticket.number)).to_be_visible()

        log_out(page)

        # the first responder is asked to tell the customer; she does, by phone
        log_in(page, "agent", PASSWORD)
        expect(page.get_by_text("待告知客户延期")).to_be_visible()
        page.goto(page.base_url + "/sla/delay-notices/")
        page.get_by_role("link", name=ticket.number).click()
        notice = page.get_by_test_id("delay-notice-form")
        notice.get_by_label("告知方式").select_option(label="电话")
        notice.get_by_label("告知客户的原因").fill("配件缺货，正在调货")
        notice.get_by_label("新的预计完成时间").fill("2026-11-30T15:00")
        notice.get_by_role("button", name="登记延期告知").click()
        expect(page.get_by_test_id("delay-notice-done")).to_contain_text("配件缺货，正在调货")
        log_out(page)

        # 15:01 — four hours overdue: the service centre's shift leader is told
        clock.move_to(T0 + timedelta(hours=6, minutes=1))
        assert engine.sla_sweep()["escalations"] == 1
        log_in(page, "shiftlead", PASSWORD)
        page.goto(page.base_url + f"/tickets/{ticket.pk}/")
        expect(row_of(page, "到场")).to_contain_text("已升级至客服中心")
        log_out(page)

        # 15:30 — the handler resolves the order, late
        clock.move_to(T0 + timedelta(hours=6, minutes=30))
        log_in(page, "handler", PASSWORD)
        page.goto(page.base_url + f"/tickets/{ticket.pk}/")
        open_more_actions(page)
        resolve = page.locator("form", has=page.get_by_role("button", name="办结", exact=True))
        resolve.locator("textarea[name=resolution]").fill("已更换水管，客户确认不再漏水。")
        resolve.get_by_role("button", name="办结", exact=True).click()
        expect(page.get_by_test_id("ticket-status")).to_have_text("已办结")
        expect(row_of(page, "到场")).to_contain_text("超时完成")
        log_out(page)

        # the customer sees the reason and the new time in the progress lookup
        page.goto(page.base_url + "/track/")
        page.get_by_label("工单号").fill(ticket.number)
        page.get_by_label("手机号后四位").fill("5678")
        page.get_by_role("button", name="查询").click()
        progress = page.get_by_test_id("progress")
        expect(progress).to_contain_text("配件缺货，正在调货")
        expect(progress).not_to_contain_text("从仓库调货")  # the internal answer stays inside

        # 16:00 — the order is closed: the audit finds 维修部's on-site step late and sends it
        # the investigation notice (查办单), which the handler answers with the reason
        clock.move_to(T0 + timedelta(hours=7))
        services.ticket_transition(ticket=ticket, action=Action.CLOSE, actor=org.agent)
        log_in(page, "handler", PASSWORD)
        page.goto(page.base_url + f"/tickets/{ticket.pk}/")
        expect(row_of(page, "到场")).to_contain_text("查办单（维修部）")
        page.get_by_label("查办单：超时原因").fill("配件缺货，需从仓库调货")
        page.get_by_role("button", name="答复", exact=True).click()
        expect(row_of(page, "到场")).to_contain_text("配件缺货，需从仓库调货")
