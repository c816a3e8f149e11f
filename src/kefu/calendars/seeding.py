"""The built-in calendars and the statutory days read from ``chinese-calendar``.

Shared by the data migration (historical models) and ``services.calendars_ensure`` (real
models): :func:`seed` takes an app registry, so both write the same rows. The data
migration ran while the calendars were models of the SLA app, so it names that app. Rows written
here get a "created" history row too (bulk inserts send no signals).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.utils import timezone

from kefu.calendars.rules import DEFAULT_WORKDAY_TEXT, WEEKDAY_FIELDS
from kefu.calendars.workcal import chinese_calendar_years

STANDARD_CODE = "standard"
ALWAYS_OPEN_CODE = "24x7"

FESTIVALS = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}

BUILT_IN = {
    STANDARD_CODE: {
        "name": "标准工作日历",
        "always_open": False,
        "description": "周一至周五 08:30–12:00、13:30–17:30；法定节假日与调休按国务院办公厅通知。",
        **dict.fromkeys(WEEKDAY_FIELDS[:5], DEFAULT_WORKDAY_TEXT),
    },
    ALWAYS_OPEN_CODE: {
        "name": "全天候（24×7）",
        "always_open": True,
        "description": "抢修等应急工作：每天 24 小时计时，不受节假日影响。",
    },
}


def package_years() -> frozenset[int]:
    """Years the installed ``chinese-calendar`` knows."""
    return chinese_calendar_years()


def package_days(year: int) -> list[tuple[date, str, str]]:
    """``(date, kind, name)`` of the statutory holidays and make-up working days of ``year``.

    Every holiday date is listed, weekends included, so the year view names them and a
    calendar that works on Saturdays closes on a Saturday holiday too. Empty for a year
    the package does not know.
    """
    import chinese_calendar

    days = []
    for day, festival in chinese_calendar.holidays.items():
        if day.year == year:
            days.append((day, "holiday", FESTIVALS.get(str(festival), str(festival))))
    for day, festival in chinese_calendar.workdays.items():
        if day.year == year and day.weekday() >= 5:
            name = FESTIVALS.get(str(festival), str(festival))
            days.append((day, "makeup_workday", f"{name}调休上班"))
    return sorted(days)


def _history_row(historical, obj, now, reason: str):
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    return historical(**values, history_date=now, history_type="+", history_change_reason=reason)


def seed(
    apps, *, years: Iterable[int] | None = None, app_label: str = "calendars"
) -> dict[str, int]:
    """Create the built-in calendars that are missing and load the statutory years.

    ``years`` defaults to every year the package knows; a year already loaded for the
    standard calendar is left alone (local changes stay). ``app_label`` is the app the
    calendar models belong to in ``apps``. Idempotent.
    """
    WorkCalendar = apps.get_model(app_label, "WorkCalendar")
    CalendarDay = apps.get_model(app_label, "CalendarDay")
    CalendarYear = apps.get_model(app_label, "CalendarYear")
    now = timezone.now()
    created = {"calendars": 0, "days": 0, "years": 0}
    reason = "built-in"
    for code, fields in BUILT_IN.items():
        if not WorkCalendar.objects.filter(code=code).exists():
            calendar = WorkCalendar.objects.create(code=code, **fields)
            apps.get_model(app_label, "HistoricalWorkCalendar").objects.bulk_create(
                [
                    _history_row(
                        apps.get_model(app_label, "HistoricalWorkCalendar"), calendar, now, reason
                    )
                ]
            )
            created["calendars"] += 1
    standard = WorkCalendar.objects.get(code=STANDARD_CODE)
    wanted = sorted(set(years if years is not None else package_years()) & package_years())
    loaded = set(CalendarYear.objects.filter(calendar=standard).values_list("year", flat=True))
    taken = set(CalendarDay.objects.filter(calendar=standard).values_list("date", flat=True))
    new_days, new_years = [], []
    for year in wanted:
        if year in loaded:
            continue
        for day, kind, name in package_days(year):
            if day not in taken:
                new_days.append(
                    CalendarDay(
                        calendar=standard, date=day, kind=kind, name=name, source="statutory"
                    )
                )
        new_years.append(CalendarYear(calendar=standard, year=year, source="package"))
    new_days = CalendarDay.objects.bulk_create(new_days)
    new_years = CalendarYear.objects.bulk_create(new_years)
    for model_name, rows in (("CalendarDay", new_days), ("CalendarYear", new_years)):
        historical = apps.get_model(app_label, f"Historical{model_name}")
        historical.objects.bulk_create([_history_row(historical, row, now, reason) for row in rows])
    created["days"], created["years"] = len(new_days), len(new_years)
    return created
