"""The work-order story in the browser: hotline intake with screen pop → dispatch → sign →
co-handling child → resolve → the customer sees the progress."""

import pytest
from conftest import make_department
from playwright.sync_api import expect

from kefu.org import services as org_services
from kefu.org.models import DepartmentKind
from kefu.tickets import services
from kefu.tickets.models import Ticket, TicketType
from tests.e2e.conftest import log_in, log_out, open_more_actions

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Hotline-2026-pass"


def test_hotline_order_from_screen_pop_to_customer_progress(page, org):
    for person in (org.agent, org.head, org.handler, org.cm_supervisor):
        org_services.staff_set_password(user=person, password=PASSWORD)
    make_department("办公室", "office", DepartmentKind.OFFICE, org.company)
    services.category_create(
        name="水电报修",
        code="repair-water",
        ticket_type=TicketType.objects.get(code="repair"),
        lead_department=org.repairs,
        default_priority="high",
    )

    # the phone rings: the switch opens the intake form with the calling number
    log_in(page, "agent", PASSWORD)
    page.goto(page.base_url + "/tickets/new/?calling_number=13812345678&recording=REC-20261123-001")
    expect(page.get_by_test_id("caller-no-orders")).to_be_visible()
    page.get_by_label("联系人").fill("张先生")
    page.get_by_label("业务分类").select_option(label="水电报修")
    page.get_by_label("标题").fill("厨房水管爆裂")
    page.get_by_role("button", name="受理并派单").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已派单")
    expect(page.get_by_test_id("first-responder")).to_contain_text("李坐席")
    expect(page.get_by_test_id("first-responder")).to_contain_text("KF001")
    expect(page.get_by_test_id("ticket-department")).to_have_text("维修部")
    ticket = Ticket.objects.get()
    assert ticket.call_recording_ref == "REC-20261123-001"

    # a second call from the same number is offered the open order instead of a new one
    page.goto(page.base_url + "/tickets/new/?calling_number=13812345678")
    expect(page.get_by_test_id("caller-open-orders")).to_contain_text(ticket.number)
    page.get_by_role("button", name="关联本次来电").click()
    expect(page.get_by_test_id("timeline").get_by_text("重复来电")).to_be_visible()
    log_out(page)

    # the head of the lead department signs and assigns the handler
    log_in(page, "head", PASSWORD)
    page.goto(page.base_url + "/tickets/?queue=to_sign")
    page.get_by_role("link", name=ticket.number).click()
    sign = page.locator("form", has=page.get_by_role("button", name="签收", exact=True))
    sign.get_by_label("处理人").select_option(label="handler（WX001）")
    sign.get_by_role("button", name="签收", exact=True).click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已签收")
    expect(page.get_by_test_id("ticket-owner")).to_have_text("handler")
    log_out(page)

    # the handler asks marketing to co-handle
    log_in(page, "handler", PASSWORD)
    page.goto(page.base_url + "/tickets/?queue=mine")
    page.get_by_role("link", name=ticket.number).click()
    open_more_actions(page)
    child_form = page.locator("form", has=page.get_by_role("button", name="生成协办工单"))
    child_form.get_by_label("发起协办").select_option(label="市场部")
    child_form.get_by_label("协办事项").fill("联系业主确认维修时间")
    child_form.get_by_role("button", name="生成协办工单").click()
    child = Ticket.objects.get(parent=ticket)
    expect(page.get_by_text(child.number).first).to_be_visible()
    open_more_actions(page)
    resolve = page.locator("form", has=page.get_by_role("button", name="办结", exact=True))
    resolve.locator("textarea[name=resolution]").fill("已更换水管")
    resolve.get_by_role("button", name="办结", exact=True).click()
    expect(page.get_by_text(child.number).first).to_be_visible()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已签收")  # the child is still open
    log_out(page)

    # marketing signs and resolves the co-handling order
    log_in(page, "cmsup", PASSWORD)
    page.goto(page.base_url + f"/tickets/{child.pk}/")
    page.get_by_role("button", name="签收", exact=True).click()
    open_more_actions(page)
    resolve = page.locator("form", has=page.get_by_role("button", name="办结", exact=True))
    resolve.locator("textarea[name=resolution]").fill("已与业主约定明早九点")
    resolve.get_by_role("button", name="办结", exact=True).click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已办结")
    log_out(page)

    # now the handler resolves the order
    log_in(page, "handler", PASSWORD)
    page.goto(page.base_url + f"/tickets/{ticket.pk}/")
    page.get_by_label("内部备注").fill("客户情绪激动，注意沟通")
    page.get_by_role("button", name="添加备注").click()
    open_more_actions(page)
    resolve = page.locator("form", has=page.get_by_role("button", name="办结", exact=True))
    resolve.locator("textarea[name=resolution]").fill("已更换水管，客户确认不再漏水。")
    resolve.get_by_role("button", name="办结", exact=True).click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已办结")
    log_out(page)

    # the customer checks the progress without logging in, and sees nothing internal
    page.goto(page.base_url + "/track/")
    page.get_by_label("工单号").fill(ticket.number)
    page.get_by_label("手机号后四位").fill("5678")
    page.get_by_role("button", name="查询").click()
    progress = page.get_by_test_id("progress")
    expect(progress).to_contain_text("已办结")
    expect(progress).to_contain_text("已更换水管，客户确认不再漏水。")
    expect(progress).not_to_contain_text("客户情绪激动")
    expect(progress).to_contain_text("138****5678")
