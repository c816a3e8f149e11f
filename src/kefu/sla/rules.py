"""Pure rules of the working calendars: the weekly pattern's text form, warning thresholds
and when administrators must be told that next year's holidays are missing.

No ORM, no settings, no clock: ``today`` and the loaded years are arguments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, time

from django.utils.translation import gettext as _

from kefu.core.workcal import Period

# Weekday names in the order of ``kefu.core.workcal`` (Monday = 0).
WEEKDAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_WORKDAY_TEXT = "08:30-12:00, 13:30-17:30"
# From this month on, administrators are warned while next year's holidays are not loaded.
WARN_FROM_MONTH = 10
DEFAULT_WARNING_THRESHOLDS = (50, 80)

_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_DASH = re.compile(r"\s*[-–~—至到]\s*")
_SEPARATORS = re.compile(r"[,，;；、\s]+")


def _clock(hour: str, minute: str, *, end: bool) -> time | None:
    h, m = int(hour), int(minute)
    if end and h == 24 and m == 0:
        return time(0)  # 24:00, the end of the day, as in kefu.core.workcal
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


def parse_thresholds(values: Iterable[int | str]) -> tuple[int, ...]:
    """Warning thresholds as whole percentages, strictly increasing, each in 1..99."""
    result: list[int] = []
    for value in values:
        try:
            number = int(str(value).strip().rstrip("%"))
        except ValueError:
            raise ValueError(
                _("“%(value)s” is not a whole percentage.") % {"value": value}
            ) from None
        if not 1 <= number <= 99:
            raise ValueError(_("A warning threshold must be between 1 and 99 percent."))
        if result and number <= result[-1]:
            raise ValueError(_("Warning thresholds must be listed from low to high."))
        result.append(number)
    return tuple(result)


def missing_years(today: date, loaded_years: Iterable[int]) -> tuple[int, ...]:
    """The years whose holidays should be loaded by ``today`` but are not.

    The current year always; from 1 October (``WARN_FROM_MONTH``) next year too.
    """
    loaded = set(loaded_years)
    wanted = [today.year]
    if today.month >= WARN_FROM_MONTH:
        wanted.append(today.year + 1)
    return tuple(year for year in wanted if year not in loaded)


def split_codes(text: str | Sequence[str]) -> list[str]:
    """Codes typed as ``"complaint, repair_request"`` (or a list) → a clean, de-duplicated list."""
    items = re.split(r"[,，;；、\s]+", text) if isinstance(text, str) else list(text)
    return list(dict.fromkeys(item.strip() for item in items if item and item.strip()))


def parse_month(text: str) -> date:
    """A month written ``YYYY-MM`` as the date of its first day."""
    value = (text or "").strip()
    try:
        year, month = value.split("-")
        result = date(int(year), int(month), 1)
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not a month: write it as YYYY-MM, e.g. 2026-11.") % {"value": value}
        ) from None
    from kefu.core.dates import in_span

    if not in_span(result):
        raise ValueError(_("The month must lie between 2000 and 2100."))
    return result
