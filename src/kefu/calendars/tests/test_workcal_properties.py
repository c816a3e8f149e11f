"""Property-based tests for kefu.calendars.workcal on the 2024–2026 Chinese calendar.

The calendar under test is built from the ``chinese-calendar`` package; the
minute-level oracle below uses ``chinese_calendar.is_workday`` directly, so the
two are independent implementations of "is this minute working time?".
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.calendars.workcal import (
    Calendar,
    add,
    close_of_business,
    is_working_day,
    load_chinese_holidays,
    next_working_instant,
    working_periods,
    working_time_between,
)

SH = ZoneInfo("Asia/Shanghai")
CAL = Calendar.from_holiday_data("cn-std", load_chinese_holidays(2024, 2026))
OPEN = Calendar(code="24x7", always_open=True)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
TINY = timedelta(microseconds=1)

EXAMPLES = settings(max_examples=200, deadline=None)

# Any instant in 2024–2026 (Shanghai), given in Shanghai time or in UTC.
starts = st.datetimes(
    min_value=datetime(2024, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(2026, 12, 31, 23, 59, 59),  # noqa: DTZ001
    timezones=st.just(SH),
).flatmap(lambda dt: st.sampled_from([dt, dt.astimezone(UTC)]))

_EPOCH = datetime(2024, 1, 1, tzinfo=SH)
_ORACLE_WINDOW = 3 * 24 * 60  # minutes
# Whole-minute instants such that start + the oracle window stays in 2024–2026 (the
# oracle relies on chinese-calendar, which refuses years it does not know).
_LAST_MINUTE = (datetime(2027, 1, 1, tzinfo=SH) - _EPOCH) // MINUTE - _ORACLE_WINDOW
minute_starts = st.integers(0, _LAST_MINUTE).map(lambda m: _EPOCH + m * MINUTE)

working_units = st.sampled_from(["working_minutes", "working_hours"])
day_units = st.sampled_from(["working_days", "calendar_days"])
all_units = st.sampled_from(
    ["minutes", "hours", "working_minutes", "working_hours", "working_days", "calendar_days"]
)


_oracle_is_workday = functools.cache(chinese_calendar.is_workday)


def _oracle_is_working_minute(instant: datetime) -> bool:
    """Independent definition: chinese-calendar's workday + the default office hours."""
    local = instant.astimezone(SH)
    if not _oracle_is_workday(local.date()):
        return False
    clock = local.time()
    return time(8, 30) <= clock < time(12) or time(13, 30) <= clock < time(17, 30)


def _is_at_period_boundary_or_inside(instant: datetime, calendar: Calendar) -> bool:
    """True when ``instant`` is inside a working period or exactly at a period's end."""
    local = instant.astimezone(calendar.zone)
    for day in (local.date() - timedelta(days=1), local.date()):
        for start, end in working_periods(day, calendar):
            if start <= instant <= end:
                return True
    return False


# ---------------------------------------------------------------------------
# working time


@EXAMPLES
@given(start=starts, hours=st.integers(0, 300))
def test_adding_working_hours_measures_back_exactly(start: datetime, hours: int) -> None:
    due = add(start, hours, "working_hours", CAL).due
    assert due >= start
    assert working_time_between(start, due, CAL) == hours * HOUR
    # Measuring from the next working instant gives the same: nothing is counted before it.
    assert working_time_between(next_working_instant(start, CAL), due, CAL) == hours * HOUR


@EXAMPLES
@given(start=starts, a=st.integers(0, 150), b=st.integers(1, 150), unit=working_units)
def test_working_time_is_additive(start: datetime, a: int, b: int, unit: str) -> None:
    # b >= 1: adding 0 to an instant at a period end rolls it to the next period start,
    # whereas add(a + 0) stays at the period end (the earliest instant reaching a).
    first = add(start, a, unit, CAL).due
    assert add(first, b, unit, CAL).due == add(start, a + b, unit, CAL).due


@EXAMPLES
@given(start=starts, a=st.integers(0, 200), b=st.integers(0, 200), unit=all_units)
def test_monotonic_in_amount(start: datetime, a: int, b: int, unit: str) -> None:
    low, high = sorted((a, b))
    due_low = add(start, low, unit, CAL).due
    due_high = add(start, high, unit, CAL).due
    assert due_low <= due_high
    if low < high and unit != "calendar_days" and not (low == 0 and unit == "working_days"):
        assert due_low < due_high


@EXAMPLES
@given(
    s1=starts,
    delta=st.timedeltas(timedelta(0), timedelta(days=20)),
    amount=st.integers(0, 60),
    unit=all_units,
)
def test_monotonic_in_start(s1: datetime, delta: timedelta, amount: int, unit: str) -> None:
    s2 = s1 + delta
    assert add(s1, amount, unit, CAL).due <= add(s2, amount, unit, CAL).due


@EXAMPLES
@given(start=starts, amount=st.integers(0, 3000), unit=working_units)
def test_due_never_falls_inside_a_gap(start: datetime, amount: int, unit: str) -> None:
    due = add(start, amount, unit, CAL).due
    assert _is_at_period_boundary_or_inside(due, CAL)
    # It is the earliest instant with enough working time.
    if amount:
        needed = amount * (HOUR if unit == "working_hours" else MINUTE)
        assert working_time_between(start, due - TINY, CAL) < needed
    else:
        assert due == next_working_instant(start, CAL)


@EXAMPLES
@given(start=starts, hours=st.integers(0, 100))
def test_working_minutes_agree_with_working_hours(start: datetime, hours: int) -> None:
    assert add(start, hours, "working_hours", CAL) == add(start, 60 * hours, "working_minutes", CAL)


@EXAMPLES
@given(a=starts, b=starts, c=starts)
def test_working_time_between_is_additive(a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted((a, b, c))
    total = working_time_between(a, c, CAL)
    assert total == working_time_between(a, b, CAL) + working_time_between(b, c, CAL)
    assert timedelta(0) <= total <= c - a
    assert working_time_between(c, a, CAL) == timedelta(0)


@settings(max_examples=150, deadline=None)
@given(start=minute_starts, minutes=st.integers(0, _ORACLE_WINDOW))
def test_working_time_between_matches_minute_oracle(start: datetime, minutes: int) -> None:
    expected = sum(_oracle_is_working_minute(start + i * MINUTE) for i in range(minutes))
    assert working_time_between(start, start + minutes * MINUTE, CAL) == expected * MINUTE


@EXAMPLES
@given(instant=starts)
def test_next_working_instant(instant: datetime) -> None:
    nxt = next_working_instant(instant, CAL)
    assert nxt >= instant
    assert working_time_between(instant, nxt, CAL) == timedelta(0)
    assert working_time_between(nxt, nxt + TINY, CAL) == TINY  # nxt is working time
    assert next_working_instant(nxt, CAL) == nxt


# ---------------------------------------------------------------------------
# day limits


def _local_date(instant: datetime) -> date:
    return instant.astimezone(SH).date()


@EXAMPLES
@given(start=starts, days=st.integers(1, 60))
def test_working_days_end_at_close_of_nth_working_day(start: datetime, days: int) -> None:
    due = add(start, days, "working_days", CAL).due
    receipt, due_day = _local_date(start), _local_date(due)
    assert is_working_day(due_day, CAL)
    assert due == close_of_business(due_day, CAL)
    between = [receipt + timedelta(days=i) for i in range(1, (due_day - receipt).days + 1)]
    assert sum(is_working_day(d, CAL) for d in between) == days


@EXAMPLES
@given(start=starts, days=st.integers(1, 60))
def test_calendar_days_end_at_nth_day_or_next_working_day(start: datetime, days: int) -> None:
    due = add(start, days, "calendar_days", CAL).due
    target, due_day = _local_date(start) + timedelta(days=days), _local_date(due)
    assert due_day >= target
    assert due == close_of_business(due_day, CAL)
    skipped = [target + timedelta(days=i) for i in range((due_day - target).days)]
    assert not any(is_working_day(d, CAL) for d in skipped)


@EXAMPLES
@given(start=starts, unit=day_units)
def test_zero_days_is_close_of_the_working_day_of_the_next_working_instant(
    start: datetime, unit: str
) -> None:
    due = add(start, 0, unit, CAL).due
    assert due >= start
    assert due == close_of_business(_local_date(next_working_instant(start, CAL)), CAL)


# ---------------------------------------------------------------------------
# provisional flag and always-open calendars


@EXAMPLES
@given(start=starts, amount=st.integers(0, 400), unit=all_units)
def test_provisional_exactly_when_the_result_reaches_an_unloaded_year(
    start: datetime, amount: int, unit: str
) -> None:
    result = add(start, amount, unit, CAL)
    if unit in ("minutes", "hours"):
        assert not result.provisional
    else:
        assert result.provisional == (result.due.astimezone(SH).year > 2026)


@EXAMPLES
@given(start=starts, amount=st.integers(0, 400), unit=all_units)
def test_always_open(start: datetime, amount: int, unit: str) -> None:
    result = add(start, amount, unit, OPEN)
    assert not result.provisional
    if unit in ("minutes", "working_minutes"):
        assert result.due == start + amount * MINUTE
    elif unit in ("hours", "working_hours"):
        assert result.due == start + amount * HOUR
    else:
        receipt = _local_date(start)
        assert result.due == datetime.combine(
            receipt + timedelta(days=amount + 1), time(0), tzinfo=SH
        )
    assert working_time_between(start, result.due, OPEN) == result.due - start
