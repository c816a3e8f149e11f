"""What every writer of a case file shares: the locks, the check that the work order is
still open, the line on its timeline, notifications and amounts of money."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from kefu.complaints.models import ComplaintCase
from kefu.notify.models import NotificationKind
from kefu.notify.services import notify_users
from kefu.org.models import User
from kefu.org.roles import RoleCode
from kefu.tickets.models import EventKind, Ticket
from kefu.tickets.services import timeline_append
from kefu.tickets.states import FINAL_STATUSES


def case_url(case: ComplaintCase) -> str:
    return reverse("complaints:detail", args=[case.pk])


def case_note(case: ComplaintCase, *, actor, now: datetime, text: str, **data) -> None:
    """One internal line on the work order's timeline (never shown to the customer)."""
    timeline_append(
        ticket=case.ticket,
        kind=EventKind.NOTE,
        actor=actor,
        note=text,
        public=False,
        data={"complaint": case.register_no, **data},
        now=now,
    )


def case_lock(case: ComplaintCase) -> ComplaintCase:
    """Lock the work order first (the order every ticket change takes), then the case."""
    Ticket.objects.select_for_update(of=("self",)).only("pk").get(pk=case.ticket_id)
    return (
        ComplaintCase.objects.select_for_update(of=("self",))
        .select_related("ticket__department", "ticket__ticket_type", "ticket__category")
        .get(pk=case.pk)
    )


def require_open(case: ComplaintCase) -> None:
    """Refuse to change the case file of a closed work order."""
    if case.ticket.status in FINAL_STATUSES:
        raise ValidationError(
            {
                "case": ValidationError(
                    _("The work order is closed: the case file can no longer be changed."),
                    code="case_file_closed",
                )
            }
        )


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def money(value, field: str, *, required: bool) -> Decimal | None:
    """*value* as an amount in cents, greater than zero; a ``ValidationError`` on *field*."""
    if value in (None, ""):
        if required:
            raise ValidationError({field: ValidationError(_("Enter an amount."), code="required")})
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {field: ValidationError(_("Enter a number."), code="invalid")}
        ) from None
    if amount <= 0:
        raise ValidationError(
            {
                field: ValidationError(
                    _("The amount must be greater than zero."), code="amount_not_positive"
                )
            }
        )
    return amount


def general_managers() -> list[User]:
    return list(User.objects.active().filter(roles__code=RoleCode.GENERAL_MANAGER).distinct())


def case_subject(case) -> str:
    """How a notice names the case: 投诉 261231."""
    return _("Complaint %(number)s") % {"number": case.register_no}


def notify(
    users, text: str, url: str, *, kind: str = NotificationKind.GENERAL, subject: str = ""
) -> None:
    """In-app notifications, written in the caller's transaction."""
    notify_users(
        [u for u in users if u is not None], text=text, url=url, kind=kind, subject=subject
    )
