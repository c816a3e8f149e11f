"""Calendar pages per persona: everyone reads, administrators change."""

from datetime import date, datetime
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from kefu.calendars.models import CalendarDay, CalendarYear, WorkCalendar
from kefu.sla.models import SlaMilestone, SlaPolicy

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(WorkCalendar.objects.order_by("id").values()),
        list(CalendarDay.objects.order_by("id").values()),
        list(CalendarYear.objects.order_by("id").values()),
        list(SlaPolicy.objects.order_by("id").values()),
        list(SlaMilestone.objects.order_by("id").values()),
    )


def test_calendar_redirects_to_this_year(client_as, org, standard):
    with time_machine.travel(datetime.fromisoformat("2026-11-23T09:00+08:00"), tick=False):
        response = client_as(org.agent).get("/sla/calendars/standard/")
    assert response["Location"] == "/sla/calendars/standard/2026/"
    assert client_as(org.agent).get("/sla/calendars/nope/2026/").status_code == 404
    assert client_as(org.agent).get("/sla/calendars/standard/1800/").status_code == 404


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
