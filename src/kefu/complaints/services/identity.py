"""A tip-off's sealed reporter (举报人身份): read and corrected by confidential handlers
only, completed from later contacts, every access logged — refusals too."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.complaints import crypto
from kefu.complaints.models import (
    ComplaintCase,
    IdentityAccess,
    IdentityAccessKind,
    ReporterIdentity,
)
from kefu.complaints.permissions import is_confidential_handler
from kefu.complaints.sealing import anonymous, identity_merge
from kefu.tickets.models import Ticket


def _refuse_unless_confidential(case, actor, *, channel: str, address, now) -> None:
    """Anyone but a confidential handler is refused, and the refusal is logged (written
    outside any transaction of the caller's that the refusal rolls back)."""
    if not is_confidential_handler(actor):
        _log(case, actor, IdentityAccessKind.REFUSED, channel=channel, address=address, now=now)
        raise PermissionDenied(_("Only the confidential handlers may see the reporter."))


def _log(case, user, kind, *, channel: str, purpose: str = "", address=None, now=None) -> None:
    IdentityAccess.objects.create(
        case=case,
        user=user if user is not None and user.is_authenticated else None,
        kind=kind,
        purpose=purpose[:200],
        channel=channel,
        address=address,
        at=now or timezone.now(),
    )


def identity_reveal(
    *,
    case: ComplaintCase,
    actor,
    purpose: str,
    channel: str,
    address: str | None = None,
    now: datetime | None = None,
) -> dict:
    """The reporter's identity for a confidential handler, logged with the purpose.
    Anyone else is refused, and the refusal is logged too."""
    now = now or timezone.now()
    if not case.is_tip_off:
        raise ValidationError(
            {
                "case": ValidationError(
                    _("Only tip-offs have a sealed reporter identity."), code="not_tip_off"
                )
            }
        )
    _refuse_unless_confidential(case, actor, channel=channel, address=address, now=now)
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError(
            {
                "purpose": ValidationError(
                    _("Say why you need the reporter's identity."), code="required"
                )
            }
        )
    record = ReporterIdentity.objects.get(case=case)
    # the reading is logged before the identity is decrypted, in its own transaction
    _log(
        case,
        actor,
        IdentityAccessKind.VIEWED,
        channel=channel,
        purpose=purpose,
        address=address,
        now=now,
    )
    try:
        identity = crypto.unseal(record.sealed)
    except crypto.UnreadableIdentity:
        raise ValidationError(
            {
                "case": ValidationError(
                    _("The identity was sealed with a key this server does not have."),
                    code="identity_unreadable",
                )
            }
        ) from None
    return {"anonymous": record.anonymous, **identity}


def identity_add(*, ticket: Ticket, identity: dict, now: datetime) -> None:
    """Seal more of a tip-off's reporter with its identity (a file's original name, the
    number of a repeat call …); inside the order's transaction. Logged like intake."""
    case = ComplaintCase.objects.filter(ticket=ticket).first()
    if case is None and ticket.parent_id:  # a co-handling order: its parent's case
        case = ComplaintCase.objects.filter(ticket_id=ticket.parent_id).first()
    if case is None:
        return  # not a tip-off with a case file: nothing keeps it, and the order never did
    record, _created = ReporterIdentity.objects.select_for_update().get_or_create(
        case=case, defaults={"updated_at": now}
    )
    try:
        sealed = crypto.unseal(record.sealed)
    except crypto.UnreadableIdentity:
        sealed = {"unreadable": record.sealed}
    sealed = identity_merge(sealed, identity)
    record.sealed = crypto.seal(sealed) if sealed else ""
    record.anonymous = anonymous(sealed)
    record.updated_at = now
    record.save()
    _log(case, None, IdentityAccessKind.SEALED, channel="intake", now=now)


def identity_update(
    *,
    case: ComplaintCase,
    actor,
    contact_name: str = "",
    contact_phone: str = "",
    note: str = "",
    channel: str = "page",
    address: str | None = None,
    now: datetime | None = None,
) -> ReporterIdentity:
    """A confidential handler records or corrects the reporter's identity (e.g. when an
    anonymous reporter calls back and gives a number). Logged like a reading."""
    now = now or timezone.now()
    _refuse_unless_confidential(case, actor, channel=channel, address=address, now=now)
    with transaction.atomic():
        return _identity_write(
            case, actor, contact_name, contact_phone, note, channel, address, now
        )


def _identity_write(case, actor, contact_name, contact_phone, note, channel, address, now):
    from kefu.org.models import phone_validator

    if (contact_phone or "").strip():
        try:
            phone_validator(contact_phone.strip())
        except ValidationError as exc:
            # the validator's own code ("invalid") travels with it
            raise ValidationError({"contact_phone": exc}) from None
    record = ReporterIdentity.objects.select_for_update().get(case=case)
    try:
        identity = crypto.unseal(record.sealed)
    except crypto.UnreadableIdentity:
        identity = {}
    for key, value in (
        ("contact_name", contact_name),
        ("contact_phone", contact_phone),
        ("note", note),
    ):
        value = (value or "").strip()
        if value:
            identity[key] = value
        else:
            identity.pop(key, None)
    record.sealed = crypto.seal(identity) if identity else ""
    record.anonymous = anonymous(identity)
    record.updated_at = now
    record.save()
    _log(
        case,
        actor,
        IdentityAccessKind.CHANGED,
        channel=channel,
        purpose=_("identity changed"),
        address=address,
        now=now,
    )
    return record
