"""The lifecycle's one writer: ``ticket_transition`` changes a work order's status.

What a move needs and where it leads is the table in :mod:`kefu.tickets.states`; what other
apps do about it is :mod:`kefu.tickets.lifecycle`. What is left here is each action's own
effect on the order (who handles it now, which times are stamped, who is told).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.notify.models import NotificationKind
from kefu.notify.services import sms_queue
from kefu.org.models import Department, User
from kefu.org.roles import RoleCode
from kefu.tickets import lifecycle
from kefu.tickets.models import EventKind, Ticket
from kefu.tickets.permissions import may_take
from kefu.tickets.services.common import (
    PUBLIC_STATUSES,
    department_people,
    notes_check,
    notify_people,
    office_people,
    sms_context,
    ticket_lock,
)
from kefu.tickets.services.routing import assignable, auto_assign, department_route
from kefu.tickets.services.timeline import timeline_append
from kefu.tickets.states import (
    AWAITING_CUSTOMER,
    FINAL_STATUSES,
    Action,
    Need,
    Status,
    can_transition,
    missing,
    target_of,
)


@transaction.atomic
def ticket_transition(
    *,
    ticket: Ticket,
    action: str,
    actor: User | None,
    reason: str = "",
    department: Department | None = None,
    owner: User | None = None,
    resolution: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Take *action* on *ticket*: the one place where a work order's status changes.

    In order: lock the row; check the transition table and the actor's right; ask the
    lifecycle participants what blocks the action; check what the table says the action
    needs; apply the action's effect; write the status and its timeline line; let the
    participants react (time limits, return visits); queue the resolution SMS and write the
    notifications. Raises ``ValidationError`` naming the field at fault,
    or ``PermissionDenied``; nothing changes in either case. ``actor`` None is the system.
    """
    now = now or timezone.now()
    notes_check(reason=reason, resolution=resolution)
    ticket = ticket_lock(ticket=ticket)
    action = Action(action)
    from_status = Status(ticket.status)
    _check_allowed(ticket, action, actor)
    _check_not_blocked(ticket, action)
    given = Given(
        reason=(reason or "").strip(),
        resolution=(resolution or "").strip(),
        department=department,
        owner=owner,
    )
    _check_needs(action, given)
    to_status = target_of(from_status, action, return_count=ticket.return_count)
    effect = _EFFECTS[action](ticket, given, actor=actor, now=now, to_status=to_status)
    if ticket.owner_id:
        ticket.participants.add(ticket.owner_id)
    ticket.status = to_status
    ticket.save()
    timeline_append(
        ticket=ticket,
        kind=EventKind.TRANSITION,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        note=effect.note if effect.note is not None else given.reason,
        public=to_status in PUBLIC_STATUSES,
        data=effect.data,
        now=now,
    )
    move = lifecycle.MoveMade(
        action=action, from_status=from_status, to_status=to_status, actor=actor, now=now
    )
    lifecycle.moved(ticket=ticket, move=move)
    _tell(ticket, move, effect.notify)
    return ticket


@dataclass(frozen=True)
class Given:
    """What the person gave with the action (text already stripped)."""

    reason: str
    resolution: str
    department: Department | None
    owner: User | None

    def by_need(self) -> dict[Need, object]:
        return {
            Need.REASON: self.reason,
            Need.RESOLUTION: self.resolution,
            Need.DEPARTMENT: self.department,
            Need.OWNER: self.owner,
        }


@dataclass
class Effect:
    """What an action's effect adds to the move: the timeline note (None: the reason), the
    event's data and whom to tell."""

    note: str | None = None
    data: dict = field(default_factory=dict)
    notify: Sequence[User | None] = field(default_factory=list)


def _check_allowed(ticket: Ticket, action: Action, actor: User | None) -> None:
    status = Status(ticket.status)
    if not can_transition(status, action):
        raise ValidationError(
            {
                "action": ValidationError(
                    _("“%(action)s” is not possible while the order is “%(status)s”.")
                    % {"action": action.label, "status": status.label},
                    code="transition_not_allowed",
                )
            }
        )
    if actor is not None and not may_take(actor, ticket, action):
        raise PermissionDenied(_("You may not “%(action)s” this order.") % {"action": action.label})


def _check_not_blocked(ticket: Ticket, action: Action) -> None:
    blockers = lifecycle.blockers(ticket=ticket, action=action)
    if blockers:
        raise ValidationError(
            {"action": [ValidationError(b.message, code=b.code) for b in blockers]}
        )


def _check_needs(action: Action, given: Given) -> None:
    errors = missing(action, given.by_need())
    if errors:
        raise ValidationError(
            {name: ValidationError(message, code="required") for name, message in errors.items()}
        )


def _tell(ticket: Ticket, move: lifecycle.MoveMade, notify: Sequence[User | None]) -> None:
    if move.to_status == Status.RESOLVED and ticket.contact_phone:
        sms_queue(
            phone=ticket.contact_phone,
            template_code="ticket_resolved",
            context=sms_context(ticket),
            ticket=ticket,
        )
    actor = move.actor
    people = [u for u in notify if u is not None and (actor is None or u.pk != actor.pk)]
    text = _("%(number)s: %(action)s — %(title)s") % {
        "number": ticket.number,
        "action": move.action.label,
        "title": ticket.title,
    }
    # whoever the move hands the order to must act on it (a task, never muted); the rest,
    # the first responder among them, are told how it goes (progress, which may be muted)
    if move.action == Action.RETURN:
        to_act, told = people, []
    elif move.action in HANDING_ACTIONS:
        to_act = [u for u in people if u.pk != ticket.first_responder_id]
        told = [u for u in people if u.pk == ticket.first_responder_id]
    else:
        to_act, told = [], people
    notify_people(to_act, text, ticket, NotificationKind.TASK)
    notify_people(told, text, ticket, NotificationKind.PROGRESS)


#: moves that give the order to someone who must take it up
HANDING_ACTIONS = frozenset({Action.DISPATCH, Action.TRANSFER, Action.RULE, Action.REOPEN})


# ---------------------------------------------------------------- each action's effect


def _binding_ruling(ticket: Ticket) -> None:
    if ticket.ruling_binding:
        raise ValidationError(
            {
                "action": ValidationError(
                    _("The office has ruled that this department owns the order."),
                    code="ruling_binding",
                )
            }
        )


def _settle(ticket: Ticket, given: Given, *, now: datetime, **_context) -> Effect:
    if not ticket.category.settle_at_first_contact:
        raise ValidationError(
            {
                "action": ValidationError(
                    _("Orders of this category cannot be settled at first contact."),
                    code="settle_not_allowed",
                )
            }
        )
    ticket.resolution = given.resolution
    ticket.settled_at_first_contact = True
    ticket.resolved_at = now
    return Effect(note=given.resolution)


def _transfer(ticket: Ticket, given: Given, *, now: datetime, **_context) -> Effect:
    _binding_ruling(ticket)
    department = given.department
    if department is None or department.pk == ticket.department_id:
        raise ValidationError(
            {
                "department": ValidationError(
                    _("Choose the department to transfer the order to."), code="required"
                )
            }
        )
    if not department.is_active:
        raise ValidationError(
            {
                "department": ValidationError(
                    _("The department is deactivated."), code="department_inactive"
                )
            }
        )
    data = {
        "from_department": ticket.department.name if ticket.department else "",
        "department": department.name,
    }
    if ticket.owner_id:
        ticket.participants.add(ticket.owner_id)
    ticket.department = department
    ticket.dispatched_at = now
    ticket.signed_at = None
    ticket.owner = given.owner or auto_assign(department)
    return Effect(
        data=data, notify=[ticket.owner] if ticket.owner else department_people(department)
    )


def _dispatch(ticket: Ticket, given: Given, *, now: datetime, **_context) -> Effect:
    target = given.department or department_route(
        category=ticket.category, area=ticket.address, grade=ticket.customer_grade
    )
    if target is None:
        raise ValidationError(
            {
                "department": ValidationError(
                    _("No lead department is set for this category; choose one."),
                    code="no_lead_department",
                )
            }
        )
    if not target.is_active:
        raise ValidationError(
            {
                "department": ValidationError(
                    _("The department is deactivated."), code="department_inactive"
                )
            }
        )
    ticket.department = target
    ticket.dispatched_at = now
    ticket.owner = given.owner or auto_assign(target)
    return Effect(
        data={"department": target.name},
        notify=[ticket.owner] if ticket.owner else department_people(target),
    )


def _rule(ticket: Ticket, given: Given, *, now: datetime, **_context) -> Effect:
    effect = _dispatch(ticket, given, now=now)
    ticket.ruling_binding = True
    return effect


def _sign(ticket: Ticket, given: Given, *, now: datetime, actor: User | None, **_c) -> Effect:
    ticket.signed_at = now
    if given.owner is not None:
        ticket.owner = assignable(given.owner, ticket.department)
    elif ticket.owner_id is None and actor is not None and actor.has_role(RoleCode.HANDLER):
        ticket.owner = actor
    if ticket.owner_id and ticket.owner_id != getattr(actor, "pk", None):
        return Effect(notify=[ticket.owner])
    return Effect()


def _return(ticket: Ticket, given: Given, *, to_status: Status, **_context) -> Effect:
    _binding_ruling(ticket)
    ticket.return_count += 1
    data = {"department": ticket.department.name if ticket.department else ""}
    notify = office_people() if to_status == Status.ARBITRATION else [ticket.first_responder]
    ticket.owner = None
    return Effect(data=data, notify=notify)


def _start(ticket: Ticket, given: Given, *, actor: User | None, **_context) -> Effect:
    if given.owner is not None:
        ticket.owner = assignable(given.owner, ticket.department)
        return Effect(notify=[ticket.owner])
    if ticket.owner_id is None:
        ticket.owner = actor
    return Effect()


def _resolve(ticket: Ticket, given: Given, *, now: datetime, **_context) -> Effect:
    open_children = ticket.children.exclude(status__in=[*FINAL_STATUSES, *AWAITING_CUSTOMER])
    if open_children.exists():
        raise ValidationError(
            {
                "action": ValidationError(
                    _("Co-handling orders are still open: %(numbers)s")
                    % {"numbers": "、".join(open_children.values_list("number", flat=True))},
                    code="children_open",
                )
            }
        )
    ticket.resolution = given.resolution
    ticket.resolved_at = now
    return Effect(note=given.resolution, notify=[ticket.first_responder])


def _suspend_or_resume(ticket: Ticket, given: Given, **_context) -> Effect:
    return Effect(notify=[ticket.owner, ticket.first_responder])


def _close(ticket: Ticket, given: Given, *, now: datetime, **_context) -> Effect:
    ticket.closed_at = now
    return Effect()


def _reopen(ticket: Ticket, given: Given, **_context) -> Effect:
    ticket.reopen_count += 1
    ticket.resolved_at = None
    ticket.closed_at = None
    return Effect(notify=[ticket.owner, *department_people(ticket.department)])


def _cancel(ticket: Ticket, given: Given, **_context) -> Effect:
    return Effect(notify=[ticket.owner])


def _request_visit(ticket: Ticket, given: Given, **_context) -> Effect:
    return Effect()


_EFFECTS: dict[Action, Callable[..., Effect]] = {
    Action.SETTLE: _settle,
    Action.DISPATCH: _dispatch,
    Action.SIGN: _sign,
    Action.RETURN: _return,
    Action.RULE: _rule,
    Action.TRANSFER: _transfer,
    Action.START: _start,
    Action.RESOLVE: _resolve,
    Action.SUSPEND: _suspend_or_resume,
    Action.RESUME: _suspend_or_resume,
    Action.REQUEST_VISIT: _request_visit,
    Action.CLOSE: _close,
    Action.REOPEN: _reopen,
    Action.CANCEL: _cancel,
}
