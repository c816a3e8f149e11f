"""Handling an order besides moving it: first responder, notes, urging (催办), supervision
(督办), repeat calls, co-handling (协办), merging, the reply to the customer, the customer
file."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.notify.models import NotificationKind
from kefu.notify.services import render_template_text, sms_queue_text
from kefu.org.models import Department, User
from kefu.tickets import rules
from kefu.tickets.models import Category, EventKind, Ticket, TicketEvent
from kefu.tickets.permissions import may_supervise, may_take
from kefu.tickets.selectors import vocabulary
from kefu.tickets.services.common import (
    department_people,
    notes_check,
    notify_people,
    sms_context,
    ticket_lock,
)
from kefu.tickets.services.identity import identity_keep
from kefu.tickets.services.intake import ticket_create
from kefu.tickets.services.timeline import timeline_append, urge_recipients, urge_text
from kefu.tickets.services.transitions import ticket_transition
from kefu.tickets.states import AWAITING_CUSTOMER, FINAL_STATUSES, OPEN_STATUSES, Action, Status


@transaction.atomic
def ticket_claim(*, ticket: Ticket, actor: User, now: datetime | None = None) -> Ticket:
    """A staff member takes on an order that came in without one (web form, email): they
    become its first responder."""
    now = now or timezone.now()
    ticket = ticket_lock(ticket=ticket)
    if ticket.first_responder_id is not None:
        raise ValidationError(
            {
                "first_responder": ValidationError(
                    _("This order already has a first responder: %(name)s.")
                    % {"name": ticket.first_responder},
                    code="already_claimed",
                )
            }
        )
    ticket.first_responder = actor
    ticket.save(update_fields=["first_responder", "updated_at"])
    ticket.participants.add(actor)
    timeline_append(ticket=ticket, kind=EventKind.CLAIM, actor=actor, now=now)
    return ticket


@transaction.atomic
def ticket_add_note(
    *, ticket: Ticket, actor: User, note: str, public: bool = False, now: datetime | None = None
) -> TicketEvent:
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ValidationError(_("The note is empty."), code="required")})
    notes_check(note=note)
    ticket = ticket_lock(ticket=ticket)
    return timeline_append(
        ticket=ticket, kind=EventKind.NOTE, actor=actor, note=note, public=public, now=now
    )


@transaction.atomic
def ticket_urge(
    *,
    ticket: Ticket,
    actor: User | None,
    note: str = "",
    now: datetime | None = None,
    kind: str = EventKind.URGE,
) -> Ticket:
    """催办: any user in scope may urge an open order; the handler is told."""
    now = now or timezone.now()
    notes_check(note=note)
    ticket = ticket_lock(ticket=ticket)
    if ticket.status not in OPEN_STATUSES:
        raise ValidationError(
            {"action": ValidationError(_("Only open orders can be urged."), code="ticket_not_open")}
        )
    ticket.urge_count += 1
    ticket.save(update_fields=["urge_count", "updated_at"])
    timeline_append(ticket=ticket, kind=kind, actor=actor, note=(note or "").strip(), now=now)
    notify_people(
        [u for u in urge_recipients(ticket) if u is not None],
        urge_text(ticket, note),
        ticket,
        NotificationKind.URGE,
    )
    return ticket


@transaction.atomic
def ticket_supervise(
    *, ticket: Ticket, actor: User, due: date, note: str = "", now: datetime | None = None
) -> Ticket:
    """督办: a head puts an order under supervision with a target date."""
    now = now or timezone.now()
    notes_check(note=note)
    ticket = ticket_lock(ticket=ticket)
    if not may_supervise(actor, ticket):
        raise PermissionDenied(_("Only heads and managers can supervise orders."))
    if ticket.status in FINAL_STATUSES:
        raise ValidationError(
            {"action": ValidationError(_("The order is already finished."), code="ticket_finished")}
        )
    if due < timezone.localdate(now):
        raise ValidationError(
            {
                "supervision_due": ValidationError(
                    _("The target date is in the past."), code="date_in_past"
                )
            }
        )
    ticket.supervised = True
    ticket.supervision_due = due
    ticket.save(update_fields=["supervised", "supervision_due", "updated_at"])
    timeline_append(
        ticket=ticket,
        kind=EventKind.SUPERVISE,
        actor=actor,
        note=(note or "").strip(),
        now=now,
        data={"due": due.isoformat()},
    )
    notify_people(
        [ticket.owner, *department_people(ticket.department)],
        _("%(number)s is under supervision until %(due)s") % {"number": ticket.number, "due": due},
        ticket,
        NotificationKind.SUPERVISION,
    )
    return ticket


def open_tickets_for_caller(
    *, phone: str = "", category: Category | None = None, exclude: Ticket | None = None
):
    """Open orders of the same caller (contact or calling number), same category if given."""
    phone = (phone or "").strip()
    if not phone:
        return Ticket.objects.none()
    qs = Ticket.objects.filter(
        Q(contact_phone=phone) | Q(calling_number=phone),
        status__in=[*OPEN_STATUSES, *AWAITING_CUSTOMER],
    )
    if category is not None:
        qs = qs.filter(category=category)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.select_related("category", "department").order_by("-created_at")


@transaction.atomic
def ticket_link_repeat(
    *,
    ticket: Ticket,
    actor: User,
    channel: str,
    note: str = "",
    calling_number: str = "",
    now: datetime | None = None,
) -> Ticket:
    """The same customer calls again about an open order: count it and urge the handler."""
    now = now or timezone.now()
    locked = ticket_lock(ticket=ticket)
    locked.repeat_count += 1
    locked.save(update_fields=["repeat_count", "updated_at"])
    data = {"channel": channel, "calling_number": calling_number}
    if locked.identity_sealed and calling_number:
        identity_keep(ticket=locked, identity={"contacts": [calling_number]}, now=now)
        data["calling_number"] = ""
    timeline_append(
        ticket=locked,
        kind=EventKind.REPEAT,
        actor=actor,
        note=(note or "").strip(),
        now=now,
        data=data,
    )
    return ticket_urge(
        ticket=locked, actor=actor, note=note or _("The customer called again."), now=now
    )


@transaction.atomic
def ticket_create_child(
    *,
    parent: Ticket,
    actor: User,
    department: Department,
    title: str,
    description: str = "",
    now: datetime | None = None,
) -> Ticket:
    """协办: ask another department to co-handle; the child order has its own owner."""
    now = now or timezone.now()
    parent = ticket_lock(ticket=parent)
    if not may_take(actor, parent, Action.RESOLVE):
        raise PermissionDenied(_("Only the handling department can ask for co-handling."))
    if parent.status not in {Status.SIGNED, Status.IN_PROGRESS}:
        raise ValidationError(
            {
                "action": ValidationError(
                    _("Sign for the order before asking for co-handling."), code="ticket_not_signed"
                )
            }
        )
    if parent.department_id == department.pk:
        raise ValidationError(
            {
                "department": ValidationError(
                    _("Choose another department than the handling one."), code="same_department"
                )
            }
        )
    child = ticket_create(
        actor=actor,
        category=parent.category,
        channel=rules.Channel.INTERNAL,
        title=title or parent.title,
        description=description,
        contact_name=parent.contact_name,
        contact_phone="",
        address=parent.address,
        customer_grade=parent.customer_grade,
        priority=parent.priority,
        extra=parent.extra,
        now=now,
    )
    child.parent = parent
    child.first_responder = parent.first_responder
    child.save(update_fields=["parent", "first_responder", "updated_at"])
    if parent.first_responder_id:
        child.participants.add(parent.first_responder_id)
    child = ticket_transition(
        ticket=child, action=Action.DISPATCH, actor=None, department=department, now=now
    )
    timeline_append(
        ticket=parent,
        kind=EventKind.CHILD,
        actor=actor,
        now=now,
        note=child.title,
        data={"child": child.number, "department": department.name},
    )
    return child


@transaction.atomic
def ticket_merge(
    *, ticket: Ticket, into: Ticket, actor: User, now: datetime | None = None
) -> Ticket:
    """Merge a duplicate into the surviving order; the duplicate keeps its timeline."""
    now = now or timezone.now()
    if ticket.pk == into.pk:
        raise ValidationError(
            {
                "into": ValidationError(
                    _("An order cannot be merged into itself."), code="merge_into_self"
                )
            }
        )
    survivor = ticket_lock(ticket=into)
    if survivor.status in FINAL_STATUSES:
        raise ValidationError(
            {
                "into": ValidationError(
                    _("The surviving order is already finished."), code="ticket_finished"
                )
            }
        )
    if survivor.identity_sealed or ticket.identity_sealed:
        # a merge would show the duplicate's caller beside the tip-off: whoever reads one
        # order learns who reported the other
        raise ValidationError(
            {
                "into": ValidationError(
                    _(
                        "A tip-off's reporter is sealed: it is never merged with another order. "
                        "Record the call as a repeat contact of the tip-off instead."
                    ),
                    code="identity_sealed",
                )
            }
        )
    ticket = ticket_transition(
        ticket=ticket,
        action=Action.CANCEL,
        actor=actor,
        reason=_("Merged into %(number)s") % {"number": survivor.number},
        now=now,
    )
    ticket.merged_into = survivor
    ticket.save(update_fields=["merged_into", "updated_at"])
    survivor.repeat_count += 1 + ticket.repeat_count
    survivor.save(update_fields=["repeat_count", "updated_at"])
    timeline_append(
        ticket=survivor,
        kind=EventKind.MERGE,
        actor=actor,
        now=now,
        data={"merged": ticket.number},
        note=_("%(number)s was merged into this order") % {"number": ticket.number},
    )
    return survivor


def reply_draft(ticket: Ticket) -> str:
    template = ticket.category.reply_template or _(
        "Dear {customer}, your request {number} has been handled: {result} "
        "If anything is still wrong, call us and quote agent number {agent_no}."
    )
    return render_template_text(template, sms_context(ticket))


@transaction.atomic
def ticket_reply(
    *, ticket: Ticket, actor: User, text: str, now: datetime | None = None
) -> TicketEvent:
    """Send the customer-facing reply (by SMS) and keep it on the timeline."""
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ValidationError(_("The reply is empty."), code="required")})
    if not ticket.contact_phone:
        raise ValidationError(
            {
                "text": ValidationError(
                    _("The order has no contact phone to send the reply to."),
                    code="no_contact_phone",
                )
            }
        )
    ticket = ticket_lock(ticket=ticket)
    event = timeline_append(
        ticket=ticket, kind=EventKind.REPLY, actor=actor, note=text, public=True, now=now
    )
    sms_queue_text(phone=ticket.contact_phone, text=text, template_code="reply", ticket=ticket)
    return event


@transaction.atomic
def ticket_link_customer(
    *, ticket: Ticket, customer, actor: User, now: datetime | None = None
) -> Ticket:
    """Link an order taken for an unknown caller to the customer's file, afterwards.

    A tip-off (举报) is never linked: its reporter's identity is sealed away from the order.
    """
    now = now or timezone.now()
    ticket = ticket_lock(ticket=ticket)
    if ticket.ticket_type.code == "tip_off":
        raise ValidationError(
            {
                "customer": ValidationError(
                    _(
                        "A tip-off is not linked to a customer file: the reporter's identity "
                        "stays sealed."
                    ),
                    code="identity_sealed",
                )
            }
        )
    ticket.customer = customer
    vocab = vocabulary()
    ticket.customer_grade = customer.grade if customer.grade in vocab.grades else ""
    ticket.grade_rank = vocab.grade_rank(ticket.customer_grade)
    ticket.save(update_fields=["customer", "customer_grade", "grade_rank", "updated_at"])
    timeline_append(
        ticket=ticket,
        kind=EventKind.NOTE,
        actor=actor,
        now=now,
        note=_("Linked to the customer file %(name)s") % {"name": customer.name},
    )
    return ticket
