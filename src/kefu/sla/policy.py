"""SLA policy arithmetic: which policy applies, when each milestone is due, how a pause
moves it, and when the warnings fire.

Pure: no ORM, no settings, no clock. Policies and milestones are the plain values below
(``kefu.sla.selectors`` builds them from the database); calendars are
``kefu.calendars.workcal.Calendar`` values; every instant is an argument.

Conventions
===========

* A milestone's clock starts at a named event (``kefu.sla.events``): acceptance, resolution,
  the previous milestone (the one before it in the policy's order) reached, the policy's
  milestone of a kind reached (``met:<kind>``), or an event of another app (a complaint's
  investigation finished …) passed in ``events``; see :class:`StartsAt`.
* Its due instant is ``kefu.calendars.workcal.add(start, amount, unit, calendar)``: elapsed time
  for ``minutes``/``hours``, working time for ``working_minutes``/``working_hours``, the
  statutory day-count rule for ``working_days``/``calendar_days``.
* A pause (suspension, waiting for the customer) of a milestone that pauses pushes its due
  instant by the time paused, measured in the milestone's own kind of time: working time on
  its calendar for the working units, elapsed time for ``minutes``/``hours``/``calendar_days``
  (a ``calendar_days`` limit then ends at the close of business of the day the pushed
  instant falls on, or of the next working day when that day is closed).
* Warning instants are the moments when the given percentages of the time between start and
  due are used up, measured the same way (a ``calendar_days`` warning that falls outside
  working time fires at the next working instant).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from kefu.calendars.workcal import (
    Calendar,
    Deadline,
    Unit,
    add,
    next_working_instant,
    working_periods,
    working_time_between,
)

__all__ = [
    "CONDITION_FIELDS",
    "ELAPSED_UNITS",
    "FACT_FOR",
    "Facts",
    "MilestoneDeadline",
    "MilestoneKind",
    "MilestoneSpec",
    "PolicySpec",
    "StartsAt",
    "add_working_time",
    "extend_for_pause",
    "hard_limit_due",
    "match_policy",
    "milestone_due",
    "plan_deadlines",
    "warning_instants",
]


class MilestoneKind(enum.StrEnum):
    FIRST_CONTACT = "first_contact"  # 首次联系
    ARRIVAL = "arrival"  # 到场
    HANDLING_OPINION = "handling_opinion"  # 处理意见
    RESOLUTION = "resolution"  # 办结
    REPLY = "reply"  # 答复
    REPORT = "report"  # 报告
    RETURN_VISIT = "return_visit"  # 回访


class StartsAt(enum.StrEnum):
    """The order's own start events; ``met:<kind>`` and other apps' events are codes too."""

    ACCEPTANCE = "acceptance"
    RESOLUTION = "resolution"
    PREVIOUS = "previous"


# ``met:report``: the clock starts when the policy's milestone of that kind is reached.
MET_PREFIX = "met:"


# Units whose clock is elapsed time: a pause extends them by elapsed time.
ELAPSED_UNITS = frozenset({Unit.MINUTES, Unit.HOURS, Unit.CALENDAR_DAYS})

# The facts a policy's conditions look at, as named on the policy.
CONDITION_FIELDS = (
    "ticket_types",
    "categories",
    "priorities",
    "customer_grades",
    "service_tiers",
    "channels",
)
_FACT_FOR = {
    "ticket_types": "ticket_type",
    "categories": "category",
    "priorities": "priority",
    "customer_grades": "customer_grade",
    "service_tiers": "service_tier",
    "channels": "channel",
}


# Which fact each condition looks at.
FACT_FOR = _FACT_FOR


@dataclass(frozen=True)
class Facts:
    """What is known about a ticket when its policy is chosen; each value is a code or ``""``.

    ``category`` may be a path of codes (``"repair/leak"``): a condition listing any of its
    prefixes (``"repair"``) matches, so a policy for a parent category covers its children.
    """

    ticket_type: str = ""
    category: str = ""
    priority: str = ""
    customer_grade: str = ""
    service_tier: str = ""
    channel: str = ""


@dataclass(frozen=True)
class MilestoneSpec:
    """One time limit of a policy."""

    kind: str
    amount: int
    unit: str
    calendar: str  # calendar code
    starts_at: str = StartsAt.ACCEPTANCE
    pauses: bool = True
    warning_thresholds: tuple[int, ...] = (50, 80)
    hard_limit_amount: int | None = None
    label: str = ""
    position: int = 0
    id: int | None = None


@dataclass(frozen=True)
class PolicySpec:
    """A policy: conditions (code lists; empty = any) and its milestones in order."""

    code: str
    name: str
    order: int = 0
    conditions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    milestones: tuple[MilestoneSpec, ...] = ()
    id: int | None = None

    def matches(self, facts: Facts) -> bool:
        return not self.mismatches(facts)

    def mismatches(self, facts: Facts) -> tuple[str, ...]:
        """The conditions (names as in :data:`CONDITION_FIELDS`, in that order) that
        ``facts`` do not satisfy; empty when the policy matches."""
        failed = []
        for name in CONDITION_FIELDS:
            codes = self.conditions.get(name)
            if not codes:
                continue
            value = getattr(facts, _FACT_FOR[name])
            if name == "categories":
                if not _category_matches(value, codes):
                    failed.append(name)
            elif value not in codes:
                failed.append(name)
        return tuple(failed)


def _category_matches(value: str, codes: frozenset[str]) -> bool:
    if not value:
        return False
    parts = value.split("/")
    return any("/".join(parts[: i + 1]) in codes or parts[i] in codes for i in range(len(parts)))


def match_policy(policies: Iterable[PolicySpec], facts: Facts) -> PolicySpec | None:
    """The first policy (by ``order``, then as given) whose conditions all hold, or None.

    A condition is a list of codes; an empty list accepts anything, a non-empty one
    accepts only a fact equal to one of its codes (a blank fact matches no list).
    """
    for policy in sorted(policies, key=lambda p: p.order):
        if policy.matches(facts):
            return policy
    return None


def milestone_due(start: datetime, milestone: MilestoneSpec, calendar: Calendar) -> Deadline:
    """Due instant of ``milestone`` whose clock started at ``start``, on its calendar."""
    return add(start, milestone.amount, milestone.unit, calendar)


def hard_limit_due(
    start: datetime, milestone: MilestoneSpec, calendar: Calendar
) -> Deadline | None:
    """The hard limit of a milestone with a target and a hard limit (e.g. 14 / 21 days)."""
    if milestone.hard_limit_amount is None:
        return None
    return add(start, milestone.hard_limit_amount, milestone.unit, calendar)


# ---------------------------------------------------------------------------- working time


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")
    return value


def add_working_time(start: datetime, amount: timedelta, calendar: Calendar) -> datetime:
    """The earliest instant at which ``amount`` of working time since ``start`` is used up.

    Same convention as ``workcal.add`` for working units (a zero amount gives the next
    working instant; an amount used up at the end of a period gives that end). Exact to
    the microsecond; the result is in the calendar's timezone.
    """
    _aware(start, "start")
    if amount < timedelta(0):
        raise ValueError(f"amount must not be negative, got {amount}")
    if calendar.always_open:
        return (start + amount).astimezone(calendar.zone)
    if amount == timedelta(0):
        return next_working_instant(start, calendar)
    remaining = amount
    at = start.astimezone(UTC)
    day = start.astimezone(calendar.zone).date()
    for _ in range(100_000):
        for period_start, period_end in working_periods(day, calendar):
            begin = max(period_start.astimezone(UTC), at)
            available = period_end.astimezone(UTC) - begin
            if available <= timedelta(0):
                continue
            if remaining <= available:
                return (begin + remaining).astimezone(calendar.zone)
            remaining -= available
        day += timedelta(days=1)
    raise ValueError(f"calendar {calendar.code!r} has too few working days")


def _is_elapsed(unit: Unit | str | None, calendar: Calendar) -> bool:
    if calendar.always_open:
        return True
    return unit is not None and Unit(unit) in ELAPSED_UNITS


def extend_for_pause(
    due: datetime,
    paused_from: datetime,
    resumed_at: datetime,
    calendar: Calendar,
    *,
    unit: Unit | str | None = None,
) -> datetime:
    """``due`` pushed by the time the clock was paused between ``paused_from`` and ``resumed_at``.

    Working time on ``calendar`` is used (the default, and for working units); pass the
    milestone's ``unit`` so that elapsed units are pushed by elapsed time instead. A
    resume before the pause moves nothing.
    """
    for value, name in ((due, "due"), (paused_from, "paused_from"), (resumed_at, "resumed_at")):
        _aware(value, name)
    if resumed_at <= paused_from:
        return due.astimezone(calendar.zone)
    if _is_elapsed(unit, calendar):
        moved = (due + (resumed_at - paused_from)).astimezone(calendar.zone)
        if unit is not None and Unit(unit) is Unit.CALENDAR_DAYS and not calendar.always_open:
            # Day limits end at a close of business: that of the day the pushed instant
            # falls on, or of the next working day.
            midnight = datetime.combine(moved.date(), time(0), tzinfo=calendar.zone)
            return add(midnight, 0, Unit.WORKING_DAYS, calendar).due
        return moved
    paused = working_time_between(paused_from, resumed_at, calendar)
    if paused == timedelta(0):
        return due.astimezone(calendar.zone)
    return add_working_time(due, paused, calendar)


def warning_instants(
    start: datetime,
    due: datetime,
    thresholds: Sequence[int],
    calendar: Calendar,
    *,
    unit: Unit | str | None = None,
) -> tuple[datetime, ...]:
    """The instants at which each percentage of the time from ``start`` to ``due`` is used up.

    Measured in working time on ``calendar`` (the default, and for working units) or in
    elapsed time for elapsed units (pass the milestone's ``unit``). One instant per
    threshold, in the given order; every instant lies in ``[start, due]``.
    """
    _aware(start, "start")
    _aware(due, "due")
    if due <= start:
        return tuple(due.astimezone(calendar.zone) for _ in thresholds)
    elapsed = _is_elapsed(unit, calendar)
    total = (due - start) if elapsed else working_time_between(start, due, calendar)
    result = []
    for percent in thresholds:
        if not 0 <= percent <= 100:
            raise ValueError(f"a threshold is a percentage 0..100, got {percent}")
        share = total * percent / 100
        share = timedelta(seconds=int(share.total_seconds()))  # whole seconds
        if elapsed:
            instant = (start + share).astimezone(calendar.zone)
            if unit is not None and Unit(unit) is Unit.CALENDAR_DAYS:
                # People act on warnings: a day limit warns at the next working instant.
                instant = next_working_instant(instant, calendar)
        else:
            instant = add_working_time(start, share, calendar)
        result.append(min(instant, due.astimezone(calendar.zone)))
    return tuple(result)


# ---------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class MilestoneDeadline:
    """A milestone's computed times; ``start`` is None while its clock has not started."""

    milestone: MilestoneSpec
    start: datetime | None
    deadline: Deadline | None
    hard_deadline: Deadline | None = None
    warnings: tuple[datetime, ...] = ()

    @property
    def due(self) -> datetime | None:
        return self.deadline.due if self.deadline else None

    @property
    def provisional(self) -> bool:
        return bool(
            (self.deadline and self.deadline.provisional)
            or (self.hard_deadline and self.hard_deadline.provisional)
        )


def plan_deadlines(
    policy: PolicySpec,
    calendars: Mapping[str, Calendar],
    *,
    accepted_at: datetime,
    resolved_at: datetime | None = None,
    reached: Mapping[int, datetime] | None = None,
    events: Mapping[str, datetime] | None = None,
) -> tuple[MilestoneDeadline, ...]:
    """Deadlines of every milestone of ``policy``, in the policy's order.

    ``reached`` maps a milestone's position to the instant it was reached; a milestone that
    starts at the previous one, or at ``met:<kind>`` of a milestone of that kind, starts
    then. ``events`` maps other start events (``investigation_finished`` …) to the instant
    they happened. A milestone whose clock has not started yet (resolution not reached,
    previous milestone not reached, event not happened) gets ``start=None`` and no
    deadline. ``calendars`` must hold every calendar code the milestones name
    (``KeyError`` otherwise).
    """
    reached = reached or {}
    events = events or {}
    result = []
    previous: MilestoneSpec | None = None
    for milestone in policy.milestones:
        start: datetime | None
        if milestone.starts_at == StartsAt.ACCEPTANCE:
            start = accepted_at
        elif milestone.starts_at == StartsAt.RESOLUTION:
            start = resolved_at
        elif milestone.starts_at == StartsAt.PREVIOUS:
            start = accepted_at if previous is None else reached.get(previous.position)
        elif milestone.starts_at.startswith(MET_PREFIX):
            kind = milestone.starts_at[len(MET_PREFIX) :]
            source = next(
                (m for m in policy.milestones if m.kind == kind and m is not milestone), None
            )
            start = reached.get(source.position) if source is not None else None
        else:
            start = events.get(milestone.starts_at)
        previous = milestone
        if start is None:
            result.append(MilestoneDeadline(milestone, None, None))
            continue
        calendar = calendars[milestone.calendar]
        deadline = milestone_due(start, milestone, calendar)
        result.append(
            MilestoneDeadline(
                milestone=milestone,
                start=start,
                deadline=deadline,
                hard_deadline=hard_limit_due(start, milestone, calendar),
                warnings=warning_instants(
                    start,
                    deadline.due,
                    milestone.warning_thresholds,
                    calendar,
                    unit=milestone.unit,
                ),
            )
        )
    return tuple(result)
