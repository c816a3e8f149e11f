"""Return-visit rules as plain functions: no ORM, no settings, no clock.

The instant a computation starts from and the working calendar are always arguments, so
every branch is tested without a database (``tests/test_rules.py``).
"""

from __future__ import annotations

import calendar as _calendar
import enum
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.calendars import workcal
from kefu.calendars.workcal import Calendar, Unit

# ---------------------------------------------------------------- the satisfaction scale


class Satisfaction(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    NEUTRAL = 3, _("Neither satisfied nor dissatisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


SCALE_MIN, SCALE_MAX = 1, 5


class Verdict(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    NEUTRAL = "neutral", _("Neutral")
    DISSATISFIED = "dissatisfied", _("Not satisfied")


def verdict(*, resolved: bool, satisfaction: int) -> Verdict:
    """What the customer's answer means for the order.

    Satisfied (4–5) with the problem solved closes the order; a problem not solved in the
    customer's view, or 1–2 on the scale, reopens it; 3 (一般) with the problem solved
    closes it but does not count as satisfied.
    """
    if not SCALE_MIN <= satisfaction <= SCALE_MAX:
        raise ValueError(f"satisfaction must be {SCALE_MIN}..{SCALE_MAX}, got {satisfaction}")
    if not resolved or satisfaction <= Satisfaction.DISSATISFIED:
        return Verdict.DISSATISFIED
    if satisfaction >= Satisfaction.SATISFIED:
        return Verdict.SATISFIED
    return Verdict.NEUTRAL


class AttemptOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    REFUSED = "refused", _("Refused")


# The outbound-message code of survey links sent by email (their delivery is retried).
SURVEY_EMAIL_TEMPLATE = "return_visit_survey_email"

FAILED_OUTCOMES = frozenset(
    {AttemptOutcome.NO_ANSWER, AttemptOutcome.WRONG_NUMBER, AttemptOutcome.REFUSED}
)

# ---------------------------------------------------------------- due times


@dataclass(frozen=True)
class DueRule:
    """A return visit's time limit: ``amount`` ``unit`` from the resolution."""

    amount: int
    unit: str
    calendar: str


# Where neither the category nor the SLA policy says otherwise (RPR-02, CMP-24).
DEFAULT_DUE: dict[str, DueRule] = {
    "repair": DueRule(48, Unit.HOURS, "24x7"),  # 48 h after a repair
    "complaint": DueRule(0, Unit.CALENDAR_DAYS, "standard"),  # the same (working) day
}
FALLBACK_DUE = DueRule(1, Unit.WORKING_DAYS, "standard")


def default_due_rule(ticket_type: str) -> DueRule:
    return DEFAULT_DUE.get(ticket_type, FALLBACK_DUE)


def visit_due(resolved_at: datetime, rule: DueRule, cal: Calendar) -> workcal.Deadline:
    """When the return visit after a resolution at *resolved_at* is due."""
    return workcal.add(resolved_at, rule.amount, rule.unit, cal)


# ---------------------------------------------------------------- retries


@dataclass(frozen=True)
class RetryPlan:
    """After a failed attempt: try again at ``next_at``, or give up (``give_up``)."""

    give_up: bool
    next_at: datetime | None
    window_ends_at: datetime


def retry_plan(
    *,
    now: datetime,
    failed_attempts: int,
    max_attempts: int,
    window_days: int,
    first_attempt_at: datetime,
    cal: Calendar,
) -> RetryPlan:
    """Spread the remaining attempts evenly over the working time left in the window.

    The window is ``window_days`` working days from the day of the first attempt (it ends
    at close of business of the last one). With ``failed_attempts`` reaching
    ``max_attempts`` the visit is given up as unreachable.
    """
    if max_attempts < 1 or window_days < 0:
        raise ValueError("max_attempts must be at least 1 and window_days not negative")
    window_end = workcal.add(first_attempt_at, window_days, Unit.WORKING_DAYS, cal).due
    if failed_attempts >= max_attempts:
        return RetryPlan(give_up=True, next_at=None, window_ends_at=window_end)
    left = max_attempts - failed_attempts
    remaining = workcal.working_time_between(now, window_end, cal) if now < window_end else None
    if not remaining:
        # the window is used up: the remaining attempts are due at once
        return RetryPlan(
            give_up=False, next_at=workcal.next_working_instant(now, cal), window_ends_at=window_end
        )
    step = remaining / (left + 1) if left > 1 else remaining / 2
    minutes = max(1, int(step.total_seconds() // 60))
    next_at = workcal.add(now, minutes, Unit.WORKING_MINUTES, cal).due
    return RetryPlan(give_up=False, next_at=min(next_at, window_end), window_ends_at=window_end)


# ---------------------------------------------------------------- escalation


def escalation_chain(department_ids: Sequence[int], level: int) -> int | None:
    """The department whose heads hear of the *level*-th dissatisfied visit.

    ``department_ids`` is the handling department's path from the top (company first, the
    department last). Level 1 is the department itself, level 2 its parent and so on;
    ``None`` once past the top (the general managers then).
    """
    if level < 1:
        raise ValueError("level starts at 1")
    index = len(department_ids) - level
    return department_ids[index] if index >= 0 else None


# ---------------------------------------------------------------- visit plans


class PlanKind(models.TextChoices):
    DELIVERY_CYCLE = "delivery_cycle", _("After delivery: monthly, then quarterly")
    BIRTHDAY = "birthday", _("Key contact's birthday")
    HOLIDAY = "holiday", _("Holiday greeting")
    NEW_YEAR = "new_year", _("New Year greeting and needs survey")


@dataclass(frozen=True)
class NewYearAudience:
    """Whom the December New Year greeting and needs survey reaches (RV-11, NTF-05): by
    default every new and existing customer, whatever the grade."""

    grades: tuple[str, ...] = ()  # empty: every grade, ungraded customers too
    new_customers: bool = True  # cooperation started in the campaign's year
    existing_customers: bool = True  # cooperation started before it
    tags: tuple[str, ...] = ()  # empty: whatever the tags

    def params(self) -> dict:
        return {
            "grades": list(self.grades),
            "new_customers": self.new_customers,
            "existing_customers": self.existing_customers,
            "tags": list(self.tags),
        }


def new_year_audience(params: dict) -> NewYearAudience:
    """The audience a New Year rule's parameters name; what they leave out is RV-11's
    default (new and existing customers of every grade)."""
    return NewYearAudience(
        grades=tuple(str(g) for g in params.get("grades") or ()),
        new_customers=bool(params.get("new_customers", True)),
        existing_customers=bool(params.get("existing_customers", True)),
        tags=tuple(str(t) for t in params.get("tags") or ()),
    )


def in_new_year_audience(
    audience: NewYearAudience,
    *,
    grade: str,
    started_on: date,
    year: int,
    tags: set[str],
) -> bool:
    """Whether a customer (its grade, the day cooperation started, its tags) is greeted in
    the campaign of *year*: new customers are those who started that year."""
    if audience.grades and grade not in audience.grades:
        return False
    is_new = started_on.year >= year
    if is_new and not audience.new_customers:
        return False
    if not is_new and not audience.existing_customers:
        return False
    return not audience.tags or bool(tags & set(audience.tags))


def add_months(day: date, months: int) -> date:
    """*day* moved by *months*, clamped to the month's last day (Jan 31 + 1 = Feb 28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = _calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def delivery_schedule(
    delivered_on: date,
    *,
    until: date,
    first_year_every: int = 1,
    later_every: int = 3,
    first_year_months: int = 12,
) -> list[date]:
    """RV-01: visits every ``first_year_every`` months in the first year after delivery,
    then every ``later_every`` months, up to and including *until*.

    Delivered 2025-01-15: 2025-02-15 … 2026-01-15 monthly, then 2026-04-15, 2026-07-15 …
    """
    if first_year_every < 1 or later_every < 1:
        raise ValueError("intervals must be at least one month")
    dates: list[date] = []
    months = first_year_every
    while True:
        due = add_months(delivered_on, months)
        if due > until:
            return dates
        dates.append(due)
        months += first_year_every if months < first_year_months else later_every


def yearly_dates(month: int, day: int, *, start: date, until: date) -> list[date]:
    """Each year's *month*-*day* between *start* and *until* (29 Feb → 28 Feb elsewhere)."""
    dates = []
    for year in range(start.year, until.year + 1):
        last = _calendar.monthrange(year, month)[1]
        candidate = date(year, month, min(day, last))
        if start <= candidate <= until:
            dates.append(candidate)
    return dates


def parse_month_day(text: str) -> tuple[int, int]:
    """'10-01' → (10, 1); ``ValueError`` naming the problem otherwise."""
    try:
        month, day = (int(part) for part in str(text).split("-"))
        date(2024, month, day)  # a leap year accepts 02-29
    except (ValueError, TypeError):
        raise ValueError(f"{text!r} is not a month-day like 10-01") from None
    return month, day


def is_overdue(*, due_on: date, done: bool, today: date) -> bool:
    return not done and due_on < today


# ---------------------------------------------------------------- spot checks


def sample(population: Sequence[int], *, percent: int, seed: int) -> list[int]:
    """A reproducible random sample of ``percent`` % (rounded up, at least one when the
    population is not empty) of *population*, in ascending order."""
    if not 0 < percent <= 100:
        raise ValueError("percent must be 1..100")
    ordered = sorted(population)
    if not ordered:
        return []
    size = max(1, -(-len(ordered) * percent // 100))
    return sorted(random.Random(seed).sample(ordered, size))  # noqa: S311 (not security)


def week_bounds(day: date) -> tuple[date, date]:
    """Monday and Sunday of *day*'s week."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


# ---------------------------------------------------------------- figures


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` as a percentage with one decimal; ``None`` when nothing to divide."""
    return round(100 * part / whole, 1) if whole else None


def nps(scores: Iterable[int]) -> float | None:
    """Net promoter score: % promoters (9–10) minus % detractors (0–6)."""
    values = list(scores)
    if not values:
        return None
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    return round(100 * (promoters - detractors) / len(values), 1)


class QuestionKind(enum.StrEnum):
    SINGLE_CHOICE = "single_choice"
    SCALE = "scale"
    NPS = "nps"
    TEXT = "text"


def check_answer(kind: str, value, *, choices: Sequence[str], required: bool) -> object:
    """The cleaned answer to one question, or ``ValueError`` with the rule it broke."""
    if value in (None, ""):
        if required:
            raise ValueError("required")
        return None
    match QuestionKind(kind):
        case QuestionKind.SINGLE_CHOICE:
            if str(value) not in choices:
                raise ValueError("choice")
            return str(value)
        case QuestionKind.SCALE:
            number = _int(value)
            if not SCALE_MIN <= number <= SCALE_MAX:
                raise ValueError("scale")
            return number
        case QuestionKind.NPS:
            number = _int(value)
            if not 0 <= number <= 10:
                raise ValueError("nps")
            return number
        case QuestionKind.TEXT:
            text = str(value).strip()
            if len(text) > 2000:
                raise ValueError("length")
            return text
    raise ValueError("kind")  # pragma: no cover


def _int(value) -> int:
    if isinstance(value, bool):
        raise ValueError("number")
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError("number") from None
