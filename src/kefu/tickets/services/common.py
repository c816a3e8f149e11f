"""What every writer of work orders shares: the row lock, links, notifications."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kefu.core.tree import subtree_q
from kefu.notify.models import NotificationKind
from kefu.notify.services import notify_users
from kefu.org.models import Department, User
from kefu.org.roles import RoleCode
from kefu.tickets import rules
from kefu.tickets.models import Ticket
from kefu.tickets.states import Status

# Statuses shown to the customer in the progress lookup.
PUBLIC_STATUSES = {
    Status.RECEIVED,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.RESOLVED,
    Status.CLOSED,
    Status.REOPENED,
    Status.CANCELLED,
}


def ticket_lock(*, ticket: Ticket) -> Ticket:
    """The order, read again and locked until the transaction ends.

    Every writer of an order takes this lock first, then the rows of its own app that
    belong to the order (deadlines, the complaint case …): one lock order, no deadlocks.
    Call inside a transaction.
    """
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("department", "category", "ticket_type", "first_responder", "owner")
        .get(pk=ticket.pk)
    )


def ticket_url(ticket: Ticket) -> str:
    return reverse("tickets:detail", args=[ticket.pk])


def notify_people(
    users: Iterable[User | None],
    text: str,
    ticket: Ticket,
    kind: str = NotificationKind.GENERAL,
) -> None:
    """In-app notifications about the order, written in the caller's transaction: they stand
    or fall with the move that causes them. ``None`` (no handler yet) is skipped."""
    users = list(users)
    if users:
        notify_users(users, text=text, url=ticket_url(ticket), kind=kind, subject=ticket.number)


def department_people(department: Department | None) -> list[User]:
    """The active handlers and heads of ``department`` and its sub-departments."""
    if department is None:
        return []
    return list(
        User.objects.filter(
            subtree_q("department", department),
            is_active=True,
            roles__code__in=[RoleCode.HANDLER, RoleCode.DEPARTMENT_HEAD],
        ).distinct()
    )


def office_people() -> list[User]:
    return list(User.objects.filter(is_active=True, department__kind="office"))


def sms_context(ticket: Ticket) -> dict:
    responder = ticket.first_responder
    return {
        "number": ticket.number,
        "customer": ticket.contact_name or _("customer"),
        "agent_no": responder.employee_no if responder and responder.employee_no else "",
        "status": ticket.get_status_display(),
        "result": ticket.resolution,
    }


def limits() -> rules.Limits:
    """The size limits of a work order, from the settings."""
    return rules.Limits(
        description=settings.KEFU_TICKET_DESCRIPTION_MAX_CHARS,
        note=settings.KEFU_TICKET_NOTE_MAX_CHARS,
        extra_bytes=settings.KEFU_TICKET_EXTRA_MAX_BYTES,
        extra_keys=settings.KEFU_TICKET_EXTRA_MAX_KEYS,
        extra_value=settings.KEFU_TICKET_EXTRA_VALUE_MAX_CHARS,
    )


def notes_check(**notes: str) -> None:
    """Refuse any timeline text (``reason=…``, ``note=…``) over the note limit, naming it."""
    limit = limits().note
    labels = {
        "note": pgettext("work order", "Note"),
        "reason": pgettext("work order", "Reason"),
        "resolution": pgettext("work order", "Result"),
    }
    errors = {
        field: ValidationError(message, code="max_length")
        for field, text in notes.items()
        if (message := rules.too_long(str(labels.get(field, field)), text or "", limit))
    }
    if errors:
        raise ValidationError(errors)
