"""Reopen until satisfied: an unsatisfied customer reopens the order, escalated one level
per round, unless a head closes it with a written justification."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.followups import rules
from kefu.followups.models import (
    ReturnVisit,
    VisitKind,
    VisitStatus,
)
from kefu.followups.permissions import (
    may_close_dissatisfied,
)
from kefu.followups.rules import Verdict
from kefu.followups.services.common import (
    check_pending,
    heads_of,
    lock_visit,
    move_ticket,
    notify,
    refuse,
)
from kefu.notify.models import NotificationKind
from kefu.org.models import Department, User
from kefu.org.roles import RoleCode
from kefu.tickets import services as ticket_services
from kefu.tickets.states import Action


def reopen(visit: ReturnVisit, *, actor, words: str, now: datetime) -> None:
    ticket = visit.ticket
    level = ReturnVisit.objects.filter(
        ticket=ticket, kind=VisitKind.AFTER_TICKET, verdict=Verdict.DISSATISFIED
    ).count()
    problem = move_ticket(
        ticket,
        action=Action.REOPEN,
        actor=actor,
        reason=_("Return visit: the customer is not satisfied (re-handling %(n)d): %(words)s")
        % {"n": level, "words": words},
        now=now,
    )
    if problem:
        visit.note = problem[:200]
        visit.save(update_fields=["note"])
        return
    # escalate one level per dissatisfied round: the department's heads, then its parent's …
    recipients: list[User] = []
    target_name = ""
    if ticket.department is not None:
        ids = ticket.department.ancestor_ids()
        step = level
        while not recipients:
            target = rules.escalation_chain(ids, step)
            if target is None:
                break
            department = Department.objects.get(pk=target)
            recipients = heads_of(department)
            target_name = department.name
            step += 1
    if not recipients:
        recipients = list(
            User.objects.filter(is_active=True, roles__code=RoleCode.GENERAL_MANAGER).distinct()
        )
        target_name = str(_("general manager"))
    visit.escalated_to = (f"{target_name}：" + "、".join(str(u) for u in recipients))[:200]
    visit.save(update_fields=["escalated_to"])
    ticket_services.ticket_add_note(
        ticket=ticket,
        actor=actor,
        note=_("Re-handling %(n)d after an unsatisfied return visit; escalated to %(to)s.")
        % {"n": level, "to": visit.escalated_to},
        now=now,
    )
    notify(
        recipients,
        _("Escalated: the customer of %(number)s is not satisfied (re-handling %(n)d): %(words)s")
        % {"number": ticket.number, "n": level, "words": words},
        reverse("tickets:detail", args=[ticket.pk]),
        kind=NotificationKind.ESCALATION,
        subject=ticket.number,
    )


@transaction.atomic
def return_visit_close_dissatisfied(
    *, visit: ReturnVisit, actor: User, justification: str, now: datetime | None = None
) -> ReturnVisit:
    """客户不满意仍关闭: a head closes an order the customer is still not satisfied with,
    with a written justification. Shown in the reports, never silent."""
    now = now or timezone.now()
    visit = lock_visit(visit)
    if not may_close_dissatisfied(actor, visit):
        raise PermissionDenied(_("Only a head of the handling department may close it so."))
    check_pending(visit)
    justification = (justification or "").strip()
    if len(justification) < 10:
        raise refuse(
            visit,
            "justification",
            _("Write a justification of at least 10 characters: it is shown in the reports."),
            code="justification_too_short",
        )
    unhappy = ReturnVisit.objects.filter(
        ticket=visit.ticket, kind=VisitKind.AFTER_TICKET, verdict=Verdict.DISSATISFIED
    ).exists()
    if not unhappy:
        raise refuse(
            visit,
            "justification",
            _("The customer has not said they are dissatisfied: visit them first."),
            code="not_dissatisfied",
        )
    visit.status = VisitStatus.CLOSED_DISSATISFIED
    visit.justification = justification
    visit.completed_at = now
    visit.completed_by = actor
    visit.next_attempt_at = None
    visit.save()
    problem = move_ticket(
        visit.ticket,
        action=Action.CLOSE,
        actor=actor,
        reason=_("Closed although the customer is not satisfied: %(why)s") % {"why": justification},
        now=now,
    )
    if problem:
        raise ValidationError({"justification": ValidationError(problem, code="order_not_closed")})
    return visit
