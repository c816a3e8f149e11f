"""The desk in the browser: the queue's deadline lights read under a frozen clock, the
caller panel while the agent types a known caller's number, and canned replies inserted
from the keyboard on the order page."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from kefu.customers import services as customer_services
from kefu.org import services as org_services
from kefu.sla import services as sla_services
from kefu.tickets import services
from kefu.tickets.models import CannedReply, TicketType
from kefu.tickets.states import Action
from tests.e2e.conftest import log_in, press_key

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Desk-2026-pass"
SH = ZoneInfo("Asia/Shanghai")
# a Monday after today, so that every cookie the server sets is still valid for the browser
T0 = datetime(2026, 11, 30, 10, 0, tzinfo=SH)
PHONE = "13812345678"


def repair(org):
    return services.category_create(
        name="水电报修",
        code="repair-water",
        ticket_type=TicketType.objects.get(code="repair"),
        lead_department=org.repairs,
    )


def take_call(org, category, minutes_before: int, **fields):
    with time_machine.travel(T0 - timedelta(minutes=minutes_before), tick=False):
        return services.ticket_create(
            actor=org.agent,
            category=category,
            channel="hotline",
            title=fields.pop("title", "厨房水管漏水"),
            contact_name="张先生",
            contact_phone=fields.pop("contact_phone", "13900000000"),
            dispatch=True,
            **fields,
        )


def light(page, number):
    badge = page.get_by_test_id(f"due-{number}")
    return badge.get_attribute("class").split()[-1], " ".join(badge.inner_text().split())


def test_the_queue_lights_each_order_and_the_overdue_tab_keeps_the_late_one(page, org):
    org_services.staff_set_password(user=org.agent, password=PASSWORD)
    sla_services.sla_preset_load(industry="property")  # first contact in 30 min, warned at 15
    category = repair(org)
    later = take_call(org, category, 5)
    soon = take_call(org, category, 20)
    late = take_call(org, category, 40)

    with time_machine.travel(T0, tick=False):
        log_in(page, "agent", PASSWORD)
        page.get_by_role("navigation", name="功能模块").get_by_role("link", name="工单").click()
        assert light(page, later.number) == ("ok", "● 正常 · 剩 25 分钟")
        assert light(page, soon.number) == ("warn", "● 预警 · 剩 10 分钟")
        assert light(page, late.number) == ("late", "● 超时 10 分钟")
        expect(page.get_by_test_id("light-legend")).to_contain_text("已过预警点")

        page.get_by_test_id("queue-tab-overdue").click()
        expect(page.get_by_test_id("queue-tab-overdue")).to_have_attribute("aria-current", "page")
        expect(page.get_by_test_id("overdue-count")).to_have_text("1")
        assert light(page, late.number) == ("late", "● 超时 10 分钟")
        expect(page.get_by_test_id(f"due-{later.number}")).to_have_count(0)
        expect(page.get_by_test_id(f"due-{soon.number}")).to_have_count(0)


def test_typing_a_known_callers_number_fills_the_caller_panel(page, org):
    org_services.staff_set_password(user=org.agent, password=PASSWORD)
    sla_services.sla_preset_load(industry="property")
    category = repair(org)
    customer = customer_services.customer_create(
        actor=org.account_manager,
        account_manager=org.account_manager,
        name="成都锦城物业有限公司",
        kind="organisation",
        id_type="credit_code",
        id_number="91350100M000100Y43",
        contacts=[customer_services.ContactData(name="王主任", is_key=True, mobile=PHONE)],
        accounts=[
            customer_services.AccountData(
                number="DL0012345678", kind="power", premises_address="锦城大道1号"
            )
        ],
    )
    done = take_call(org, category, 60 * 24, title="门禁卡失灵", contact_phone=PHONE)
    services.ticket_transition(
        ticket=done, action=Action.CANCEL, actor=org.agent, reason="客户已自行解决"
    )
    open_ = take_call(org, category, 20, contact_phone=PHONE, customer=customer)
    services.ticket_transition(ticket=open_, action=Action.SIGN, actor=org.head, owner=org.handler)
    services.ticket_add_note(ticket=open_, actor=org.handler, note="已电话联系，下午上门")

    with time_machine.travel(T0, tick=False):
        log_in(page, "agent", PASSWORD)
        page.get_by_role("navigation", name="功能模块").get_by_role("link", name="受理登记").click()
        page.get_by_label("来电号码").fill(PHONE)
        page.get_by_label("来电号码").press("Tab")
        panel = page.locator("#caller")
        opened = panel.get_by_test_id(f"caller-order-{open_.number}")
        expect(opened).to_contain_text("已签收")
        expect(opened).to_contain_text("处理人：handler")
        expect(opened).to_contain_text("正常 · 剩 1 小时")
        expect(opened).to_contain_text("最近备注：已电话联系，下午上门")
        finished = panel.get_by_test_id("caller-finished-orders")
        expect(finished).to_contain_text(done.number)
        expect(finished).to_contain_text("已取消")
        expect(panel.get_by_test_id("caller-account")).to_contain_text("DL0012345678")
        # the caller's one customer file is taken for the order, with its address
        expect(page.get_by_test_id("chosen-customer")).to_contain_text("成都锦城物业有限公司")
        expect(page.get_by_label("地址/地点")).to_have_value("锦城大道1号")

        opened.get_by_label("来电所述").fill("客户说还没人联系他")
        opened.get_by_role("button", name="关联本次来电").click()
        expect(page.get_by_test_id("timeline")).to_contain_text("客户说还没人联系他")


def test_a_canned_reply_is_inserted_from_the_keyboard(page, org):
    org_services.staff_set_password(user=org.handler, password=PASSWORD)
    category = repair(org)
    CannedReply.objects.create(title="已受理", text="工单{number}已受理。")
    CannedReply.objects.create(
        title="已派维修", text="已安排维修人员上门，请家中留人。", category=category
    )
    ticket = take_call(org, category, 5)
    services.ticket_transition(ticket=ticket, action=Action.SIGN, actor=org.head, owner=org.handler)

    log_in(page, "handler", PASSWORD)
    page.goto(page.base_url + f"/tickets/{ticket.pk}/")
    press_key(page, "Alt+W")
    note = page.locator("textarea[name=note]")
    expect(note).to_be_focused()
    page.keyboard.type("/")
    expect(page.get_by_test_id("canned-list").get_by_role("option")).to_have_count(2)
    page.keyboard.type("上门")
    expect(page.get_by_test_id("canned-list").get_by_role("option")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(note).to_have_value("已安排维修人员上门，请家中留人。")
    expect(note).to_be_focused()
    page.keyboard.type(" 明早九点。")
    page.keyboard.press("Alt+R")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(note).to_have_value(
        re.compile(rf"^已安排维修人员上门，请家中留人。 明早九点。工单{ticket.number}已受理。$")
    )
    page.keyboard.press("Control+Enter")
    expect(page.get_by_test_id("timeline")).to_contain_text("明早九点")

    # the next step is a key away: Alt+A goes to 开始处理 (the order is signed for)
    press_key(page, "Alt+A")
    expect(page.get_by_test_id("action-start").locator("select, button").first).to_be_focused()
