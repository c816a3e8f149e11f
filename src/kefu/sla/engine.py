"""The SLA engine: per-order deadlines, their clocks, warnings and breaches.

Hooks registered from ``SlaConfig.ready`` call into here inside the transaction of the
ticket change; the worker's sweep (``kefu.sla.tasks``) calls :func:`sla_sweep` every
minute. The arithmetic is ``kefu.sla.policy``; this module stores and acts on it.

Lock order is always the ticket row first, then its deadline rows, as in
``kefu.tickets.services.ticket_transition``: the sweep locks tickets with
``SKIP LOCKED`` so several workers share the work and none waits on a person's action.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.workcal import Calendar
from kefu.notify.services import notify_users
from kefu.org.models import User
from kefu.org.roles import RoleCode
from kefu.sla.models import OverdueInvestigation, TicketDeadline
from kefu.sla.policy import (
    Facts,
    MilestoneKind,
    MilestoneSpec,
    StartsAt,
    extend_for_pause,
    milestone_due,
    warning_instants,
)
from kefu.sla.selectors import calendars_for, new_ticket_deadlines
from kefu.tickets.models import Category, EventKind, Ticket, TicketEvent
from kefu.tickets.rules import NO_DEADLINE
from kefu.tickets.states import FINAL_STATUSES, OPEN_STATUSES, Action

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
    if row.due_at is None or row.met_at or row.breached_at or row.paused_at:
        return None
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
    row.warn_at = [
        _iso(v)
        for v in warning_instants(
            start, deadline.due, spec.warning_thresholds, calendar, unit=spec.unit
        )
    ]
    row.next_event_at = _next_event(row)


def _sync_ticket(ticket: Ticket, rows: Iterable[TicketDeadline]) -> None:
    """Ticket.next_due_at = earliest due instant of a running, unmet milestone."""
    dues = [
        r.due_at for r in rows if r.due_at is not None and r.met_at is None and r.paused_at is None
    ]
    if ticket.status in FINAL_STATUSES:
        dues = []
    next_due = min(dues) if dues else None
    due_sort = next_due or NO_DEADLINE
    if ticket.next_due_at != next_due or ticket.due_sort != due_sort:
        Ticket.objects.filter(pk=ticket.pk).update(next_due_at=next_due, due_sort=due_sort)
        ticket.next_due_at = next_due
        ticket.due_sort = due_sort


def _event(ticket: Ticket, kind: str, note: str, now: datetime, **data) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=data.pop("actor", None),
        note=note,
        created_at=now,
        data=data,
    )


def _url(ticket: Ticket) -> str:
    return reverse("tickets:detail", args=[ticket.pk])


def _heads(ticket: Ticket) -> list[User]:
    if ticket.department_id is None:
        return []
    return list(
        User.objects.filter(
            is_active=True,
            department__path__startswith=ticket.department.path,
            roles__code=RoleCode.DEPARTMENT_HEAD,
        ).distinct()
    )


def _handlers(ticket: Ticket) -> list[User]:
    if ticket.owner_id:
        return [ticket.owner]
    if ticket.status in OPEN_STATUSES:
        return _heads(ticket)
    return [ticket.first_responder] if ticket.first_responder_id else []


def facts_for(ticket: Ticket) -> Facts:
    """The facts a policy looks at; the category as its path of codes (one query)."""
    ids = [int(p) for p in ticket.category.path.strip("/").split("/") if p]
    codes = dict(Category.objects.filter(pk__in=ids).values_list("pk", "code"))
    return Facts(
        ticket_type=ticket.ticket_type.code,
        category="/".join(codes[i] for i in ids if i in codes),
        priority=ticket.priority,
        customer_grade=ticket.customer_grade,
        channel=ticket.channel,
    )


# ---------------------------------------------------------------------------- hooks


def on_created(ticket: Ticket, *, now: datetime) -> None:
    """Store the new order's milestones; clocks start at acceptance (受理)."""
    policy, plan = new_ticket_deadlines(
        facts=facts_for(ticket),
        accepted_at=ticket.created_at,
        policy_code=ticket.category.sla_policy_code,
    )
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
        )
        if item.deadline is not None:
            row.started_at = item.start
            row.base_due_at = item.due
            row.due_at = item.due
            row.provisional = item.provisional
            row.warn_at = [_iso(v) for v in item.warnings]
            row.next_event_at = _next_event(row)
        rows.append(row)
    TicketDeadline.objects.bulk_create(rows)
    if ticket.sla_policy_code != policy.code:
        Ticket.objects.filter(pk=ticket.pk).update(sla_policy_code=policy.code)
        ticket.sla_policy_code = policy.code
    _sync_ticket(ticket, rows)


def on_transition(ticket: Ticket, *, action, from_status, to_status, actor, now) -> None:
    """Meet, start, pause and resume clocks for a lifecycle step; refuse to close an order
    whose overdue investigation is not answered."""
    if action == Action.CLOSE:
        open_ones = OverdueInvestigation.objects.filter(ticket=ticket, answered_at__isnull=True)
        if open_ones.exists():
            raise ValidationError(
                {
                    "action": _(
                        "The order was overdue: the department must answer the overdue "
                        "investigation before it can be closed."
                    )
                }
            )
    rows = list(TicketDeadline.objects.select_for_update().filter(ticket=ticket))
    if not rows:
        return
    changed: set[TicketDeadline] = set()
    met_kinds = _MET_BY_ACTION.get(action, set())
    for row in rows:
        if row.kind in met_kinds and row.met_at is None and row.started_at is not None:
            _meet(row, now)
            changed.add(row)
    if action in {Action.RESOLVE, Action.SETTLE}:
        # Whatever the handler did not record is reached by the resolution at the latest.
        for row in rows:
            if row.kind != MilestoneKind.RETURN_VISIT and row.met_at is None and row.started_at:
                _meet(row, now)
                changed.add(row)
    changed |= _start_waiting(rows, ticket, now)
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


def _start_waiting(rows: list[TicketDeadline], ticket: Ticket, now: datetime) -> set:
    """Start the clocks that wait for the resolution or for the previous milestone."""
    started = set()
    previous = None
    calendars: dict[str, Calendar] | None = None
    for row in sorted(rows, key=lambda r: r.position):
        start = None
        if row.started_at is None and row.met_at is None:
            if row.starts_at == StartsAt.RESOLUTION and ticket.resolved_at:
                start = ticket.resolved_at
            elif row.starts_at == StartsAt.PREVIOUS and previous is not None and previous.met_at:
                start = previous.met_at
        previous = row
        if start is None:
            continue
        if calendars is None:
            calendars = calendars_for({r.calendar_code for r in rows})
        _start_clock(row, start, calendars[row.calendar_code])
        started.add(row)
    return started


def _resume(ticket: Ticket, rows: list[TicketDeadline], now: datetime) -> set:
    paused = [r for r in rows if r.paused_at is not None and r.met_at is None]
    if not paused:
        return set()
    calendars = calendars_for({r.calendar_code for r in paused})
    for row in paused:
        calendar = calendars[row.calendar_code]
        since = row.paused_at
        row.due_at = extend_for_pause(row.due_at, since, now, calendar, unit=row.unit)
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
    return bool(actor.department_id and actor.department.path.startswith(ticket.department.path))


@transaction.atomic
def deadline_record_reached(
    *, ticket: Ticket, position: int, actor: User, now: datetime | None = None
) -> TicketDeadline:
    """A handler records that a milestone (arrival, handling opinion, reply …) was reached."""
    from kefu.tickets.services import _lock

    now = now or timezone.now()
    ticket = _lock(ticket)
    if ticket.status in FINAL_STATUSES:
        raise ValidationError({"action": _("The order is already finished.")})
    if not _in_handling_department(actor, ticket):
        raise PermissionDenied(_("Only the handling department records milestones."))
    rows = list(TicketDeadline.objects.select_for_update().filter(ticket=ticket))
    row = next((r for r in rows if r.position == position), None)
    if row is None:
        raise ValidationError({"position": _("This order has no such time limit.")})
    if row.kind not in RECORDABLE or row.started_at is None or row.met_at is not None:
        raise ValidationError({"position": _("This time limit cannot be recorded now.")})
    _meet(row, now)
    row.save()
    for other in _start_waiting(rows, ticket, now):
        other.save()
    _event(
        ticket,
        EventKind.SLA_MET,
        _("%(name)s reached") % {"name": row.name},
        now,
        actor=actor,
        position=row.position,
    )
    _sync_ticket(ticket, rows)
    return row


@transaction.atomic
def investigation_answer(
    *, investigation: OverdueInvestigation, actor: User, reason: str, now: datetime | None = None
) -> OverdueInvestigation:
    """The department answers an overdue investigation (查办单) with the reason."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")})
    investigation = (
        OverdueInvestigation.objects.select_for_update(of=("self",))
        .select_related("ticket__department")
        .get(pk=investigation.pk)
    )
    if not _in_handling_department(actor, investigation.ticket):
        raise PermissionDenied(_("Only the handling department answers the investigation."))
    if investigation.answered_at is not None:
        raise ValidationError({"reason": _("This investigation is already answered.")})
    investigation.answered_at = now
    investigation.answered_by = actor
    investigation.reason = reason
    investigation.full_clean()
    investigation.save()
    TicketEvent.objects.create(
        ticket_id=investigation.ticket_id,
        kind=EventKind.NOTE,
        actor=actor,
        note=_("Overdue investigation answered: %(reason)s") % {"reason": reason},
        created_at=now,
    )
    return investigation


# ---------------------------------------------------------------------------- sweep


def _due_tickets(now: datetime, limit: int) -> list[Ticket]:
    due = TicketDeadline.objects.filter(next_event_at__lte=now).values("ticket_id")
    qs = Ticket.objects.filter(pk__in=due).select_related("department", "owner", "first_responder")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs.order_by("pk")[:limit])


def sla_sweep(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> dict[str, int]:
    """Fire every warning and breach due at ``now``; each exactly once, also with several
    workers. Returns counts of warnings and breaches fired."""
    now = now or timezone.now()
    counts = {"warnings": 0, "breaches": 0}
    while True:
        with transaction.atomic():
            tickets = _due_tickets(now, batch)
            for ticket in tickets:
                _sweep_ticket(ticket, now, counts)
        if len(tickets) < batch:
            return counts


def _sweep_ticket(ticket: Ticket, now: datetime, counts: dict[str, int]) -> None:
    # Read under the ticket's lock, in a new statement: sees another worker's commit.
    rows = list(TicketDeadline.objects.select_for_update().filter(ticket=ticket))
    for row in rows:
        if row.next_event_at is None or row.next_event_at > now:
            continue
        if row.due_at <= now:
            _breach(ticket, row, now)
            counts["breaches"] += 1
        else:
            _warn(ticket, row, now)
            counts["warnings"] += 1
        row.next_event_at = _next_event(row)
        row.save()
    _sync_ticket(ticket, rows)


def _warn(ticket: Ticket, row: TicketDeadline, now: datetime) -> None:
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
    _event(ticket, EventKind.SLA_WARNING, text, now, position=row.position, percent=percent)
    notify_users(_handlers(ticket), text=text, url=_url(ticket))


def _breach(ticket: Ticket, row: TicketDeadline, now: datetime) -> None:
    from kefu.tickets.services import ticket_urge

    row.breached_at = now
    due = timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M")
    text = _("%(number)s is overdue: “%(name)s” was due %(due)s") % {
        "number": ticket.number,
        "name": row.name,
        "due": due,
    }
    _event(ticket, EventKind.SLA_BREACH, text, now, position=row.position)
    if ticket.status in OPEN_STATUSES:
        # 催办单: the urge tells the handler; the department head is told here.
        ticket_urge(ticket=ticket, actor=None, note=text, now=now)
        ticket.refresh_from_db(fields=["urge_count"])
        notify_users(_heads(ticket), text=text, url=_url(ticket))
    else:
        notify_users([*_handlers(ticket), *_heads(ticket)], text=text, url=_url(ticket))
    if ticket.status not in FINAL_STATUSES:
        OverdueInvestigation.objects.create(
            ticket=ticket, deadline=row, milestone_id=row.milestone_id, opened_at=now
        )


# ---------------------------------------------------------------------------- recompute


def recompute_provisional(*, calendar_code: str, year: int, reason: str) -> int:
    """Recompute the provisional limits on ``calendar_code`` of unfinished orders once the
    calendar's data changed (a year loaded …); pauses already taken are replayed."""
    if reason != "year_loaded":
        return 0
    done = 0
    with transaction.atomic():
        candidates = (
            TicketDeadline.objects.filter(
                calendar_code=calendar_code,
                provisional=True,
                met_at__isnull=True,
                breached_at__isnull=True,
                started_at__isnull=False,
                due_at__year__gte=year,
            )
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
        for ticket in tickets:
            rows = list(TicketDeadline.objects.select_for_update().filter(ticket=ticket))
            for row in rows:
                if (
                    row.calendar_code != calendar_code
                    or not row.provisional
                    or row.met_at
                    or row.breached_at
                    or row.started_at is None
                ):
                    continue
                _recompute(row, calendar)
                row.save()
                done += 1
            _sync_ticket(ticket, rows)
    return done


def _recompute(row: TicketDeadline, calendar: Calendar) -> None:
    warned = row.warn_at[: row.warned_levels]
    _start_clock(row, row.started_at, calendar)
    for since, until in row.pause_log:
        start, end = _parse(since), _parse(until)
        row.due_at = extend_for_pause(row.due_at, start, end, calendar, unit=row.unit)
        row.warn_at = [
            _iso(extend_for_pause(_parse(v), start, end, calendar, unit=row.unit))
            for v in row.warn_at
        ]
    row.warn_at = [*warned, *row.warn_at[len(warned) :]]
    row.next_event_at = _next_event(row)
