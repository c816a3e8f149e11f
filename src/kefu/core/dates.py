"""The span of years kefu computes in: working calendars, months, weeks and report
periods. A date outside it (year 1 or 9999 typed into a filter) is refused with a clear
message instead of overflowing the date arithmetic."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FIRST_YEAR, LAST_YEAR = 2000, 2100


def out_of_span_message() -> str:
    return _("Choose a date between %(first)s and %(last)s.") % {
        "first": FIRST_YEAR,
        "last": LAST_YEAR,
    }


def in_span(value: date) -> bool:
    return FIRST_YEAR <= value.year <= LAST_YEAR


def check_in_span(value: date) -> date:
    """*value*, or ``ValueError`` with the message above."""
    if not in_span(value):
        raise ValueError(out_of_span_message())
    return value


def validate_in_span(value: date) -> None:
    """A form and model field validator."""
    if value is not None and not in_span(value):
        raise ValidationError(out_of_span_message(), code="date_out_of_span")
