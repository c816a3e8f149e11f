"""Calendar services: seeding, days, years, change listeners, warnings, pattern edits."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kefu.calendars import seeding, selectors, services
from kefu.calendars.models import CalendarDay, CalendarYear, WorkCalendar
from kefu.calendars.workcal import add
from kefu.sla.models import SlaMilestone, SlaPolicy

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def snapshot():
    return (
        list(WorkCalendar.objects.values()),
        list(CalendarDay.objects.order_by("id").values()),
        list(CalendarYear.objects.order_by("id").values()),
        list(SlaPolicy.objects.order_by("id").values()),
        list(SlaMilestone.objects.order_by("id").values()),
    )


# ---------------------------------------------------------------------------- seed


def test_migration_seeds_both_calendars_and_every_known_year(standard):
    always = WorkCalendar.objects.get(code="24x7")
    assert always.always_open
    years = selectors.loaded_years(standard)
    assert {2024, 2025, 2026} <= set(years)
    assert years == sorted(seeding.package_years())
    national_day = CalendarDay.objects.get(calendar=standard, date=date(2026, 10, 1))
    assert (national_day.kind, national_day.name, national_day.source) == (
        "holiday",
        "国庆节",
        "statutory",
    )
    makeup = CalendarDay.objects.get(calendar=standard, date=date(2026, 10, 10))
    assert (makeup.kind, makeup.name) == ("makeup_workday", "国庆节调休上班")
    assert national_day.history.count() == 1  # seeded rows have their history too


def test_calendars_ensure_is_idempotent(standard):
    before = snapshot()
    assert services.calendars_ensure() == {"calendars": 0, "days": 0, "years": 0}
    assert snapshot() == before


def test_calendar_for_builds_the_pure_calendar(standard, django_assert_num_queries):
    with django_assert_num_queries(3):
        calendar = selectors.calendar_for("standard")
    assert date(2026, 10, 1) in calendar.holidays
    assert date(2026, 10, 10) in calendar.makeup_days
    assert 2026 in calendar.loaded_years
    deadline = add(at("2026-09-30T16:00"), 5, "working_days", calendar)
    assert deadline.due == at("2026-10-13T17:30") and not deadline.provisional
    limited = selectors.calendar_for("standard", years=[2026])
    assert limited.loaded_years == {2026}
    assert add(at("2026-12-31T10:00"), 2, "working_days", limited).provisional


def test_calendar_for_unknown_code(standard):
    with pytest.raises(selectors.CalendarNotFound):
        selectors.calendar_for("nope")


# ---------------------------------------------------------------------------- days


def test_add_local_holiday_moves_deadlines_and_is_recorded(
    standard, recorded_hooks, django_capture_on_commit_callbacks
):
    start = at("2026-05-06T09:00")
    assert add(start, 1, "working_days", selectors.calendar_for("standard")).due == at(
        "2026-05-07T17:30"
    )
    with django_capture_on_commit_callbacks(execute=True):
        day = services.calendar_day_add(
            calendar=standard, date=date(2026, 5, 7), kind="holiday", name="公司成立纪念日"
        )
    assert day.source == "local"
    assert add(start, 1, "working_days", selectors.calendar_for("standard")).due == at(
        "2026-05-08T17:30"
    )
    assert recorded_hooks == [{"calendar_code": "standard", "year": 2026, "reason": "day_added"}]
    history = selectors.calendar_history(standard, 2026)
    assert history[0]["type_code"] == "+"
    assert "公司成立纪念日" in history[0]["changes"][0]["new"]

    with django_capture_on_commit_callbacks(execute=True):
        services.calendar_day_remove(day=day)
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
    assert recorded_hooks[-1]["reason"] == "day_removed"
    assert selectors.calendar_history(standard, 2026)[0]["type_code"] == "-"


@pytest.mark.parametrize(
    ("day", "kind", "name", "field", "message"),
    [
        pytest.param(date(2026, 10, 1), "holiday", "重复", "date", "已有设置", id="taken"),
        pytest.param(
            date(2026, 5, 6),
            "makeup_workday",
            "补班",
            "date",
            "已经是工作日",
            id="makeup-on-workday",
        ),
        pytest.param(date(2026, 5, 7), "holiday", "  ", "name", "", id="blank-name"),
        pytest.param(date(2026, 5, 7), "vacation", "x", "kind", "", id="bad-kind"),
    ],
)
def test_bad_days_are_refused_and_change_nothing(standard, day, kind, name, field, message):
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        services.calendar_day_add(calendar=standard, date=day, kind=kind, name=name)
    assert field in info.value.message_dict
    assert message in " ".join(info.value.message_dict[field])
    assert snapshot() == before


def test_24x7_calendar_has_no_days(standard):
    always = WorkCalendar.objects.get(code="24x7")
    with pytest.raises(ValidationError, match=r"全天候|around the clock"):
        services.calendar_day_add(calendar=always, date=date(2026, 5, 7), kind="holiday", name="x")


# ---------------------------------------------------------------------------- years


def test_load_year_from_package_runs_the_recompute_hook(
    standard, recorded_hooks, django_capture_on_commit_callbacks
):
    CalendarYear.objects.filter(calendar=standard, year=2026).delete()
    CalendarDay.objects.filter(calendar=standard, date__year=2026).delete()
    assert add(
        at("2026-09-30T16:00"), 1, "working_days", selectors.calendar_for("standard")
    ).provisional
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        year = services.calendar_load_year(calendar=standard, year=2026)
        assert recorded_hooks == []  # not before commit
    assert len(callbacks) == 1
    assert year.source == "package"
    assert recorded_hooks == [{"calendar_code": "standard", "year": 2026, "reason": "year_loaded"}]
    deadline = add(at("2026-09-30T16:00"), 1, "working_days", selectors.calendar_for("standard"))
    assert deadline.due == at("2026-10-08T17:30") and not deadline.provisional
    assert CalendarDay.objects.filter(calendar=standard, date__year=2026).count() == 39


def test_load_year_twice_changes_nothing(standard, django_capture_on_commit_callbacks):
    services.calendar_day_add(calendar=standard, date=date(2026, 5, 7), kind="holiday", name="店庆")
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        services.calendar_load_year(calendar=standard, year=2026)
    assert snapshot() == before


def test_unknown_year_is_refused_with_instructions(standard, recorded_hooks):
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        services.calendar_load_year(calendar=standard, year=2099)
    message = info.value.message_dict["year"][0]
    assert "2099" in message and "工作日历" in message
    assert snapshot() == before
    assert recorded_hooks == []


def test_year_entered_by_hand(standard, recorded_hooks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        year = services.calendar_load_year(
            calendar=standard,
            year=2099,
            days=[
                (date(2099, 1, 1), "holiday", "元旦"),
                (date(2099, 1, 3), "makeup_workday", "调休"),
            ],
        )
    assert year.source == "manual"
    calendar = selectors.calendar_for("standard")
    assert 2099 in calendar.loaded_years
    assert date(2099, 1, 3) in calendar.makeup_days
    assert recorded_hooks[-1] == {
        "calendar_code": "standard",
        "year": 2099,
        "reason": "year_loaded",
    }


def test_hook_failure_does_not_break_others(
    standard, recorded_hooks, settings, django_capture_on_commit_callbacks
):
    settings.KEFU_CALENDAR_CHANGE_LISTENERS = [
        "kefu.calendars.tests.listeners.broken",
        *settings.KEFU_CALENDAR_CHANGE_LISTENERS,
    ]
    with django_capture_on_commit_callbacks(execute=True):
        services.calendar_load_year(calendar=standard, year=2025)
    assert recorded_hooks[-1]["year"] == 2025


# ---------------------------------------------------------------------------- warnings


@pytest.mark.parametrize(
    ("today", "load_2027", "count"),
    [
        pytest.param("2026-10-01", False, 1, id="october-missing"),
        pytest.param("2026-09-30", False, 0, id="september"),
        pytest.param("2026-10-01", True, 0, id="loaded"),
    ],
)
def test_october_warning(standard, today, load_2027, count):
    if load_2027:
        services.calendar_load_year(calendar=standard, year=2027, from_package=False)
    with time_machine.travel(datetime.fromisoformat(today + "T09:00+08:00"), tick=False):
        from django.utils import timezone

        warnings = selectors.calendar_warnings(timezone.localdate())
    assert len(warnings) == count
    if count:
        assert "2027" in warnings[0] and "标准工作日历" in warnings[0]


def test_warning_names_each_calendar_but_not_24x7(standard):
    services.work_calendar_create(code="north", name="北区工作日历", load_statutory=False)
    warnings = selectors.calendar_warnings(date(2026, 10, 1))
    # north lacks 2026 and 2027, standard lacks 2027; 24×7 needs no holidays.
    assert len(warnings) == 3
    assert sum("北区工作日历" in w for w in warnings) == 2
    assert not any("24×7" in w for w in warnings)


# ---------------------------------------------------------------------------- calendars


def test_create_and_edit_calendar(standard, recorded_hooks, django_capture_on_commit_callbacks):
    calendar = services.work_calendar_create(
        code="north", name="北区", week={"monday": "09:00-17:00", "saturday": "09:00-12:00"}
    )
    assert set(selectors.loaded_years(calendar)) == set(seeding.package_years())
    pure = selectors.calendar_for("north")
    # Friday is closed in the north; Saturday 9 May 2026 is a make-up day with Monday's hours.
    assert add(at("2026-05-08T16:00"), 2, "working_hours", pure).due == at("2026-05-09T11:00")
    with django_capture_on_commit_callbacks(execute=True):
        services.work_calendar_update(calendar=calendar, saturday="", friday="09:00-18:00")
    assert recorded_hooks[-1]["reason"] == "pattern_changed"
    history = selectors.calendar_history(calendar, 2026)
    changed = {c["field"] for c in history[0]["changes"]}
    assert {"周六", "周五"} <= changed or {"Saturday", "Friday"} <= changed


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"monday": "9-17"}, "monday", id="bad-periods"),
        pytest.param({"timezone": "Mars/Base"}, "timezone", id="bad-timezone"),
        pytest.param(
            dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday"), ""),
            "monday",
            id="no-working-day",
        ),
        pytest.param({"code": "renamed"}, "code", id="code-fixed"),
    ],
)
def test_bad_calendar_edits_change_nothing(standard, fields, field):
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        services.work_calendar_update(calendar=standard, **fields)
    assert field in info.value.message_dict
    assert snapshot() == before
