"""The working-day calendar the customer rules count with.

Until the SLA app provides administrator-edited calendars, this is the statutory calendar
of the State Council (``chinese-calendar``) for the years around the date asked about.
Pure rules never call this: services pass the calendar in.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from kefu.core import workcal


@lru_cache(maxsize=8)
def _statutory(first_year: int, last_year: int) -> workcal.Calendar:
    # Calendars are immutable values, so caching them per year range is safe.
    data = workcal.load_chinese_holidays(first_year, last_year)
    return workcal.Calendar.from_holiday_data("cn-statutory", data)


def calendar_for(instant: datetime) -> workcal.Calendar:
    """The working calendar covering *instant*'s year and the next."""
    return _statutory(instant.year - 1, instant.year + 1)
