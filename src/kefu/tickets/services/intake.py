"""Intake (受理): a new work order, from any channel."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kefu.notify.services import render_template_text, sms_queue_text, sms_template
from kefu.org.models import Department, User
from kefu.tickets import lifecycle, rules
from kefu.tickets.models import Category, EventKind, IdempotencyKey, Ticket
from kefu.tickets.selectors import vocabulary
from kefu.tickets.services import common
from kefu.tickets.services.common import sms_context
from kefu.tickets.services.identity import identity_seal
from kefu.tickets.services.routing import claim_queue_for, number_allocate
from kefu.tickets.services.timeline import timeline_append
from kefu.tickets.services.transitions import ticket_transition
from kefu.tickets.states import Action, Status


def ticket_create(
    *,
    actor: User | None,
    category: Category,
    channel: str,
    title: str,
    description: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    calling_number: str = "",
    call_recording_ref: str = "",
    address: str = "",
    customer_grade: str = "",
    priority: str | None = None,
    extra: dict | None = None,
    dispatch_to: Department | None = None,
    dispatch: bool = False,
    settle_with: str = "",
    customer=None,
    now: datetime | None = None,
    also: Callable[[Ticket], object] | None = None,
) -> Ticket:
    """Register a new work order (受理).

    The staff member who takes it is its first responder for good. With ``settle_with``
    the order is settled at first contact (一次办结); with ``dispatch`` (or ``dispatch_to``)
    it goes straight to the routed (or given) department. ``also(ticket)`` runs in the
    same transaction once the order is written: if it fails, no order is created.

    In order: the input is validated into an unsaved draft; the lifecycle participants
    prepare (:mod:`kefu.tickets.lifecycle`: the time limits are planned, a tip-off's
    reporter is taken off the draft); then, in one transaction, the number is issued, the
    order and its first timeline line are written, the participants react (deadlines, the
    complaint case file) and the acceptance SMS is queued. Reading and validating happen
    before the write transaction: on SQLite that transaction holds the database's single
    write lock (``BEGIN IMMEDIATE``), on PostgreSQL the number counter's row lock, and
    every concurrent intake waits for it.
    """
    now = now or timezone.now()
    draft = _draft(
        actor=actor,
        category=category,
        channel=channel,
        title=title,
        description=description,
        contact_name=contact_name,
        contact_phone=contact_phone,
        calling_number=calling_number,
        call_recording_ref=call_recording_ref,
        address=address,
        customer_grade=customer_grade,
        priority=priority,
        extra=extra,
        customer=customer,
        now=now,
    )
    prepared = lifecycle.prepare_creation(draft=draft, now=now)
    _apply(prepared, draft)
    received_sms = sms_template("ticket_received") if draft.contact_phone else None
    with transaction.atomic():
        ticket = _insert(draft, prepared=prepared, received_sms=received_sms)
        if settle_with:
            ticket = ticket_transition(
                ticket=ticket, action=Action.SETTLE, actor=actor, resolution=settle_with, now=now
            )
        elif dispatch or dispatch_to is not None:
            ticket = ticket_transition(
                ticket=ticket, action=Action.DISPATCH, actor=actor, department=dispatch_to, now=now
            )
        if also is not None:
            also(ticket)
    return ticket


# The channels kefu writes orders by itself (the public form, the mailbox, co-handling):
# they keep working when an administrator takes them off the intake page's list.
_SYSTEM_CHANNELS = frozenset({rules.Channel.WEB, rules.Channel.EMAIL, rules.Channel.INTERNAL})


def _known_grade(grade: str, grades) -> str | None:
    """*grade* as the configured list spells it ("" for none), None when it has no such
    grade; case does not matter ("a" is "A")."""
    grade = grade.strip()
    if not grade or grade in grades:
        return grade
    return next((code for code in grades if code.upper() == grade.upper()), None)


def _draft(
    *,
    actor,
    category: Category,
    channel: str,
    contact_name: str,
    contact_phone: str,
    customer_grade: str,
    priority: str | None,
    extra: dict | None,
    customer,
    now: datetime,
    **text: str,
) -> Ticket:
    """The validated, unsaved order; raises ``ValidationError`` naming every bad field."""
    if not category.is_active:
        raise ValidationError(
            {
                "category": ValidationError(
                    _("This category is no longer in use."), code="category_inactive"
                )
            }
        )
    vocab = vocabulary()
    if channel not in vocab.active_channels and channel not in _SYSTEM_CHANNELS:
        raise ValidationError(
            {
                "channel": ValidationError(
                    _("Choose one of the channels in use."), code="invalid_choice"
                )
            }
        )
    if channel in {rules.Channel.WEB, rules.Channel.EMAIL} and not (contact_phone or contact_name):
        raise ValidationError(
            {
                "contact_phone": ValidationError(
                    _("Give a phone number to reach the customer."), code="contact_required"
                )
            }
        )
    if customer is not None:
        # the archive's grade and name win over what was typed: queues order by it
        customer_grade = customer.grade if customer.grade in vocab.grades else ""
        contact_name = contact_name or customer.name
    grade = _known_grade(customer_grade or "", vocab.grades)
    if grade is None:
        raise ValidationError(
            {
                "customer_grade": ValidationError(
                    _("The customer grade must be one of: %(grades)s.")
                    % {"grades": "、".join(vocab.grades)},
                    code="invalid_choice",
                )
            }
        )
    priority = priority or category.default_priority
    draft = Ticket(
        ticket_type=category.ticket_type,
        category=category,
        channel=channel,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        customer_grade=grade,
        grade_rank=vocab.grade_rank(grade),
        priority=priority,
        priority_rank=rules.PRIORITY_RANK.get(priority, 2),
        extra={},
        first_responder=actor if actor is not None and actor.is_authenticated else None,
        sla_policy_code=category.sla_policy_code,
        customer=customer,
        created_at=now,
        number="pending",
        **{name: value.strip() for name, value in text.items()},
    )
    if draft.first_responder is None:
        draft.claim_department = claim_queue_for(channel)
    errors: dict[str, list[ValidationError]] = _size_errors(category, draft.description, extra)
    try:
        if "extra" not in errors:
            draft.extra = _validate_extra(category, extra or {})
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        # The related objects were handed in as loaded instances and the number is issued
        # on insert: checking those again would only add queries.
        draft.full_clean(exclude=_CREATE_TRUSTED, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    return draft


_CREATE_TRUSTED = [
    "number",
    "ticket_type",
    "category",
    "first_responder",
    "claim_department",
    "department",
    "owner",
    "parent",
    "merged_into",
]


def _size_errors(category: Category, description: str, extra) -> dict[str, list[ValidationError]]:
    """The size limits (``common.limits``) of the description and of the category fields
    as sent, before anything else reads them."""
    limits = common.limits()
    errors = {}
    message = rules.too_long(pgettext("work order", "Description"), description, limits.description)
    if message:
        errors["description"] = [ValidationError(message, code="max_length")]
    labels = {
        spec.get("name"): spec.get("label", spec.get("name"))
        for spec in category.extra_fields or []
    }
    for name, (message, code) in rules.extra_errors(
        {} if extra is None else extra, labels, limits
    ).items():
        errors[name] = [ValidationError(message, code=code)]
    return errors


def _validate_extra(category: Category, extra: dict) -> dict:
    cleaned = {}
    errors = {}
    for spec in category.extra_fields or []:
        name = spec.get("name")
        value = (extra or {}).get(name, "")
        value = value.strip() if isinstance(value, str) else value
        if spec.get("required") and value in ("", None):
            errors[f"extra_{name}"] = ValidationError(
                _("%(label)s is required for this category.") % {"label": spec.get("label", name)},
                code="required",
            )
        if value not in ("", None):
            cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _apply(prepared: lifecycle.Prepared, draft: Ticket) -> None:
    """What the participants asked to be written with the order itself."""
    if prepared.deadline is not None:
        draft.sla_policy_code = prepared.deadline.policy_code
        draft.next_due_at = prepared.deadline.next_due_at
        draft.due_sort = prepared.deadline.next_due_at or rules.NO_DEADLINE
    if prepared.seal_identity:
        identity_seal(draft=draft)


def _insert(draft: Ticket, *, prepared: lifecycle.Prepared, received_sms: str | None) -> Ticket:
    """Write the prepared order; call inside the transaction. ``received_sms`` is the
    acceptance SMS template's text, read before it (None: send none)."""
    ticket = draft
    now = ticket.created_at
    ticket.number = number_allocate(ticket_type=ticket.ticket_type, at=now)
    ticket.save(force_insert=True)
    timeline_append(
        ticket=ticket,
        kind=EventKind.CREATED,
        actor=ticket.first_responder,
        now=now,
        public=True,
        to_status=Status.RECEIVED,
        data={"channel": ticket.channel},
    )
    lifecycle.created(ticket=ticket, prepared=prepared, now=now)
    if ticket.contact_phone and received_sms is not None:
        sms_queue_text(
            phone=ticket.contact_phone,
            text=render_template_text(received_sms, sms_context(ticket)),
            template_code="ticket_received",
            params=sms_context(ticket),
            ticket=ticket,
        )
    return ticket


def request_hash(payload: dict) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def ticket_create_idempotent(
    *, actor: User, key: str, payload_hash: str, **fields
) -> tuple[Ticket, bool]:
    """Create once per (user, Idempotency-Key): a retry returns the first ticket.

    Returns ``(ticket, created)``. Reusing a key with a different request is refused.
    The key is written in the order's own transaction and is unique per user, so a retry
    (even one racing the first request) fails that insert, rolls its order back (number
    included) and answers with the first order. Retries are rare: looking the key up
    before every creation would cost every intake a query to save them a little work.
    """

    def remember(ticket: Ticket) -> None:
        IdempotencyKey.objects.create(user=actor, key=key, request_hash=payload_hash, ticket=ticket)

    try:
        return ticket_create(actor=actor, also=remember, **fields), True
    except IntegrityError:
        existing = (
            IdempotencyKey.objects.filter(user=actor, key=key).select_related("ticket").first()
        )
        if existing is None:  # the failure was not the key's
            raise
    if existing.request_hash != payload_hash:
        raise ValidationError(
            {
                "idempotency_key": ValidationError(
                    _("This Idempotency-Key was already used for a different request."),
                    code="idempotency_key_reused",
                )
            }
        )
    return existing.ticket, False
