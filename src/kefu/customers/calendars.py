"""The working-day calendar the customer rules count with.

It is the standard working calendar (标准工作日历) of ``kefu.calendars``: data that
administrators edit on the calendar pages — statutory holidays and 调休 make-up days loaded from
``chinese-calendar``, plus local holidays. Should that calendar be missing (a database
whose calendars were never created), the statutory calendar of the package is used.
Pure rules never call this: services pass the calendar in.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from kefu.calendars import workcal


@lru_cache(maxsize=8)
def _statutory(first_year: int, last_year: int) -> workcal.Calendar:
    # Calendars are immutable values, so caching them per year range is safe.
    data = workcal.load_chinese_holidays(first_year, last_year)
    return workcal.Calendar.from_holiday_data("cn-statutory", data)


def calendar_for(instant: datetime) -> workcal.Calendar:
    """The working calendar covering *instant*'s year and the next (read on every call:
    an administrator's change applies to the next deadline computed, in every process)."""
    from kefu.calendars import selectors
    from kefu.calendars.seeding import STANDARD_CODE

    years = range(instant.year - 1, instant.year + 2)
    try:
        return selectors.calendar_for(STANDARD_CODE, years=years)
    except selectors.CalendarNotFound:
        return _statutory(instant.year - 1, instant.year + 1)
