"""What the return-visit writers share: the settings row, the calendar, notifications, the
lock on a visit, refusals, and moving the order through the tickets' one transition."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from kefu.calendars.workcal import Calendar
from kefu.followups.models import (
    FollowupSettings,
    ReturnVisit,
    ReturnVisitPolicy,
    VisitStatus,
)
from kefu.notify.models import NotificationKind
from kefu.notify.services import notify_users
from kefu.org.models import Department, User
from kefu.org.roles import RoleCode
from kefu.tickets import services as ticket_services
from kefu.tickets.models import Category, Ticket
from kefu.tickets.permissions import may_take

log = logging.getLogger(__name__)


def settings_get() -> FollowupSettings:
    row, _created = FollowupSettings.objects.get_or_create(pk=1)
    return row


def calendar_of(code: str) -> Calendar:
    from kefu.calendars.selectors import CalendarNotFound, calendar_for

    try:
        return calendar_for(code)
    except CalendarNotFound:
        return Calendar(code=code)  # the weekly pattern alone: results are provisional


def visit_url(visit: ReturnVisit) -> str:
    return reverse("followups:detail", args=[visit.pk])


def notify(
    users: Iterable[User | None],
    text: str,
    url: str,
    *,
    kind: str = NotificationKind.GENERAL,
    subject: str = "",
) -> None:
    """In-app notifications, written in the caller's transaction."""
    notify_users(
        [u for u in users if u is not None], text=text, url=url, kind=kind, subject=subject
    )


def lock_visit(visit: ReturnVisit) -> ReturnVisit:
    return (
        ReturnVisit.objects.select_for_update(of=("self",))
        .select_related("ticket", "department", "team", "handler", "assignee")
        .get(pk=visit.pk)
    )


def refuse(visit, field: str, message: str, *, code: str, **log_fields) -> ValidationError:
    """The error refusing a write to *visit* for *field* (logged, so refusals can be traced)."""
    log.warning("return visit %s refused: %s=%s %s", visit.pk, field, message, log_fields)
    return ValidationError({field: ValidationError(message, code=code)})


def check_pending(visit: ReturnVisit) -> None:
    if visit.status != VisitStatus.PENDING:
        raise refuse(
            visit,
            "visit",
            _("This return visit is already finished (%(status)s).")
            % {"status": visit.get_status_display()},
            code="visit_finished",
        )


def move_ticket(ticket: Ticket, *, action: str, actor, reason: str, now: datetime) -> str:
    """Move the order; returns "" or the reason it could not be moved (the visit's result
    stands either way, and the first responder finishes the order by hand)."""
    doer = actor if actor is not None and may_take(actor, ticket, action) else None
    try:
        with transaction.atomic():
            ticket_services.ticket_transition(
                ticket=ticket, action=action, actor=doer, reason=reason, now=now
            )
    except (ValidationError, PermissionDenied) as exc:
        return " ".join(getattr(exc, "messages", [str(exc)]))
    return ""


def heads_of(department: Department | None) -> list[User]:
    if department is None:
        return []
    return list(
        User.objects.filter(
            is_active=True, department=department, roles__code=RoleCode.DEPARTMENT_HEAD
        ).distinct()
    )


def is_mobile(phone: str) -> bool:
    return bool(phone) and len(phone) == 11 and phone.startswith("1") and phone.isdigit()


def policy_for(category: Category) -> ReturnVisitPolicy | None:
    """The policy of the category or of its nearest ancestor that has one."""
    ids = [int(p) for p in category.path.strip("/").split("/") if p]
    policies = {p.category_id: p for p in ReturnVisitPolicy.objects.filter(category_id__in=ids)}
    for category_id in reversed(ids):
        if category_id in policies:
            return policies[category_id]
    return None
