"""Working-day calendar for Chinese time limits (时限).

Pure functions only: no Django, no ORM, no settings and no clock.  The instant a
computation starts from and the :class:`Calendar` it uses are always arguments.

Calendar model
==============

A :class:`Calendar` is a frozen value made of

* a weekly pattern: for each weekday (Monday = 0) a tuple of working periods
  ``(start, end)`` in local wall-clock time (default Mon–Fri 08:30–12:00 and
  13:30–17:30, Sat/Sun closed).  Periods are half-open ``[start, end)``; an
  ``end`` of ``time(0)`` means 24:00 (end of the day);
* statutory holidays (法定节假日): dates that are closed whatever the pattern says;
* make-up working days (调休): dates (normally a Saturday or Sunday) that are
  open and use the periods of ``makeup_weekday`` (Monday by default);
* ``loaded_years``: the years whose holiday data is known.  Results that depend
  on the status of a date in any other year are flagged ``provisional``;
* ``always_open``: a 24×7 calendar (emergency work): every instant is working
  time and every date is a working day, holidays are ignored.

:func:`load_chinese_holidays` builds the holiday and make-up sets from the
``chinese-calendar`` package.

Conventions of :func:`add`
==========================

* All inputs must be timezone-aware datetimes (``ValueError`` otherwise); every
  result is aware and expressed in the calendar's timezone.  Arithmetic is done
  on absolute (UTC) instants, so elapsed durations are real durations.
* Amounts are non-negative integers; a negative amount raises ``ValueError``.
* ``minutes`` / ``hours``: ELAPSED clock time (a plain ``timedelta``), on every
  calendar.  Only ``working_minutes`` / ``working_hours`` count working time.
* ``working_minutes`` / ``working_hours``: only time inside working periods is
  counted.  A start outside working time starts counting at the next working
  period.  The due instant is the *earliest* instant at which the amount is
  reached, so it never lies inside a non-working gap: when the amount is used up
  exactly at the end of a period the due instant is that period's end (e.g.
  12:00 or 17:30, never 13:30 or next morning).  Amount 0 gives
  :func:`next_working_instant` of the start (the start itself when it is inside
  working time).  On an ``always_open`` calendar these are elapsed time.
* Day limits follow the statutory rule for periods (期间): the day of receipt is
  the local calendar date of ``start`` - even when received after hours or on a
  non-working day - and it does not count.

  - ``working_days`` N (N ≥ 1): close of business (end of the last working
    period) of the Nth working day after the day of receipt.
  - ``calendar_days`` N (N ≥ 1): the Nth calendar day after the day of receipt,
    at its close of business; when that day is not a working day the deadline
    moves to the close of business of the next working day.
  - N = 0 (both units): close of business of the working day on which the next
    working instant (:func:`next_working_instant`) falls, i.e. the same day when
    received on a working day before closing time, otherwise the next working
    day.  The due instant is therefore never before ``start``.
  - On an ``always_open`` calendar every date is a working day whose close of
    business is 24:00, expressed as 00:00 of the following date.

* ``Deadline.provisional`` is True when the result depends on the status of a
  date lying in a year that is not in ``loaded_years`` - the weekly pattern alone
  was used for that date.  Precisely, the dates consulted are: for
  ``working_*`` units, from the local date of ``start`` to the due date; for
  ``working_days`` N ≥ 1, from the day after receipt to the due date; for
  ``calendar_days`` N ≥ 1, from the Nth day after receipt to the due date.
  Elapsed units (``minutes``/``hours``) and ``always_open`` calendars never
  consult holiday data and are never provisional.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any, Literal, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DEFAULT_PERIODS",
    "DEFAULT_TIMEZONE",
    "DEFAULT_WEEK",
    "Calendar",
    "DayKind",
    "Deadline",
    "HolidayData",
    "Period",
    "Unit",
    "WeekPattern",
    "add",
    "chinese_calendar_years",
    "close_of_business",
    "day_kind",
    "is_working_day",
    "load_chinese_holidays",
    "next_working_instant",
    "working_periods",
    "working_time_between",
]

Period: TypeAlias = tuple[time, time]
"""A working period ``(start, end)`` in local wall-clock time; ``end == time(0)`` is 24:00."""

WeekPattern: TypeAlias = tuple[tuple[Period, ...], ...]
"""Seven tuples of periods, Monday first."""

DayKind: TypeAlias = Literal["workday", "weekend", "holiday", "makeup_workday"]

DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_PERIODS: tuple[Period, ...] = (
    (time(8, 30), time(12, 0)),
    (time(13, 30), time(17, 30)),
)
DEFAULT_WEEK: WeekPattern = (DEFAULT_PERIODS,) * 5 + ((), ())

_MIDNIGHT = time(0)
_FULL_DAY: tuple[Period, ...] = ((_MIDNIGHT, _MIDNIGHT),)
_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
# A calendar with this many consecutive closed days is considered broken.
_MAX_CLOSED_DAYS = 1000


class Unit(enum.StrEnum):
    """Units of a time limit."""

    MINUTES = "minutes"
    HOURS = "hours"
    WORKING_MINUTES = "working_minutes"
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"


def _end_offset(period: Period) -> timedelta:
    """Offset of the period's end from local midnight (24:00 for ``time(0)``)."""
    end = period[1]
    if end == _MIDNIGHT:
        return _ONE_DAY
    return timedelta(
        hours=end.hour, minutes=end.minute, seconds=end.second, microseconds=end.microsecond
    )


def _start_offset(period: Period) -> timedelta:
    start = period[0]
    return timedelta(
        hours=start.hour, minutes=start.minute, seconds=start.second, microseconds=start.microsecond
    )


def _validate_periods(periods: tuple[tuple[time, ...], ...], weekday: int) -> tuple[Period, ...]:
    """The day's periods as pairs of times, or ``ValueError`` when they are malformed."""
    checked: list[Period] = []
    previous_end = _ZERO
    for given in periods:
        if len(given) != 2 or not all(isinstance(t, time) for t in given):
            raise ValueError(f"weekday {weekday}: a period must be a pair of times, got {given!r}")
        if any(t.tzinfo is not None for t in given):
            raise ValueError(f"weekday {weekday}: period times must be naive, got {given!r}")
        period: Period = (given[0], given[1])
        start, end = _start_offset(period), _end_offset(period)
        if start >= end:
            raise ValueError(f"weekday {weekday}: period {period!r} must end after it starts")
        if start < previous_end:
            raise ValueError(
                f"weekday {weekday}: periods must be sorted and not overlap, got {periods!r}"
            )
        previous_end = end
        checked.append(period)
    return tuple(checked)


def _check_dates(values: Iterable[date], what: str) -> frozenset[date]:
    result = frozenset(values)
    for value in result:
        if isinstance(value, datetime) or not isinstance(value, date):
            raise ValueError(f"{what} must contain dates, got {value!r}")
    return result


@dataclass(frozen=True)
class Calendar:
    """A working calendar.  See the module docstring for the model.

    The constructor accepts any iterables for ``holidays``, ``makeup_days`` and
    ``loaded_years`` and any sequence for ``week``; they are normalised to
    frozensets / tuples, so a calendar is immutable and hashable.  Raises
    ``ValueError`` for an unknown timezone, a malformed weekly pattern, a date
    that is both a holiday and a make-up day, or a calendar without any working
    period in its week (unless ``always_open``).
    """

    code: str
    timezone: str = DEFAULT_TIMEZONE
    week: WeekPattern = DEFAULT_WEEK
    holidays: frozenset[date] = frozenset()
    makeup_days: frozenset[date] = frozenset()
    loaded_years: frozenset[int] = frozenset()
    always_open: bool = False
    makeup_weekday: int = 0
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    # Wall-clock working time of each weekday's pattern (Monday first).
    _lengths: tuple[timedelta, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {self.timezone!r}") from exc
        object.__setattr__(self, "_zone", zone)

        given = tuple(tuple(tuple(p) for p in day) for day in self.week)
        if len(given) != 7:
            raise ValueError(f"week must have 7 entries (Monday first), got {len(given)}")
        week = tuple(_validate_periods(periods, weekday) for weekday, periods in enumerate(given))
        object.__setattr__(self, "week", week)
        lengths = tuple(
            sum((_end_offset(p) - _start_offset(p) for p in day), _ZERO) for day in week
        )
        object.__setattr__(self, "_lengths", lengths)

        holidays = _check_dates(self.holidays, "holidays")
        makeup_days = _check_dates(self.makeup_days, "makeup_days")
        both = holidays & makeup_days
        if both:
            listed = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"dates cannot be both holiday and make-up day: {listed}")
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "makeup_days", makeup_days)
        object.__setattr__(self, "loaded_years", frozenset(int(y) for y in self.loaded_years))

        if not 0 <= self.makeup_weekday <= 6:
            raise ValueError(f"makeup_weekday must be 0..6, got {self.makeup_weekday}")
        if not self.always_open:
            if not any(week):
                raise ValueError("the weekly pattern has no working period")
            if makeup_days and not week[self.makeup_weekday]:
                raise ValueError("makeup_weekday has no working period in the weekly pattern")

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's timezone as a ``ZoneInfo``."""
        return self._zone

    @classmethod
    def from_holiday_data(cls, code: str, data: HolidayData, **options: Any) -> Calendar:
        """Build a calendar whose holidays, make-up days and loaded years come from ``data``.

        ``options`` are passed on to the constructor (``timezone``, ``week``, ...).
        """
        return cls(
            code=code,
            holidays=data.holidays,
            makeup_days=data.makeup_days,
            loaded_years=data.years,
            **options,
        )


@dataclass(frozen=True)
class Deadline:
    """Result of :func:`add`.

    ``due`` is aware, in the calendar's timezone.  ``provisional`` is True when
    the computation relied on the weekly pattern alone for a date in a year
    whose holidays are not loaded.
    """

    due: datetime
    provisional: bool


@dataclass(frozen=True)
class HolidayData:
    """Holiday data for a range of years, as plain values.

    ``holidays`` holds only statutory holidays falling Monday–Friday (weekend
    holidays are closed by the weekly pattern already); ``makeup_days`` holds
    only Saturdays and Sundays that are working days (调休); ``years`` are the
    requested years the data source actually knows; ``names`` maps every date of
    ``holidays`` and ``makeup_days`` to the festival it belongs to.
    """

    holidays: frozenset[date]
    makeup_days: frozenset[date]
    years: frozenset[int]
    names: Mapping[date, str] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, hash=False
    )


# ---------------------------------------------------------------------------
# chinese-calendar


def chinese_calendar_years() -> frozenset[int]:
    """Years for which the installed ``chinese-calendar`` package has holiday data."""
    import chinese_calendar  # imported on use: optional at import time

    return frozenset(d.year for d in chinese_calendar.holidays)


def load_chinese_holidays(first_year: int, last_year: int) -> HolidayData:
    """Read the State Council holiday arrangements for ``first_year..last_year`` (inclusive).

    Uses the ``chinese_calendar.holidays`` and ``chinese_calendar.workdays``
    tables.  Years outside the package's coverage are silently left out of
    ``HolidayData.years`` (so calendars built from the data flag results in
    those years as provisional).  Raises ``ValueError`` if ``last_year <
    first_year``.
    """
    if last_year < first_year:
        raise ValueError(f"last_year ({last_year}) is before first_year ({first_year})")
    import chinese_calendar  # imported on use: optional at import time

    requested = range(first_year, last_year + 1)
    years = chinese_calendar_years() & frozenset(requested)
    names: dict[date, str] = {}
    holidays = set()
    for day, name in chinese_calendar.holidays.items():
        if day.year in years and day.weekday() < 5:
            holidays.add(day)
            names[day] = str(name)
    makeup_days = set()
    for day, name in chinese_calendar.workdays.items():
        if day.year in years and day.weekday() >= 5:
            makeup_days.add(day)
            names[day] = str(name)
    return HolidayData(
        holidays=frozenset(holidays),
        makeup_days=frozenset(makeup_days),
        years=years,
        names=MappingProxyType(names),
    )


# ---------------------------------------------------------------------------
# days


def _periods_of(day: date, calendar: Calendar) -> tuple[Period, ...]:
    if calendar.always_open:
        return _FULL_DAY
    if day in calendar.makeup_days:
        return calendar.week[calendar.makeup_weekday]
    if day in calendar.holidays:
        return ()
    return calendar.week[day.weekday()]


def _wall_length(day: date, calendar: Calendar) -> timedelta:
    """Working time of ``day`` measured on the wall clock (no DST correction)."""
    if calendar.always_open:
        return _ONE_DAY
    if day in calendar.makeup_days:
        return calendar._lengths[calendar.makeup_weekday]
    if day in calendar.holidays:
        return _ZERO
    return calendar._lengths[day.weekday()]


def _whole_day_length(day: date, calendar: Calendar) -> timedelta | None:
    """Real working time of ``day``, or None when the UTC offset changes during the day.

    Cheap: used to skip whole days without building their periods.
    """
    zone = calendar.zone
    if zone.utcoffset(datetime.combine(day, _MIDNIGHT)) != zone.utcoffset(
        datetime.combine(day + _ONE_DAY, _MIDNIGHT)
    ):
        return None
    return _wall_length(day, calendar)


def _utc_periods(day: date, calendar: Calendar) -> list[tuple[datetime, datetime]]:
    """Working periods of ``day`` as UTC instants, in order."""
    zone = calendar.zone
    result = []
    for start, end in _periods_of(day, calendar):
        start_at = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
        end_day = day + _ONE_DAY if end == _MIDNIGHT else day
        end_at = datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)
        result.append((start_at, end_at))
    return result


def is_working_day(day: date, calendar: Calendar) -> bool:
    """True when ``day`` has at least one working period.

    Make-up days are working days, holidays are not, other dates follow the
    weekly pattern; on an ``always_open`` calendar every date is a working day.
    """
    return bool(_periods_of(day, calendar))


def day_kind(day: date, calendar: Calendar) -> DayKind:
    """Classify ``day`` for listings.

    ``"makeup_workday"`` for a make-up day, ``"holiday"`` for a listed holiday,
    ``"workday"`` when the weekly pattern has working periods that weekday,
    ``"weekend"`` otherwise.  On an ``always_open`` calendar every day is a
    ``"workday"``.  Calendars built from :func:`load_chinese_holidays` list
    weekday holidays only, so a festival day falling on a Saturday or Sunday
    (e.g. 2025-10-04, 国庆) is reported as ``"weekend"``.
    """
    if calendar.always_open:
        return "workday"
    if day in calendar.makeup_days:
        return "makeup_workday"
    if day in calendar.holidays:
        return "holiday"
    if calendar.week[day.weekday()]:
        return "workday"
    return "weekend"


def working_periods(day: date, calendar: Calendar) -> tuple[tuple[datetime, datetime], ...]:
    """The working periods of ``day`` as aware ``(start, end)`` pairs in the calendar's timezone.

    Empty on a non-working day.  A period ending at 24:00 ends at 00:00 of the next date.
    """
    zone = calendar.zone
    return tuple(
        (start.astimezone(zone), end.astimezone(zone)) for start, end in _utc_periods(day, calendar)
    )


def close_of_business(day: date, calendar: Calendar) -> datetime | None:
    """End of the last working period of ``day`` (aware, calendar timezone); None if closed."""
    periods = _utc_periods(day, calendar)
    if not periods:
        return None
    return periods[-1][1].astimezone(calendar.zone)


# ---------------------------------------------------------------------------
# instants


def _to_utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")
    return value.astimezone(UTC)


def _local_date(instant: datetime, calendar: Calendar) -> date:
    return instant.astimezone(calendar.zone).date()


def _closed_too_long(calendar: Calendar, since: date) -> ValueError:
    return ValueError(
        f"calendar {calendar.code!r} has no working day within {_MAX_CLOSED_DAYS} days "
        f"after {since.isoformat()}"
    )


def _next_working_utc(instant: datetime, calendar: Calendar) -> tuple[datetime, date]:
    """First working instant ≥ ``instant`` (UTC) and the date whose period contains it."""
    day = _local_date(instant, calendar)
    first = day
    for _ in range(_MAX_CLOSED_DAYS):
        for start, end in _utc_periods(day, calendar):
            if instant < end:
                return max(start, instant), day
        day += _ONE_DAY
    raise _closed_too_long(calendar, first)


def next_working_instant(instant: datetime, calendar: Calendar) -> datetime:
    """The first instant ≥ ``instant`` that lies inside a working period.

    Periods are half-open, so a period's end (e.g. 12:00) is not working time
    and rolls forward to the next period's start (13:30).  Returns ``instant``
    itself (converted to the calendar's timezone) when it is working time.
    Raises ``ValueError`` for a naive datetime.
    """
    at = _to_utc(instant, "instant")
    if calendar.always_open:
        return at.astimezone(calendar.zone)
    return _next_working_utc(at, calendar)[0].astimezone(calendar.zone)


def working_time_between(start: datetime, end: datetime, calendar: Calendar) -> timedelta:
    """Working time in ``[start, end)``; ``timedelta(0)`` when ``end <= start``.

    On an ``always_open`` calendar this is ``end - start``.  Raises
    ``ValueError`` for naive datetimes.  Walks day by day.
    """
    lo, hi = _to_utc(start, "start"), _to_utc(end, "end")
    if hi <= lo:
        return _ZERO
    if calendar.always_open:
        return hi - lo
    total = _ZERO
    first = day = _local_date(lo, calendar)
    last = _local_date(hi, calendar)
    while day <= last:
        if first < day < last:
            length = _whole_day_length(day, calendar)
            if length is not None:
                total += length
                day += _ONE_DAY
                continue
        for period_start, period_end in _utc_periods(day, calendar):
            overlap = min(period_end, hi) - max(period_start, lo)
            if overlap > _ZERO:
                total += overlap
        day += _ONE_DAY
    return total


# ---------------------------------------------------------------------------
# adding time limits


def _add_working_time(
    start: datetime, amount: timedelta, calendar: Calendar
) -> tuple[datetime, date, date]:
    """Earliest instant where ``amount`` of working time since ``start`` is reached.

    Returns ``(due_utc, first_date_consulted, last_date_consulted)``.
    """
    first = _local_date(start, calendar)
    if amount == _ZERO:
        due, day = _next_working_utc(start, calendar)
        return due, first, day
    remaining = amount
    day = first
    closed = 0
    while True:
        if day != first:
            length = _whole_day_length(day, calendar)
            if length is not None and length < remaining:
                # The whole day is used up (or closed): skip it without building periods.
                remaining -= length
                closed = 0 if length else closed + 1
                if closed >= _MAX_CLOSED_DAYS:
                    raise _closed_too_long(calendar, day - timedelta(days=closed))
                day += _ONE_DAY
                continue
        periods = _utc_periods(day, calendar)
        if periods:
            closed = 0
        else:
            closed += 1
            if closed >= _MAX_CLOSED_DAYS:
                raise _closed_too_long(calendar, day - timedelta(days=closed))
        for period_start, period_end in periods:
            begin = max(period_start, start)
            available = period_end - begin
            if available <= _ZERO:
                continue
            if remaining <= available:
                return begin + remaining, first, day
            remaining -= available
        day += _ONE_DAY


def _next_working_day(day: date, calendar: Calendar) -> date:
    """``day`` itself if it is a working day, else the next working day."""
    for offset in range(_MAX_CLOSED_DAYS):
        candidate = day + timedelta(days=offset)
        if is_working_day(candidate, calendar):
            return candidate
    raise _closed_too_long(calendar, day)


def _nth_working_day_after(day: date, count: int, calendar: Calendar) -> date:
    """The ``count``-th working day strictly after ``day`` (``count`` ≥ 1)."""
    found = 0
    closed = 0
    while found < count:
        day += _ONE_DAY
        if is_working_day(day, calendar):
            found += 1
            closed = 0
        else:
            closed += 1
            if closed >= _MAX_CLOSED_DAYS:
                raise _closed_too_long(calendar, day - timedelta(days=closed))
    return day


def _is_provisional(first: date, last: date, calendar: Calendar) -> bool:
    if calendar.always_open:
        return False
    loaded = calendar.loaded_years
    return any(year not in loaded for year in range(first.year, last.year + 1))


def add(start: datetime, amount: int, unit: Unit | str, calendar: Calendar) -> Deadline:
    """Due instant of a time limit of ``amount`` ``unit`` counted from ``start``.

    ``start`` must be aware (``ValueError`` otherwise); ``amount`` a
    non-negative ``int`` (``ValueError`` if negative, ``TypeError`` if not an
    int); ``unit`` a :class:`Unit` or its string value (``ValueError`` if
    unknown).  The conventions are described in the module docstring.  The
    result's ``due`` is aware, in the calendar's timezone, and never before
    ``start``.  Cost is proportional to the number of days spanned, never to
    the number of minutes.
    """
    at = _to_utc(start, "start")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be an int, got {amount!r}")
    if amount < 0:
        raise ValueError(f"amount must not be negative, got {amount}")
    try:
        unit = Unit(unit)
    except ValueError:
        choices = ", ".join(u.value for u in Unit)
        raise ValueError(f"unknown unit {unit!r}; expected one of {choices}") from None
    zone = calendar.zone

    if unit in (Unit.MINUTES, Unit.HOURS) or (
        calendar.always_open and unit in (Unit.WORKING_MINUTES, Unit.WORKING_HOURS)
    ):
        per = (
            timedelta(hours=1) if unit in (Unit.HOURS, Unit.WORKING_HOURS) else timedelta(minutes=1)
        )
        return Deadline(due=(at + amount * per).astimezone(zone), provisional=False)

    if unit in (Unit.WORKING_MINUTES, Unit.WORKING_HOURS):
        per = timedelta(hours=1) if unit is Unit.WORKING_HOURS else timedelta(minutes=1)
        due, first, last = _add_working_time(at, amount * per, calendar)
        return Deadline(
            due=due.astimezone(zone), provisional=_is_provisional(first, last, calendar)
        )

    # Day limits.
    receipt = _local_date(at, calendar)
    if amount == 0:
        _, due_day = _next_working_utc(at, calendar)
        first = receipt
    elif unit is Unit.WORKING_DAYS:
        due_day = _nth_working_day_after(receipt, amount, calendar)
        first = receipt + _ONE_DAY
    else:
        first = receipt + timedelta(days=amount)
        due_day = _next_working_day(first, calendar)
    due = _utc_periods(due_day, calendar)[-1][1]  # due_day is a working day
    return Deadline(due=due.astimezone(zone), provisional=_is_provisional(first, due_day, calendar))
