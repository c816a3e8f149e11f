"""Reads of work orders: scoped queues, filters, keyset pages and counts."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Count, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from kefu.core.scopes import scope_q, viewer_for
from kefu.org.models import Department, User
from kefu.tickets.models import Ticket
from kefu.tickets.states import AWAITING_CUSTOMER, FINAL_STATUSES, OPEN_STATUSES, Status


def tickets_visible(user) -> QuerySet[Ticket]:
    """Orders *user* may see: their department subtree's, plus those they take part in
    (first responder, handler, participant)."""
    viewer = viewer_for(user)
    q = scope_q(
        viewer, department_field="department", participant_fields=("first_responder", "owner")
    )
    qs = Ticket.objects.all()
    if q is None:
        return qs
    if viewer.user_id is not None:
        q |= Q(
            pk__in=Ticket.participants.through.objects.filter(user_id=viewer.user_id).values(
                "ticket_id"
            )
        )
    return qs.filter(q)


QUEUES = ("mine", "to_sign", "first_responder", "urged", "supervised", "unclaimed", "all")


@dataclass(frozen=True)
class TicketFilter:
    status: tuple[str, ...] = ()
    ticket_type: int | None = None
    category: object | None = None  # a Category: matches it and its sub-categories
    department: object | None = None  # a Department: matches its subtree
    channel: str = ""
    grade: str = ""
    received_from: date | None = None
    received_to: date | None = None
    text: str = ""
    extra: dict = field(default_factory=dict)


def queue(user, name: str, filters: TicketFilter | None = None) -> QuerySet[Ticket]:
    """One of the role queues, in queue order (priority, customer grade, due time)."""
    qs = tickets_visible(user)
    # the same sorted lists as the partial indexes' conditions, so the planner uses them
    open_statuses = sorted(OPEN_STATUSES)
    active = sorted(OPEN_STATUSES | AWAITING_CUSTOMER)
    match name:
        case "mine":
            qs = qs.filter(owner=user, status__in=open_statuses)
        case "to_sign":
            if not user.department_id:
                return qs.none()
            subtree = Department.objects.filter(path__startswith=user.department.path)
            qs = qs.filter(
                status__in=open_statuses,
                department_id__in=Subquery(subtree.values("pk")),
            ).filter(status=Status.DISPATCHED)
        case "first_responder":
            qs = qs.filter(first_responder=user, status__in=active)
        case "urged":
            qs = qs.filter(status__in=active).filter(urge_count__gt=0, status__in=open_statuses)
        case "supervised":
            qs = qs.filter(status__in=active).filter(supervised=True)
        case "unclaimed":
            qs = qs.filter(first_responder__isnull=True, status__in=open_statuses)
        case "all":
            # work still in hand unless the filter asks for statuses (e.g. closed history)
            if filters is None or not filters.status:
                qs = qs.filter(status__in=active)
        case _:
            raise ValueError(f"unknown queue {name!r}")
    if filters is not None:
        qs = apply_filters(qs, filters)
    return (
        qs.select_related("category", "ticket_type", "department", "owner", "first_responder")
        .only(*QUEUE_COLUMNS)
        .order_by("priority_rank", "grade_rank", "due_sort", "id")
    )


# What queue pages, exports and keyset cursors read: loading only these keeps a page cheap.
QUEUE_COLUMNS = (
    "number",
    "status",
    "priority",
    "priority_rank",
    "grade_rank",
    "due_sort",
    "next_due_at",
    "channel",
    "title",
    "contact_name",
    "customer_grade",
    "urge_count",
    "repeat_count",
    "supervised",
    "created_at",
    "category__name",
    "ticket_type__name",
    "department__name",
    "owner__full_name",
    "owner__username",
    "owner__employee_no",
    "first_responder__full_name",
    "first_responder__username",
    "first_responder__employee_no",
)


def apply_filters(qs: QuerySet[Ticket], f: TicketFilter) -> QuerySet[Ticket]:
    if f.status:
        qs = qs.filter(status__in=f.status)
    if f.ticket_type:
        qs = qs.filter(ticket_type_id=f.ticket_type)
    if f.category is not None:
        qs = qs.filter(category__path__startswith=f.category.path)
    if f.department is not None:
        qs = qs.filter(department__path__startswith=f.department.path)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.grade:
        qs = qs.filter(customer_grade=f.grade)
    tz = timezone.get_current_timezone()
    if f.received_from:
        qs = qs.filter(created_at__gte=datetime.combine(f.received_from, time.min, tzinfo=tz))
    if f.received_to:
        qs = qs.filter(created_at__lt=datetime.combine(f.received_to, time.max, tzinfo=tz))
    if f.text:
        text = f.text.strip()
        qs = qs.filter(
            Q(number__startswith=text.upper())
            | Q(contact_phone__startswith=text)
            | Q(calling_number__startswith=text)
            | Q(title__icontains=text)
            | Q(contact_name__startswith=text)
        )
    return qs


# ---------------------------------------------------------------- keyset pages

_KEYS = ("priority_rank", "grade_rank", "due_sort", "id")


def _cursor_encode(ticket: Ticket) -> str:
    raw = [ticket.priority_rank, ticket.grade_rank, ticket.due_sort.isoformat(), ticket.pk]
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


def _cursor_decode(cursor: str) -> tuple | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        p, g, due, pk = json.loads(base64.urlsafe_b64decode(padded))
        due_at = parse_datetime(due)
        if due_at is None:
            return None
        return int(p), int(g), due_at, int(pk)
    except (ValueError, TypeError):
        return None


def keyset_page(
    qs: QuerySet[Ticket], *, after: str = "", size: int = 50
) -> tuple[list[Ticket], str]:
    """One page of a queue after the cursor; returns the rows and the next cursor ("" at end).

    The queue order (priority, grade, due, id) is also the index order, so a page costs the
    same at row 10 as at row 1,000,000.
    """
    decoded = _cursor_decode(after) if after else None
    if decoded is not None:
        p, g, due, pk = decoded
        qs = qs.filter(
            Q(priority_rank__gt=p)
            | Q(priority_rank=p, grade_rank__gt=g)
            | Q(priority_rank=p, grade_rank=g, due_sort__gt=due)
            | Q(priority_rank=p, grade_rank=g, due_sort=due, id__gt=pk)
        )
    rows = list(qs[: size + 1])
    next_cursor = _cursor_encode(rows[size - 1]) if len(rows) > size else ""
    return rows[:size], next_cursor


# ---------------------------------------------------------------- counts


def queue_counts(user) -> dict[str, int]:
    """How many orders wait in each of the user's queues."""
    counts = {}
    for name in ("mine", "to_sign", "first_responder", "urged", "supervised", "unclaimed"):
        counts[name] = queue(user, name).count()
    return counts


def first_responder_figures(user: User) -> dict[str, int]:
    """The first responder's record: orders taken, settled at first contact, repeat
    contacts by customers, and orders still not confirmed closed."""
    figures = Ticket.objects.filter(first_responder=user).aggregate(
        taken=Count("id"),
        settled=Count("id", filter=Q(settled_at_first_contact=True)),
        repeats=Sum("repeat_count"),
        still_open=Count("id", filter=~Q(status__in=FINAL_STATUSES)),
    )
    figures["repeats"] = figures["repeats"] or 0
    return figures


def ticket_for_user(user, pk: int) -> Ticket:
    """The order with its relations, or ``Ticket.DoesNotExist`` when outside the scope."""
    return (
        tickets_visible(user)
        .select_related(
            "category",
            "ticket_type",
            "department",
            "owner",
            "first_responder",
            "parent",
            "merged_into",
            "customer",
        )
        .get(pk=pk)
    )


def timeline(ticket: Ticket, *, public_only: bool = False):
    events = ticket.events.select_related("actor").prefetch_related("attachments")
    if public_only:
        events = events.filter(public=True)
    return events.order_by("created_at", "id")
