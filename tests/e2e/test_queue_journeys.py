"""The daily queues in the browser, used as their people use them (JOURNEYS.md):

* a head filters his queue by category, status and date from the rendered form, exports
  it and the workbook holds exactly the rows on screen;
* a customer reports on the public form; the agent finds the order in the 待认领 tab of the
  queue the 工单 menu opens, claims it and becomes its first responder;
* a head urges, supervises, suspends and reassigns an order of one of his teams;
* a quality inspector draws the week's spot check with the date the form offers.
"""

import re
from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from conftest import make_department, make_staff
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from kefu.org import services as org_services
from kefu.org.models import DepartmentKind
from kefu.tickets import services
from kefu.tickets.models import Ticket, TicketType
from kefu.tickets.states import Action, Status
from tests.e2e.conftest import log_in, open_more_actions

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Queues-2026-pass"


def shown(page) -> list[str]:
    """The order numbers in the queue table, top to bottom."""
    return (
        page.get_by_test_id("ticket-table")
        .locator("input[name=ids]")
        .evaluate_all("boxes => boxes.map(box => box.getAttribute('aria-label'))")
    )


def open_work_orders(page):
    page.get_by_role("navigation", name="功能模块").get_by_role("link", name="工单").click()
    expect(page.get_by_test_id("queue-filter")).to_be_visible()


def repair_categories(org):
    repair_type = TicketType.objects.get(code="repair")
    repair = services.category_create(
        name="水电报修", code="repair-water", ticket_type=repair_type, lead_department=org.repairs
    )
    leak = services.category_create(
        name="漏水", code="repair-leak", ticket_type=repair_type, parent=repair
    )
    lights = services.category_create(
        name="公共照明", code="repair-lights", ticket_type=repair_type, lead_department=org.repairs
    )
    return repair, leak, lights


def test_head_filters_his_queue_and_the_export_holds_the_rows_on_screen(page, org, tmp_path):
    org_services.staff_set_password(user=org.head, password=PASSWORD)
    repair, leak, lights = repair_categories(org)
    now = timezone.now()

    def order(category, days_ago, **more):
        return services.ticket_create(
            actor=org.agent,
            category=category,
            channel="hotline",
            title=f"{category.name}{days_ago}天前",
            contact_name="张先生",
            contact_phone="13812345678",
            now=now - timedelta(days=days_ago),
            **more,
        )

    old = order(repair, 20, dispatch=True)
    leak_recent = order(leak, 3, dispatch=True)
    repair_recent = order(repair, 2, dispatch=True)
    signed = order(repair, 1, dispatch=True)
    services.ticket_transition(ticket=signed, action=Action.SIGN, actor=org.handler)
    order(lights, 2, dispatch=True)
    order(repair, 2)  # not dispatched: not the head's

    log_in(page, "head", PASSWORD)
    open_work_orders(page)
    expect(page.get_by_test_id("queue-tab-all")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("ticket-table").locator("input[name=ids]")).to_have_count(5)

    form = page.get_by_test_id("queue-filter")
    form.get_by_label("业务分类").select_option(label="水电报修")
    expect(page.get_by_test_id("ticket-table").locator("input[name=ids]")).to_have_count(4)
    form.get_by_label("状态").select_option(label="已派单")
    expect(page.get_by_test_id("ticket-table").locator("input[name=ids]")).to_have_count(3)
    since = timezone.localdate(now) - timedelta(days=5)
    form.get_by_label("受理日期起").fill(since.isoformat())
    rows = page.get_by_test_id("ticket-table").locator("input[name=ids]")
    expect(rows).to_have_count(2)
    on_screen = shown(page)
    assert set(on_screen) == {leak_recent.number, repair_recent.number}
    assert old.number not in on_screen

    with page.expect_download() as download_info:
        page.get_by_test_id("export-xlsx").click()
    path = tmp_path / "export.xlsx"
    download_info.value.save_as(path)
    sheet = load_workbook(BytesIO(path.read_bytes())).active
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers == on_screen

    # the chosen filters survive a reload of the address the page now shows
    page.reload()
    expect(page.get_by_test_id("queue-filter").get_by_label("受理日期起")).to_have_value(
        since.isoformat()
    )
    assert shown(page) == on_screen


def test_a_web_form_order_is_claimed_by_an_agent(page, org):
    org_services.staff_set_password(user=org.agent, password=PASSWORD)
    _repair, _leak, lights = repair_categories(org)

    with time_machine.travel(timezone.now(), tick=True) as clock:
        # the customer reports on the public form from a phone
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(page.base_url + "/public/report/")
        page.get_by_label("事项类别").select_option(label=lights.name)
        page.get_by_label("标题").fill("楼道灯不亮")
        page.get_by_label("详细描述").fill("三楼楼道灯一直不亮")
        page.get_by_label("您的姓名").fill("王女士")
        page.get_by_label("手机号码").fill("13700001111")
        clock.shift(timedelta(seconds=10))  # a person takes a while to fill it in
        page.get_by_role("button", name="提交").click()
        ticket = Ticket.objects.get()
        expect(page.get_by_text(ticket.number)).to_be_visible()
        page.set_viewport_size({"width": 1366, "height": 768})

        # the agent opens the work orders from the menu and sees it waiting to be claimed
        log_in(page, "agent", PASSWORD)
        open_work_orders(page)
        expect(page.get_by_test_id("queue-tab-first_responder")).to_have_attribute(
            "aria-current", "page"
        )
        expect(page.get_by_test_id("unclaimed-count")).to_have_text("1")
        page.get_by_test_id("queue-tab-unclaimed").click()
        assert shown(page) == [ticket.number]
        page.get_by_role("link", name=ticket.number).click()
        page.get_by_role("button", name="认领为首问负责人").click()
        expect(page.get_by_test_id("first-responder")).to_contain_text("李坐席")
        expect(page.get_by_test_id("first-responder")).to_contain_text("KF001")

        # it has left the claim queue and is now among his own
        open_work_orders(page)
        expect(page.get_by_test_id("unclaimed-count")).to_have_text("0")
        assert shown(page) == [ticket.number]
        page.get_by_test_id("queue-tab-unclaimed").click()
        expect(page.get_by_test_id("ticket-table")).to_contain_text("暂无工单。")
    ticket.refresh_from_db()
    assert ticket.first_responder == org.agent


def test_head_handles_an_order_of_his_team(page, org):
    org_services.staff_set_password(user=org.head, password=PASSWORD)
    rush = make_department("抢修班", "rep-qx", DepartmentKind.TEAM, org.repairs)
    make_staff("rusher", rush, ["handler"], employee_no="WX010")
    repair, _leak, _lights = repair_categories(org)
    ticket = services.ticket_create(
        actor=org.agent,
        category=repair,
        channel="hotline",
        title="水管漏水",
        contact_name="张先生",
        contact_phone="13812345678",
        dispatch_to=org.repairs_team,
    )
    services.ticket_transition(ticket=ticket, action=Action.SIGN, actor=org.handler)

    log_in(page, "head", PASSWORD)
    open_work_orders(page)
    page.get_by_role("link", name=ticket.number).click()

    open_more_actions(page)
    urge = page.get_by_test_id("urge-form")
    urge.get_by_placeholder("备注").fill("请今天上门")
    urge.get_by_role("button", name="催办").click()
    expect(page.get_by_text("操作成功。")).to_be_visible()

    open_more_actions(page)
    supervise = page.get_by_test_id("supervise-form")
    due = timezone.localdate() + timedelta(days=3)
    supervise.get_by_label("督办期限").fill(due.isoformat())
    supervise.get_by_role("button", name="督办").click()
    expect(page.get_by_text(f"督办期限 {due.isoformat()}")).to_be_visible()

    open_more_actions(page)
    suspend = page.get_by_test_id("action-suspend")
    suspend.get_by_label("原因").fill("等配件")
    suspend.get_by_role("button", name="挂起").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("挂起")

    services.ticket_transition(ticket=ticket, action=Action.RESUME, actor=org.handler)
    page.reload()
    open_more_actions(page)
    transfer = page.get_by_test_id("action-transfer")
    transfer.get_by_label("部门").select_option(label="抢修班")
    transfer.get_by_label("原因").fill("抢修班有空")
    transfer.get_by_role("button", name="转派").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已派单")
    expect(page.get_by_test_id("ticket-department")).to_have_text("抢修班")
    ticket.refresh_from_db()
    assert (ticket.urge_count, ticket.supervised, ticket.status, ticket.department) == (
        1,
        True,
        Status.DISPATCHED,
        rush,
    )


def test_inspector_draws_the_spot_check_with_the_offered_date(page, org):
    org_services.staff_set_password(user=org.inspector, password=PASSWORD)
    category = services.category_create(
        name="保洁质量",
        code="quality-cleaning",
        ticket_type=TicketType.objects.get(code="repair"),
        lead_department=org.quality,
    )
    ticket = services.ticket_create(
        actor=org.agent,
        category=category,
        channel="hotline",
        title="楼道没打扫",
        contact_name="张先生",
        contact_phone="13812345678",
        dispatch=True,
    )
    services.ticket_transition(ticket=ticket, action=Action.SIGN, actor=org.inspector)
    services.ticket_transition(
        ticket=ticket, action=Action.RESOLVE, actor=org.inspector, resolution="已打扫"
    )
    services.ticket_transition(ticket=ticket, action=Action.CLOSE, actor=org.agent)

    log_in(page, "inspector", PASSWORD)
    page.get_by_role("navigation", name="功能模块").get_by_role("link", name="回访").click()
    page.get_by_role("link", name="抽查回访").click()
    expect(page.get_by_label("抽查周内任一天")).to_have_value(timezone.localdate().isoformat())
    page.get_by_role("button", name="抽取").click()
    expect(page.get_by_text(re.compile(r"已关闭工单中抽取"))).to_be_visible()
    expect(page.get_by_test_id("spot-checks")).to_contain_text(timezone.localdate().strftime("%Y"))


def test_the_public_form_shows_the_fields_of_the_category_chosen(page, org):
    """跑冒滴漏 needs 楼层: choosing it on the public form brings the field, labelled and
    required, and the order keeps what was typed."""
    repair_type = TicketType.objects.get(code="repair")
    leaks = services.category_create(
        name="跑冒滴漏",
        code="repair-leaks",
        ticket_type=repair_type,
        lead_department=org.repairs,
        extra_fields=[{"name": "floor", "label": "楼层", "required": True}],
    )
    with time_machine.travel(timezone.now(), tick=True) as clock:
        page.goto(page.base_url + "/public/report/")
        expect(page.get_by_label("楼层")).to_have_count(0)
        page.get_by_label("事项类别").select_option(label=leaks.name)
        expect(page.get_by_label("楼层")).to_be_visible()
        page.get_by_label("标题").fill("楼上漏水")
        page.get_by_label("详细描述").fill("卫生间天花板滴水")
        page.get_by_label("您的姓名").fill("王女士")
        page.get_by_label("手机号码").fill("13700001111")
        clock.shift(timedelta(seconds=10))
        page.get_by_role("button", name="提交").click()
        expect(page.get_by_text("该业务分类必须填写“楼层”。")).to_be_visible()  # refused
        assert not Ticket.objects.exists()
        page.get_by_label("楼层").fill("12F")
        page.get_by_role("button", name="提交").click()
        ticket = Ticket.objects.get()
        expect(page.get_by_text(ticket.number)).to_be_visible()
    assert ticket.extra == {"floor": "12F"}
