"""The return-visit loop in the browser: a repair is resolved → the return visit finds the
customer not satisfied → the order is back with the handler → resolved again → the customer
answers the SMS survey link on a phone-sized screen → the order is closed → the
satisfaction rate appears on the report."""

import re

import pytest
from conftest import make_department, make_staff
from playwright.sync_api import expect

from kefu.followups.models import FollowupSettings, ReturnVisit
from kefu.notify.models import OutboundMessage
from kefu.org import services as org_services
from kefu.org.models import DepartmentKind
from kefu.tickets import services
from kefu.tickets.models import Ticket, TicketType
from kefu.tickets.states import Action
from tests.e2e.conftest import log_in, log_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Return-visit-2026"


def resolve_in_browser(page, ticket, text):
    page.goto(f"{page.base_url}/tickets/{ticket.pk}/")
    start = page.get_by_role("button", name="开始处理", exact=True)
    if start.count():
        start.click()
    resolve = page.locator("form", has=page.get_by_role("button", name="办结", exact=True))
    resolve.locator("textarea[name=resolution]").fill(text)
    resolve.get_by_role("button", name="办结", exact=True).click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已办结")


def test_not_satisfied_then_rehandled_then_satisfied_by_sms_link(page, browser, org):
    team = make_department("回访组", "fo-rv", DepartmentKind.TEAM, org.front_office)
    visitor = make_staff("visitor", team, ["agent"], employee_no="HF001", full_name="王回访")
    FollowupSettings.objects.update_or_create(pk=1, defaults={"team": team})
    for person in (org.handler, visitor, org.gm):
        org_services.staff_set_password(user=person, password=PASSWORD)
    category = services.category_create(
        name="水电报修",
        code="repair-water",
        ticket_type=TicketType.objects.get(code="repair"),
        lead_department=org.repairs,
    )
    ticket = services.ticket_create(
        actor=org.agent,
        category=category,
        channel="hotline",
        title="厨房水管爆裂",
        contact_name="张先生",
        contact_phone="13812345678",
        dispatch=True,
    )
    services.ticket_transition(ticket=ticket, action=Action.SIGN, actor=org.handler)

    # the handler resolves the repair
    log_in(page, "handler", PASSWORD)
    resolve_in_browser(page, ticket, "已更换水管")
    log_out(page)

    # the return-visit team calls: the customer is not satisfied
    log_in(page, "visitor", PASSWORD)
    page.goto(page.base_url + "/followups/?queue=mine")
    page.get_by_role("link", name=ticket.number).click()
    record = page.get_by_test_id("record-result")
    record.get_by_label("是否联系上客户").select_option(label="是")
    record.get_by_label("客户认为问题已解决").select_option(label="否")
    record.get_by_label("满意度").select_option(label="不满意")
    record.get_by_label("客户原话").fill("水管接口还在滴水")
    record.get_by_label("问题未解决").check()
    record.get_by_role("button", name="登记回访结果").click()
    expect(page.get_by_test_id("visit-status")).to_have_text("已回访")
    expect(page.get_by_test_id("ticket-status")).to_have_text("已重开")
    log_out(page)

    # the order is back with the handler, who sees the customer's words and fixes it again
    log_in(page, "handler", PASSWORD)
    page.goto(page.base_url + "/tickets/?queue=mine")
    page.get_by_role("link", name=ticket.number).click()
    expect(page.get_by_text("水管接口还在滴水").first).to_be_visible()
    resolve_in_browser(page, ticket, "已更换接口密封圈")
    log_out(page)

    # the visitor sends the survey link by SMS this time
    second = ReturnVisit.objects.get(ticket=ticket, round=2)
    log_in(page, "visitor", PASSWORD)
    page.goto(f"{page.base_url}/followups/{second.pk}/")
    page.get_by_role("button", name="短信发送调查链接").click()
    expect(page.get_by_text("调查链接已通过短信发送")).to_be_visible()
    log_out(page)
    message = OutboundMessage.objects.get(template_code="return_visit_survey")
    url = re.search(r"https?://\S+?/followups/s/[^/\s]+/", message.text).group(0)

    # the customer answers on a phone, without logging in
    phone = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    ).new_page()
    phone.goto(url)
    expect(phone.get_by_role("heading", name="工单回访满意度调查")).to_be_visible()
    phone.get_by_label("非常满意").check()
    phone.get_by_label("已解决", exact=True).check()
    phone.get_by_text("10", exact=True).click()
    phone.get_by_label("您还有什么意见或建议？").fill("师傅很耐心")
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_test_id("survey-thanks")).to_be_visible()
    # the link works only once
    phone.goto(url)
    expect(phone.get_by_test_id("survey-refused")).to_contain_text("已提交过")
    phone.context.close()
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"

    # the supervisor sees the rate: one satisfied of two reached
    log_in(page, "gm", PASSWORD)
    page.goto(f"{page.base_url}/tickets/{ticket.pk}/")
    expect(page.get_by_test_id("ticket-status")).to_have_text("已关闭")
    page.goto(page.base_url + "/followups/report/")
    expect(page.get_by_test_id("rate-维修部")).to_have_text("50.0%")
    page.get_by_label("分组方式").select_option(label="渠道")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_test_id("rate-短信调查链接")).to_have_text("100.0%")
