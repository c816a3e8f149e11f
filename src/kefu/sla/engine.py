"""The SLA engine: per-order deadlines, their clocks, warnings and breaches.

The work-order lifecycle (``kefu.sla.lifecycle``) calls into here: before an order is
written (:func:`deadlines_plan`), inside the transaction of its creation
(:func:`deadlines_create`) and of each move (:func:`deadlines_follow`); the worker's
sweep (``kefu.sla.tasks``) calls :func:`sla_sweep` every minute. The arithmetic is
``kefu.sla.policy``; this module stores and acts on it.

Lock order is always the ticket row first, then its deadline rows, as in
``kefu.tickets.services.ticket_transition``: the sweep locks tickets with
``SKIP LOCKED`` so several workers share the work and none waits on a person's action.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, F, Func, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.calendars.selectors import calendars_for
from kefu.calendars.workcal import Calendar, add
from kefu.core.configcache import ConfigCache
from kefu.core.tree import subtree_q
from kefu.notify.models import Notification, NotificationKind
from kefu.notify.services import notifications_build, notifications_without_muted
from kefu.org.models import Department, DepartmentKind, User
from kefu.org.permissions import in_department
from kefu.org.roles import RoleCode
from kefu.sla.events import start_event_label
from kefu.sla.models import DelayNotice, OverdueInvestigation, SlaPolicy, TicketDeadline
from kefu.sla.policy import (
    MET_PREFIX,
    Facts,
    MilestoneKind,
    MilestoneSpec,
    StartsAt,
    add_working_time,
    extend_for_pause,
    milestone_due,
    warning_instants,
)
from kefu.tickets.lifecycle import DeadlineSummary
from kefu.tickets.models import Category, EventKind, Ticket
from kefu.tickets.services import (
    TimelineBatch,
    ticket_lock,
    ticket_next_due_set,
    timeline_append,
)
from kefu.tickets.states import FINAL_STATUSES, OPEN_STATUSES, Action, Status

logger = logging.getLogger(__name__)

# Milestones a lifecycle action reaches.
_MET_BY_ACTION: dict[str, set[str]] = {
    Action.SIGN: {MilestoneKind.FIRST_CONTACT},
    Action.START: {MilestoneKind.FIRST_CONTACT},
    Action.SETTLE: {MilestoneKind.FIRST_CONTACT, MilestoneKind.RESOLUTION},
    Action.RESOLVE: {MilestoneKind.FIRST_CONTACT, MilestoneKind.RESOLUTION},
    Action.CLOSE: {MilestoneKind.RETURN_VISIT},
}
# Milestones a handler records by hand ("record milestone reached").
RECORDABLE = frozenset(
    {
        MilestoneKind.FIRST_CONTACT,
        MilestoneKind.ARRIVAL,
        MilestoneKind.HANDLING_OPINION,
        MilestoneKind.REPLY,
        MilestoneKind.REPORT,
        MilestoneKind.RETURN_VISIT,
    }
)
SWEEP_BATCH = 100


# ---------------------------------------------------------------------------- helpers


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _spec(row: TicketDeadline) -> MilestoneSpec:
    return MilestoneSpec(
        kind=row.kind,
        amount=row.amount,
        unit=row.unit,
        calendar=row.calendar_code,
        starts_at=row.starts_at,
        pauses=row.pauses,
        warning_thresholds=tuple(row.warning_thresholds or ()),
        label=row.label,
        position=row.position,
    )


def _next_event(row: TicketDeadline) -> datetime | None:
    if row.due_at is None or row.met_at or row.paused_at:
        return None
    if row.breached_at:
        # overdue: the next rung of the escalation ladder, if any is left
        pending = row.escalate_at[row.escalated_levels :]
        return _parse(pending[0]) if pending else None
    pending = [_parse(v) for v in row.warn_at[row.warned_levels :]]
    return min([*pending, row.due_at])


def _start_clock(row: TicketDeadline, start: datetime, calendar: Calendar) -> None:
    """Compute due and warning instants of ``row`` whose clock starts at ``start``."""
    spec = _spec(row)
    deadline = milestone_due(start, spec, calendar)
    row.started_at = start
    row.base_due_at = deadline.due
    row.due_at = deadline.due
    row.provisional = deadline.provisional
    row.hard_due_at = None
    if row.hard_limit_amount is not None:
        hard = add(start, row.hard_limit_amount, row.unit, calendar)
        row.hard_due_at = hard.due
        row.provisional = row.provisional or hard.provisional
    row.warn_at = [
        _iso(v)
        for v in warning_instants(
            start, deadline.due, spec.warning_thresholds, calendar, unit=spec.unit
        )
    ]
    row.next_event_at = _next_event(row)


def _sync_ticket(ticket: Ticket, rows: Iterable[TicketDeadline]) -> None:
    """The order's next due time = earliest due instant of a running, unmet milestone; its
    next warning = the earliest instant one of those milestones reaches its first warning
    threshold (the queues' light turns yellow then and stays so until it is met)."""
    running = [r for r in rows if r.due_at is not None and r.met_at is None and r.paused_at is None]
    if ticket.status in FINAL_STATUSES:
        running = []
    dues = [r.due_at for r in running]
    warns = [_parse(r.warn_at[0]) for r in running if r.warn_at]
    ticket_next_due_set(
        ticket=ticket,
        next_due_at=min(dues) if dues else None,
        next_warn_at=min(warns) if warns else None,
    )


def _event(ticket: Ticket, kind: str, note: str, now: datetime, **data) -> None:
    timeline_append(
        ticket=ticket, kind=kind, actor=data.pop("actor", None), note=note, now=now, data=data
    )


def _url(ticket: Ticket) -> str:
    return reverse("tickets:detail", args=[ticket.pk])


def _heads(ticket: Ticket) -> list[User]:
    if ticket.department_id is None:
        return []
    return list(
        User.objects.filter(
            subtree_q("department", ticket.department),
            is_active=True,
            roles__code=RoleCode.DEPARTMENT_HEAD,
        ).distinct()
    )


def facts_for(ticket: Ticket) -> Facts:
    """The facts a policy looks at; the category as its path of codes."""
    return _facts(ticket, _creation_inputs().category_codes())


def _facts(ticket: Ticket, codes: dict[int, str]) -> Facts:
    ids = [int(p) for p in ticket.category.path.strip("/").split("/") if p]
    return Facts(
        ticket_type=ticket.ticket_type.code,
        category="/".join(codes[i] for i in ids if i in codes),
        priority=ticket.priority,
        customer_grade=ticket.customer_grade,
        service_tier=ticket.customer.service_tier if ticket.customer_id else "",
        channel=ticket.channel,
    )


class _CreationInputs:
    """What every new order's deadlines are computed from: the active policies, their
    calendars and the category codes, each read on first use and kept while
    :data:`_creation_inputs` keeps this copy (see :mod:`kefu.core.configcache`)."""

    def __init__(self) -> None:
        self._policies = None
        self._codes: dict[int, str] | None = None
        self._calendars: dict[tuple, dict[str, Calendar]] = {}

    def policies(self):
        from kefu.sla.selectors import active_policies

        if self._policies is None:
            self._policies = active_policies()
        return self._policies

    def category_codes(self) -> dict[int, str]:
        if self._codes is None:
            self._codes = dict(Category.objects.values_list("pk", "code"))
        return self._codes

    def calendars(self, codes: frozenset[str], year: int) -> dict[str, Calendar]:
        key = (codes, year)
        if key not in self._calendars:
            self._calendars[key] = calendars_for(codes, years=(year - 1, year, year + 1))
        return self._calendars[key]


def _creation_models() -> list:
    from kefu.calendars.models import CalendarDay, CalendarYear, WorkCalendar
    from kefu.sla.models import SlaMilestone

    return [SlaPolicy, SlaMilestone, WorkCalendar, CalendarDay, CalendarYear, Category]


_creation_cache = ConfigCache(_creation_models, _CreationInputs)


def _creation_inputs() -> _CreationInputs:
    return _creation_cache.get()


# ---------------------------------------------------------------------------- lifecycle


def deadlines_plan(ticket: Ticket):
    """The policy and milestone deadlines of a new, unsaved order (as
    ``new_ticket_deadlines``): ``(None, ())`` when no policy applies. Only reads, from the
    per-process copy of the policies and calendars."""
    from kefu.sla.policy import match_policy, plan_deadlines

    inputs = _creation_inputs()
    policies = inputs.policies()
    code = ticket.category.sla_policy_code
    policy = next((p for p in policies if p.code == code), None) if code else None
    policy = policy or match_policy(policies, _facts(ticket, inputs.category_codes()))
    if policy is None:
        return None, ()
    calendars = inputs.calendars(
        frozenset(m.calendar for m in policy.milestones), ticket.created_at.year
    )
    return policy, plan_deadlines(policy, calendars, accepted_at=ticket.created_at)


def deadline_summary(policy, plan) -> DeadlineSummary | None:
    """The policy code and earliest deadline a new order is written with."""
    if policy is None:
        return None
    dues = [item.due for item in plan if item.deadline is not None]
    return DeadlineSummary(policy_code=policy.code, next_due_at=min(dues) if dues else None)


def deadlines_create(*, ticket: Ticket, policy, plan) -> None:
    """Store the new order's milestones as :func:`deadlines_plan` computed them; clocks
    start at acceptance (受理)."""
    if policy is None:
        return
    rows = []
    for item in plan:
        m = item.milestone
        row = TicketDeadline(
            ticket=ticket,
            milestone_id=m.id,
            position=m.position,
            kind=m.kind,
            label=m.label,
            amount=m.amount,
            unit=m.unit,
            calendar_code=m.calendar,
            starts_at=m.starts_at,
            pauses=m.pauses,
            warning_thresholds=list(m.warning_thresholds),
            hard_limit_amount=m.hard_limit_amount,
        )
        if item.deadline is not None:
            row.started_at = item.start
            row.base_due_at = item.due
            row.due_at = item.due
            row.hard_due_at = item.hard_deadline.due if item.hard_deadline else None
            row.provisional = item.provisional
            row.warn_at = [_iso(v) for v in item.warnings]
            row.next_event_at = _next_event(row)
        rows.append(row)
    TicketDeadline.objects.bulk_create(rows)
    _sync_ticket(ticket, rows)


def deadlines_follow(*, ticket: Ticket, action: Action, now: datetime) -> None:
    """Meet, start, pause and resume clocks for a lifecycle move."""
    rows = list(TicketDeadline.objects.select_for_update().filter(ticket=ticket))
    if not rows:
        return
    changed: set[TicketDeadline] = set()
    met_kinds = _MET_BY_ACTION.get(action, set())
    met: dict[TicketDeadline, datetime] = {}
    for row in rows:
        if row.kind in met_kinds and row.met_at is None and row.started_at is not None:
            met[row] = now
    if action in {Action.RESOLVE, Action.SETTLE}:
        # What the handler did not record (an arrival, a first contact …) happened before
        # the resolution: in time if its due instant is still ahead; if it is past, it was
        # not recorded in time, and the resolution does not make it so.
        for row in rows:
            if row.kind != MilestoneKind.RETURN_VISIT and row.met_at is None and row.started_at:
                met[row] = now
    _meet_in_order(ticket, rows, met, now)
    changed |= set(met)
    changed |= _start_waiting(rows, ticket, now)
    if action in _HANDED_ON:
        _urge_new_holder(ticket, rows, now)
    elif action == Action.CLOSE:
        _investigations_open(ticket, rows, now)
    if action == Action.SUSPEND:
        paused = [r for r in rows if _running(r) and r.pauses]
        for row in paused:
            row.paused_at = now
            row.next_event_at = None
            changed.add(row)
        if paused:
            _event(
                ticket,
                EventKind.SLA_PAUSED,
                _("Clocks paused: %(names)s") % {"names": "、".join(r.name for r in paused)},
                now,
            )
    elif action == Action.RESUME:
        changed |= _resume(ticket, rows, now)
    elif action == Action.REOPEN:
        # The return visit follows the next resolution, not the one that was undone.
        for row in rows:
            if row.starts_at == StartsAt.RESOLUTION and row.met_at is None and row.started_at:
                if row.breached_at is not None:
                    continue
                row.started_at = row.base_due_at = row.due_at = row.next_event_at = None
                row.warn_at, row.warned_levels, row.pause_log = [], 0, []
                changed.add(row)
    elif action == Action.CANCEL:
        for row in rows:
            if row.next_event_at is not None:
                row.next_event_at = None
                changed.add(row)
    for row in changed:
        row.save()
    _sync_ticket(ticket, rows)


# Moves that hand the order to a (possibly other) department.
_HANDED_ON = frozenset({Action.DISPATCH, Action.RULE, Action.TRANSFER})


def _urge_new_holder(ticket: Ticket, rows: list[TicketDeadline], now: datetime) -> None:
    """催办单 while overdue (CMP-19): an order handed on with an overdue step still open is
    urged at its new department, which owns that step from now on."""
    overdue = [r for r in rows if r.breached_at is not None and r.met_at is None]
    if not overdue or ticket.status not in OPEN_STATUSES or ticket.department_id is None:
        return
    text = _("%(number)s is overdue: “%(names)s” (due %(due)s) is now with %(department)s") % {
        "number": ticket.number,
        "names": "、".join(r.name for r in overdue),
        "due": timezone.localtime(min(r.due_at for r in overdue)).strftime("%Y-%m-%d %H:%M"),
        "department": ticket.department,
    }
    batch = _Batch(now)
    batch.urge(ticket, text)
    batch.notify(
        batch.heads(ticket),
        text=text,
        url=_url(ticket),
        kind=NotificationKind.URGE,
        subject=ticket.number,
    )
    batch.write([])


def _heads_of(department: Department) -> list[User]:
    return list(
        User.objects.filter(
            subtree_q("department", department),
            is_active=True,
            roles__code=RoleCode.DEPARTMENT_HEAD,
        ).distinct()
    )


def _investigations_open(ticket: Ticket, rows: list[TicketDeadline], now: datetime) -> None:
    """At the closure (CMP-19) each department's steps are audited: every department whose
    step was late — it held the order when the step fell due — gets one investigation
    notice (查办单) naming its late steps; its heads are told. A department that already
    has one for this order (closed before, then reopened) gets no second."""
    late = sorted((r for r in rows if r.breached_at is not None), key=lambda r: r.position)
    if not late:
        return
    existing = list(OverdueInvestigation.objects.filter(ticket=ticket))
    has = {i.department_id for i in existing}
    linked = {i.deadline_id for i in existing}
    by_department: dict[int, list[TicketDeadline]] = {}
    for row in late:
        department_id = row.department_id or ticket.department_id
        if department_id is not None:
            by_department.setdefault(department_id, []).append(row)
    departments = Department.objects.in_bulk(list(by_department))
    batch = _Batch(now)
    for department_id, steps in by_department.items():
        first = next((r for r in steps if r.pk not in linked), None)
        department = departments.get(department_id)
        if department_id in has or first is None or department is None:
            continue
        batch.investigations.append(
            OverdueInvestigation(
                ticket=ticket,
                deadline=first,
                milestone_id=first.milestone_id,
                department=department,
                opened_at=now,
            )
        )
        text = _(
            "%(number)s closed: investigation notice to %(department)s, whose steps were "
            "late: %(names)s. Give the reason for the delay."
        ) % {
            "number": ticket.number,
            "department": department,
            "names": "、".join(r.name for r in steps),
        }
        batch.event(
            ticket,
            EventKind.NOTE,
            text,
            investigation_department=department_id,
            positions=[r.position for r in steps],
        )
        batch.notify(
            _heads_of(department),
            text=text,
            url=_url(ticket),
            kind=NotificationKind.TASK,
            subject=ticket.number,
        )
    batch.write([])


def _running(row: TicketDeadline) -> bool:
    return (
        row.due_at is not None
        and row.met_at is None
        and row.breached_at is None
        and row.paused_at is None
    )


def _meet(row: TicketDeadline, now: datetime) -> None:
    row.met_at = now
    row.paused_at = None
    row.next_event_at = None


def _is_late(row: TicketDeadline, at: datetime) -> bool:
    """Reached at ``at`` after the due instant, and no breach recorded yet (the sweep may
    not have run since the due instant)."""
    return (
        row.due_at is not None
        and row.breached_at is None
        and row.paused_at is None
        and at > row.due_at
    )


def _meet_in_order(ticket: Ticket, rows: list[TicketDeadline], met: dict, now: datetime) -> None:
    """Meet each ``row`` of ``met`` (row → instant reached); one reached after its due
    instant is breached first, as the sweep would have done at the due instant, with the
    timeline line, the urge and the notices a breach brings."""
    late = [row for row, at in met.items() if _is_late(row, at)]
    for row, at in met.items():
        _meet(row, at)
    if late:
        batch = _Batch(now)
        for row in late:
            _breach(ticket, row, batch)  # met now: no escalation ladder, no delay notice
        batch.write([])


def _start_waiting(rows: list[TicketDeadline], ticket: Ticket, now: datetime) -> set:
    """Start the clocks that wait for the resolution, for the previous milestone or for
    the milestone of a kind (``met:<kind>``) to be reached."""
    started = set()
    previous = None
    calendars: dict[str, Calendar] | None = None
    ordered = sorted(rows, key=lambda r: r.position)
    for row in ordered:
        start = None
        if row.started_at is None and row.met_at is None:
            if row.starts_at == StartsAt.RESOLUTION and ticket.resolved_at:
                start = ticket.resolved_at
            elif row.starts_at == StartsAt.PREVIOUS and previous is not None and previous.met_at:
                start = previous.met_at
            elif row.starts_at.startswith(MET_PREFIX):
                kind = row.starts_at[len(MET_PREFIX) :]
                source = next((r for r in ordered if r.kind == kind and r is not row), None)
                start = source.met_at if source is not None else None
        previous = row
        if start is None:
            continue
        if calendars is None:
            calendars = calendars_for({r.calendar_code for r in rows})
        _start_clock(row, start, calendars[row.calendar_code])
        started.add(row)
    return started


def clock_event_start(
    *, ticket: Ticket, event: str, at: datetime, actor: User | None = None, now: datetime
) -> list[TicketDeadline]:
    """``event`` (a start event another app declared, e.g. ``investigation_finished``)
    happened on ``ticket`` at ``at``: start every milestone of the order whose clock waits
    for it, with a line on the order's timeline. A milestone already started keeps its
    clock (the first time the event happens counts); a finished order starts nothing.
    Returns the milestones started."""
    ticket = ticket_lock(ticket=ticket)
    if ticket.status in FINAL_STATUSES:
        return []
    rows = list(TicketDeadline.objects.select_for_update().filter(ticket=ticket))
    waiting = [
        r for r in rows if r.starts_at == event and r.started_at is None and r.met_at is None
    ]
    if not waiting:
        return []
    calendars = calendars_for({r.calendar_code for r in waiting})
    for row in sorted(waiting, key=lambda r: r.position):
        _start_clock(row, at, calendars[row.calendar_code])
        if ticket.status == Status.SUSPENDED and row.pauses:
            # started while the order is suspended: it counts from the resume
            row.paused_at = at
            row.next_event_at = None
        row.save()
    _event(
        ticket,
        EventKind.NOTE,
        _("Clocks started at “%(event)s”: %(items)s")
        % {
            "event": start_event_label(event),
            "items": "；".join(
                _("%(name)s due %(due)s")
                % {
                    "name": r.name,
                    "due": timezone.localtime(r.due_at).strftime("%Y-%m-%d %H:%M"),
                }
                for r in waiting
            ),
        },
        now,
        actor=actor,
        event=event,
        positions=[r.position for r in waiting],
    )
    _sync_ticket(ticket, rows)
    return waiting


def _resume(ticket: Ticket, rows: list[TicketDeadline], now: datetime) -> set:
    paused = [r for r in rows if r.paused_at is not None and r.met_at is None]
    if not paused:
        return set()
    calendars = calendars_for({r.calendar_code for r in paused})
    for row in paused:
        calendar = calendars[row.calendar_code]
        since = row.paused_at
        row.due_at = extend_for_pause(row.due_at, since, now, calendar, unit=row.unit)
        if row.hard_due_at is not None:
            row.hard_due_at = extend_for_pause(row.hard_due_at, since, now, calendar, unit=row.unit)
        row.warn_at = [
            _iso(extend_for_pause(_parse(v), since, now, calendar, unit=row.unit))
            if i >= row.warned_levels
            else v
            for i, v in enumerate(row.warn_at)
        ]
        row.pause_log = [*row.pause_log, [_iso(since), _iso(now)]]
        row.paused_at = None
        row.next_event_at = _next_event(row)
    _event(
        ticket,
        EventKind.SLA_RESUMED,
        _("Clocks resumed: %(items)s")
        % {
            "items": "；".join(
                _("%(name)s now due %(due)s")
                % {
                    "name": r.name,
                    "due": timezone.localtime(r.due_at).strftime("%Y-%m-%d %H:%M"),
                }
                for r in paused
            )
        },
        now,
    )
    return set(paused)


# ---------------------------------------------------------------------------- services


def _in_handling_department(actor: User, ticket: Ticket) -> bool:
    """The order's handler, or a handler or head inside its handling department."""
    if actor.pk is not None and actor.pk == ticket.owner_id:
        return True
    if ticket.department_id is None or not actor.has_role(
        RoleCode.HANDLER, RoleCode.DEPARTMENT_HEAD
    ):
        return False
    return in_department(actor, ticket.department)


# A record made this long after the moment it records is back-dated (补录): it needs a reason.
BACKDATE_TOLERANCE = timedelta(minutes=10)


@transaction.atomic
def deadline_record_reached(
    *,
    ticket: Ticket,
    position: int,
    actor: User,
    at: datetime | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> TicketDeadline:
    """A handler records that a milestone (arrival, handling opinion, reply …) was reached
    ``at`` (by default now). A time more than :data:`BACKDATE_TOLERANCE` ago needs a reason
    and is marked back-dated; a milestone reached after its due instant is breached."""
    now = now or timezone.now()
    at = at or now
    reason = (reason or "").strip()
    ticket = ticket_lock(ticket=ticket)
    if ticket.status in FINAL_STATUSES:
        raise ValidationError(
            {"action": ValidationError(_("The order is already finished."), code="ticket_finished")}
        )
    if not _in_handling_department(actor, ticket):
        raise PermissionDenied(_("Only the handling department records milestones."))
    rows = list(TicketDeadline.objects.select_for_update().filter(ticket=ticket))
    row = next((r for r in rows if r.position == position), None)
    if row is None:
        raise ValidationError(
            {
                "position": ValidationError(
                    _("This order has no such time limit."), code="deadline_unknown"
                )
            }
        )
    if row.kind not in RECORDABLE or row.started_at is None or row.met_at is not None:
        raise ValidationError(
            {
                "position": ValidationError(
                    _("This time limit cannot be recorded now."), code="deadline_not_recordable"
                )
            }
        )
    if at > now + timedelta(minutes=1):
        raise ValidationError(
            {
                "at": ValidationError(
                    _("The time reached cannot be in the future."), code="time_in_future"
                )
            }
        )
    if at < row.started_at:
        raise ValidationError(
            {
                "at": ValidationError(
                    _("The time reached cannot be before the clock started (%(start)s).")
                    % {"start": timezone.localtime(row.started_at).strftime("%Y-%m-%d %H:%M")},
                    code="time_before_start",
                )
            }
        )
    backdated = now - at > BACKDATE_TOLERANCE
    if backdated and not reason:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Recording a time more than 10 minutes ago needs a reason."),
                    code="backdate_reason_required",
                )
            }
        )
    _meet_in_order(ticket, rows, {row: at}, now)
    row.met_recorded_at = now
    row.met_backdate_reason = reason[:200] if backdated else ""
    row.save()
    for other in _start_waiting(rows, ticket, now):
        other.save()
    note = _("%(name)s reached") % {"name": row.name}
    if backdated:
        note = _("%(name)s reached at %(at)s (recorded late: %(reason)s)") % {
            "name": row.name,
            "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"),
            "reason": reason,
        }
    _event(
        ticket,
        EventKind.SLA_MET,
        note,
        now,
        actor=actor,
        position=row.position,
        backdated=backdated,
    )
    _sync_ticket(ticket, rows)
    return row


def _answers_investigation(actor: User, investigation: OverdueInvestigation) -> bool:
    """A handler or head of the department investigated (of the handling department for an
    investigation opened before departments were recorded)."""
    if investigation.department_id is None:
        return _in_handling_department(actor, investigation.ticket)
    return actor.has_role(RoleCode.HANDLER, RoleCode.DEPARTMENT_HEAD) and in_department(
        actor, investigation.department
    )


@transaction.atomic
def investigation_answer(
    *, investigation: OverdueInvestigation, actor: User, reason: str, now: datetime | None = None
) -> OverdueInvestigation:
    """The department investigated answers its investigation notice (查办单) with the
    reason for the delay; the order may be closed already."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(_("Give a reason."), code="required")})
    investigation = (
        OverdueInvestigation.objects.select_for_update(of=("self",))
        .select_related("ticket__department", "department")
        .get(pk=investigation.pk)
    )
    if not _answers_investigation(actor, investigation):
        raise PermissionDenied(_("Only the department investigated answers the investigation."))
    if investigation.answered_at is not None:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("This investigation is already answered."), code="already_answered"
                )
            }
        )
    investigation.answered_at = now
    investigation.answered_by = actor
    investigation.reason = reason
    investigation.full_clean()
    investigation.save()
    timeline_append(
        ticket=investigation.ticket,
        kind=EventKind.NOTE,
        actor=actor,
        note=_("Overdue investigation answered: %(reason)s") % {"reason": reason},
        now=now,
    )
    return investigation


# ---------------------------------------------------------------------------- sweep


def _due_tickets(now: datetime, limit: int) -> list[Ticket]:
    due = TicketDeadline.objects.filter(next_event_at__lte=now).values("ticket_id")
    if connection.vendor == "postgresql":
        from django.contrib.postgres.expressions import ArraySubquery

        # ``id = ANY(ARRAY(…))`` reads the due rows once from the next_event_at index and
        # then only their orders. With ``id IN (…)`` and the LIMIT the planner may walk
        # every order by id (a merge join): a cost that grows with all orders.
        in_due = Func(
            F("pk"),
            ArraySubquery(due),
            template="%(expressions)s)",
            arg_joiner=" = ANY(",
            output_field=BooleanField(),
        )
    else:
        in_due = Q(pk__in=due)
    qs = Ticket.objects.filter(in_due).select_related("department", "owner", "first_responder")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs.order_by("pk")[:limit])


def sla_sweep(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> dict[str, int]:
    """Fire every warning, breach and escalation due at ``now``; each exactly once, also
    with several workers. Returns counts of warnings, breaches and escalations fired."""
    now = now or timezone.now()
    counts = {"warnings": 0, "breaches": 0, "escalations": 0}
    while True:
        with transaction.atomic():
            tickets = _due_tickets(now, batch)
            if tickets:
                _sweep_batch(tickets, now, counts)
        if len(tickets) < batch:
            return counts


class _Batch:
    """One batch of the sweep: the people, policies and calendars it looks up (read once
    per batch) and the rows it writes (written together at the end of the batch, in the
    order a ticket-by-ticket sweep would write them)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        # the orders' timeline lines, urges and participants (tickets writes them)
        self.timeline = TimelineBatch(now=now)
        self.notifications: list[Notification] = []
        self.urge_notifications: list[Notification] = []  # sent once the batch commits
        self.investigations: list[OverdueInvestigation] = []
        self.delay_notices: list[DelayNotice] = []
        self._heads: dict[int, list[User]] = {}
        self._centre: dict[tuple[int | None, int | None], list[User]] = {}
        self._general_managers: list[User] | None = None
        self._policies: dict[str, SlaPolicy | None] = {}
        self._calendars: dict[str, Calendar | None] = {}

    # reads, once per batch

    def heads(self, ticket: Ticket) -> list[User]:
        if ticket.department_id is None:
            return []
        if ticket.department_id not in self._heads:
            self._heads[ticket.department_id] = _heads(ticket)
        return self._heads[ticket.department_id]

    def handlers(self, ticket: Ticket) -> list[User]:
        if ticket.owner_id:
            return [ticket.owner]
        if ticket.status in OPEN_STATUSES:
            return self.heads(ticket)
        return [ticket.first_responder] if ticket.first_responder_id else []

    def centre_people(self, ticket: Ticket) -> list[User]:
        responder = ticket.first_responder
        key = (ticket.department_id, responder.department_id if responder else None)
        if key not in self._centre:
            self._centre[key] = _centre_people(ticket)
        return self._centre[key]

    def general_managers(self) -> list[User]:
        if self._general_managers is None:
            self._general_managers = _general_managers()
        return self._general_managers

    def policy(self, code: str) -> SlaPolicy | None:
        if code not in self._policies:
            self._policies[code] = SlaPolicy.objects.filter(code=code).first()
        return self._policies[code]

    def calendar(self, code: str) -> Calendar | None:
        if code not in self._calendars:
            self._calendars[code] = calendars_for([code]).get(code)
        return self._calendars[code]

    # writes, gathered

    def event(self, ticket: Ticket, kind: str, note: str, **data) -> None:
        self.timeline.append(ticket=ticket, kind=kind, note=note, **data)

    def notify(
        self,
        users: Iterable[User | None],
        *,
        text: str,
        url: str,
        kind: str = NotificationKind.GENERAL,
        subject: str = "",
        later=False,
    ) -> None:
        """As ``kefu.notify.services.notify_users``, written with the batch (those who muted
        the kind are left out when it is written, in one query for the whole batch)."""
        target = self.urge_notifications if later else self.notifications
        target.extend(
            notifications_build(
                users, text=text, url=url, kind=kind, subject=subject, check_mutes=False
            )
        )

    def urge(self, ticket: Ticket, note: str) -> None:
        """催办 by the system (``TimelineBatch.urge``); its handler (or, without one, its
        department) is told once the transaction commits."""
        notice = self.timeline.urge(ticket=ticket, note=note)
        self.notify(
            notice.recipients,
            text=notice.text,
            url=notice.url,
            kind=NotificationKind.URGE,
            subject=ticket.number,
            later=True,
        )

    def write(self, rows: list[TicketDeadline]) -> None:
        self.timeline.write()
        Notification.objects.bulk_create(notifications_without_muted(self.notifications))
        OverdueInvestigation.objects.bulk_create(self.investigations)
        DelayNotice.objects.bulk_create(self.delay_notices)
        if rows:
            _save_swept(rows)
        if self.urge_notifications:
            later = self.urge_notifications
            transaction.on_commit(
                lambda: Notification.objects.bulk_create(notifications_without_muted(later))
            )


# What the sweep changes on a deadline row.
_SWEPT_FIELDS = [
    "warned_levels",
    "warned_at",
    "breached_at",
    "escalate_at",
    "escalated_levels",
    "escalated_at",
    "department",
    "next_event_at",
]


def _save_swept(rows: list[TicketDeadline]) -> None:
    """Write the swept fields of ``rows``: on PostgreSQL one ``UPDATE … FROM unnest(…)``
    (``bulk_update`` builds a CASE per field and row, which costs more than the sweep)."""
    if connection.vendor != "postgresql":
        TicketDeadline.objects.bulk_update(rows, _SWEPT_FIELDS)
        return
    meta = TicketDeadline._meta
    fields = [meta.get_field(name) for name in _SWEPT_FIELDS]
    quote = connection.ops.quote_name
    types = [f.db_type(connection) for f in fields]
    columns = []
    for field, db_type in zip(fields, types, strict=True):
        value_type = "text[]::jsonb[]" if db_type == "jsonb" else f"{db_type}[]"
        columns.append((field, value_type))
    params: list[list] = [[row.pk for row in rows]]
    for field, _value_type in columns:
        values = [getattr(row, field.attname) for row in rows]
        if field.get_internal_type() == "JSONField":
            values = [json.dumps(v) for v in values]
        params.append(values)
    unnest = ", ".join(["%s::bigint[]", *(f"%s::{t}" for _f, t in columns)])
    names = ", ".join(["id", *(quote(f.column) for f, _t in columns)])
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f, _t in columns)
    sql = (
        f"UPDATE {quote(meta.db_table)} AS d SET {assignments} "  # noqa: S608
        f"FROM unnest({unnest}) AS v({names}) WHERE d.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _sweep_batch(tickets: list[Ticket], now: datetime, counts: dict[str, int]) -> None:
    # Read under the tickets' locks, in a new statement: sees another worker's commit.
    rows_of: dict[int, list[TicketDeadline]] = {t.pk: [] for t in tickets}
    for row in TicketDeadline.objects.select_for_update().filter(ticket__in=tickets):
        rows_of[row.ticket_id].append(row)
    batch = _Batch(now)
    changed: list[TicketDeadline] = []
    for ticket in tickets:
        rows = rows_of[ticket.pk]
        changed += _sweep_ticket(ticket, rows, batch, counts)
    batch.write(changed)
    for ticket in tickets:
        _sync_ticket(ticket, rows_of[ticket.pk])


def _sweep_ticket(
    ticket: Ticket, rows: list[TicketDeadline], batch: _Batch, counts: dict[str, int]
) -> list[TicketDeadline]:
    """Fire what is due on one locked order; returns its rows to save."""
    now = batch.now
    swept = []
    for row in rows:
        if row.next_event_at is None or row.next_event_at > now:
            continue
        if row.breached_at is not None:
            counts["escalations"] += _escalate(ticket, row, batch)
        elif row.due_at <= now:
            _breach(ticket, row, batch)
            counts["breaches"] += 1
        else:
            _warn(ticket, row, batch)
            counts["warnings"] += 1
        row.next_event_at = _next_event(row)
        swept.append(row)
    return swept


def _warn(ticket: Ticket, row: TicketDeadline, batch: _Batch) -> None:
    now = batch.now
    fired = [i for i, v in enumerate(row.warn_at) if i >= row.warned_levels and _parse(v) <= now]
    if not fired:
        return
    level = fired[-1]
    row.warned_levels = level + 1
    row.warned_at = now
    percent = row.warning_thresholds[level] if level < len(row.warning_thresholds) else 0
    due = timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M")
    text = _("%(number)s: %(percent)d%% of the time for “%(name)s” is used up; due %(due)s") % {
        "number": ticket.number,
        "percent": percent,
        "name": row.name,
        "due": due,
    }
    batch.event(ticket, EventKind.SLA_WARNING, text, position=row.position, percent=percent)
    batch.notify(
        batch.handlers(ticket),
        text=text,
        url=_url(ticket),
        kind=NotificationKind.SLA_WARNING,
        subject=ticket.number,
    )


def _breach(ticket: Ticket, row: TicketDeadline, batch: _Batch) -> None:
    """``row`` is past its due instant: it is overdue since then (whenever this runs), the
    order is urged (催办单) and its department told; the department is noted as late, for
    the investigation at the closure. An unmet milestone of an open order also climbs the
    escalation ladder."""
    row.breached_at = row.due_at
    # the step was late in the department that holds the order now (the sweep runs each
    # minute: it held it when the step fell due); it is investigated at the closure
    row.department_id = ticket.department_id
    due = timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M")
    text = _("%(number)s is overdue: “%(name)s” was due %(due)s") % {
        "number": ticket.number,
        "name": row.name,
        "due": due,
    }
    batch.event(ticket, EventKind.SLA_BREACH, text, position=row.position)
    if ticket.status in OPEN_STATUSES:
        # 催办单: the urge tells the handler; the department head is told here.
        batch.urge(ticket, text)
        batch.notify(
            batch.heads(ticket),
            text=text,
            url=_url(ticket),
            kind=NotificationKind.SLA_OVERDUE,
            subject=ticket.number,
        )
    else:
        batch.notify(
            [*batch.handlers(ticket), *batch.heads(ticket)],
            text=text,
            url=_url(ticket),
            kind=NotificationKind.SLA_OVERDUE,
            subject=ticket.number,
        )
    if ticket.status in OPEN_STATUSES and row.met_at is None:
        row.escalate_at = [_iso(v) for v in _escalation_instants(ticket, row, batch)]
        _delay_notice_open(ticket, row, batch)


# ---------------------------------------------------------------------------- escalation

# Rungs above the department head, in order (the head is told at the breach itself).
ESCALATION_LEVELS = ("centre", "general_manager")


def _escalation_instants(ticket: Ticket, row: TicketDeadline, batch: _Batch) -> list[datetime]:
    """When the overdue ``row`` goes to the service centre, then to the general manager:
    the policy's delays in working time on the milestone's calendar, from the due instant.
    A rung with no delay ends the ladder."""
    policy = batch.policy(ticket.sla_policy_code)
    if policy is None:
        return []
    calendar = batch.calendar(row.calendar_code)
    if calendar is None:
        return []
    result = []
    for minutes in (policy.escalate_centre_after, policy.escalate_gm_after):
        if minutes is None:
            break
        instant = add_working_time(row.due_at, timedelta(minutes=minutes), calendar)
        result.append(max(instant, result[-1]) if result else instant)
    return _within_hard_limit(result, row)


def _within_hard_limit(instants: list[datetime], row: TicketDeadline) -> list[datetime]:
    """A milestone with a hard limit (e.g. 21 days) reaches the general manager at the hard
    limit at the latest, whatever the policy's delays say."""
    if row.hard_due_at is None:
        return instants
    hard = row.hard_due_at
    centre = min(instants[0], hard) if instants else hard
    return [centre, hard if len(instants) < 2 else min(instants[1], hard)]


def _centre_people(ticket: Ticket) -> list[User]:
    """Heads and shift leaders of the service centre that answers for the order: the
    nearest centre above the handling department, else the first responder's customer
    service centre, else every customer service centre at the top of the tree."""
    kinds = (DepartmentKind.CENTRE, DepartmentKind.FRONT_OFFICE)
    centre = None
    for department in (ticket.department, getattr(ticket.first_responder, "department", None)):
        if department is None:
            continue
        found = Department.objects.filter(
            pk__in=department.ancestor_ids(), kind__in=kinds, is_active=True
        ).order_by("-depth")
        centre = found.first()
        if centre is not None:
            break
    paths = (
        [centre.path]
        if centre is not None
        else list(
            Department.objects.filter(
                kind=DepartmentKind.FRONT_OFFICE, is_active=True, depth__lte=1
            ).values_list("path", flat=True)
        )
    )
    if not paths:
        return []
    in_centre = Q()
    for path in paths:
        in_centre |= subtree_q("department", path)
    return list(
        User.objects.filter(
            in_centre,
            is_active=True,
            roles__code__in=[RoleCode.DEPARTMENT_HEAD, RoleCode.SHIFT_LEADER],
        ).distinct()
    )


def _general_managers() -> list[User]:
    return list(
        User.objects.filter(is_active=True, roles__code=RoleCode.GENERAL_MANAGER).distinct()
    )


def _escalate(ticket: Ticket, row: TicketDeadline, batch: _Batch) -> int:
    """Fire the rungs of the ladder reached by ``now`` (a late sweep fires each once)."""
    now = batch.now
    fired = 0
    if ticket.status not in OPEN_STATUSES:
        # resolved, closed or cancelled in the meantime: the ladder ends here
        row.escalate_at = row.escalate_at[: row.escalated_levels]
        return fired
    while row.escalated_levels < len(row.escalate_at) and row.escalated_levels < len(
        ESCALATION_LEVELS
    ):
        at = _parse(row.escalate_at[row.escalated_levels])
        if at > now:
            break
        level = ESCALATION_LEVELS[row.escalated_levels]
        people = batch.centre_people(ticket) if level == "centre" else batch.general_managers()
        due = timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M")
        if level == "centre":
            text = _("%(number)s escalated to the service centre: “%(name)s” overdue since %(due)s")
        elif row.hard_due_at is not None and at >= row.hard_due_at:
            text = _(
                "%(number)s escalated to the general manager: “%(name)s” passed its hard "
                "limit %(hard)s (due %(due)s)"
            )
        else:
            text = _(
                "%(number)s escalated to the general manager: “%(name)s” overdue since %(due)s"
            )
        hard = (
            timezone.localtime(row.hard_due_at).strftime("%Y-%m-%d %H:%M")
            if row.hard_due_at
            else ""
        )
        text = text % {"number": ticket.number, "name": row.name, "due": due, "hard": hard}
        batch.event(
            ticket,
            EventKind.SLA_ESCALATED,
            text,
            position=row.position,
            level=level,
            recipients=[p.pk for p in people],
        )
        # whoever the order is escalated to may open it from then on
        batch.timeline.participants_add(ticket=ticket, users=people)
        batch.notify(
            people,
            text=text,
            url=_url(ticket),
            kind=NotificationKind.ESCALATION,
            subject=ticket.number,
        )
        row.escalated_levels += 1
        row.escalated_at = now
        fired += 1
    return fired


# ---------------------------------------------------------------------------- delay notice


def _delay_notice_open(ticket: Ticket, row: TicketDeadline, batch: _Batch) -> None:
    """The first responder must tell the customer the reason and the new expected time."""
    assignee = ticket.first_responder if ticket.first_responder_id else None
    batch.delay_notices.append(
        DelayNotice(ticket=ticket, deadline=row, assignee=assignee, opened_at=batch.now)
    )
    if assignee is not None:
        batch.notify(
            [assignee],
            text=_("%(number)s is overdue: tell the customer why and when it will be done")
            % {"number": ticket.number},
            url=_url(ticket),
            kind=NotificationKind.TASK,
            subject=ticket.number,
        )


def _may_tell_customer(actor: User, ticket: Ticket) -> bool:
    if actor.pk is not None and actor.pk == ticket.first_responder_id:
        return True
    if actor.has_role(RoleCode.SHIFT_LEADER, RoleCode.GENERAL_MANAGER, RoleCode.ADMINISTRATOR):
        return True
    return _in_handling_department(actor, ticket)


@transaction.atomic
def delay_notice_record(
    *,
    notice: DelayNotice,
    actor: User,
    channel: str,
    reason: str,
    expected_at: datetime | None,
    now: datetime | None = None,
) -> DelayNotice:
    """Record that the customer was told why the order is late and when it will be done;
    the reason and the new time go on the customer's progress page."""
    now = now or timezone.now()
    notice = (
        DelayNotice.objects.select_for_update(of=("self",))
        .select_related("ticket__department", "ticket__first_responder")
        .get(pk=notice.pk)
    )
    ticket = notice.ticket
    if not _may_tell_customer(actor, ticket):
        raise PermissionDenied(
            _("Only the first responder or the handling department tells the customer.")
        )
    errors = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = ValidationError(
            _("Give the reason the customer was told."), code="required"
        )
    if channel not in DelayNotice.Channel.values:
        errors["channel"] = ValidationError(
            _("Choose how the customer was told."), code="invalid_choice"
        )
    if expected_at is None:
        errors["expected_at"] = ValidationError(_("Give the new expected time."), code="required")
    elif expected_at <= now:
        errors["expected_at"] = ValidationError(
            _("The new expected time must be in the future."), code="time_not_in_future"
        )
    if notice.done_at is not None:
        errors["reason"] = ValidationError(
            _("The customer has already been told."), code="already_done"
        )
    if errors:
        raise ValidationError(errors)
    notice.done_at = now
    notice.done_by = actor
    notice.channel = channel
    notice.reason = reason
    notice.expected_at = expected_at
    notice.full_clean()
    notice.save()
    expected = timezone.localtime(expected_at).strftime("%Y-%m-%d %H:%M")
    timeline_append(
        ticket=ticket,
        kind=EventKind.DELAY_NOTICE,
        actor=actor,
        note=_("Customer told of the delay: %(reason)s. New expected time %(expected)s")
        % {"reason": reason, "expected": expected},
        public=True,
        now=now,
        data={
            "channel": channel,
            "expected_at": _iso(expected_at),
            "position": notice.deadline.position,
        },
    )
    return notice


# ---------------------------------------------------------------------------- recompute


RECOMPUTE_REASONS = frozenset({"year_loaded", "day_added", "day_removed", "pattern_changed"})


def _recompute_candidates(calendar_code: str, year: int, reason: str):
    running = TicketDeadline.objects.filter(
        calendar_code=calendar_code,
        met_at__isnull=True,
        breached_at__isnull=True,
        started_at__isnull=False,
    )
    if reason == "year_loaded":
        # the limits computed with the weekly pattern alone
        return running.filter(provisional=True, due_at__year__gte=year)
    if reason == "pattern_changed":
        return running
    # a holiday or make-up day added or removed in ``year``: the limits whose window
    # reaches into that year
    return running.filter(started_at__year__lte=year, due_at__year__gte=year)


def recompute_deadlines(*, calendar_code: str, year: int, reason: str) -> int:
    """Recompute the running limits on ``calendar_code`` of unfinished orders once the
    calendar's data changed: the provisional ones when a year is loaded, those whose window
    reaches into ``year`` when a day of it is added or removed, all of them when the
    weekly pattern changes. Pauses already taken are replayed; warnings already sent stay
    sent. Returns the number of limits recomputed."""
    if reason not in RECOMPUTE_REASONS:
        return 0
    done = 0
    with transaction.atomic():
        candidates = (
            _recompute_candidates(calendar_code, year, reason)
            .exclude(ticket__status__in=FINAL_STATUSES)
            .values("ticket_id")
        )
        # Tickets first, then their rows: the lock order of every other writer.
        tickets = list(
            Ticket.objects.select_for_update(of=("self",)).filter(pk__in=candidates).order_by("pk")
        )
        if not tickets:
            return 0
        calendar = calendars_for([calendar_code]).get(calendar_code)
        if calendar is None:
            return 0
        eligible = set(
            _recompute_candidates(calendar_code, year, reason)
            .filter(ticket__in=tickets)
            .values_list("pk", flat=True)
        )
        for ticket in tickets:
            rows = list(TicketDeadline.objects.select_for_update().filter(ticket=ticket))
            changed = []
            for row in rows:
                if row.pk not in eligible:
                    continue
                before = row.due_at
                _recompute(row, calendar)
                row.save()
                done += 1
                if row.due_at != before:
                    changed.append((row, before))
            for row, before in changed:
                _event(
                    ticket,
                    EventKind.NOTE,
                    _("Calendar changed: “%(name)s” now due %(due)s (was %(before)s)")
                    % {
                        "name": row.name,
                        "due": timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M"),
                        "before": timezone.localtime(before).strftime("%Y-%m-%d %H:%M"),
                    },
                    timezone.now(),
                    position=row.position,
                )
            _sync_ticket(ticket, rows)
    return done


def _recompute(row: TicketDeadline, calendar: Calendar) -> None:
    warned = row.warn_at[: row.warned_levels]
    _start_clock(row, row.started_at, calendar)
    for since, until in row.pause_log:
        start, end = _parse(since), _parse(until)
        row.due_at = extend_for_pause(row.due_at, start, end, calendar, unit=row.unit)
        if row.hard_due_at is not None:
            row.hard_due_at = extend_for_pause(row.hard_due_at, start, end, calendar, unit=row.unit)
        row.warn_at = [
            _iso(extend_for_pause(_parse(v), start, end, calendar, unit=row.unit))
            for v in row.warn_at
        ]
    row.warn_at = [*warned, *row.warn_at[len(warned) :]]
    row.next_event_at = _next_event(row)
