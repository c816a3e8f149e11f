"""Table-driven tests for kefu.calendars.workcal (working-day calendar, 时限).

The reference calendar is built from the State Council holiday notices for
2024–2026, typed in below; ``test_chinese_calendar_matches_official_notices``
checks the ``chinese-calendar`` package against the same list.
"""

from __future__ import annotations

import time as perf
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kefu.calendars.workcal import (
    DEFAULT_PERIODS,
    Calendar,
    Deadline,
    Unit,
    add,
    chinese_calendar_years,
    close_of_business,
    day_kind,
    is_working_day,
    load_chinese_holidays,
    next_working_instant,
    working_periods,
    working_time_between,
)

SH = ZoneInfo("Asia/Shanghai")

# (festival, first day off, last day off) - 国务院办公厅关于部分节假日安排的通知
OFFICIAL_HOLIDAYS: list[tuple[str, date, date]] = [
    ("2024 元旦", date(2024, 1, 1), date(2024, 1, 1)),
    ("2024 春节", date(2024, 2, 10), date(2024, 2, 17)),
    ("2024 清明", date(2024, 4, 4), date(2024, 4, 6)),
    ("2024 劳动节", date(2024, 5, 1), date(2024, 5, 5)),
    ("2024 端午", date(2024, 6, 10), date(2024, 6, 10)),
    ("2024 中秋", date(2024, 9, 15), date(2024, 9, 17)),
    ("2024 国庆", date(2024, 10, 1), date(2024, 10, 7)),
    ("2025 元旦", date(2025, 1, 1), date(2025, 1, 1)),
    ("2025 春节", date(2025, 1, 28), date(2025, 2, 4)),
    ("2025 清明", date(2025, 4, 4), date(2025, 4, 6)),
    ("2025 劳动节", date(2025, 5, 1), date(2025, 5, 5)),
    ("2025 端午", date(2025, 5, 31), date(2025, 6, 2)),
    ("2025 国庆中秋", date(2025, 10, 1), date(2025, 10, 8)),
    ("2026 元旦", date(2026, 1, 1), date(2026, 1, 3)),
    ("2026 春节", date(2026, 2, 15), date(2026, 2, 23)),
    ("2026 清明", date(2026, 4, 4), date(2026, 4, 6)),
    ("2026 劳动节", date(2026, 5, 1), date(2026, 5, 5)),
    ("2026 端午", date(2026, 6, 19), date(2026, 6, 21)),
    ("2026 中秋", date(2026, 9, 25), date(2026, 9, 27)),
    ("2026 国庆", date(2026, 10, 1), date(2026, 10, 7)),
]

# (make-up working day 调休上班, the next working day after it) - every one of 2024–2026.
OFFICIAL_MAKEUP_DAYS: list[tuple[date, date]] = [
    (date(2024, 2, 4), date(2024, 2, 5)),  # Sun, 春节
    (date(2024, 2, 18), date(2024, 2, 19)),  # Sun, 春节
    (date(2024, 4, 7), date(2024, 4, 8)),  # Sun, 清明
    (date(2024, 4, 28), date(2024, 4, 29)),  # Sun, 劳动节
    (date(2024, 5, 11), date(2024, 5, 13)),  # Sat, 劳动节
    (date(2024, 9, 14), date(2024, 9, 18)),  # Sat, 中秋 (Sun 15 – Tue 17 off)
    (date(2024, 9, 29), date(2024, 9, 30)),  # Sun, 国庆
    (date(2024, 10, 12), date(2024, 10, 14)),  # Sat, 国庆
    (date(2025, 1, 26), date(2025, 1, 27)),  # Sun, 春节
    (date(2025, 2, 8), date(2025, 2, 10)),  # Sat, 春节
    (date(2025, 4, 27), date(2025, 4, 28)),  # Sun, 劳动节
    (date(2025, 9, 28), date(2025, 9, 29)),  # Sun, 国庆
    (date(2025, 10, 11), date(2025, 10, 13)),  # Sat, 国庆
    (date(2026, 1, 4), date(2026, 1, 5)),  # Sun, 元旦
    (date(2026, 2, 14), date(2026, 2, 24)),  # Sat, 春节 (Sun 15 – Mon 23 off)
    (date(2026, 2, 28), date(2026, 3, 2)),  # Sat, 春节
    (date(2026, 5, 9), date(2026, 5, 11)),  # Sat, 劳动节
    (date(2026, 9, 20), date(2026, 9, 21)),  # Sun, 国庆
    (date(2026, 10, 10), date(2026, 10, 12)),  # Sat, 国庆
]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


ALL_HOLIDAY_DATES: list[tuple[str, date]] = [
    (name, day) for name, first, last in OFFICIAL_HOLIDAYS for day in _days(first, last)
]
WEEKDAY_HOLIDAYS = frozenset(day for _, day in ALL_HOLIDAY_DATES if day.weekday() < 5)
MAKEUP_DAYS = frozenset(day for day, _ in OFFICIAL_MAKEUP_DAYS)
YEARS = frozenset({2024, 2025, 2026})

CAL = Calendar(
    code="cn-std",
    holidays=WEEKDAY_HOLIDAYS,
    makeup_days=MAKEUP_DAYS,
    loaded_years=YEARS,
)
OPEN = Calendar(code="24x7", always_open=True)


def at(y: int, mo: int, d: int, h: int = 10, mi: int = 0, tz: ZoneInfo = SH) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=tz)


# ---------------------------------------------------------------------------
# data


def test_chinese_calendar_matches_official_notices() -> None:
    data = load_chinese_holidays(2024, 2026)
    assert data.years == YEARS
    assert sorted(data.holidays - WEEKDAY_HOLIDAYS) == []
    assert sorted(WEEKDAY_HOLIDAYS - data.holidays) == []
    assert sorted(data.makeup_days ^ MAKEUP_DAYS) == []
    built = Calendar.from_holiday_data("cn-std", data)
    assert built == CAL


def test_load_chinese_holidays_keeps_weekday_holidays_and_weekend_makeup_days_only() -> None:
    data = load_chinese_holidays(2024, 2026)
    assert all(day.weekday() < 5 for day in data.holidays)
    assert all(day.weekday() >= 5 for day in data.makeup_days)
    assert date(2024, 2, 10) not in data.holidays  # 春节, but a Saturday
    assert data.names[date(2025, 10, 1)] == "National Day"
    assert data.names[date(2025, 9, 28)] == "National Day"


def test_load_chinese_holidays_reports_only_known_years() -> None:
    known = chinese_calendar_years()
    assert known >= YEARS
    data = load_chinese_holidays(2025, 2027)
    assert data.years == frozenset({2025, 2026, 2027}) & known
    assert all(day.year in data.years for day in data.holidays | data.makeup_days)
    with pytest.raises(ValueError, match="before"):
        load_chinese_holidays(2026, 2025)


@pytest.mark.parametrize(("year", "expected"), [(2024, 251), (2025, 248), (2026, 248)])
def test_number_of_working_days_in_year(year: int, expected: int) -> None:
    days = _days(date(year, 1, 1), date(year, 12, 31))
    assert sum(is_working_day(d, CAL) for d in days) == expected


@pytest.mark.parametrize(
    ("name", "day"), ALL_HOLIDAY_DATES, ids=[f"{n}-{d}" for n, d in ALL_HOLIDAY_DATES]
)
def test_every_statutory_holiday_is_closed(name: str, day: date) -> None:
    assert not is_working_day(day, CAL)
    assert working_periods(day, CAL) == ()
    assert close_of_business(day, CAL) is None
    assert day_kind(day, CAL) == ("holiday" if day.weekday() < 5 else "weekend")
    assert next_working_instant(at(day.year, day.month, day.day), CAL).date() > day


@pytest.mark.parametrize(
    ("makeup", "next_working"),
    OFFICIAL_MAKEUP_DAYS,
    ids=[f"{m:%Y-%m-%d-%a}" for m, _ in OFFICIAL_MAKEUP_DAYS],
)
def test_every_makeup_day_is_a_full_working_day(makeup: date, next_working: date) -> None:
    assert makeup.weekday() >= 5
    assert is_working_day(makeup, CAL)
    assert day_kind(makeup, CAL) == "makeup_workday"
    assert working_periods(makeup, CAL) == tuple(
        (datetime.combine(makeup, s, tzinfo=SH), datetime.combine(makeup, e, tzinfo=SH))
        for s, e in DEFAULT_PERIODS
    )
    eve = makeup - timedelta(days=1)
    # Received the day before -> 1 working day -> the make-up day's close of business.
    assert add(at(eve.year, eve.month, eve.day), 1, "working_days", CAL).due == datetime.combine(
        makeup, time(17, 30), tzinfo=SH
    )
    # Received late the day before -> 1 working hour -> 09:30 on the make-up day.
    late = at(eve.year, eve.month, eve.day, 23)
    assert add(late, 1, "working_hours", CAL).due == datetime.combine(
        makeup, time(9, 30), tzinfo=SH
    )
    # Received on the make-up day at 17:00 -> 1 working hour -> 09:00 on the next working day.
    five = at(makeup.year, makeup.month, makeup.day, 17)
    assert add(five, 1, "working_hours", CAL).due == datetime.combine(
        next_working, time(9), tzinfo=SH
    )
    assert add(five, 1, "working_days", CAL).due == datetime.combine(
        next_working, time(17, 30), tzinfo=SH
    )


# Received at 10:00 on the given day, 1 working day -> close of business of the given date.
FESTIVAL_CASES = [
    ("2024-元旦", date(2023, 12, 31), date(2024, 1, 2)),
    ("2024-春节-before-makeup", date(2024, 2, 3), date(2024, 2, 4)),
    ("2024-春节", date(2024, 2, 9), date(2024, 2, 18)),
    ("2024-清明", date(2024, 4, 3), date(2024, 4, 7)),
    ("2024-劳动节-makeup-sun", date(2024, 4, 26), date(2024, 4, 28)),
    ("2024-劳动节", date(2024, 4, 30), date(2024, 5, 6)),
    ("2024-端午", date(2024, 6, 7), date(2024, 6, 11)),
    ("2024-中秋-makeup-sat", date(2024, 9, 13), date(2024, 9, 14)),
    ("2024-中秋", date(2024, 9, 14), date(2024, 9, 18)),
    ("2024-国庆", date(2024, 9, 30), date(2024, 10, 8)),
    ("2025-元旦", date(2024, 12, 31), date(2025, 1, 2)),
    ("2025-春节", date(2025, 1, 27), date(2025, 2, 5)),
    ("2025-清明", date(2025, 4, 3), date(2025, 4, 7)),
    ("2025-劳动节", date(2025, 4, 30), date(2025, 5, 6)),
    ("2025-端午", date(2025, 5, 30), date(2025, 6, 3)),
    ("2025-国庆中秋", date(2025, 9, 30), date(2025, 10, 9)),
    ("2026-元旦-makeup-sun", date(2025, 12, 31), date(2026, 1, 4)),
    ("2026-春节-makeup-sat", date(2026, 2, 13), date(2026, 2, 14)),
    ("2026-春节", date(2026, 2, 14), date(2026, 2, 24)),
    ("2026-清明", date(2026, 4, 3), date(2026, 4, 7)),
    ("2026-劳动节", date(2026, 4, 30), date(2026, 5, 6)),
    ("2026-端午", date(2026, 6, 18), date(2026, 6, 22)),
    ("2026-中秋", date(2026, 9, 24), date(2026, 9, 28)),
    ("2026-国庆", date(2026, 9, 30), date(2026, 10, 8)),
]


@pytest.mark.parametrize(
    ("received", "due_day"),
    [c[1:] for c in FESTIVAL_CASES],
    ids=[c[0] for c in FESTIVAL_CASES],
)
def test_one_working_day_across_each_festival(received: date, due_day: date) -> None:
    result = add(at(received.year, received.month, received.day), 1, "working_days", CAL)
    assert result.due == datetime.combine(due_day, time(17, 30), tzinfo=SH)


# ---------------------------------------------------------------------------
# add(): id, start, amount, unit, expected due, expected provisional

ADD_CASES: list[tuple[str, datetime, int, str, datetime, bool]] = [
    # working days
    ("wd-wed-3-to-mon", at(2025, 10, 15), 3, "working_days", at(2025, 10, 20, 17, 30), False),
    ("wd-mon-5-to-next-mon", at(2025, 12, 1), 5, "working_days", at(2025, 12, 8, 17, 30), False),
    ("wd-across-国庆-2025", at(2025, 9, 30), 1, "working_days", at(2025, 10, 9, 17, 30), False),
    (
        "wd-国庆-2025-3-to-makeup-sat",
        at(2025, 9, 30),
        3,
        "working_days",
        at(2025, 10, 11, 17, 30),
        False,
    ),
    (
        "wd-lands-on-makeup-sat-2024",
        at(2024, 10, 9),
        3,
        "working_days",
        at(2024, 10, 12, 17, 30),
        False,
    ),
    (
        "wd-received-after-hours",
        at(2025, 10, 15, 19),
        3,
        "working_days",
        at(2025, 10, 20, 17, 30),
        False,
    ),
    (
        "wd-received-before-hours",
        at(2025, 10, 15, 6),
        1,
        "working_days",
        at(2025, 10, 16, 17, 30),
        False,
    ),
    ("wd-received-sat", at(2025, 12, 6), 1, "working_days", at(2025, 12, 8, 17, 30), False),
    (
        "wd-received-sun-night",
        at(2025, 12, 7, 23, 59),
        1,
        "working_days",
        at(2025, 12, 8, 17, 30),
        False,
    ),
    ("wd-received-on-holiday", at(2025, 10, 3), 1, "working_days", at(2025, 10, 9, 17, 30), False),
    (
        "wd-received-on-holiday-3",
        at(2025, 10, 3),
        3,
        "working_days",
        at(2025, 10, 11, 17, 30),
        False,
    ),
    ("wd-0-same-day", at(2025, 10, 15), 0, "working_days", at(2025, 10, 15, 17, 30), False),
    ("wd-0-after-hours", at(2025, 10, 15, 18), 0, "working_days", at(2025, 10, 16, 17, 30), False),
    ("wd-0-on-holiday", at(2025, 10, 1), 0, "working_days", at(2025, 10, 9, 17, 30), False),
    ("wd-10", at(2025, 3, 3), 10, "working_days", at(2025, 3, 17, 17, 30), False),
    ("wd-15-across-春节-2026", at(2026, 2, 9), 15, "working_days", at(2026, 3, 6, 17, 30), False),
    # working hours / minutes
    ("wh-to-lunch-exactly", at(2025, 10, 15, 10), 2, "working_hours", at(2025, 10, 15, 12), False),
    ("wh-across-lunch", at(2025, 10, 15, 11), 2, "working_hours", at(2025, 10, 15, 14, 30), False),
    (
        "wh-to-close-exactly",
        at(2025, 10, 15, 15, 30),
        2,
        "working_hours",
        at(2025, 10, 15, 17, 30),
        False,
    ),
    (
        "wm-full-day-ends-at-close",
        at(2025, 10, 15, 8, 30),
        450,
        "working_minutes",
        at(2025, 10, 15, 17, 30),
        False,
    ),
    (
        "wh-8-is-more-than-a-day",
        at(2025, 10, 15, 8, 30),
        8,
        "working_hours",
        at(2025, 10, 16, 9),
        False,
    ),
    ("wh-before-hours", at(2025, 10, 15, 7), 1, "working_hours", at(2025, 10, 15, 9, 30), False),
    (
        "wh-during-lunch",
        at(2025, 10, 15, 12, 30),
        1,
        "working_hours",
        at(2025, 10, 15, 14, 30),
        False,
    ),
    ("wh-after-hours", at(2025, 10, 15, 18), 1, "working_hours", at(2025, 10, 16, 9, 30), False),
    (
        "wh-across-weekend",
        at(2025, 10, 17, 16, 30),
        3,
        "working_hours",
        at(2025, 10, 20, 10, 30),
        False,
    ),
    ("wh-from-saturday", at(2025, 10, 18, 11), 4, "working_hours", at(2025, 10, 20, 14), False),
    ("wh-across-国庆-2025", at(2025, 9, 30, 17), 1, "working_hours", at(2025, 10, 9, 9), False),
    (
        "wh-lands-on-makeup-sat-2026",
        at(2026, 2, 13, 17),
        8,
        "working_hours",
        at(2026, 2, 14, 17, 30),
        False,
    ),
    ("wh-40", at(2025, 3, 3, 9), 40, "working_hours", at(2025, 3, 10, 11, 30), False),
    ("wh-0-inside", at(2025, 10, 15, 10, 5), 0, "working_hours", at(2025, 10, 15, 10, 5), False),
    ("wh-0-lunch", at(2025, 10, 15, 12), 0, "working_hours", at(2025, 10, 15, 13, 30), False),
    (
        "wh-0-after-close",
        at(2025, 10, 17, 17, 30),
        0,
        "working_hours",
        at(2025, 10, 20, 8, 30),
        False,
    ),
    (
        "wm-across-lunch",
        at(2025, 10, 15, 11, 50),
        20,
        "working_minutes",
        at(2025, 10, 15, 13, 40),
        False,
    ),
    # calendar days
    ("cd-plain", at(2025, 10, 15), 2, "calendar_days", at(2025, 10, 17, 17, 30), False),
    (
        "cd-on-sunday-moves-to-mon",
        at(2025, 10, 15),
        4,
        "calendar_days",
        at(2025, 10, 20, 17, 30),
        False,
    ),
    ("cd-on-国庆-moves-after", at(2025, 9, 26), 5, "calendar_days", at(2025, 10, 9, 17, 30), False),
    ("cd-on-makeup-sunday", at(2025, 9, 21), 7, "calendar_days", at(2025, 9, 28, 17, 30), False),
    ("cd-on-端午-2026", at(2026, 6, 12), 7, "calendar_days", at(2026, 6, 22, 17, 30), False),
    ("cd-received-on-holiday", at(2025, 10, 1), 1, "calendar_days", at(2025, 10, 9, 17, 30), False),
    ("cd-0-after-hours", at(2025, 10, 17, 18), 0, "calendar_days", at(2025, 10, 20, 17, 30), False),
    ("cd-30", at(2025, 3, 3), 30, "calendar_days", at(2025, 4, 2, 17, 30), False),
    # elapsed time
    ("hours-elapsed-after-close", at(2025, 10, 17, 16), 3, "hours", at(2025, 10, 17, 19), False),
    ("hours-elapsed-into-saturday", at(2025, 10, 17, 23), 2, "hours", at(2025, 10, 18, 1), False),
    ("minutes-elapsed-on-holiday", at(2025, 10, 1), 90, "minutes", at(2025, 10, 1, 11, 30), False),
    ("hours-elapsed-2027", at(2027, 3, 1), 5, "hours", at(2027, 3, 1, 15), False),
    # provisional
    (
        "prov-2026-stays-loaded",
        at(2026, 12, 30),
        1,
        "working_days",
        at(2026, 12, 31, 17, 30),
        False,
    ),
    ("prov-into-2027", at(2026, 12, 30), 5, "working_days", at(2027, 1, 6, 17, 30), True),
    ("prov-cd-into-2027", at(2026, 12, 28), 7, "calendar_days", at(2027, 1, 4, 17, 30), True),
    ("prov-wh-into-2027", at(2026, 12, 31, 17), 1, "working_hours", at(2027, 1, 1, 9), True),
    ("prov-wh-in-2027", at(2027, 5, 6), 1, "working_hours", at(2027, 5, 6, 11), True),
    (
        "prov-receipt-day-2023-not-consulted",
        at(2023, 12, 31),
        1,
        "working_days",
        at(2024, 1, 2, 17, 30),
        False,
    ),
    ("prov-wh-from-2023", at(2023, 12, 29, 16), 2, "working_hours", at(2024, 1, 2, 9), True),
]


@pytest.mark.parametrize(
    ("start", "amount", "unit", "due", "provisional"),
    [c[1:] for c in ADD_CASES],
    ids=[c[0] for c in ADD_CASES],
)
def test_add(start: datetime, amount: int, unit: str, due: datetime, provisional: bool) -> None:
    result = add(start, amount, unit, CAL)
    assert result == Deadline(due=due, provisional=provisional)
    assert result.due.tzinfo == SH
    assert result.due >= start


def test_provisional_is_false_once_the_year_is_loaded() -> None:
    with_2027 = Calendar(
        code="cn", holidays=CAL.holidays, makeup_days=CAL.makeup_days, loaded_years=YEARS | {2027}
    )
    assert add(at(2026, 12, 30), 5, Unit.WORKING_DAYS, with_2027) == Deadline(
        due=at(2027, 1, 6, 17, 30), provisional=False
    )


def test_nothing_loaded_means_everything_provisional() -> None:
    bare = Calendar(code="pattern-only")
    result = add(at(2025, 10, 1), 1, "working_days", bare)
    assert result == Deadline(due=at(2025, 10, 2, 17, 30), provisional=True)


# ---------------------------------------------------------------------------
# always open (24×7)

OPEN_CASES: list[tuple[str, datetime, int, str, datetime]] = [
    ("wd-1-ends-24h-next-day", at(2025, 10, 1), 1, "working_days", at(2025, 10, 3, 0)),
    ("wd-0-ends-24h-same-day", at(2025, 10, 1, 23, 59), 0, "working_days", at(2025, 10, 2, 0)),
    ("cd-3", at(2025, 10, 1), 3, "calendar_days", at(2025, 10, 5, 0)),
    ("cd-1-from-midnight", at(2025, 10, 1, 0), 1, "calendar_days", at(2025, 10, 3, 0)),
    ("wh-elapsed", at(2025, 10, 1), 30, "working_hours", at(2025, 10, 2, 16)),
    ("wm-elapsed", at(2025, 10, 1), 45, "working_minutes", at(2025, 10, 1, 10, 45)),
    ("hours", at(2025, 10, 1, 23), 2, "hours", at(2025, 10, 2, 1)),
    ("2027-not-provisional", at(2027, 2, 1), 2, "working_days", at(2027, 2, 4, 0)),
]


@pytest.mark.parametrize(
    ("start", "amount", "unit", "due"),
    [c[1:] for c in OPEN_CASES],
    ids=[c[0] for c in OPEN_CASES],
)
def test_always_open(start: datetime, amount: int, unit: str, due: datetime) -> None:
    assert add(start, amount, unit, OPEN) == Deadline(due=due, provisional=False)


def test_always_open_everything_is_working_time() -> None:
    holiday_open = Calendar(
        code="24x7", holidays=WEEKDAY_HOLIDAYS, loaded_years=YEARS, always_open=True
    )
    start, end = at(2025, 10, 1, 3), at(2025, 10, 4, 5, 30)
    assert working_time_between(start, end, holiday_open) == end - start
    assert next_working_instant(start, holiday_open) == start
    assert is_working_day(date(2025, 10, 1), holiday_open)
    assert day_kind(date(2025, 10, 1), holiday_open) == "workday"
    assert close_of_business(date(2025, 10, 1), holiday_open) == at(2025, 10, 2, 0)


# ---------------------------------------------------------------------------
# other functions

BETWEEN_CASES = [
    ("same-morning", at(2025, 10, 15, 9), at(2025, 10, 15, 11), timedelta(hours=2)),
    ("across-lunch", at(2025, 10, 15, 10), at(2025, 10, 15, 15), timedelta(hours=3.5)),
    ("across-weekend", at(2025, 10, 17, 16), at(2025, 10, 20, 10), timedelta(hours=3)),
    ("across-国庆", at(2025, 9, 30, 17), at(2025, 10, 9, 9), timedelta(hours=1)),
    ("whole-week", at(2025, 12, 1, 0), at(2025, 12, 8, 0), timedelta(hours=37.5)),
    ("both-outside-hours", at(2025, 10, 15, 18), at(2025, 10, 16, 8), timedelta(0)),
    ("end-before-start", at(2025, 10, 15, 11), at(2025, 10, 15, 9), timedelta(0)),
    ("equal", at(2025, 10, 15, 11), at(2025, 10, 15, 11), timedelta(0)),
    (
        "mixed-timezones",
        datetime(2025, 10, 15, 1, tzinfo=UTC),
        at(2025, 10, 15, 10),
        timedelta(hours=1),
    ),
    ("makeup-saturday", at(2025, 10, 11, 0), at(2025, 10, 12, 0), timedelta(hours=7.5)),
]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [c[1:] for c in BETWEEN_CASES],
    ids=[c[0] for c in BETWEEN_CASES],
)
def test_working_time_between(start: datetime, end: datetime, expected: timedelta) -> None:
    assert working_time_between(start, end, CAL) == expected


NEXT_CASES = [
    ("inside", at(2025, 10, 15, 11, 59), at(2025, 10, 15, 11, 59)),
    ("period-start", at(2025, 10, 15, 8, 30), at(2025, 10, 15, 8, 30)),
    ("period-end-is-not-working", at(2025, 10, 15, 12), at(2025, 10, 15, 13, 30)),
    ("early-morning", at(2025, 10, 15, 3), at(2025, 10, 15, 8, 30)),
    ("after-close", at(2025, 10, 15, 17, 30), at(2025, 10, 16, 8, 30)),
    ("friday-evening", at(2025, 10, 17, 20), at(2025, 10, 20, 8, 30)),
    ("国庆", at(2025, 10, 1), at(2025, 10, 9, 8, 30)),
    ("eve-of-makeup-saturday", at(2025, 10, 10, 18), at(2025, 10, 11, 8, 30)),
    ("utc-input", datetime(2025, 10, 15, 5, tzinfo=UTC), at(2025, 10, 15, 13, 30)),
]


@pytest.mark.parametrize(
    ("instant", "expected"), [c[1:] for c in NEXT_CASES], ids=[c[0] for c in NEXT_CASES]
)
def test_next_working_instant(instant: datetime, expected: datetime) -> None:
    result = next_working_instant(instant, CAL)
    assert result == expected
    assert result.tzinfo == SH


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2025, 10, 15), "workday"),
        (date(2025, 10, 18), "weekend"),
        (date(2025, 10, 1), "holiday"),
        (date(2025, 10, 4), "weekend"),  # 国庆 on a Saturday: closed by the pattern anyway
        (date(2025, 10, 11), "makeup_workday"),
        (date(2027, 10, 1), "workday"),  # not loaded: pattern only
    ],
    ids=str,
)
def test_day_kind(day: date, kind: str) -> None:
    assert day_kind(day, CAL) == kind


# ---------------------------------------------------------------------------
# time zones


def test_result_is_in_calendar_timezone_and_receipt_date_is_local() -> None:
    # 2025-10-14 17:00 UTC is Wed 2025-10-15 01:00 in Shanghai: the day of receipt is the 15th.
    result = add(datetime(2025, 10, 14, 17, tzinfo=UTC), 3, "working_days", CAL)
    assert result.due == at(2025, 10, 20, 17, 30)
    assert result.due.tzinfo == SH
    assert result.due.utcoffset() == timedelta(hours=8)


def test_elapsed_hours_are_real_time_across_dst() -> None:
    ny = ZoneInfo("America/New_York")
    cal = Calendar(code="ny", timezone="America/New_York")
    result = add(datetime(2025, 3, 9, 1, tzinfo=ny), 2, "hours", cal)
    assert result.due == datetime(2025, 3, 9, 4, tzinfo=ny)  # 02:00–03:00 does not exist
    assert result.due - datetime(2025, 3, 9, 1, tzinfo=ny).astimezone(UTC) == timedelta(hours=2)


# ---------------------------------------------------------------------------
# custom patterns


def test_custom_week_and_makeup_weekday() -> None:
    saturday_morning = ((time(9), time(12)),)
    week = (DEFAULT_PERIODS,) * 5 + (saturday_morning, ())
    cal = Calendar(code="six-day", week=week, makeup_days={date(2025, 10, 12)}, makeup_weekday=5)
    assert is_working_day(date(2025, 10, 18), cal)
    assert add(at(2025, 10, 17, 17), 2, "working_hours", cal).due == at(2025, 10, 18, 10, 30)
    # A make-up Sunday uses the Saturday pattern here.
    assert close_of_business(date(2025, 10, 12), cal) == at(2025, 10, 12, 12)


def test_period_ending_at_midnight() -> None:
    night = ((time(20), time(0)),)  # 20:00–24:00
    cal = Calendar(code="night", week=(night,) * 7)
    assert add(at(2025, 10, 15, 23), 2, "working_hours", cal).due == at(2025, 10, 16, 21)
    assert add(at(2025, 10, 15, 23), 1, "working_hours", cal).due == at(2025, 10, 16, 0)
    assert add(at(2025, 10, 15, 12), 1, "working_days", cal).due == at(2025, 10, 17, 0)
    assert working_time_between(at(2025, 10, 15, 0), at(2025, 10, 17, 0), cal) == timedelta(hours=8)


# ---------------------------------------------------------------------------
# refusals


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2025, 10, 15, 10)  # noqa: DTZ001 - deliberately naive
    with pytest.raises(ValueError, match="timezone-aware"):
        add(naive, 1, "working_days", CAL)
    with pytest.raises(ValueError, match="timezone-aware"):
        working_time_between(naive, at(2025, 10, 16), CAL)
    with pytest.raises(ValueError, match="timezone-aware"):
        working_time_between(at(2025, 10, 16), naive, CAL)
    with pytest.raises(ValueError, match="timezone-aware"):
        next_working_instant(naive, CAL)


@pytest.mark.parametrize("unit", list(Unit), ids=str)
def test_negative_amount_is_refused(unit: Unit) -> None:
    with pytest.raises(ValueError, match="must not be negative, got -1"):
        add(at(2025, 10, 15), -1, unit, CAL)


def test_bad_amount_type_and_unit_are_refused() -> None:
    with pytest.raises(TypeError, match="int"):
        add(at(2025, 10, 15), 1.5, "working_hours", CAL)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="int"):
        add(at(2025, 10, 15), True, "working_hours", CAL)
    with pytest.raises(ValueError, match="unknown unit"):
        add(at(2025, 10, 15), 1, "fortnights", CAL)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timezone": "Mars/Olympus"},
        {"week": (DEFAULT_PERIODS,) * 6},
        {"week": (((time(9), time(12)), (time(11), time(14))),) * 7},
        {"week": (((time(12), time(9)),),) * 7},
        {"week": ((),) * 7},
        {"holidays": {date(2025, 10, 11)}, "makeup_days": {date(2025, 10, 11)}},
        {"holidays": {datetime(2025, 10, 1, tzinfo=SH)}},
        {"makeup_weekday": 7},
    ],
    ids=[
        "unknown-tz",
        "six-weekdays",
        "overlapping",
        "reversed",
        "never-open",
        "holiday-and-makeup",
        "datetime-not-date",
        "bad-makeup-weekday",
    ],
)
def test_invalid_calendars_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - message varies per case
        Calendar(code="bad", **kwargs)  # type: ignore[arg-type]


def test_calendar_is_an_immutable_hashable_value() -> None:
    copy = Calendar(
        code="cn-std",
        holidays=list(WEEKDAY_HOLIDAYS),
        makeup_days=MAKEUP_DAYS,
        loaded_years=[2024, 2025, 2026],
    )
    assert copy == CAL
    assert hash(copy) == hash(CAL)
    assert isinstance(copy.holidays, frozenset)
    with pytest.raises(AttributeError):
        copy.code = "other"  # type: ignore[misc]


# ---------------------------------------------------------------------------
# efficiency


@pytest.mark.parametrize(
    ("amount", "unit"),
    [(500, "working_days"), (4000, "working_hours"), (3000, "calendar_days")],
    ids=["500-working-days", "4000-working-hours", "3000-calendar-days"],
)
def test_large_amounts_are_fast(amount: int, unit: str) -> None:
    start = at(2024, 3, 1)
    best = float("inf")
    for _ in range(5):
        began = perf.perf_counter()
        add(start, amount, unit, CAL)
        best = min(best, perf.perf_counter() - began)
    assert best < 0.005
