"""An administrator opens the working calendar, adds a local holiday, sees it coloured in
the year view, and the calendar API moves its answer accordingly."""

import pytest
from playwright.sync_api import expect

from kefu.calendars import services as calendar_services
from kefu.org import services
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Calendar-2026-pass"
ADD = "/api/v1/calendar/add/?start=2026-05-06T09:00:00%2B08:00&amount=1&unit=working_days"


def test_admin_adds_a_local_holiday(page, org):
    calendar_services.calendars_ensure()  # a transactional test starts from an emptied database
    services.staff_set_password(user=org.admin, password=PASSWORD)
    log_in(page, "admin", PASSWORD)

    page.get_by_role("link", name="工作日历/时限策略").click()
    expect(page.get_by_role("heading", name="工作日历")).to_be_visible()
    page.get_by_role("link", name="标准工作日历").click()
    page.goto(page.base_url + "/sla/calendars/standard/2026/")
    expect(page.get_by_test_id("year-status")).to_have_text("已载入")
    national_day = page.locator('[data-date="2026-10-01"]')
    expect(national_day).to_have_attribute("data-kind", "holiday")
    day = page.locator('[data-date="2026-05-07"]')
    expect(day).to_have_attribute("data-kind", "workday")
    before = page.request.get(page.base_url + ADD).json()
    assert before["due"] == "2026-05-07T17:30:00+08:00"

    form = page.get_by_test_id("add-day-form")
    form.get_by_label("日期").fill("2026-05-07")
    form.get_by_label("类型").select_option("holiday")
    form.get_by_label("名称").fill("公司成立纪念日")
    form.get_by_role("button", name="添加").click()

    expect(page.get_by_text("已添加 2026-05-07 公司成立纪念日（节假日）。")).to_be_visible()
    day = page.locator('[data-date="2026-05-07"]')
    expect(day).to_have_attribute("data-kind", "holiday")
    expect(day).to_have_class("day-holiday day-local")
    colour = day.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(253, 226, 224)"
    expect(page.get_by_test_id("day-table")).to_contain_text("公司成立纪念日")
    expect(page.locator("#history")).to_contain_text("公司成立纪念日")

    after = page.request.get(page.base_url + ADD).json()
    assert after == {**before, "due": "2026-05-08T17:30:00+08:00"}
