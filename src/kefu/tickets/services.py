"""Writes to work orders. Every status change goes through ``ticket_transition``.

Each function runs in one transaction, locks the ticket row it changes, writes the
timeline event in the same transaction and sends notifications only after commit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.counters import counter_next
from kefu.core.tree import path_assign
from kefu.notify.services import (
    notify_users,
    render_template_text,
    sms_queue,
    sms_queue_text,
    sms_template,
)
from kefu.org.models import Department, User
from kefu.org.roles import RoleCode
from kefu.tickets import hooks, rules
from kefu.tickets.models import (
    AssignmentMode,
    Attachment,
    Category,
    DepartmentQueue,
    EventKind,
    IdempotencyKey,
    NumberCounter,
    RoutingRule,
    Ticket,
    TicketEvent,
    TicketType,
)
from kefu.tickets.permissions import may_supervise, may_take
from kefu.tickets.states import (
    AWAITING_CUSTOMER,
    FINAL_STATUSES,
    OPEN_STATUSES,
    Action,
    Status,
    can_transition,
    target_of,
)

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


def _ticket_url(ticket: Ticket) -> str:
    return reverse("tickets:detail", args=[ticket.pk])


def _event(ticket: Ticket, *, kind: str, actor, now: datetime, **fields) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, actor=actor, created_at=now, **fields
    )


def _lock(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("department", "category", "ticket_type", "first_responder", "owner")
        .get(pk=ticket.pk)
    )


# ---------------------------------------------------------------- numbers


def number_allocate(*, ticket_type: TicketType, at: datetime) -> str:
    """The next number of the type's series, from a counter row locked until commit.

    One ``UPDATE … RETURNING`` both increments and locks the counter, so concurrent
    creations queue behind each other: numbers are never duplicated and never skipped (a
    rolled-back creation rolls its increment back too).
    """
    day = timezone.localdate(at)
    key = rules.counter_key(ticket_type.number_pattern, prefix=ticket_type.number_prefix, day=day)
    return rules.format_number(
        ticket_type.number_pattern,
        prefix=ticket_type.number_prefix,
        day=day,
        serial=counter_next(NumberCounter, key),
    )


# ---------------------------------------------------------------- routing


def department_route(*, category: Category, area: str = "", grade: str = "") -> Department | None:
    """The department a new order for *category* goes to: the first matching routing rule,
    else the category's (or its nearest ancestor's) lead department."""
    views = [
        rules.RoutingRuleView(
            order=rule.order,
            department_id=rule.department_id,
            category_path=rule.category.path if rule.category_id else "",
            area=rule.area,
            grade=rule.customer_grade,
        )
        for rule in RoutingRule.objects.filter(is_active=True, department__is_active=True)
        .select_related("category")
        .order_by("order", "id")
    ]
    department_id = rules.route(views, category_path=category.path, area=area, grade=grade)
    if department_id is not None:
        return Department.objects.get(pk=department_id)
    node: Category | None = category
    while node is not None:
        if node.lead_department_id:
            return node.lead_department
        node = node.parent
    return None


def _auto_assign(department: Department) -> User | None:
    settings_row = DepartmentQueue.objects.select_for_update().filter(department=department).first()
    if settings_row is None or settings_row.assignment_mode == AssignmentMode.NONE:
        return None
    handlers = (
        User.objects.filter(
            is_active=True,
            department__path__startswith=department.path,
            roles__code=RoleCode.HANDLER,
        )
        .annotate(load=Count("owned_tickets", filter=Q(owned_tickets__status__in=OPEN_STATUSES)))
        .values_list("pk", "load")
    )
    chosen = rules.pick_assignee(
        list(handlers),
        mode=settings_row.assignment_mode,
        last_assigned_id=settings_row.last_assigned_id,
    )
    if chosen is None:
        return None
    settings_row.last_assigned_id = chosen
    settings_row.save(update_fields=["last_assigned"])
    return User.objects.get(pk=chosen)


def department_people(department: Department | None) -> list[User]:
    """The active handlers and heads of ``department`` and its sub-departments."""
    if department is None:
        return []
    return list(
        User.objects.filter(
            is_active=True,
            department__path__startswith=department.path,
            roles__code__in=[RoleCode.HANDLER, RoleCode.DEPARTMENT_HEAD],
        ).distinct()
    )


# ---------------------------------------------------------------- intake


def _validate_extra(category: Category, extra: dict) -> dict:
    cleaned = {}
    errors = {}
    for spec in category.extra_fields or []:
        name = spec.get("name")
        value = (extra or {}).get(name, "")
        value = value.strip() if isinstance(value, str) else value
        if spec.get("required") and value in ("", None):
            errors[f"extra_{name}"] = _("%(label)s is required for this category.") % {
                "label": spec.get("label", name)
            }
        if value not in ("", None):
            cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


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

    Reading and validating happen before the write transaction: on SQLite that
    transaction holds the database's single write lock (``BEGIN IMMEDIATE``), on
    PostgreSQL the number counter's row lock, and every concurrent intake waits for it.
    """
    now = now or timezone.now()
    if not category.is_active:
        raise ValidationError({"category": _("This category is no longer in use.")})
    if channel not in rules.Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if channel in {rules.Channel.WEB, rules.Channel.EMAIL} and not (contact_phone or contact_name):
        raise ValidationError({"contact_phone": _("Give a phone number to reach the customer.")})
    if customer is not None:
        # the archive's grade and name win over what was typed: queues order by it
        customer_grade = customer.grade if customer.grade in rules.GRADE_RANK else ""
        contact_name = contact_name or customer.name
    grade = (customer_grade or "").upper()
    if grade and grade not in rules.GRADE_RANK:
        raise ValidationError({"customer_grade": _("The customer grade must be A, B or C.")})
    priority = priority or category.default_priority
    ticket = Ticket(
        ticket_type=category.ticket_type,
        category=category,
        channel=channel,
        title=title.strip(),
        description=description.strip(),
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        calling_number=calling_number.strip(),
        call_recording_ref=call_recording_ref.strip(),
        address=address.strip(),
        customer_grade=grade,
        grade_rank=rules.grade_rank(grade),
        priority=priority,
        priority_rank=rules.PRIORITY_RANK.get(priority, 2),
        extra={},
        first_responder=actor if actor is not None and actor.is_authenticated else None,
        sla_policy_code=category.sla_policy_code,
        customer=customer,
        created_at=now,
        number="pending",
    )
    errors: dict = {}
    try:
        ticket.extra = _validate_extra(category, extra or {})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        # The related objects were handed in as loaded instances and the number is issued
        # below: checking those again would only add queries.
        ticket.full_clean(
            exclude=_CREATE_TRUSTED, validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    hooks.run_creating(ticket, now=now)
    received_sms = sms_template("ticket_received") if ticket.contact_phone else None
    with transaction.atomic():
        ticket = _ticket_insert(
            ticket,
            actor=actor,
            settle_with=settle_with,
            dispatch=dispatch,
            dispatch_to=dispatch_to,
            received_sms=received_sms,
        )
        if also is not None:
            also(ticket)
    return ticket


_CREATE_TRUSTED = [
    "number",
    "ticket_type",
    "category",
    "first_responder",
    "department",
    "owner",
    "parent",
    "merged_into",
]


def _ticket_insert(
    ticket, *, actor, settle_with, dispatch, dispatch_to, received_sms: str | None
) -> Ticket:
    """Write the prepared order; call inside the transaction. ``received_sms`` is the
    acceptance SMS template's text, read before it (None: send none)."""
    now = ticket.created_at
    ticket.number = number_allocate(ticket_type=ticket.ticket_type, at=now)
    ticket.save(force_insert=True)
    _event(
        ticket,
        kind=EventKind.CREATED,
        actor=ticket.first_responder,
        now=now,
        public=True,
        to_status=Status.RECEIVED,
        data={"channel": ticket.channel},
    )
    hooks.run_created(ticket, now=now)
    if ticket.contact_phone and received_sms is not None:
        sms_queue_text(
            phone=ticket.contact_phone,
            text=render_template_text(received_sms, _sms_context(ticket)),
            template_code="ticket_received",
            ticket=ticket,
        )
    if settle_with:
        ticket = ticket_transition(
            ticket=ticket, action=Action.SETTLE, actor=actor, resolution=settle_with, now=now
        )
    elif dispatch or dispatch_to is not None:
        ticket = ticket_transition(
            ticket=ticket, action=Action.DISPATCH, actor=actor, department=dispatch_to, now=now
        )
    return ticket


def _sms_context(ticket: Ticket) -> dict:
    responder = ticket.first_responder
    return {
        "number": ticket.number,
        "customer": ticket.contact_name or _("customer"),
        "agent_no": responder.employee_no if responder and responder.employee_no else "",
        "status": ticket.get_status_display(),
        "result": ticket.resolution,
    }


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
            {"idempotency_key": _("This Idempotency-Key was already used for a different request.")}
        )
    return existing.ticket, False


# ---------------------------------------------------------------- lifecycle


@transaction.atomic
def ticket_transition(
    *,
    ticket: Ticket,
    action: str,
    actor: User | None,
    reason: str = "",
    department: Department | None = None,
    owner: User | None = None,
    resolution: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Take *action* on *ticket*: the one place where a work order's status changes.

    Locks the row, checks the transition table and the actor's right, applies the action's
    effects, writes the timeline event, runs the registered hooks (SLA clocks) and sends
    notifications after commit. Raises ``ValidationError`` naming the problem, or
    ``PermissionDenied``; nothing changes in either case.
    """
    now = now or timezone.now()
    ticket = _lock(ticket)
    action = Action(action)
    from_status = Status(ticket.status)
    if not can_transition(from_status, action):
        raise ValidationError(
            {
                "action": _("“%(action)s” is not possible while the order is “%(status)s”.")
                % {"action": action.label, "status": from_status.label}
            }
        )
    if actor is not None and not may_take(actor, ticket, action):
        raise PermissionDenied(_("You may not “%(action)s” this order.") % {"action": action.label})
    reason = (reason or "").strip()
    resolution = (resolution or "").strip()
    if (
        action in {Action.RETURN, Action.RULE, Action.SUSPEND, Action.REOPEN, Action.CANCEL}
        and not reason
    ):
        raise ValidationError({"reason": _("Give a reason.")})
    to_status = target_of(from_status, action, return_count=ticket.return_count)
    notify: list[User] = []
    note = reason
    data: dict = {}

    match action:
        case Action.SETTLE:
            if not ticket.category.settle_at_first_contact:
                raise ValidationError(
                    {"action": _("Orders of this category cannot be settled at first contact.")}
                )
            if not resolution:
                raise ValidationError({"resolution": _("Write down how it was settled.")})
            ticket.resolution = resolution
            ticket.settled_at_first_contact = True
            ticket.resolved_at = now
            note = resolution
        case Action.TRANSFER:
            if ticket.ruling_binding:
                raise ValidationError(
                    {"action": _("The office has ruled that this department owns the order.")}
                )
            if department is None or department.pk == ticket.department_id:
                raise ValidationError(
                    {"department": _("Choose the department to transfer the order to.")}
                )
            if not department.is_active:
                raise ValidationError({"department": _("The department is deactivated.")})
            data["from_department"] = ticket.department.name if ticket.department else ""
            data["department"] = department.name
            if ticket.owner_id:
                ticket.participants.add(ticket.owner_id)
            ticket.department = department
            ticket.dispatched_at = now
            ticket.signed_at = None
            ticket.owner = owner or _auto_assign(department)
            notify = [ticket.owner] if ticket.owner else department_people(department)
        case Action.DISPATCH | Action.RULE:
            target = department or department_route(
                category=ticket.category, area=ticket.address, grade=ticket.customer_grade
            )
            if target is None:
                raise ValidationError(
                    {"department": _("No lead department is set for this category; choose one.")}
                )
            if not target.is_active:
                raise ValidationError({"department": _("The department is deactivated.")})
            ticket.department = target
            ticket.dispatched_at = now
            ticket.owner = owner or _auto_assign(target)
            if action == Action.RULE:
                ticket.ruling_binding = True
            data["department"] = target.name
            notify = [ticket.owner] if ticket.owner else department_people(target)
        case Action.SIGN:
            ticket.signed_at = now
            if owner is not None:
                ticket.owner = _assignable(owner, ticket.department)
            elif ticket.owner_id is None and actor is not None and actor.has_role(RoleCode.HANDLER):
                ticket.owner = actor
            if ticket.owner_id and ticket.owner_id != getattr(actor, "pk", None):
                notify = [ticket.owner]
        case Action.RETURN:
            if ticket.ruling_binding:
                raise ValidationError(
                    {"action": _("The office has ruled that this department owns the order.")}
                )
            ticket.return_count += 1
            data["department"] = ticket.department.name if ticket.department else ""
            if to_status == Status.ARBITRATION:
                notify = _office_people()
            else:
                notify = [ticket.first_responder]
            ticket.owner = None
        case Action.START:
            if owner is not None:
                ticket.owner = _assignable(owner, ticket.department)
                notify = [ticket.owner]
            elif ticket.owner_id is None:
                ticket.owner = actor
        case Action.RESOLVE:
            if not resolution:
                raise ValidationError({"resolution": _("Write down the result.")})
            open_children = ticket.children.exclude(
                status__in=[*FINAL_STATUSES, *AWAITING_CUSTOMER]
            )
            if open_children.exists():
                raise ValidationError(
                    {
                        "action": _("Co-handling orders are still open: %(numbers)s")
                        % {"numbers": "、".join(open_children.values_list("number", flat=True))}
                    }
                )
            ticket.resolution = resolution
            ticket.resolved_at = now
            note = resolution
            notify = [ticket.first_responder]
        case Action.SUSPEND | Action.RESUME:
            notify = [ticket.owner, ticket.first_responder]
        case Action.CLOSE:
            ticket.closed_at = now
        case Action.REOPEN:
            ticket.reopen_count += 1
            ticket.resolved_at = None
            ticket.closed_at = None
            notify = [ticket.owner, *department_people(ticket.department)]
        case Action.CANCEL:
            notify = [ticket.owner]
        case Action.REQUEST_VISIT:
            pass

    if ticket.owner_id:
        ticket.participants.add(ticket.owner_id)
    ticket.status = to_status
    ticket.save()
    _event(
        ticket,
        kind=EventKind.TRANSITION,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        note=note,
        public=to_status in PUBLIC_STATUSES,
        data=data,
        now=now,
    )
    hooks.run_transition(
        ticket, action=action, from_status=from_status, to_status=to_status, actor=actor, now=now
    )
    if to_status == Status.RESOLVED and ticket.contact_phone:
        sms_queue(
            phone=ticket.contact_phone,
            template_code="ticket_resolved",
            context=_sms_context(ticket),
            ticket=ticket,
        )
    _notify_on_commit(
        [u for u in notify if u is not None and (actor is None or u.pk != actor.pk)],
        _("%(number)s: %(action)s — %(title)s")
        % {"number": ticket.number, "action": action.label, "title": ticket.title},
        ticket,
    )
    return ticket


def _assignable(user: User, department: Department | None) -> User:
    """A handler may be given an order only inside the order's department."""
    if (
        not user.is_active
        or department is None
        or not (user.department_id and user.department.path.startswith(department.path))
    ):
        raise ValidationError(
            {"owner": _("%(name)s does not work in the handling department.") % {"name": user}}
        )
    return user


def _office_people() -> list[User]:
    return list(User.objects.filter(is_active=True, department__kind="office"))


def _notify_on_commit(users: Iterable[User], text: str, ticket: Ticket) -> None:
    users = list(users)
    if users:
        url = _ticket_url(ticket)
        transaction.on_commit(lambda: notify_users(users, text=text, url=url))


# ---------------------------------------------------------------- other actions


@transaction.atomic
def ticket_claim(*, ticket: Ticket, actor: User, now: datetime | None = None) -> Ticket:
    """A staff member takes on an order that came in without one (web form, email): they
    become its first responder."""
    now = now or timezone.now()
    ticket = _lock(ticket)
    if ticket.first_responder_id is not None:
        raise ValidationError(
            {
                "first_responder": _("This order already has a first responder: %(name)s.")
                % {"name": ticket.first_responder}
            }
        )
    ticket.first_responder = actor
    ticket.save(update_fields=["first_responder", "updated_at"])
    ticket.participants.add(actor)
    _event(ticket, kind=EventKind.CLAIM, actor=actor, now=now)
    return ticket


@transaction.atomic
def ticket_add_note(
    *, ticket: Ticket, actor: User, note: str, public: bool = False, now: datetime | None = None
) -> TicketEvent:
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("The note is empty.")})
    ticket = _lock(ticket)
    return _event(ticket, kind=EventKind.NOTE, actor=actor, note=note, public=public, now=now)


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
    ticket = _lock(ticket)
    if ticket.status not in OPEN_STATUSES:
        raise ValidationError({"action": _("Only open orders can be urged.")})
    ticket.urge_count += 1
    ticket.save(update_fields=["urge_count", "updated_at"])
    _event(ticket, kind=kind, actor=actor, note=(note or "").strip(), now=now)
    _notify_on_commit(
        [u for u in urge_recipients(ticket) if u is not None], urge_text(ticket, note), ticket
    )
    return ticket


def urge_recipients(ticket: Ticket, *, lookup=department_people) -> list[User]:
    """Whom an urge tells: the order's handler, or without one the handlers and heads of
    its department (``lookup`` may be a cached :func:`department_people`)."""
    if ticket.owner_id:
        return [ticket.owner]
    return lookup(ticket.department)


def urge_text(ticket: Ticket, note: str) -> str:
    return _("%(number)s was urged: %(note)s") % {
        "number": ticket.number,
        "note": note or ticket.title,
    }


@transaction.atomic
def ticket_supervise(
    *, ticket: Ticket, actor: User, due: date, note: str = "", now: datetime | None = None
) -> Ticket:
    """督办: a head puts an order under supervision with a target date."""
    now = now or timezone.now()
    ticket = _lock(ticket)
    if not may_supervise(actor, ticket):
        raise PermissionDenied(_("Only heads and managers can supervise orders."))
    if ticket.status in FINAL_STATUSES:
        raise ValidationError({"action": _("The order is already finished.")})
    if due < timezone.localdate(now):
        raise ValidationError({"supervision_due": _("The target date is in the past.")})
    ticket.supervised = True
    ticket.supervision_due = due
    ticket.save(update_fields=["supervised", "supervision_due", "updated_at"])
    _event(
        ticket,
        kind=EventKind.SUPERVISE,
        actor=actor,
        note=(note or "").strip(),
        now=now,
        data={"due": due.isoformat()},
    )
    _notify_on_commit(
        [ticket.owner, *department_people(ticket.department)],
        _("%(number)s is under supervision until %(due)s") % {"number": ticket.number, "due": due},
        ticket,
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
    locked = _lock(ticket)
    locked.repeat_count += 1
    locked.save(update_fields=["repeat_count", "updated_at"])
    _event(
        locked,
        kind=EventKind.REPEAT,
        actor=actor,
        note=(note or "").strip(),
        now=now,
        data={"channel": channel, "calling_number": calling_number},
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
    parent = _lock(parent)
    if not may_take(actor, parent, Action.RESOLVE):
        raise PermissionDenied(_("Only the handling department can ask for co-handling."))
    if parent.status not in {Status.SIGNED, Status.IN_PROGRESS}:
        raise ValidationError({"action": _("Sign for the order before asking for co-handling.")})
    if parent.department_id == department.pk:
        raise ValidationError({"department": _("Choose another department than the handling one.")})
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
    _event(
        parent,
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
        raise ValidationError({"into": _("An order cannot be merged into itself.")})
    survivor = _lock(into)
    if survivor.status in FINAL_STATUSES:
        raise ValidationError({"into": _("The surviving order is already finished.")})
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
    _event(
        survivor,
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
    return render_template_text(template, _sms_context(ticket))


@transaction.atomic
def ticket_reply(
    *, ticket: Ticket, actor: User, text: str, now: datetime | None = None
) -> TicketEvent:
    """Send the customer-facing reply (by SMS) and keep it on the timeline."""
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("The reply is empty.")})
    if not ticket.contact_phone:
        raise ValidationError({"text": _("The order has no contact phone to send the reply to.")})
    ticket = _lock(ticket)
    event = _event(ticket, kind=EventKind.REPLY, actor=actor, note=text, public=True, now=now)
    sms_queue_text(phone=ticket.contact_phone, text=text, template_code="reply", ticket=ticket)
    return event


ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".amr": "audio/amr",
}


@transaction.atomic
def attachment_add(
    *, ticket: Ticket, actor: User | None, upload, note: str = "", now: datetime | None = None
) -> Attachment:
    """Store an uploaded file (through Django's storage) on the order's timeline; with no
    actor for files that came in with the customer's email."""
    now = now or timezone.now()
    name = upload.name or "file"
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in ATTACHMENT_TYPES:
        raise ValidationError(
            {
                "file": _("Files of type “%(type)s” are not accepted. Accepted: %(types)s")
                % {"type": suffix or "?", "types": " ".join(sorted(ATTACHMENT_TYPES))}
            }
        )
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than %(mb)d MB.")
                % {"mb": ATTACHMENT_MAX_BYTES // 2**20}
            }
        )
    ticket = _lock(ticket)
    event = _event(
        ticket, kind=EventKind.ATTACHMENT, actor=actor, note=(note or "").strip() or name, now=now
    )
    return Attachment.objects.create(
        ticket=ticket,
        event=event,
        file=upload,
        name=name[:200],
        size=upload.size,
        content_type=ATTACHMENT_TYPES[suffix],
        uploaded_by=actor,
    )


# ---------------------------------------------------------------- configuration


@transaction.atomic
def category_create(
    *,
    name: str,
    code: str,
    ticket_type: TicketType,
    parent: Category | None = None,
    lead_department: Department | None = None,
    default_priority: str = rules.Priority.NORMAL,
    extra_fields: list | None = None,
    sla_policy_code: str = "",
    reply_template: str = "",
    settle_at_first_contact: bool = False,
    sort_order: int = 0,
) -> Category:
    category = Category(
        name=name,
        code=code,
        ticket_type=ticket_type,
        parent=parent,
        lead_department=lead_department,
        default_priority=default_priority,
        extra_fields=extra_fields or [],
        sla_policy_code=sla_policy_code,
        reply_template=reply_template,
        settle_at_first_contact=settle_at_first_contact,
        sort_order=sort_order,
    )
    _check_extra_fields(category.extra_fields)
    category.full_clean(exclude=["path"])
    category.save()
    path_assign(category, parent)
    return category


@transaction.atomic
def category_update(*, category: Category, **fields) -> Category:
    """Change a category's settings (its place in the tree is fixed once created)."""
    category = Category.objects.select_for_update().get(pk=category.pk)
    fields.pop("parent", None)
    for name, value in fields.items():
        setattr(category, name, value)
    _check_extra_fields(category.extra_fields)
    category.full_clean(exclude=["path"])
    category.save()
    return category


def _check_extra_fields(specs) -> None:
    if not isinstance(specs, list) or not all(
        isinstance(s, dict) and isinstance(s.get("name"), str) and s["name"].isidentifier()
        for s in specs
    ):
        raise ValidationError(
            {
                "extra_fields": _(
                    'Extra fields must be a list like [{"name": "meter_no", "label": "表号", '
                    '"required": true}] with names made of letters, digits and underscores.'
                )
            }
        )
    names = [s["name"] for s in specs]
    if len(names) != len(set(names)):
        raise ValidationError({"extra_fields": _("Two extra fields have the same name.")})


def ticket_types_ensure() -> None:
    """Create the default ticket types that do not exist (never changes existing ones)."""
    for order, (code, name) in enumerate(rules.DEFAULT_TICKET_TYPES):
        TicketType.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


@transaction.atomic
def ticket_link_customer(
    *, ticket: Ticket, customer, actor: User, now: datetime | None = None
) -> Ticket:
    """Link an order taken for an unknown caller to the customer's file, afterwards.

    A tip-off (举报) is never linked: its reporter's identity is sealed away from the order.
    """
    now = now or timezone.now()
    ticket = _lock(ticket)
    if ticket.ticket_type.code == "tip_off":
        raise ValidationError(
            {
                "customer": _(
                    "A tip-off is not linked to a customer file: the reporter's identity "
                    "stays sealed."
                )
            }
        )
    ticket.customer = customer
    ticket.customer_grade = customer.grade if customer.grade in rules.GRADE_RANK else ""
    ticket.grade_rank = rules.grade_rank(ticket.customer_grade)
    ticket.save(update_fields=["customer", "customer_grade", "grade_rank", "updated_at"])
    _event(
        ticket,
        kind=EventKind.NOTE,
        actor=actor,
        now=now,
        note=_("Linked to the customer file %(name)s") % {"name": customer.name},
    )
    return ticket
