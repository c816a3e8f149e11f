"""Pure rules of the customer archive: no ORM, no settings, no clock.

Every function takes what it needs (``now``, the calendar, the policy values) as arguments
and is tested table-driven in ``tests/test_rules.py``.
"""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kefu.calendars import workcal

# normalising and lookup values of phones live with the mask in kefu.core.phones
from kefu.core.phones import normalise_phone
from kefu.core.phones import phone_lookup_value as phone_lookup_value

# ---------------------------------------------------------------------------- phones

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area code 0 + 2–3 digits, local number 7–8 digits, optional extension.
_LANDLINE = re.compile(r"^(0\d{2,3})(\d{7,8})$")


def phone_is_valid(raw: str) -> bool:
    """A mainland mobile (11 digits, 13x–19x) or a landline with its area code."""
    number = normalise_phone(raw)
    base, _, extension = number.partition("#")
    if not base.isdigit():
        return False
    if extension and not (1 <= len(extension) <= 6):
        return False
    if _MOBILE.match(base):
        return not extension
    return bool(_LANDLINE.match(base))


# ---------------------------------------------------------------------------- ID numbers

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits of a GB 11643 number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalise_id_number(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def id_number_problem(raw: str, *, today: date | None = None) -> str | None:
    """Why *raw* is not a valid 18-digit resident ID number (GB 11643), or None.

    Checks the form (17 digits + digit or X), the birth date (a real date, not after
    *today*) and the MOD 11-2 check character. Returns a short reason code:
    ``"format"``, ``"birthdate"`` or ``"checksum"``.
    """
    number = normalise_id_number(raw)
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return "format"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "birthdate"
    if born.year < 1900 or (today is not None and born > today):
        return "birthdate"
    if id_check_digit(number[:17]) != number[17]:
        return "checksum"
    return None


# Unified social credit code (统一社会信用代码, GB 32100): 18 characters, MOD 31 check.
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def credit_code_problem(raw: str) -> str | None:
    """Why *raw* is not a valid unified social credit code, or None."""
    code = normalise_id_number(raw)
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return "format"
    if credit_code_check_char(code[:17]) != code[17]:
        return "checksum"
    return None


def mask_id_number(raw: str) -> str:
    """``110101199003074514`` → ``110101********4514`` (region kept, birth date hidden)."""
    number = normalise_id_number(raw)
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def normalise_key(raw: str) -> str:
    """How names, account numbers and codes are indexed for lookup: upper case, no spaces."""
    return re.sub(r"\s+", "", raw or "").upper()


def lookup_kind(query: str) -> str:
    """``"phone"`` for digits and separators only (a phone number), else ``"text"``."""
    text = (query or "").strip()
    if text and re.fullmatch(r"[+\d\s\-()（）]+", text) and re.search(r"\d", text):
        return "phone"
    return "text"


# ---------------------------------------------------------------------------- first contact


def first_contact_due(assigned_at: datetime, days: int) -> datetime:
    """When a newly assigned lead must have been contacted: *days* whole days later (ARC-06)."""
    return assigned_at + timedelta(days=days)


def is_reassignable(*, due: datetime | None, contacted: bool, now: datetime) -> bool:
    """A lead becomes reassignable once its first-contact deadline passes without contact."""
    return due is not None and not contacted and now > due


# ---------------------------------------------------------------------------- data entry


def entry_due(captured_at: datetime, calendar: workcal.Calendar, working_days: int) -> datetime:
    """Deadline to enter a customer information file captured at *captured_at* (ARC-01).

    Close of business of the *working_days*-th working day after the day of capture,
    counted with *calendar* (holidays and 调休 make-up days respected).
    """
    return workcal.add(captured_at, working_days, workcal.Unit.WORKING_DAYS, calendar).due


def entry_is_late(*, due: datetime, entered_at: datetime | None, now: datetime) -> bool:
    """Entered after the deadline, or still not entered when the deadline has passed."""
    if entered_at is not None:
        return entered_at > due
    return now > due


# ---------------------------------------------------------------------------- grading


def add_months(day: date, months: int) -> date:
    """The same day *months* later, clamped to the month's last day (31 Aug + 6 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Window:
    """A yearly window given as (month, day) pairs, inclusive at both ends."""

    start: tuple[int, int]
    end: tuple[int, int]

    def dates(self, year: int) -> tuple[date, date]:
        return date(year, *self.start), date(year, *self.end)


def window_state(today: date, window: Window) -> str:
    """``"before"``, ``"open"`` or ``"closed"`` for the window of *today*'s year."""
    start, end = window.dates(today.year)
    if today < start:
        return "before"
    if today <= end:
        return "open"
    return "closed"


def temporary_grade_due(cooperation_start: date, months: int) -> date:
    """A new customer's temporary grade is formally evaluated *months* after cooperation starts."""
    return add_months(cooperation_start, months)


def formal_grade_expires(decided_on: date, window: Window) -> date:
    """A formal grade holds until the close of the next yearly window (no lifetime grades).

    Decided before this year's window opens → this year's window; otherwise next year's.
    """
    start, end = window.dates(decided_on.year)
    if decided_on < start:
        return end
    return window.dates(decided_on.year + 1)[1]


def grade_problem(grade: str, allowed: Sequence[str]) -> str | None:
    """None when *grade* is one of the configured grades."""
    return None if grade in allowed else "unknown"


# ---------------------------------------------------------------------------- managers


def least_loaded(loads: Mapping[int, int]) -> int | None:
    """The manager with the fewest customers; ties go to the lowest id (stable)."""
    if not loads:
        return None
    return min(loads.items(), key=lambda item: (item[1], item[0]))[0]


@dataclass(frozen=True)
class Record:
    """One record of a customer as entered by someone."""

    id: int
    created_at: datetime
    owner_id: int | None


def resolve_ownership(records: Iterable[Record]) -> Record:
    """The record that owns a customer recorded several times: the earliest (ARC-04).

    Ties on the creation instant go to the lower id, i.e. the one saved first.
    """
    ordered = sorted(records, key=lambda r: (r.created_at, r.id))
    if not ordered:
        raise ValueError("no records")
    return ordered[0]


# ---------------------------------------------------------------------------- weekly summaries


def week_start(day: date) -> date:
    """The Monday of *day*'s week."""
    return day - timedelta(days=day.weekday())


def weekly_summary_due(monday: date, *, weekday: int, at: time, zone: ZoneInfo) -> datetime:
    """When the weekly progress summary of the week starting *monday* is due (MGR-10)."""
    return datetime.combine(monday + timedelta(days=weekday), at, tzinfo=zone)


def summary_is_late(*, due: datetime, submitted_at: datetime | None, now: datetime) -> bool:
    if submitted_at is not None:
        return submitted_at > due
    return now > due


@dataclass(frozen=True)
class Trip:
    day: date
    customer_id: int | None


@dataclass(frozen=True)
class Visit:
    day: date
    customer_id: int


@dataclass(frozen=True)
class Discrepancy:
    code: str
    day: date | None
    customer_id: int | None


def reconcile(
    *, trips: Iterable[Trip], visits: Iterable[Visit], reported_visits: int | None
) -> list[Discrepancy]:
    """Where trip logs, visit records and the weekly summary disagree (MGR-08 (2)).

    * ``visit_without_trip``: a visit recorded with no trip log to that customer that day;
    * ``trip_without_visit``: a trip to a customer with no visit record that day;
    * ``count_mismatch``: the summary reports a different number of visits than recorded.
    """
    trips = list(trips)
    visits = list(visits)
    trip_keys = {(t.day, t.customer_id) for t in trips if t.customer_id is not None}
    visit_keys = {(v.day, v.customer_id) for v in visits}
    found = [
        Discrepancy("visit_without_trip", day, customer)
        for day, customer in sorted(visit_keys - trip_keys, key=_key_order)
    ]
    found += [
        Discrepancy("trip_without_visit", day, customer)
        for day, customer in sorted(trip_keys - visit_keys, key=_key_order)
    ]
    if reported_visits is not None and reported_visits != len(visits):
        found.append(Discrepancy("count_mismatch", None, None))
    return found


def _key_order(key: tuple[date, int | None]) -> tuple[date, int]:
    return key[0], key[1] or 0
