"""Pure rules of the working calendars: the weekly pattern's text form and when
administrators must be told that next year's holidays are missing.

No ORM, no settings, no clock: ``today`` and the loaded years are arguments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, time

from django.utils.translation import gettext as _

from kefu.calendars.workcal import Period

# Weekday names in the order of ``kefu.calendars.workcal`` (Monday = 0).
WEEKDAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_WORKDAY_TEXT = "08:30-12:00, 13:30-17:30"
# From this month on, administrators are warned while next year's holidays are not loaded.
WARN_FROM_MONTH = 10

_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_DASH = re.compile(r"\s*[-–~—至到]\s*")
_SEPARATORS = re.compile(r"[,，;；、\s]+")


def _clock(hour: str, minute: str, *, end: bool) -> time | None:
    h, m = int(hour), int(minute)
    if end and h == 24 and m == 0:
        return time(0)  # 24:00, the end of the day, as in kefu.calendars.workcal
    if h > 23 or m > 59:
        return None
    return time(h, m)


def _minutes(value: time, *, end: bool) -> int:
    if end and value == time(0):
        return 24 * 60
    return value.hour * 60 + value.minute


def parse_periods(text: str) -> tuple[Period, ...]:
    """Parse ``"08:30-12:00, 13:30-17:30"`` into working periods; blank means closed.

    Periods are separated by commas (also ``，；、`` or spaces); ``24:00`` may end a period.
    Raises ``ValueError`` (with a message for the user) when a period is malformed, ends
    before it starts, or overlaps / is out of order with the previous one.
    """
    text = (text or "").strip()
    if not text:
        return ()
    periods: list[Period] = []
    previous_end = -1
    for chunk in _SEPARATORS.split(_DASH.sub("-", text)):
        if not chunk:
            continue
        match = _PERIOD.match(chunk)
        start = end = None
        if match:
            start = _clock(match[1], match[2], end=False)
            end = _clock(match[3], match[4], end=True)
        if start is None or end is None:
            raise ValueError(_("“%(chunk)s” is not a period like 08:30-12:00.") % {"chunk": chunk})
        lo, hi = _minutes(start, end=False), _minutes(end, end=True)
        if lo >= hi:
            raise ValueError(_("The period “%(chunk)s” ends before it starts.") % {"chunk": chunk})
        if lo < previous_end:
            raise ValueError(
                _("The period “%(chunk)s” overlaps or comes before the previous one.")
                % {"chunk": chunk}
            )
        previous_end = hi
        periods.append((start, end))
    return tuple(periods)


def format_periods(periods: Iterable[Period]) -> str:
    """The text form of periods, the inverse of :func:`parse_periods`."""
    parts = []
    for start, end in periods:
        end_text = "24:00" if end == time(0) else end.strftime("%H:%M")
        parts.append(f"{start.strftime('%H:%M')}-{end_text}")
    return ", ".join(parts)


def missing_years(today: date, loaded_years: Iterable[int]) -> tuple[int, ...]:
    """The years whose holidays should be loaded by ``today`` but are not.

    The current year always; from 1 October (``WARN_FROM_MONTH``) next year too.
    """
    loaded = set(loaded_years)
    wanted = [today.year]
    if today.month >= WARN_FROM_MONTH:
        wanted.append(today.year + 1)
    return tuple(year for year in wanted if year not in loaded)
