"""Pure rules of the SLA policies: warning thresholds, lists of codes and report months.

No ORM, no settings, no clock. The weekly pattern's rules are ``kefu.calendars.rules``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

from django.utils.translation import gettext as _

DEFAULT_WARNING_THRESHOLDS = (50, 80)


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
