"""The caller's identity on an order, and its sealing: a tip-off's reporter is kept off the
order's row (and so off its SMS, lists, exports and API); the complaints app keeps it
sealed in its own table."""

from __future__ import annotations

from kefu.tickets import rules
from kefu.tickets.models import Ticket

IDENTITY_FIELDS = ("contact_name", "contact_phone", "calling_number", "call_recording_ref")


def ticket_identity(*, ticket: Ticket) -> dict:
    """Who the order says the caller is: the filled identity fields and the customer file
    it is linked to. Sealing takes exactly these off the order."""
    identity = {name: getattr(ticket, name) for name in IDENTITY_FIELDS if getattr(ticket, name)}
    if ticket.customer_id:
        identity["customer_id"] = ticket.customer_id
        identity["customer_name"] = str(ticket.customer)
    return identity


def identity_seal(*, draft: Ticket) -> None:
    """Clear :func:`ticket_identity` off the unsaved ``draft`` before it is written (a
    lifecycle participant asks for it with ``Preparation.seal_identity``)."""
    for name in IDENTITY_FIELDS:
        setattr(draft, name, "")
    draft.customer = None
    draft.customer_grade = ""
    draft.grade_rank = rules.grade_rank("")
