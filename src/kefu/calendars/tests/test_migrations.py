"""The calendars moved from the SLA app to their own without moving data: a database with
a calendar, its days, its loaded years, their history and a milestone counting on it
keeps every row, under the same ids, once migrated."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("calendars", None), ("sla", "0006_deadline_recorded_late")]
MOVED = ["workcalendar", "calendarday", "calendaryear", "historicalworkcalendar"]


def _migrate(targets=None):
    """Migrate to ``targets`` (default: every app's latest); the project state then."""
    executor = MigrationExecutor(connection)
    return executor.migrate(targets or executor.loader.graph.leaf_nodes())


def _rows(apps, label: str, calendar_id: int) -> dict[str, list]:
    WorkCalendar = apps.get_model(label, "WorkCalendar")
    return {
        "calendar": list(WorkCalendar.objects.filter(pk=calendar_id).values()),
        "days": list(
            apps.get_model(label, "CalendarDay")
            .objects.filter(calendar_id=calendar_id)
            .order_by("pk")
            .values()
        ),
        "years": list(
            apps.get_model(label, "CalendarYear")
            .objects.filter(calendar_id=calendar_id)
            .order_by("pk")
            .values()
        ),
        "history": list(
            apps.get_model(label, "HistoricalWorkCalendar")
            .objects.filter(id=calendar_id)
            .order_by("history_id")
            .values()
        ),
    }


@pytest.mark.django_db(transaction=True)
def test_moving_the_calendars_keeps_every_row():
    old = _migrate(BEFORE).apps
    try:
        assert not any(m._meta.app_label == "calendars" for m in old.get_models())
        WorkCalendar = old.get_model("sla", "WorkCalendar")
        calendar = WorkCalendar.objects.create(
            code="north", name="北区工作日历", monday="09:00-17:00", makeup_weekday=0
        )
        old.get_model("sla", "HistoricalWorkCalendar").objects.create(
            id=calendar.pk,
            code="north",
            name="北区工作日历",
            timezone=calendar.timezone,
            monday="09:00-17:00",
            created_at=calendar.created_at,
            history_date=calendar.created_at,
            history_type="+",
        )
        CalendarDay = old.get_model("sla", "CalendarDay")
        CalendarDay.objects.create(
            calendar=calendar, date=date(2026, 10, 1), kind="holiday", name="国庆节"
        )
        CalendarDay.objects.create(
            calendar=calendar,
            date=date(2026, 10, 10),
            kind="makeup_workday",
            name="国庆节调休上班",
            source="statutory",
        )
        old.get_model("sla", "CalendarYear").objects.create(
            calendar=calendar, year=2026, source="package"
        )
        policy = old.get_model("sla", "SlaPolicy").objects.create(code="north", name="北区")
        milestone = old.get_model("sla", "SlaMilestone").objects.create(
            policy=policy, kind="reply", amount=2, unit="working_days", calendar=calendar
        )
        before = _rows(old, "sla", calendar.pk)
        assert len(before["days"]) == 2 and len(before["years"]) == 1
        ContentType = old.get_model("contenttypes", "ContentType")
        content_type_ids = dict(
            ContentType.objects.filter(app_label="sla", model__in=MOVED).values_list("model", "pk")
        )
    finally:
        new = _migrate().apps

    assert _rows(new, "calendars", calendar.pk) == before
    assert new.get_model("sla", "SlaMilestone").objects.get(pk=milestone.pk).calendar.code == (
        "north"
    )

    # the real models read the same rows, through the same tables
    from django.contrib.contenttypes.models import ContentType as RealContentType

    from kefu.calendars.models import CalendarDay as RealDay
    from kefu.calendars.models import WorkCalendar as RealCalendar
    from kefu.sla.models import SlaMilestone

    moved = RealCalendar.objects.get(pk=calendar.pk)
    assert RealCalendar._meta.db_table == "sla_workcalendar"
    assert [(d.date, d.kind, d.name) for d in RealDay.objects.filter(calendar=moved)] == [
        (date(2026, 10, 1), "holiday", "国庆节"),
        (date(2026, 10, 10), "makeup_workday", "国庆节调休上班"),
    ]
    assert list(moved.loaded_years.values_list("year", flat=True)) == [2026]
    assert moved.history.count() == 1
    assert SlaMilestone.objects.get(pk=milestone.pk).calendar == moved
    # the content types (and so the permissions) followed the models
    assert content_type_ids
    assert (
        dict(
            RealContentType.objects.filter(app_label="calendars", model__in=MOVED).values_list(
                "model", "pk"
            )
        )
        == content_type_ids
    )
    assert not RealContentType.objects.filter(app_label="sla", model__in=MOVED).exists()
