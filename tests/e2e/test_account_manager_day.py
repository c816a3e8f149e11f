"""An account manager's week in the browser (JOURNEYS.md, 客户经理 1–2): open a customer's
file and read what is on it, plan next week's visit and have it approved by the
supervisor, write up today's visit, file the weekly summary before Friday 17:30, and the
supervisor's consolidated view and its workbook hold it — on the live server, with the
clock set by the test."""

import re
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook
from playwright.sync_api import expect

from kefu.customers import services as customer_services
from kefu.org import services as org_services
from kefu.tickets import services as ticket_services
from kefu.tickets.models import TicketType
from tests.e2e.conftest import log_in, log_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Account-2026-pass"
SH = ZoneInfo("Asia/Shanghai")
# a Thursday after today, so that every cookie the server sets is still valid
THURSDAY = datetime(2026, 12, 10, 10, 0, tzinfo=SH)


def test_account_manager_reads_the_file_plans_visits_and_files_the_week(page, org, tmp_path):
    for person in (org.account_manager, org.cm_supervisor):
        org_services.staff_set_password(user=person, password=PASSWORD)
    customer = customer_services.customer_create(
        actor=org.account_manager,
        account_manager=org.account_manager,
        name="成都锦城物业有限公司",
        kind="organisation",
        id_type="credit_code",
        id_number="91350100M000100Y43",
        contacts=[
            customer_services.ContactData(name="王主任", is_key=True, mobile="13812345678"),
        ],
        accounts=[customer_services.AccountData(number="DL0012345678", kind="power")],
    )
    category = ticket_services.category_create(
        name="水电报修",
        code="repair-water",
        ticket_type=TicketType.objects.get(code="repair"),
        lead_department=org.repairs,
    )

    with time_machine.travel(THURSDAY, tick=True):
        ticket = ticket_services.ticket_create(
            actor=org.agent,
            category=category,
            channel="hotline",
            title="配电房渗水",
            contact_name="王主任",
            contact_phone="13812345678",
            customer=customer,
            dispatch=True,
        )

        # the file, found from the menu by the name the caller gives
        log_in(page, "cm", PASSWORD)
        page.get_by_role("link", name=re.compile("^客户档案")).click()
        page.get_by_label("电话、户号、客户编号、证件号码或名称").fill("锦城物业")
        results = page.get_by_test_id("lookup-results")
        results.get_by_role("link", name="成都锦城物业有限公司").click()
        expect(page.get_by_test_id("customer-name")).to_contain_text("成都锦城物业有限公司")
        expect(page.get_by_test_id("contacts")).to_contain_text("王主任")
        # the customer's own manager reads the numbers in full
        expect(page.get_by_test_id("contacts")).to_contain_text("13812345678")
        expect(page.get_by_test_id("accounts")).to_contain_text("DL0012345678")
        # the orders on the file, with their status
        expect(page.locator("main")).to_contain_text(ticket.number)
        expect(page.locator("main")).to_contain_text("配电房渗水")

        # next Tuesday's visit, planned from the file
        page.get_by_role("link", name="计划走访").click()
        expect(page.get_by_role("heading", name="客户走访单")).to_be_visible()
        page.get_by_label("联系人").select_option(label="王主任")
        page.get_by_label("目的").fill("冬季保供电走访")
        page.get_by_label("计划时间").fill("2026-12-15T09:30")
        page.get_by_role("button", name=re.compile("保存|提交")).click()
        expect(page.get_by_role("status")).to_contain_text("客户走访单已提交审批")

        # today's visit, written up from the file
        page.get_by_role("link", name="登记走访").click()
        page.get_by_label("沟通内容").fill("检查配电房防水，客户希望月底前完成整改")
        page.get_by_role("button", name=re.compile("保存|提交")).click()
        expect(page.get_by_role("status")).to_contain_text("走访已登记")
        expect(page.locator("#visits")).to_contain_text("检查配电房防水")

        # the weekly summary, before Friday 17:30: the visit count is offered from the records
        page.get_by_role("link", name=re.compile("^客户档案")).click()
        page.get_by_role("link", name="走访", exact=True).click()
        page.get_by_role("link", name="本周工作汇总").click()
        expect(page.get_by_label("本周走访次数")).to_have_value("1")
        page.get_by_label("结论与建议").fill("锦城物业配电房需在月底前完成防水整改")
        page.get_by_role("button", name=re.compile("保存|提交")).click()
        expect(page.get_by_role("status")).to_contain_text("汇总已提交")
        expect(page.get_by_test_id("my-plans")).to_contain_text("冬季保供电走访")
        log_out(page)

        # the supervisor approves the plan and reads the consolidated week
        log_in(page, "cmsup", PASSWORD)
        page.get_by_role("link", name=re.compile("^客户档案")).click()
        page.get_by_role("link", name="走访", exact=True).click()
        to_approve = page.get_by_test_id("to-approve")
        expect(to_approve).to_contain_text("冬季保供电走访")
        to_approve.get_by_role("button", name="批准").click()
        expect(page.get_by_role("status")).to_contain_text("审批已登记")
        expect(page.get_by_test_id("to-approve")).to_have_count(0)

        page.get_by_role("link", name="周工作汇总", exact=True).click()
        row = page.get_by_test_id("summaries").locator("tr", has_text=org.account_manager.full_name)
        expect(row).to_contain_text("锦城物业配电房需在月底前完成防水整改")
        expect(row).not_to_contain_text("逾期")
        expect(row).not_to_contain_text("未提交")
        with page.expect_download() as download_info:
            page.get_by_role("link", name="导出 Excel").click()
        path = tmp_path / "week.xlsx"
        download_info.value.save_as(path)
        sheet = load_workbook(BytesIO(path.read_bytes())).active
        rows = list(sheet.iter_rows(values_only=True))
        mine = [r for r in rows[1:] if r[0] == org.account_manager.display_name]
        assert len(mine) == 1, rows
        assert mine[0][2] == "否"  # not late
        assert mine[0][3] == 1 and mine[0][4] == 1  # reported visits and visit records agree
        assert "防水整改" in mine[0][8]
