"""The annual grading in the browser (JOURNEYS.md, 客户经理 3; GRD-03/GRD-04): in the
25–30 March window the supervisor opens his department's round, the account manager gives
preliminary grades from the round's list, the review meeting re-grades one customer with
its reason, and closing the round makes the grades formal — each until the next window
closes, none for life."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from kefu.customers import services as customer_services
from kefu.customers.models import Customer
from kefu.org import services as org_services
from tests.e2e.conftest import log_in, log_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Grading-2027-pass"
SH = ZoneInfo("Asia/Shanghai")
IN_WINDOW = datetime(2027, 3, 26, 10, 0, tzinfo=SH)


def open_round(page):
    page.get_by_role("link", name=re.compile("^客户档案")).click()
    page.get_by_role("link", name="客户分级", exact=True).click()
    page.get_by_test_id("rounds").get_by_role("link", name="2027").click()


def test_preliminary_grades_the_meetings_regrade_and_the_formal_grades(page, org, settings):
    settings.SESSION_COOKIE_AGE = 365 * 24 * 3600  # the clock is set months ahead
    for person in (org.account_manager, org.cm_supervisor):
        org_services.staff_set_password(user=person, password=PASSWORD)
    for name in ("锦城物业", "天府软件园"):
        customer_services.customer_create(
            actor=org.account_manager,
            account_manager=org.account_manager,
            name=name,
            kind="organisation",
            contacts=[customer_services.ContactData(name="王主任", mobile="13812345678")],
        )

    with time_machine.travel(IN_WINDOW, tick=True):
        log_in(page, "cmsup", PASSWORD)
        page.get_by_role("link", name=re.compile("^客户档案")).click()
        page.get_by_role("link", name="客户分级", exact=True).click()
        expect(page.get_by_label("年度")).to_have_value("2027")
        page.get_by_role("button", name=re.compile("开启")).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("年度评级 2027 · 市场部")
        log_out(page)

        # the account manager grades each customer from the round's list
        log_in(page, "cm", PASSWORD)
        open_round(page)
        for name, grade in (("锦城物业", "A"), ("天府软件园", "B")):
            row = page.get_by_test_id("round-customers").locator("tr", has_text=name)
            row.get_by_role("link", name="等级", exact=True).click()
            page.get_by_label("客户等级").select_option(grade)
            page.get_by_role("button", name=re.compile("保存|提交")).click()
            row = page.get_by_test_id("round-customers").locator("tr", has_text=name)
            expect(row).to_contain_text(grade)
        expect(page.locator("main")).to_contain_text("已初评 2 个客户")
        log_out(page)

        # the review meeting raises 天府软件园 to A, with its reason, and closes the round
        log_in(page, "cmsup", PASSWORD)
        open_round(page)
        page.get_by_test_id("round-customers").get_by_role("link", name="天府软件园").click()
        page.get_by_role("link", name="评定等级").click()
        page.get_by_label("客户等级").select_option("A")
        page.get_by_label("原因").fill("评审会：年度采购额大幅增长，调整为A类")
        page.get_by_role("button", name=re.compile("保存|提交")).click()
        expect(page.get_by_test_id("customer-grade")).to_contain_text("A")
        open_round(page)
        page.get_by_label("评审会日期").fill("2027-03-30")
        page.get_by_label("会议结果").fill("A类名单及支持计划已确定")
        page.get_by_role("button", name="结束本年度评级").click()
        expect(page.get_by_role("status")).to_be_visible()

    graded = {c.name: c for c in Customer.objects.all()}
    assert graded["锦城物业"].grade == "A"
    assert graded["天府软件园"].grade == "A"  # the meeting's re-grade stands
    assert not graded["锦城物业"].grade_is_temporary
