"""Return visits created when a work order is resolved, and ended when it moves on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.tree import subtree_q
from kefu.followups import rules
from kefu.followups.models import (
    AssignTo,
    FollowupSettings,
    ReturnVisit,
    ReturnVisitPolicy,
    VisitKind,
    VisitStatus,
)
from kefu.followups.services.common import (
    calendar_of,
    is_mobile,
    notify,
    policy_for,
    settings_get,
    visit_url,
)
from kefu.followups.services.survey_links import link_send_sms
from kefu.notify.models import NotificationKind
from kefu.org.models import Department, User
from kefu.tickets.models import Ticket
from kefu.tickets.states import Action


def _due(ticket: Ticket, policy: ReturnVisitPolicy | None, now: datetime):
    """(due_at, provisional, source): the category's own rule, else the SLA policy's
    return-visit limit that started at the resolution, else the type's default."""
    if policy is not None and policy.due_amount is not None:
        rule = rules.DueRule(policy.due_amount, policy.due_unit, policy.calendar_code)
        deadline = rules.visit_due(now, rule, calendar_of(rule.calendar))
        return deadline.due, deadline.provisional, _("category policy")
    from kefu.sla.models import TicketDeadline

    row = (
        TicketDeadline.objects.filter(
            ticket=ticket, kind="return_visit", met_at__isnull=True, due_at__isnull=False
        )
        .order_by("due_at")
        .first()
    )
    if row is not None:
        return (
            row.due_at,
            row.provisional,
            _("SLA policy %(code)s") % {"code": ticket.sla_policy_code},
        )
    rule = rules.default_due_rule(ticket.ticket_type.code)
    deadline = rules.visit_due(now, rule, calendar_of(rule.calendar))
    return deadline.due, deadline.provisional, _("default")


def _team_members(team: Department | None, exclude: Iterable[int | None]) -> list[User]:
    if team is None:
        return []
    return list(
        User.objects.filter(subtree_q("department", team), is_active=True)
        .exclude(pk__in=[pk for pk in exclude if pk])
        .annotate(load=Count("return_visits", filter=Q(return_visits__status=VisitStatus.PENDING)))
        .order_by("load", "id")
    )


def _pick_visitor(ticket: Ticket, policy: ReturnVisitPolicy | None, config: FollowupSettings):
    """(assignee, team): never the handler by default."""
    handler_id = ticket.owner_id
    responder = ticket.first_responder
    if policy is not None and policy.assign_to == AssignTo.FIRST_RESPONDER and responder:
        return responder, config.team
    members = _team_members(config.team, exclude=[handler_id])
    if members:
        return members[0], config.team
    if responder is not None and responder.pk != handler_id and responder.is_active:
        return responder, config.team
    return None, config.team


def _create_visit(ticket: Ticket, *, now: datetime, policy: ReturnVisitPolicy | None):
    if ReturnVisit.objects.filter(
        ticket=ticket, kind=VisitKind.AFTER_TICKET, status=VisitStatus.PENDING
    ).exists():
        return None
    config = settings_get()
    due_at, provisional, source = _due(ticket, policy, now)
    assignee, team = _pick_visitor(ticket, policy, config)
    visit = ReturnVisit(
        ticket=ticket,
        kind=VisitKind.AFTER_TICKET,
        round=ticket.return_visits.filter(kind=VisitKind.AFTER_TICKET).count() + 1,
        due_at=due_at,
        provisional=provisional,
        due_source=source,
        assignee=assignee,
        team=team,
        department=ticket.department,
        category=ticket.category,
        handler=ticket.owner,
        created_at=now,
    )
    visit.full_clean(exclude=["ticket", "category", "department", "handler", "assignee", "team"])
    visit.save()
    notify(
        [assignee],
        _("Return visit due %(due)s: %(number)s %(title)s")
        % {
            "due": timezone.localtime(due_at).strftime("%m-%d %H:%M"),
            "number": ticket.number,
            "title": ticket.title,
        },
        visit_url(visit),
        kind=NotificationKind.TASK,
        subject=ticket.number,
    )
    if policy is not None and policy.send_survey_link and is_mobile(ticket.contact_phone):
        link_send_sms(visit, actor=None, base_url=config.public_base_url, now=now, config=config)
    return visit


TIP_OFF = "tip_off"


def on_ticket_moved(ticket: Ticket, *, action: str, actor, now: datetime) -> None:
    """The order moved (``kefu.followups.lifecycle``): a resolution creates the return
    visit; closing, reopening or cancelling ends the pending one (kept, marked not
    visited). A visit whose result closes or reopens the order is finished before the order
    moves, so it is no longer pending then and keeps its result."""
    if ticket.parent_id is not None:
        return  # co-handling orders: the customer is visited about the parent order
    if ticket.ticket_type.code == TIP_OFF:
        # a tip-off's reporter is sealed away from the order: no visitor may call them;
        # the confidential handler answers the reporter (kefu.complaints)
        return
    if action in {Action.RESOLVE, Action.SETTLE, Action.REQUEST_VISIT}:
        policy = policy_for(ticket.category)
        if action == Action.SETTLE and policy is None:
            return  # settled at first contact: the customer had the answer on the line
        if policy is not None and not policy.required and action != Action.REQUEST_VISIT:
            return
        _create_visit(ticket, now=now, policy=policy)
        return
    if action in {Action.CLOSE, Action.REOPEN, Action.CANCEL}:
        label = Action(action).label
        who = str(actor) if actor is not None else _("the system")
        for visit in ReturnVisit.objects.select_for_update().filter(
            ticket=ticket, kind=VisitKind.AFTER_TICKET, status=VisitStatus.PENDING
        ):
            visit.status = VisitStatus.CANCELLED
            visit.completed_at = now
            visit.completed_by = actor
            visit.note = (
                _("The order was “%(action)s” by %(who)s before the visit.")
                % {
                    "action": label,
                    "who": who,
                }
            )[:200]
            visit.next_attempt_at = None
            visit.save()
