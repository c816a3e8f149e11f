"""Reads of work orders: scoped queues, filters, keyset pages and counts."""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from kefu.core.configcache import ConfigCache
from kefu.core.tree import subtree_q
from kefu.org.models import Department, User
from kefu.org.roles import DataScope, RoleCode
from kefu.org.scopes import Viewer, scope_q, viewer_for
from kefu.tickets.models import Category, LiaisonSlip, Ticket, TicketType
from kefu.tickets.states import AWAITING_CUSTOMER, FINAL_STATUSES, OPEN_STATUSES, Status


def tickets_visible(user) -> QuerySet[Ticket]:
    """Orders *user* may see: their department subtree's, plus those they take part in
    (first responder, handler, participant), plus the orders waiting in the claim queue of
    the customer service centre they answer for (see ``_claim_q``), plus, for account
    managers, the orders on the files of the customers in their care (``_customer_q``)."""
    q = _visible_q(viewer_for(user))
    return Ticket.objects.all() if q is None else Ticket.objects.filter(q)


def _visible_q(viewer: Viewer) -> Q | None:
    q = scope_q(
        viewer, department_field="department", participant_fields=("first_responder", "owner")
    )
    if q is not None and viewer.user_id is not None:
        q |= Q(pk__in=_participations(viewer.user_id))
        for claim in _claim_q(viewer):
            q |= claim
        for customers in _customer_q(viewer):
            q |= customers
    return q


# Who follows the service of the customers in their care (客户经理, 客户经理主管).
CUSTOMER_ROLES = frozenset({RoleCode.CUSTOMER_MANAGER, RoleCode.CM_SUPERVISOR})


def _customer_q(viewer: Viewer) -> list[Q]:
    """The orders on the files of the customers *viewer* looks after: an account manager's
    own customers and, with a subtree scope, the customers kept in his department's
    subtree (the customer archive's own scope)."""
    if not (viewer.roles & CUSTOMER_ROLES):
        return []
    found = [Q(customer__account_manager_id=viewer.user_id)]
    if viewer.scope == DataScope.SUBTREE and viewer.department_path:
        found.append(subtree_q("customer__department", viewer.department_path))
    return found


# Who takes on the orders that come in without a staff member (待认领).
CLAIMING_ROLES = frozenset({RoleCode.AGENT, RoleCode.SHIFT_LEADER, RoleCode.DEPARTMENT_HEAD})


def _claim_q(viewer: Viewer) -> list[Q]:
    """The orders not yet taken on that wait in a claim queue *viewer* works: for an agent,
    shift leader or head, the queue of the customer service centre they work in (or in one
    of its teams) and, with a subtree scope, of the centres under their department."""
    if not viewer.department_path or not (viewer.roles & CLAIMING_ROLES):
        return []
    unclaimed = Q(first_responder__isnull=True)
    ids = [int(part) for part in viewer.department_path.strip("/").split("/") if part]
    found = [unclaimed & Q(claim_department_id__in=ids)]
    if viewer.scope == DataScope.SUBTREE:
        found.append(unclaimed & subtree_q("claim_department", viewer.department_path))
    return found


def _participations(user_id: int) -> QuerySet:
    return Ticket.participants.through.objects.filter(user_id=user_id).values("ticket_id")


QUEUES = (
    "mine",
    "to_sign",
    "first_responder",
    "urged",
    "supervised",
    "major",
    "unclaimed",
    "overdue",
    "all",
)


# Roles that oversee others' work: their queue is everything in their scope.
OVERSEEING_ROLES = frozenset(
    {
        RoleCode.GENERAL_MANAGER,
        RoleCode.ADMINISTRATOR,
        RoleCode.DEPARTMENT_HEAD,
        RoleCode.SHIFT_LEADER,
    }
)


def default_queue(user) -> str:
    """The queue the 工单 menu opens: what the person's roles work through. Those who
    oversee see everything in their scope; a handler the orders he handles; an agent, who
    handles none, the orders he answers for as first responder."""
    roles = viewer_for(user).roles
    if user.is_superuser or roles & OVERSEEING_ROLES:
        return "all"
    if RoleCode.HANDLER in roles:
        return "mine"
    if RoleCode.AGENT in roles:
        return "first_responder"
    return "all"


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


# The columns a queue may be sorted by (``?sort=created_at``, ``?sort=-created_at``): the
# name in the address and the field it orders by. The order's id breaks ties, so that the
# order is total and pages neither repeat nor skip a row.
SORTS = {
    "number": "number",
    "created_at": "created_at",
    "priority": "priority_rank",
    "next_due_at": "due_sort",
    "status": "status",
    "category": "category__name",
}


def sort_keys(sort: str) -> tuple[str, ...] | None:
    """The ORDER BY of a whitelisted *sort*; None for the queue order (or an unknown sort)."""
    field_name = SORTS.get(sort.removeprefix("-"))
    if field_name is None:
        return None
    if sort.startswith("-"):
        return (f"-{field_name}", "-id")
    return (field_name, "id")


def queue(
    user, name: str, filters: TicketFilter | None = None, *, sort: str = ""
) -> QuerySet[Ticket]:
    """One of the role queues, in queue order (priority, customer grade, due time) or in
    the order of a column of ``SORTS``."""
    qs = _queue_filtered(user, name, filters)
    viewer = viewer_for(user)
    if _needs_scope(viewer, user, name):
        q = _visible_q(viewer)
        if q is not None:
            qs = qs.filter(q)
    return (
        qs.select_related("category", "ticket_type", "department", "owner", "first_responder")
        .only(*QUEUE_COLUMNS)
        .order_by(*(sort_keys(sort) or _KEYS))
    )


def _queue_q(user, name: str, filters: TicketFilter | None) -> Q | None:
    """The queue's own condition; None when the queue is empty for *user*."""
    # the same sorted lists as the partial indexes' conditions, so the planner uses them
    open_statuses = sorted(OPEN_STATUSES)
    active = sorted(OPEN_STATUSES | AWAITING_CUSTOMER)
    match name:
        case "mine":
            return Q(owner=user, status__in=open_statuses)
        case "to_sign":
            if not user.department_id:
                return None
            subtree = Department.objects.subtree_of(user.department)
            return Q(status=Status.DISPATCHED, department_id__in=Subquery(subtree.values("pk")))
        case "first_responder":
            return Q(first_responder=user, status__in=active)
        case "urged":
            return Q(urge_count__gt=0, status__in=open_statuses)
        case "supervised":
            return Q(supervised=True, status__in=active)
        case "major":
            # every major matter, finished ones too: the general manager follows them
            return Q(major=True)
        case "unclaimed":
            return Q(first_responder__isnull=True, status__in=open_statuses)
        case "overdue":
            # open orders whose next deadline has passed
            return Q(status__in=open_statuses, next_due_at__lt=timezone.now())
        case "all":
            # work still in hand unless the filter asks for statuses (e.g. closed history)
            if filters is None or not filters.status:
                return Q(status__in=active)
            return Q()
        case _:
            raise ValueError(f"unknown queue {name!r}")


def _queue_filtered(user, name: str, filters: TicketFilter | None) -> QuerySet[Ticket]:
    """The queue's own conditions and the user's filters, without the data scope."""
    q = _queue_q(user, name, filters)
    if q is None:
        return Ticket.objects.none()
    qs = Ticket.objects.filter(q)
    if filters is not None:
        qs = apply_filters(qs, filters)
    return qs


def _needs_scope(viewer: Viewer, user, name: str) -> bool:
    """Whether the data scope must still be applied to the queue *name* of *user*: not
    where the queue's own condition already keeps to what the user may see (their own
    orders; their department subtree's orders for a subtree or wider scope)."""
    if viewer.user_id is None or viewer.user_id != user.pk:
        return True
    if name in ("mine", "first_responder"):
        return False
    if name == "to_sign":
        return not (
            viewer.scope == DataScope.ALL
            or (
                viewer.scope == DataScope.SUBTREE
                and user.department_id
                and viewer.department_path == user.department.path
            )
        )
    return True


# What the queue page shows (and its cursor needs).
PAGE_COLUMNS = (
    "number",
    "status",
    "priority",
    "priority_rank",
    "grade_rank",
    "due_sort",
    "next_due_at",
    "next_warn_at",
    "title",
    "customer_grade",
    "urge_count",
    "supervised",
    "major",
    "created_at",
    "category__name",
    "department__name",
    "first_responder__full_name",
    "first_responder__username",
    "first_responder__employee_no",
)

# What exports and API lists read: loading only these keeps a page cheap.
QUEUE_COLUMNS = (
    *PAGE_COLUMNS,
    "channel",
    "contact_name",
    "repeat_count",
    "ticket_type__name",
    "owner__full_name",
    "owner__username",
    "owner__employee_no",
)


# What the API's order body reads (``kefu.tickets.api.TicketSerializer``): every column it
# shows and the related rows it names, so that a list reads no row twice.
API_RELATED = ("category", "ticket_type", "department", "owner", "first_responder", "parent")
API_COLUMNS = (
    *QUEUE_COLUMNS,
    "description",
    "extra",
    "contact_phone",
    "calling_number",
    "call_recording_ref",
    "address",
    "resolution",
    "settled_at_first_contact",
    "return_count",
    "supervision_due",
    "major_reason",
    "major_at",
    "dispatched_at",
    "signed_at",
    "resolved_at",
    "closed_at",
    "category__code",
    "ticket_type__code",
    "department__code",
    "parent__number",
)


def queue_for_api(user, name: str) -> QuerySet[Ticket]:
    """A queue as the API lists it: ``queue`` with every column of the API's order body
    loaded by the list's one query."""
    return queue(user, name).select_related(*API_RELATED).only(*API_COLUMNS)


def apply_filters(qs: QuerySet[Ticket], f: TicketFilter) -> QuerySet[Ticket]:
    if f.status:
        qs = qs.filter(status__in=f.status)
    if f.ticket_type:
        qs = qs.filter(ticket_type_id=f.ticket_type)
    if f.category is not None:
        qs = qs.filter(subtree_q("category", f.category))
    if f.department is not None:
        qs = qs.filter(subtree_q("department", f.department))
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


def _after(qs: QuerySet[Ticket], after: str) -> QuerySet[Ticket]:
    """The rows after the cursor in queue order, as one row-value comparison: the database
    then starts the index walk at the cursor instead of filtering from the first row."""
    decoded = _cursor_decode(after) if after else None
    if decoded is None:
        return qs
    p, g, due, pk = decoded
    ops = connection.ops
    table = ops.quote_name(Ticket._meta.db_table)
    columns = ", ".join(f"{table}.{ops.quote_name(key)}" for key in _KEYS)
    params = [p, g, ops.adapt_datetimefield_value(due), pk]  # as stored (text on SQLite)
    return qs.extra(where=[f"({columns}) > (%s, %s, %s, %s)"], params=params)  # noqa: S610


def keyset_page(
    qs: QuerySet[Ticket], *, after: str = "", size: int = 50
) -> tuple[list[Ticket], str]:
    """One page of a queue after the cursor; returns the rows and the next cursor ("" at end).

    The queue order (priority, grade, due, id) is also the index order, so a page costs the
    same at row 10 as at row 1,000,000.
    """
    rows = list(_after(qs, after)[: size + 1])
    next_cursor = _cursor_encode(rows[size - 1]) if len(rows) > size else ""
    return rows[:size], next_cursor


# A scoped queue is read as one index walk per department of the subtree (and one per way
# of taking part); beyond this many departments the plain filter is used.
MAX_SCOPE_BRANCHES = 40


def queue_page(
    user, name: str, filters: TicketFilter | None = None, *, after: str = "", size: int = 50
) -> tuple[list[Ticket], str]:
    """One page of a queue as shown on the queue page: like ``keyset_page(queue(…))``.

    A data scope is an OR over departments and people. Walking the queue index and
    dropping the rows of other departments reads every row ahead of the first visible one
    (thousands, at a million orders, for a small department). Where the database can
    order and limit each part of a UNION (PostgreSQL), the page is instead the union of
    short index walks, one per department of the subtree and one per way of taking part,
    each stopping after a page: the cost then follows the page size, not the table.
    """
    viewer = viewer_for(user)
    base = _after(_queue_filtered(user, name, filters), after)
    branches = None
    split = connection.features.supports_slicing_ordering_in_compound
    if _needs_scope(viewer, user, name):
        branches = _scope_branches(viewer) if split else None
        if branches is None:
            q = _visible_q(viewer)
            base = base if q is None else base.filter(q)
    elif name == "to_sign" and split and user.department_id:
        # the department subtree is an OR over departments too
        departments = _subtree(user.department.path)
        branches = None if departments is None else [Q(department_id=d) for d in departments]
    # only what the page shows: fewer joins also make the query quicker to plan
    page = ("category", "department", "first_responder")
    if branches is None:
        rows = list(base.select_related(*page).only(*PAGE_COLUMNS).order_by(*_KEYS)[: size + 1])
    else:
        walks = [
            base.filter(branch).order_by(*_KEYS).values_list(*_KEYS)[: size + 1]
            for branch in branches
        ]
        keys = walks[0].union(*walks[1:]).order_by(*_KEYS)[: size + 1] if walks[1:] else walks[0]
        ids = [key[3] for key in keys]
        found = Ticket.objects.select_related(*page).only(*PAGE_COLUMNS).in_bulk(ids)
        rows = [found[pk] for pk in ids if pk in found]
    next_cursor = _cursor_encode(rows[size - 1]) if len(rows) > size else ""
    return rows[:size], next_cursor


def _scope_branches(viewer: Viewer) -> list[Q] | None:
    """The data scope of *viewer* as alternatives each served by one index walk; None for
    no restriction or too many departments."""
    if viewer.user_id is None or viewer.scope == DataScope.ALL:
        return None
    branches = [
        Q(first_responder_id=viewer.user_id),
        Q(owner_id=viewer.user_id),
        Q(pk__in=_participations(viewer.user_id)),
        *_claim_q(viewer),
    ]
    if viewer.scope == DataScope.SUBTREE and viewer.department_path:
        departments = _subtree(viewer.department_path)
        if departments is None:
            return None
        branches += [Q(department_id=pk) for pk in departments]
    return branches


def _subtree(path: str) -> list[int] | None:
    """The ids of the departments under *path*; None when too many to walk one by one."""
    departments = list(
        Department.objects.filter(subtree_q("", path))
        .order_by()
        .values_list("pk", flat=True)[: MAX_SCOPE_BRANCHES + 1]
    )
    return None if len(departments) > MAX_SCOPE_BRANCHES else departments


# ---------------------------------------------------------------- counts


def sorted_page(
    user, name: str, filters: TicketFilter | None, *, sort: str, page: int = 1, size: int = 50
) -> tuple[list[Ticket], bool]:
    """One page of a queue sorted by a column (``SORTS``); returns the rows and whether a
    next page follows. Numbered pages (offset) rather than a cursor: the order is total
    (column, id), so a page neither repeats nor skips a row, and any column may be sorted
    without an index or a cursor format of its own."""
    start = (max(page, 1) - 1) * size
    rows = list(queue(user, name, filters, sort=sort)[start : start + size + 1])
    return rows[:size], len(rows) > size


def tab_counts(user) -> dict[str, int]:
    """How many orders wait in each queue of ``QUEUES``, as the tabs show them: one query
    over what the user may see, one conditional count per queue."""
    viewer = viewer_for(user)
    conditions = {name: _queue_q(user, name, None) for name in QUEUES}
    counted = {name: q for name, q in conditions.items() if q is not None}
    qs = Ticket.objects.all()
    scope = _visible_q(viewer)
    if scope is not None:
        qs = qs.filter(scope)
    # aliases apart from the field names (a queue is named like a field: first_responder)
    found = qs.aggregate(**{f"n_{name}": Count("id", filter=q) for name, q in counted.items()})
    return {name: found.get(f"n_{name}") or 0 for name in QUEUES}


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


# ---------------------------------------------------------------- categories at intake


def _active_categories() -> dict[str, Category]:
    return {
        category.code: category
        for category in Category.objects.filter(is_active=True).select_related("ticket_type")
    }


_categories = ConfigCache(lambda: [Category, TicketType], _active_categories)


def active_category(code: str) -> Category | None:
    """The active category with this code and its ticket type, from the per-process copy
    (see :mod:`kefu.core.configcache`); each caller gets its own instance."""
    category = _categories.get().get(code)
    return None if category is None else copy.copy(category)


CALLER_ORDERS = 10


def caller_orders(user, phone: str, *, customer_ids=()) -> list[Ticket]:
    """The caller's most recent orders in *user*'s scope, open and finished, newest first:
    those with the number as contact or calling number and those of the caller's customer
    files, each with its category, handler and ``last_note`` (the latest timeline line
    with words). One query."""
    from kefu.tickets.models import TicketEvent

    phone = (phone or "").strip()
    match = Q()
    if phone:
        match |= Q(contact_phone=phone) | Q(calling_number=phone)
    if customer_ids:
        match |= Q(customer_id__in=list(customer_ids))
    if not match:
        return []
    last_note = (
        TicketEvent.objects.filter(ticket=OuterRef("pk"))
        .exclude(note="")
        .order_by("-created_at", "-id")
        .values("note")[:1]
    )
    return list(
        tickets_visible(user)
        .filter(match)
        .select_related("category", "owner", "department")
        .annotate(last_note=Subquery(last_note))
        .order_by("-created_at", "-id")[:CALLER_ORDERS]
    )


def canned_replies_for(ticket: Ticket, user) -> list[dict[str, str]]:
    """The active canned replies (常用语) offered on *ticket*'s page: those of its category
    and of the categories above it first, then the general ones, each with its
    placeholders ({number}, {customer}, {agent_no}) filled in for this order and *user*."""
    from kefu.tickets.models import CannedReply

    ids = [int(part) for part in ticket.category.path.strip("/").split("/") if part]
    rows = CannedReply.objects.filter(
        Q(category__isnull=True) | Q(category_id__in=ids), is_active=True
    ).order_by("sort_order", "id")
    values = {
        "number": ticket.number,
        "customer": ticket.contact_name or "",
        "agent_no": getattr(user, "employee_no", "") or "",
    }
    found = [
        {
            "title": row.title,
            "text": _fill(row.text, values),
            "category": row.category.name if row.category_id else "",
        }
        for row in rows.select_related("category")
    ]
    return sorted(found, key=lambda reply: reply["category"] == "")


def _fill(text: str, values: dict[str, str]) -> str:
    """``text`` with the known placeholders filled; any other braces are left as typed."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


# ---------------------------------------------------------------- configurable lists


@dataclass(frozen=True)
class Vocabulary:
    """The configurable lists an order's facts come from: the channels (code → name, in
    order; ``active`` those offered at intake) and the customer archive's grades and
    service tiers (code → label, in rank order)."""

    channels: dict[str, str]
    active_channels: tuple[str, ...]
    grades: dict[str, str]
    tiers: dict[str, str]

    def grade_rank(self, grade: str) -> int:
        from kefu.tickets.rules import grade_rank

        return grade_rank(grade, tuple(self.grades))


def _vocabulary() -> Vocabulary:
    from kefu.customers.services import current_policy
    from kefu.tickets.models import IntakeChannel

    rows = list(IntakeChannel.objects.order_by("sort_order", "id"))
    policy = current_policy()
    return Vocabulary(
        channels={row.code: row.name for row in rows},
        active_channels=tuple(row.code for row in rows if row.is_active),
        grades={o.code: str(o.label) for o in policy.grades},
        tiers={o.code: str(o.label) for o in policy.service_tiers},
    )


def _vocabulary_models() -> list:
    from kefu.customers.models import CustomerPolicyConfig
    from kefu.tickets.models import IntakeChannel

    return [IntakeChannel, CustomerPolicyConfig]


_vocabulary_cache = ConfigCache(_vocabulary_models, _vocabulary)


def vocabulary() -> Vocabulary:
    """The channels, grades and tiers in force, from the per-process copy."""
    return _vocabulary_cache.get()


def channel_choices(
    *, active_only: bool = True, vocab: Vocabulary | None = None
) -> list[tuple[str, str]]:
    vocab = vocab or vocabulary()
    codes = vocab.active_channels if active_only else tuple(vocab.channels)
    return [(code, vocab.channels[code]) for code in codes]


def channel_name(code: str) -> str:
    return vocabulary().channels.get(code, code)


def grade_choices(vocab: Vocabulary | None = None) -> list[tuple[str, str]]:
    vocab = vocab or vocabulary()
    return [
        (code, code if label == code else f"{code} · {label}")
        for code, label in vocab.grades.items()
    ]


def tier_choices() -> list[tuple[str, str]]:
    return list(vocabulary().tiers.items())


# ---------------------------------------------------------------- liaison slips


def liaison_slips_visible(user) -> QuerySet[LiaisonSlip]:
    """The work liaison slips *user* may see: those of the departments in their data scope
    and those they registered, newest first."""
    q = scope_q(
        viewer_for(user), department_field="department", participant_fields=("registered_by",)
    )
    qs = LiaisonSlip.objects.all() if q is None else LiaisonSlip.objects.filter(q)
    return qs.select_related("department", "ticket", "registered_by").order_by(
        "-registered_at", "-id"
    )
