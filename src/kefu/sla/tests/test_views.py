"""Calendar and policy pages per persona: everyone reads, administrators change."""

from datetime import date, datetime
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from kefu.sla import services
from kefu.sla.models import CalendarDay, CalendarYear, SlaMilestone, SlaPolicy, WorkCalendar

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(WorkCalendar.objects.order_by("id").values()),
        list(CalendarDay.objects.order_by("id").values()),
        list(CalendarYear.objects.order_by("id").values()),
        list(SlaPolicy.objects.order_by("id").values()),
        list(SlaMilestone.objects.order_by("id").values()),
    )


@pytest.mark.parametrize("persona", ["agent", "head", "gm", "admin"])
def test_everyone_reads_calendars_and_policies(client_as, org, standard, persona):
    services.sla_preset_load(industry="property")
    client = client_as(getattr(org, persona))
    page = client.get("/sla/calendars/").content.decode()
    assert "标准工作日历" in page and "全天候" in page
    year = client.get("/sla/calendars/standard/2026/")
    assert year.status_code == 200
    body = year.content.decode()
    assert 'data-date="2026-10-01" data-kind="holiday"' in body
    assert 'data-date="2026-10-10" data-kind="makeup_workday"' in body
    assert 'data-date="2026-10-03" data-kind="holiday"' in body  # Saturday of 国庆节
    assert 'data-date="2026-05-06" data-kind="workday"' in body
    assert 'data-date="2026-05-09" data-kind="makeup_workday"' in body
    policies = client.get("/sla/policies/").content.decode()
    assert "报修·跑冒滴漏" in policies
    policy = SlaPolicy.objects.get(code="property-repair")
    assert client.get(f"/sla/policies/{policy.pk}/").status_code == 200
    can_manage = persona == "admin"
    assert ("add-day-form" in body) is can_manage
    assert ("preset-form" in policies) is can_manage


def test_calendar_redirects_to_this_year(client_as, org, standard):
    with time_machine.travel(datetime.fromisoformat("2026-11-23T09:00+08:00"), tick=False):
        response = client_as(org.agent).get("/sla/calendars/standard/")
    assert response["Location"] == "/sla/calendars/standard/2026/"
    assert client_as(org.agent).get("/sla/calendars/nope/2026/").status_code == 404
    assert client_as(org.agent).get("/sla/calendars/standard/1800/").status_code == 404


def test_nav_entry_for_administrators_only(client_as, org, standard):
    assert "工作日历/时限策略" in client_as(org.admin).get("/sla/calendars/").content.decode()
    assert "工作日历/时限策略" not in client_as(org.agent).get("/sla/calendars/").content.decode()


def test_admin_adds_and_removes_a_local_holiday(client_as, org, standard):
    client = client_as(org.admin)
    response = client.post(
        "/sla/calendars/standard/2026/days/",
        {"date": "2026-05-07", "kind": "holiday", "name": "公司成立纪念日"},
    )
    assert response.status_code == 302
    day = CalendarDay.objects.get(calendar=standard, date=date(2026, 5, 7))
    assert (day.source, day.name) == ("local", "公司成立纪念日")
    page = client.get("/sla/calendars/standard/2026/").content.decode()
    assert 'class="day-holiday day-local" data-date="2026-05-07"' in page
    assert "公司成立纪念日" in page
    assert "吴" in page or "admin" in page  # the history names who did it
    response = client.post(f"/sla/calendars/standard/days/{day.pk}/remove/")
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(pk=day.pk).exists()


def test_bad_day_shows_chinese_error_and_changes_nothing(client_as, org, standard):
    before = snapshot()
    response = client_as(org.admin).post(
        "/sla/calendars/standard/2026/days/",
        {"date": "2026-05-06", "kind": "makeup_workday", "name": "补班"},
    )
    assert response.status_code == 200
    assert "已经是工作日" in response.content.decode()
    response = client_as(org.admin).post(
        "/sla/calendars/standard/2026/days/", {"date": "", "kind": "holiday", "name": ""}
    )
    assert "该字段是必填项" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("persona", ["agent", "head", "gm", "inspector"])
def test_non_administrators_cannot_change_anything(client_as, org, standard, persona):
    services.sla_preset_load(industry="property")
    policy = SlaPolicy.objects.get(code="property-repair")
    milestone = policy.milestones.first()
    day = CalendarDay.objects.get(calendar=standard, date=date(2026, 10, 1))
    client = client_as(getattr(org, persona))
    before = snapshot()
    attempts = [
        (
            "post",
            "/sla/calendars/standard/2026/days/",
            {"date": "2026-05-07", "kind": "holiday", "name": "x"},
        ),
        ("post", f"/sla/calendars/standard/days/{day.pk}/remove/", {}),
        ("post", "/sla/calendars/standard/2027/load/", {"source": "manual"}),
        ("get", "/sla/calendars/standard/edit/", {}),
        ("post", "/sla/calendars/standard/edit/", {"name": "x", "monday": "09:00-10:00"}),
        ("get", "/sla/calendars/new/", {}),
        ("post", "/sla/policies/presets/", {"industry": "heating"}),
        ("get", "/sla/policies/new/", {}),
        ("post", f"/sla/policies/{policy.pk}/edit/", {"name": "x", "order": 1}),
        ("post", f"/sla/policies/{policy.pk}/milestones/new/", {"kind": "reply"}),
        ("post", f"/sla/milestones/{milestone.pk}/edit/", {"amount": 1}),
        ("post", f"/sla/milestones/{milestone.pk}/delete/", {}),
    ]
    for method, url, data in attempts:
        assert getattr(client, method)(url, data).status_code == 403, url
    assert snapshot() == before


def test_admin_edits_the_weekly_pattern(client_as, org, standard):
    data = {
        "name": "标准工作日历",
        "timezone": "Asia/Shanghai",
        "monday": "09:00-12:00, 13:00-17:00",
        "tuesday": "08:30-12:00, 13:30-17:30",
        "wednesday": "08:30-12:00, 13:30-17:30",
        "thursday": "08:30-12:00, 13:30-17:30",
        "friday": "08:30-12:00, 13:30-17:30",
        "saturday": "",
        "sunday": "",
        "makeup_weekday": "0",
        "is_active": "on",
    }
    client = client_as(org.admin)
    assert client.post("/sla/calendars/standard/edit/", data).status_code == 302
    standard.refresh_from_db()
    assert standard.monday == "09:00-12:00, 13:00-17:00"
    page = client.get("/sla/calendars/standard/2026/").content.decode()
    assert "09:00-12:00, 13:00-17:00" in page and "08:30-12:00, 13:30-17:30" in page
    bad = client.post("/sla/calendars/standard/edit/", {**data, "monday": "17:00-09:00"})
    assert bad.status_code == 200 and "早于" in bad.content.decode()
    standard.refresh_from_db()
    assert standard.monday == "09:00-12:00, 13:00-17:00"


def test_admin_marks_a_year_loaded_and_sees_warning_before(client_as, org, standard):
    client = client_as(org.admin)
    with time_machine.travel(datetime.fromisoformat("2026-10-01T09:00+08:00"), tick=False):
        page = client.get("/sla/calendars/standard/2027/").content.decode()
        assert "calendar-warnings" in page and "2027" in page
        refused = client.post(
            "/sla/calendars/standard/2027/load/", {"source": "package"}, follow=True
        )
        assert "chinese-calendar" in refused.content.decode()
        assert not CalendarYear.objects.filter(calendar=standard, year=2027).exists()
        client.post("/sla/calendars/standard/2027/load/", {"source": "manual"})
        assert CalendarYear.objects.filter(calendar=standard, year=2027).exists()
        page = client.get("/sla/calendars/standard/2027/").content.decode()
        assert "calendar-warnings" not in page


def test_year_export(client_as, org, standard):
    response = client_as(org.agent).get("/sla/calendars/standard/2026/?export=xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content)).active.values)
    assert rows[0] == ("日期", "星期", "类型", "名称", "来源")
    assert len(rows) == 1 + 365
    assert ("2026-10-01", "周四", "节假日", "国庆节", "法定") in rows


def test_admin_creates_a_calendar_and_policy_through_pages(client_as, org, standard):
    client = client_as(org.admin)
    response = client.post(
        "/sla/calendars/new/",
        {
            "code": "north",
            "name": "北区",
            "timezone": "Asia/Shanghai",
            "monday": "09:00-17:00",
            "makeup_weekday": "0",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert WorkCalendar.objects.get(code="north").loaded_years.count() > 20
    response = client.post(
        "/sla/policies/new/",
        {
            "code": "vip",
            "name": "VIP",
            "order": "5",
            "is_active": "on",
            "ticket_types": "complaint, tip_off",
        },
    )
    policy = SlaPolicy.objects.get(code="vip")
    assert response["Location"] == f"/sla/policies/{policy.pk}/"
    assert policy.ticket_types == ["complaint", "tip_off"]
    response = client.post(
        f"/sla/policies/{policy.pk}/milestones/new/",
        {
            "kind": "reply",
            "amount": "2",
            "unit": "working_hours",
            "calendar": standard.pk,
            "starts_at": "acceptance",
            "warning_thresholds": "60, 90",
        },
    )
    assert response.status_code == 302
    milestone = policy.milestones.get()
    assert (milestone.position, milestone.warning_thresholds) == (1, [60, 90])
    bad = client.post(
        f"/sla/policies/{policy.pk}/milestones/new/",
        {
            "kind": "reply",
            "amount": "2",
            "unit": "working_hours",
            "calendar": standard.pk,
            "starts_at": "acceptance",
            "warning_thresholds": "90, 60",
        },
    )
    assert bad.status_code == 200 and policy.milestones.count() == 1
    page = client.get(f"/sla/policies/{policy.pk}/").content.decode()
    assert "工作小时" in page and "60%" in page


def test_preset_button(client_as, org, standard):
    response = client_as(org.admin).post(
        "/sla/policies/presets/", {"industry": "heating"}, follow=True
    )
    assert "供热投诉" in response.content.decode()
    assert SlaPolicy.objects.filter(industry="heating").count() == 7
