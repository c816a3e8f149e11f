"""The caller's identity on an order, and its sealing: a tip-off's reporter is kept off the
order's row (and so off its pages, SMS, lists, exports, timeline and API); the complaints
app keeps it sealed in its own table.

What identifies the reporter: the contact fields (:data:`IDENTITY_FIELDS`), the customer
file, every category field (``extra``) whose definition does not say
``"identifies_reporter": false``, and the names of the files the reporter gave. Sealing
every category field unless the category says otherwise is the safe default: a field
such as 被举报单位 (what is reported, not who reports) can be left readable for handling by
marking it, while a new field nobody thought about is sealed.
"""

from __future__ import annotations

from datetime import datetime

from django.apps import apps as django_apps
from django.utils.translation import gettext as _

from kefu.tickets import lifecycle, rules
from kefu.tickets.models import Category, Ticket

IDENTITY_FIELDS = (
    "contact_name",
    "contact_phone",
    "calling_number",
    "call_recording_ref",
    "address",
)


def extra_identifies_reporter(spec: dict) -> bool:
    """Whether a category field's value identifies a tip-off's reporter (sealed unless the
    field's definition says ``"identifies_reporter": false``)."""
    return spec.get("identifies_reporter", True) is not False


def _extra_split(category: Category, extra: dict) -> tuple[dict, dict]:
    """``extra`` as (readable, sealed): values of undefined fields are sealed too."""
    specs = {spec.get("name"): spec for spec in category.extra_fields or []}
    readable, sealed = {}, {}
    for name, value in (extra or {}).items():
        spec = specs.get(name)
        if spec is not None and not extra_identifies_reporter(spec):
            readable[name] = value
        else:
            sealed[(spec or {}).get("label") or name] = value
    return readable, sealed


def ticket_identity(*, ticket: Ticket) -> dict:
    """Who the order says the caller is: the filled identity fields, the category fields
    that identify the reporter (by label) and the customer file it is linked to. Sealing
    takes exactly these off the order."""
    identity = {name: getattr(ticket, name) for name in IDENTITY_FIELDS if getattr(ticket, name)}
    _readable, sealed_extra = _extra_split(ticket.category, ticket.extra)
    if sealed_extra:
        identity["extra"] = sealed_extra
    if ticket.customer_id:
        identity["customer_id"] = ticket.customer_id
        identity["customer_name"] = str(ticket.customer)
    return identity


def identity_seal(*, draft: Ticket) -> None:
    """Clear :func:`ticket_identity` off the ``draft`` (unsaved at intake; an existing
    row when older orders are sealed) and mark the order sealed (a lifecycle participant
    asks for it with ``Preparation.seal_identity``)."""
    for name in IDENTITY_FIELDS:
        setattr(draft, name, "")
    draft.extra, _sealed = _extra_split(draft.category, draft.extra)
    draft.customer = None
    draft.customer_grade = ""
    draft.grade_rank = rules.grade_rank("")
    draft.identity_sealed = True


def identity_keep(*, ticket: Ticket, identity: dict, now: datetime) -> None:
    """More of a sealed order's reporter identity came in after intake (a file's original
    name, the number of a repeat call, an email's sender): hand it to the lifecycle
    participants that keep sealed identities; the order never holds it."""
    lifecycle.identity_keep(ticket=ticket, identity=identity, now=now)


def sealed_file_name(*, ticket: Ticket, original: str) -> str:
    """The name a file of a sealed order is stored and shown under: 附件N.ext, numbered in
    the order's files, keeping only the original's type."""
    return _neutral_name(ticket.attachments.count() + 1, original)


def _neutral_name(number: int, original: str) -> str:
    suffix = ("." + original.rsplit(".", 1)[-1].lower()) if "." in original else ""
    return _("Attachment %(number)d") % {"number": number} + suffix


# an order's timeline keeps these in an event's data: a caller's number, a sender
_CONTACT_KEYS = ("calling_number", "from")


def identity_take(*, ticket, data: dict, now: datetime, registry=django_apps) -> dict:
    """Seal an order written without sealing (taken before a field was sealed, or inserted
    in bulk past intake): take its reporter's identity off the row, its files' names and
    its timeline, write a line saying so (with ``data``), and return what was taken.

    For the data migration as well as for the running code: ``ticket`` may be a
    migration's historical model, whose models come from ``registry``; no model method is
    used. Call inside a transaction, with the order locked."""
    Attachment = registry.get_model("tickets", "Attachment")
    TicketEvent = registry.get_model("tickets", "TicketEvent")
    identity = ticket_identity(ticket=ticket)
    if ticket.customer_id:
        identity["customer_name"] = ticket.customer.name  # no __str__ on historical models
    files = []
    for number, attachment in enumerate(
        Attachment.objects.filter(ticket=ticket).order_by("pk"), start=1
    ):
        original, attachment.name = attachment.name, _neutral_name(number, attachment.name)
        if attachment.event_id:
            TicketEvent.objects.filter(pk=attachment.event_id, note=original).update(
                note=attachment.name
            )
        attachment.save(update_fields=["name"])  # the stored file keeps its path
        files.append({"name": attachment.name, "original": original})
    contacts: list[str] = []
    for event in TicketEvent.objects.filter(ticket=ticket):
        found = {key: event.data[key] for key in _CONTACT_KEYS if (event.data or {}).get(key)}
        if found:
            contacts.extend(found.values())
            event.data = {**event.data, **dict.fromkeys(found, "")}
            event.save(update_fields=["data"])
    identity_seal(draft=ticket)
    ticket.save(
        update_fields=[
            *IDENTITY_FIELDS,
            "extra",
            "customer",
            "customer_grade",
            "grade_rank",
            "identity_sealed",
        ]
    )
    TicketEvent.objects.create(
        ticket=ticket,
        kind="note",
        note=_("The reporter's identity was sealed (address, category fields and file names)."),
        public=False,
        data=data,
        created_at=now,
    )
    if files:
        identity["attachments"] = files
    if contacts:
        identity["contacts"] = contacts
    return identity
