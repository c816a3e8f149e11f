"""Sealing the reporters of tip-offs that were written without it: orders taken before
the reporter's address, category fields and file names were sealed, or inserted in bulk
(imports, the demo's history). The data migration and the demo loader run it.

It reads models through an app registry (``django.apps.apps``, or the registry a data
migration is given) and so uses no model method. The order itself (its row, files and
timeline) is cleaned by tickets (``identity_take``); this module opens the case file when
the order has none and seals what was taken.
"""

from __future__ import annotations

from datetime import datetime

from django.apps import apps as django_apps
from django.db import transaction
from django.utils import timezone

from kefu.complaints import crypto, rules
from kefu.core.counters import counter_next
from kefu.tickets.services import identity_take

CHANNEL = "backfill"
BATCH = 200


def identity_merge(identity: dict, more: dict) -> dict:
    """``identity`` with ``more`` added: lists are extended, mappings merged, and a value
    already sealed is never overwritten."""
    merged = dict(identity)
    for key, value in more.items():
        if value in ("", None, [], {}):
            continue
        if isinstance(value, list):
            merged[key] = [*merged.get(key, []), *value]
        elif isinstance(value, dict):
            merged[key] = {**value, **merged.get(key, {})}
        else:
            merged.setdefault(key, value)
    return merged


def anonymous(identity: dict) -> bool:
    """Whether a sealed identity holds no way to know or reach the reporter."""
    return not any(
        identity.get(key)
        for key in ("contact_name", "contact_phone", "calling_number", "customer_name", "contacts")
    )


def tip_offs_seal(*, registry=django_apps, now: datetime | None = None) -> int:
    """Seal every tip-off order whose reporter is not sealed yet; returns how many.

    Each order gets what intake gives a tip-off: its identity (contact fields, address,
    identifying category fields, customer link) taken off the row and sealed with its case
    file, which is opened with a register number of the order's month when the order has
    none; its files renamed 附件N and their original names sealed; numbers and senders
    taken off its timeline. Each sealing is logged like intake's. Runs in batches, each in
    its own transaction; running it again changes nothing.
    """
    now = now or timezone.now()
    Ticket = registry.get_model("tickets", "Ticket")
    pending = Ticket.objects.filter(ticket_type__code="tip_off", identity_sealed=False)
    done = 0
    while True:
        with transaction.atomic():
            batch = list(
                pending.select_for_update(of=("self",))
                .select_related("category", "customer")
                .order_by("pk")[:BATCH]
            )
            for ticket in batch:
                _seal_one(registry, ticket, now)
        done += len(batch)
        if len(batch) < BATCH:
            return done


def _seal_one(registry, ticket, now: datetime) -> None:
    case = _case_of(registry, ticket, now)
    identity = identity_take(
        ticket=ticket, data={"complaint": case.register_no}, now=now, registry=registry
    )
    ReporterIdentity = registry.get_model("complaints", "ReporterIdentity")
    record = ReporterIdentity.objects.filter(case=case).first()
    if record is None:
        record = ReporterIdentity(case=case, sealed="")
    try:
        sealed = crypto.unseal(record.sealed)
    except crypto.UnreadableIdentity:
        sealed = {"unreadable": record.sealed}  # kept, not lost: an old key may return
    sealed = identity_merge(sealed, identity)
    record.sealed = crypto.seal(sealed) if sealed else ""
    record.anonymous = anonymous(sealed)
    record.updated_at = now
    record.save()
    registry.get_model("complaints", "IdentityAccess").objects.create(
        case=case, user=None, kind="sealed", channel=CHANNEL, at=now
    )


def _case_of(registry, ticket, now: datetime):
    """The order's case file, its parent's (a co-handling order), or a new one."""
    ComplaintCase = registry.get_model("complaints", "ComplaintCase")
    for ticket_id in (ticket.pk, ticket.parent_id):
        case = ComplaintCase.objects.filter(ticket_id=ticket_id).first() if ticket_id else None
        if case is not None:
            return case
    conf, _created = registry.get_model("complaints", "ComplaintSettings").objects.get_or_create(
        pk=1
    )
    month = rules.month_of(timezone.localdate(ticket.created_at))
    serial = counter_next(
        registry.get_model("complaints", "RegisterCounter"),
        rules.counter_key(rules.Series.TIP_OFF, month),
    )
    return ComplaintCase.objects.create(
        ticket=ticket,
        series=rules.Series.TIP_OFF,
        # numbers issued afterwards never refuse: the order exists already
        register_no=rules.register_number(
            prefix=conf.tip_off_prefix,
            month=month,
            serial=serial,
            width=conf.number_width,
            overflow=rules.Overflow.WIDEN,
        ),
        month=month,
        serial=serial,
        severity=rules.initial_severity(ticket.priority),
        created_at=ticket.created_at,
    )
