"""Pure rules of the complaint case file: register numbers, penalty band, return
tolerance, approval authority and the monthly review date. No ORM, no settings, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# ---------------------------------------------------------------- vocabulary


class Series(models.TextChoices):
    """Each series has its own register numbers: complaints and tip-offs never share one."""

    COMPLAINT = "complaint", _("Complaint")
    TIP_OFF = "tip_off", _("Tip-off")


# The ticket-type codes (kefu.tickets.rules.DEFAULT_TICKET_TYPES) that open a case file.
SERIES_BY_TICKET_TYPE = {"complaint": Series.COMPLAINT, "tip_off": Series.TIP_OFF}


class Severity(models.TextChoices):
    GENERAL = "general", pgettext_lazy("severity", "General")
    MAJOR = "major", pgettext_lazy("severity", "Major")


class Anomaly(models.TextChoices):
    QUALITY = "quality", _("Quality anomaly")
    NON_QUALITY = "non_quality", _("Non-quality anomaly (human cause)")


class Validity(models.TextChoices):
    PENDING = "pending", _("Not yet decided")
    VALID = "valid", _("Complaint valid")
    INVALID = "invalid", _("Complaint not valid")


class Responsibility(models.TextChoices):
    PENDING = "pending", _("Not yet attributed")
    AT_FAULT = "at_fault", _("At fault (ours)")
    NOT_AT_FAULT = "not_at_fault", _("Not at fault")
    EXTERNAL = "external", _("Outside party or supplier")


class FaultCause(models.TextChoices):
    """Why we are at fault (CMP-11): human negligence is exempt from improvement tracking
    (人为疏忽免列案追踪); every other cause opens a tracking item."""

    HUMAN_NEGLIGENCE = "negligence", _("Human negligence")
    QUALITY = "quality", _("Product or service quality")
    PROCESS = "process", _("Process or rules")
    EQUIPMENT = "equipment", _("Equipment or materials")
    OTHER = "other", _("Other cause")


# An improvement-tracking item is due within the 14-day close target (CMP-18).
TRACKING_DUE_DAYS = 14


def needs_improvement_tracking(responsibility: str, cause: str) -> bool:
    """Whether a responsibility finding opens an improvement-tracking item (CMP-11): only
    a fault of ours, and not when the cause is human negligence."""
    return (
        responsibility == Responsibility.AT_FAULT
        and bool(cause)
        and cause != FaultCause.HUMAN_NEGLIGENCE
    )


class Overflow(models.TextChoices):
    """What happens when a month's serials outgrow the configured width."""

    WIDEN = "widen", _("Add a digit (…99, …100)")
    REFUSE = "refuse", _("Refuse the registration with a message")


class ActionKind(models.TextChoices):
    CORRECTIVE = "corrective", _("Corrective action")
    PREVENTIVE = "preventive", _("Preventive action")


class ActionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("corrective action", "Open")
    DONE = "done", pgettext_lazy("corrective action", "Done, awaiting verification")
    VERIFIED = "verified", pgettext_lazy("corrective action", "Verified")


class RemedyKind(models.TextChoices):
    COMPENSATION = "compensation", _("Compensation")
    ALLOWANCE = "allowance", _("Sales allowance")
    GOODS_RETURN = "goods_return", _("Goods return")


class RemedyStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("remedy", "Awaiting approval")
    APPROVED = "approved", pgettext_lazy("remedy", "Approved")
    REJECTED = "rejected", pgettext_lazy("remedy", "Rejected")


class Sanction(models.TextChoices):
    NONE = "", _("No administrative sanction")
    WARNING = "warning", _("Warning")
    DEMERIT = "demerit", _("Demerit")
    MAJOR_DEMERIT = "major_demerit", _("Major demerit")
    DEMOTION = "demotion", _("Demotion")
    DISMISSAL = "dismissal", _("Dismissal")


class PenaltyStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("penalty", "Proposed")
    APPROVED = "approved", pgettext_lazy("penalty", "Approved")
    DROPPED = "dropped", pgettext_lazy("penalty", "Dropped")


class TellChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person")


# ---------------------------------------------------------------- register numbers


class NumberingFull(Exception):
    """The month's serials are used up and the setting says to refuse."""

    def __init__(self, *, month: date, capacity: int):
        super().__init__(f"{month:%y%m}: {capacity} numbers used")
        self.month = month
        self.capacity = capacity


def month_of(day: date) -> date:
    return day.replace(day=1)


def counter_key(series: str, month: date) -> str:
    """The counter a series draws from: one per series and month (CMP-02: the cycle is
    the year-month)."""
    return f"{series}:{month:%Y-%m}"


def serial_capacity(width: int) -> int:
    return 10**width - 1


def register_number(*, prefix: str, month: date, serial: int, width: int, overflow: str) -> str:
    """``YYMMCC``: the month's serial after year and month (250301 is the first of March
    2025), zero-padded to *width*. Past the width's capacity the number grows a digit
    (``widen``) or :class:`NumberingFull` is raised (``refuse``)."""
    if width < 1:
        raise ValueError("width must be at least 1")
    if serial < 1:
        raise ValueError("serials start at 1")
    if serial > serial_capacity(width) and overflow != Overflow.WIDEN:
        raise NumberingFull(month=month, capacity=serial_capacity(width))
    return f"{prefix}{month:%y%m}{serial:0{width}d}"


# ---------------------------------------------------------------- penalties


def fine_error(amount: Decimal | None, *, minimum: Decimal, maximum: Decimal) -> str | None:
    """Why a fine is refused (in the UI language), or ``None`` when it is inside the band.

    CMP-25: 200–1500 yuan per case by default; both ends are allowed."""
    if amount is None:
        return None
    if amount < minimum or amount > maximum:
        return str(
            _("The fine must be between %(min)s and %(max)s yuan per case.")
            % {"min": yuan(minimum), "max": yuan(maximum)}
        )
    return None


def yuan(amount: Decimal | int | None) -> str:
    """1500 → "1,500"; 812.5 → "812.50"."""
    if amount is None:
        return ""
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def review_due(month: date) -> date:
    """The day the month's closed cases and penalties must be reviewed by: the 10th of the
    next month (CMP-14, CMP-20)."""
    if month.month == 12:
        return date(month.year + 1, 1, 10)
    return date(month.year, month.month + 1, 10)


def parse_month(value: str) -> date:
    """ "2025-03" → 2025-03-01; ``ValueError`` for anything else."""
    from kefu.core.dates import check_in_span

    year, month = value.split("-")
    return check_in_span(date(int(year), int(month), 1))


def previous_months(month: date, count: int) -> list[date]:
    """*count* months ending with *month*, oldest first."""
    months = []
    year, number = month.year, month.month
    for _i in range(count):
        months.append(date(year, number, 1))
        number -= 1
        if number == 0:
            year, number = year - 1, 12
    return list(reversed(months))


# ---------------------------------------------------------------- returns


@dataclass(frozen=True)
class Reconciliation:
    """What finance books for a goods return, and whether a head must instruct first."""

    booked: Decimal
    over_by: Decimal
    needs_instruction: bool


def reconcile_return(
    *, approved: Decimal, actual: Decimal, tolerance_percent: Decimal
) -> Reconciliation:
    """CMP-22: the actual returned quantity is booked when it is at most the approved one,
    or above it by no more than the tolerance; beyond that a head's instruction is needed
    before the actual quantity is booked."""
    if actual < 0 or approved < 0:
        raise ValueError("quantities cannot be negative")
    over = max(actual - approved, Decimal(0))
    allowed = approved * tolerance_percent / Decimal(100)
    return Reconciliation(booked=actual, over_by=over, needs_instruction=over > allowed)


# ---------------------------------------------------------------- approval authority


@dataclass(frozen=True)
class Limit:
    """One level of approval authority: holders of *role* may approve up to *maximum*
    (``None``: no upper limit)."""

    role: str
    maximum: Decimal | None
    label: str = ""


def roles_allowed(amount: Decimal, limits: Iterable[Limit]) -> list[Limit]:
    """The levels whose authority covers *amount*, lowest first."""
    fitting = [lim for lim in limits if lim.maximum is None or amount <= lim.maximum]
    return sorted(fitting, key=lambda lim: (lim.maximum is None, lim.maximum or 0))


def approving_level(
    role_codes: Iterable[str], amount: Decimal, limits: Sequence[Limit]
) -> Limit | None:
    """The lowest level covering *amount* among the roles held: the level an approval by
    their holder is recorded at (``None``: they may not approve it)."""
    held = set(role_codes)
    return next((lim for lim in roles_allowed(amount, limits) if lim.role in held), None)


def may_approve(role_codes: Iterable[str], amount: Decimal, limits: Sequence[Limit]) -> bool:
    return approving_level(role_codes, amount, limits) is not None


def lowest_level(amount: Decimal, limits: Sequence[Limit]) -> Limit | None:
    """The lowest level that may approve *amount* (the one to ask first)."""
    fitting = roles_allowed(amount, limits)
    return fitting[0] if fitting else None


@dataclass(frozen=True)
class ChainStep:
    """One level of an approval chain (审批链): a holder of *role* signs, in *order*, when
    the amount lies within [*min_amount*, *max_amount*] (``None``: unbounded)."""

    order: int
    role: str
    label: str
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None

    def covers(self, amount: Decimal) -> bool:
        return (self.min_amount is None or amount >= self.min_amount) and (
            self.max_amount is None or amount <= self.max_amount
        )


def chain_for(amount: Decimal, steps: Iterable[ChainStep]) -> list[ChainStep]:
    """The levels that sign an amount, in signing order (CMP-21: the sales-allowance
    certificate is signed by the (deputy) manager, then the (deputy) general manager)."""
    return sorted((step for step in steps if step.covers(amount)), key=lambda s: s.order)


def chain_next(chain: Sequence[ChainStep], signed: Iterable[int]) -> ChainStep | None:
    """The first level of *chain* not yet signed (``None``: the chain is complete)."""
    done = set(signed)
    return next((step for step in chain if step.order not in done), None)


# ---------------------------------------------------------------- statistics


def rate(part: int, whole: int) -> Decimal | None:
    """A percentage with one decimal, ``None`` when there is nothing to divide."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def initial_severity(priority: str) -> str:
    """An order taken as urgent opens as a major complaint (CMP-29: 重大投诉 reported at
    once); anything else starts as general and may be raised when classified."""
    return Severity.MAJOR if priority == "urgent" else Severity.GENERAL
