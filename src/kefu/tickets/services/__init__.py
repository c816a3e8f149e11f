"""Writes to work orders, one module per topic (as zulip's ``zerver/actions``):

* ``intake`` — ``ticket_create``: a new order, and what the lifecycle participants do then;
* ``transitions`` — ``ticket_transition``: the one place a status changes;
* ``handling`` — first responder, notes, urging, supervision, repeat calls, co-handling,
  merging, the reply to the customer, the customer file;
* ``timeline`` — the timeline, the deadline summary and system urges, which other apps
  write through these functions only;
* ``identity`` — the caller's identity on the order and its sealing;
* ``routing`` — numbers, routing rules and automatic assignment;
* ``attachments``, ``configuration`` — files; ticket types and categories.

Every writer runs in one transaction, locks the order's row first (``ticket_lock``),
writes the timeline line and the in-app notifications in the same transaction.
Import from here: ``from kefu.tickets.services import ticket_create``.
"""

from kefu.tickets.services.attachments import ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES, attachment_add
from kefu.tickets.services.common import (
    PUBLIC_STATUSES,
    department_people,
    office_people,
    ticket_lock,
    ticket_url,
)
from kefu.tickets.services.configuration import (
    category_create,
    category_update,
    channel_create,
    channel_update,
    channels_ensure,
    ticket_types_ensure,
)
from kefu.tickets.services.handling import (
    open_tickets_for_caller,
    reply_draft,
    ticket_add_note,
    ticket_claim,
    ticket_create_child,
    ticket_link_customer,
    ticket_link_repeat,
    ticket_merge,
    ticket_reply,
    ticket_supervise,
    ticket_urge,
)
from kefu.tickets.services.identity import (
    IDENTITY_FIELDS,
    extra_identifies_reporter,
    identity_keep,
    identity_seal,
    identity_take,
    sealed_file_name,
    ticket_identity,
)
from kefu.tickets.services.intake import request_hash, ticket_create, ticket_create_idempotent
from kefu.tickets.services.routing import (
    assignable,
    auto_assign,
    department_route,
    number_allocate,
)
from kefu.tickets.services.timeline import (
    TimelineBatch,
    UrgeNotice,
    ticket_next_due_set,
    timeline_append,
    urge_recipients,
    urge_text,
)
from kefu.tickets.services.transitions import ticket_transition

__all__ = [
    "ATTACHMENT_MAX_BYTES",
    "ATTACHMENT_TYPES",
    "IDENTITY_FIELDS",
    "PUBLIC_STATUSES",
    "TimelineBatch",
    "UrgeNotice",
    "assignable",
    "attachment_add",
    "auto_assign",
    "category_create",
    "category_update",
    "channel_create",
    "channel_update",
    "channels_ensure",
    "department_people",
    "department_route",
    "extra_identifies_reporter",
    "identity_keep",
    "identity_seal",
    "identity_take",
    "number_allocate",
    "office_people",
    "open_tickets_for_caller",
    "reply_draft",
    "request_hash",
    "sealed_file_name",
    "ticket_add_note",
    "ticket_claim",
    "ticket_create",
    "ticket_create_child",
    "ticket_create_idempotent",
    "ticket_identity",
    "ticket_link_customer",
    "ticket_link_repeat",
    "ticket_lock",
    "ticket_merge",
    "ticket_next_due_set",
    "ticket_reply",
    "ticket_supervise",
    "ticket_transition",
    "ticket_types_ensure",
    "ticket_urge",
    "ticket_url",
    "timeline_append",
    "urge_recipients",
    "urge_text",
]
