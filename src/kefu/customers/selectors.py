"""Reads of the customer archive, always through the data scope (``kefu.org.scopes``).

A customer belongs to its department (the account manager's) and its account manager takes
part in it. Lists, exports and the API use ``customers_visible``. The hotline's lookup and
the customer page also let the policy's *directory roles* (agents, shift leaders) find any
customer, with personal data masked — see docs/customers.md ("Who sees which customer").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from kefu.customers import permissions, rules
from kefu.customers.models import (
    ChangeStatus,
    Contact,
    Customer,
    CustomerKey,
    GradingRound,
    InfoFile,
    Interaction,
    KeyKind,
    ManagerChange,
    PiiAccess,
    ServiceAccount,
    TripLog,
    VisitPlan,
    VisitRecord,
    VisitStatus,
    WeeklySummary,
)
from kefu.customers.policy import CustomerPolicy
from kefu.customers.services.managers import manager_loads
from kefu.customers.services.policy import current_policy
from kefu.customers.services.weekly import summary_due
from kefu.org.models import Department, User
from kefu.org.roles import RoleCode
from kefu.org.scopes import scope_q, scope_queryset, viewer_for

CUSTOMER_SCOPE = {"department_field": "department", "participant_fields": ("account_manager",)}


def customers_visible(user) -> QuerySet[Customer]:
    """Customers in *user*'s data scope (lists, exports, API)."""
    return scope_queryset(Customer.objects.all(), user, **CUSTOMER_SCOPE)


def _customers_visible_by_ids(user) -> QuerySet[Customer]:
    """The same customers as ``customers_visible``, with the department subtree resolved
    to ids first (one small query). The planner then combines the department and account
    manager indexes; a join on the department's path hides from it how few customers
    qualify, and it scans them all. For filters no index serves (text inside a name)."""
    viewer = viewer_for(user)
    if viewer.user_id is None:
        return Customer.objects.none()
    departments = scope_q(viewer, department_field="")
    if departments is None:
        return Customer.objects.all()
    ids = list(Department.objects.filter(departments).values_list("pk", flat=True))
    people = scope_q(
        viewer, department_field=None, participant_fields=CUSTOMER_SCOPE["participant_fields"]
    )
    return Customer.objects.filter(Q(department_id__in=ids) | people)


def customers_findable(user, policy: CustomerPolicy | None = None) -> QuerySet[Customer]:
    """Customers *user* may find and open: the data scope, or everyone for directory roles."""
    policy = policy or current_policy()
    if permissions.is_directory_user(user, policy):
        return Customer.objects.all()
    return customers_visible(user)


# ---------------------------------------------------------------------------- lookup


@dataclass(frozen=True)
class LookupHit:
    customer: Customer
    kind: str
    value: str
    contact: Contact | None


def _lookup_keys(user, policy: CustomerPolicy) -> QuerySet[CustomerKey]:
    keys = CustomerKey.objects.all()
    if not permissions.is_directory_user(user, policy):
        keys = scope_queryset(
            keys,
            user,
            department_field="customer__department",
            participant_fields=("customer__account_manager",),
        )
    return keys


def customer_lookup(user, query: str, *, limit: int = 20) -> list[LookupHit]:
    """The agent's one search box: phone (any contact's), account number, customer number,
    document number or name — prefix matches on the indexed keys first, then (for names)
    matches inside the name. Each customer appears once, with the key that matched."""
    text = (query or "").strip()
    if lookup_kind(text) == "phone":
        value = rules.phone_lookup_value(text)
        if len(value) < 3:
            return []
    else:
        value = rules.normalise_key(text)
        if not value or (value.isascii() and len(value) < 2):
            return []
    policy = current_policy()
    keys = _lookup_keys(user, policy).select_related(
        "customer",
        "customer__account_manager",
        "customer__department",
        "customer__duplicate_of",
        "contact",
    )
    hits: dict[int, LookupHit] = {}
    # ORDER BY value alone walks the value index and stops at the limit; adding a tie-breaker
    # would sort every match of a short prefix first.
    for key in starting_with(keys, value).order_by("value")[: limit * 3]:
        if key.customer_id not in hits:
            hits[key.customer_id] = LookupHit(key.customer, key.kind, key.value, key.contact)
        if len(hits) >= limit:
            break
    # Numbers and codes are found by prefix; only a name is looked for inside as well.
    if len(hits) < limit and len(value) >= 2 and not value.isascii():
        wanted = limit - len(hits)
        if len(value) >= 3 or permissions.is_directory_user(user, policy):
            # the pg_trgm index over name keys (three characters or more), then the scope
            inner = (
                keys.filter(kind__in=[KeyKind.NAME, KeyKind.CONTACT_NAME], value__contains=value)
                .exclude(customer_id__in=list(hits))
                .order_by()[: wanted * 2]
            )
            found = ((key.customer, key.kind, key.value, key.contact) for key in inner)
        else:
            # two characters inside a name: no trigram; the scope narrows first
            inner = (
                _customers_visible_by_ids(user)
                .filter(name__contains=text)
                .exclude(pk__in=list(hits))
                .select_related("account_manager", "department", "duplicate_of")
                # sorting needs every match: the planner then weighs the scope's indexes
                # against a full scan instead of hoping a scan meets the LIMIT early
                .order_by("name", "id")[:wanted]
            )
            found = ((c, KeyKind.NAME, c.name, None) for c in inner)
        for customer, kind, matched, contact in found:
            if customer.pk not in hits:
                hits[customer.pk] = LookupHit(customer, kind, matched, contact)
            if len(hits) >= limit:
                break
    return list(hits.values())


def lookup_kind(text: str) -> str:
    return rules.lookup_kind(text)


def starting_with(keys: QuerySet[CustomerKey], value: str) -> QuerySet[CustomerKey]:
    """Keys whose value starts with *value*, as a range on the value index.

    ``value >= q AND value < q + U+10FFFF`` is the same set as ``LIKE 'q%'`` under a
    code-point collation (SQLite's BINARY; the column is COLLATE "C" on PostgreSQL, see
    migration 0002), and unlike LIKE both databases answer it from the b-tree index in
    value order, so ``ORDER BY value LIMIT n`` stops after n rows.
    """
    return keys.filter(value__gte=value, value__lt=value + "\U0010ffff")


# ---------------------------------------------------------------------------- lists


@dataclass(frozen=True)
class CustomerFilter:
    q: str = ""
    kind: str = ""
    grade: str = ""
    service_tier: str = ""
    account_manager: User | None = None
    tag: str = ""
    status: str = "active"  # active | duplicates | inactive | all


def customer_list(user, filters: CustomerFilter) -> QuerySet[Customer]:
    """The customer list, on the page and through the API: the data scope (directory
    roles included: they open any customer, but list only their scope's), filtered."""
    qs = customers_visible(user).select_related("account_manager", "department")
    if filters.q:
        matching = starting_with(CustomerKey.objects.all(), _search_value(filters.q))
        qs = qs.filter(
            Q(pk__in=matching.values("customer_id")) | Q(name__contains=filters.q.strip())
        )
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.grade:
        qs = qs.filter(grade=filters.grade)
    if filters.service_tier:
        qs = qs.filter(service_tier=filters.service_tier)
    if filters.account_manager is not None:
        qs = qs.filter(account_manager=filters.account_manager)
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag)
    return customers_by_status(qs, filters.status).order_by("-created_at", "-id")


def customers_by_status(qs: QuerySet[Customer], status: str) -> QuerySet[Customer]:
    """The list's status filter: active (not duplicates), duplicates, inactive or all."""
    if status == "active":
        return qs.filter(is_active=True, duplicate_of__isnull=True)
    if status == "duplicates":
        return qs.filter(duplicate_of__isnull=False)
    if status == "inactive":
        return qs.filter(is_active=False)
    return qs


def _search_value(text: str) -> str:
    text = text.strip()
    if rules.lookup_kind(text) == "phone":
        return rules.phone_lookup_value(text)
    return rules.normalise_key(text)


def customers_for_export(user, filters: CustomerFilter) -> QuerySet[Customer]:
    return customer_list(user, filters).prefetch_related(
        Prefetch(
            "contacts", queryset=Contact.objects.filter(is_active=True).order_by("-is_key", "id")
        ),
        Prefetch("accounts", queryset=ServiceAccount.objects.order_by("id")),
        "tags",
    )


# ---------------------------------------------------------------------------- 360


def customer_360(customer: Customer) -> dict:
    """Everything about one customer the page shows (the caller has checked visibility)."""
    return {
        "contacts": list(customer.contacts.filter(is_active=True).order_by("-is_key", "id")),
        "accounts": list(customer.accounts.order_by("number")),
        "grade_records": list(customer.grade_records.select_related("decided_by")[:20]),
        "manager_changes": list(
            customer.manager_changes.select_related(
                "from_manager", "to_manager", "requested_by", "notified_by", "notice_contact"
            )[:20]
        ),
        "pending_change": customer.manager_changes.filter(status=ChangeStatus.PENDING)
        .select_related("to_manager", "notice_contact")
        .first(),
        "visits": list(customer.visits.select_related("manager", "contact")[:10]),
        "visit_plans": list(
            customer.visit_plans.filter(
                status__in=[VisitStatus.SUBMITTED, VisitStatus.APPROVED]
            ).select_related("manager")[:10]
        ),
        "interactions": list(customer.interactions.select_related("staff", "contact")[:20]),
        "duplicates": list(customer.duplicates.select_related("account_manager")),
        "tags": list(customer.tags.all()),
    }


def pii_log(customer: Customer, *, limit: int = 20) -> list[PiiAccess]:
    return list(customer.pii_accesses.select_related("user")[:limit])


# ---------------------------------------------------------------------------- supervisor


def _scoped_by_manager(qs: QuerySet, user, field: str = "manager") -> QuerySet:
    return scope_queryset(
        qs, user, department_field=f"{field}__department", participant_fields=(field,)
    )


def supervisor_board(user, *, now: datetime | None = None) -> dict:
    """What the account-manager supervisor must act on, within their scope."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    customers = customers_visible(user).select_related("account_manager")
    info_files = info_files_visible(user)
    monday = rules.week_start(today)
    return {
        "reassignable": list(customers.reassignable(now).order_by("first_contact_due_at")[:100]),
        "unassigned": list(customers.active().filter(account_manager__isnull=True)[:100]),
        "duplicates": list(
            customers.filter(duplicate_of__isnull=False)
            .select_related("duplicate_of", "duplicate_of__account_manager", "created_by")
            .order_by("-created_at")[:100]
        ),
        "pending_changes": list(
            ManagerChange.objects.filter(
                status=ChangeStatus.PENDING, customer__in=customers.values("pk")
            ).select_related("customer", "from_manager", "to_manager", "notice_contact")
        ),
        "overdue_entries": list(
            info_files.filter(entered_at__isnull=True, entry_due_at__lt=now).order_by(
                "entry_due_at"
            )[:100]
        ),
        "late_entries": list(
            info_files.filter(
                entered_at__isnull=False,
                entry_due_at__lt=F("entered_at"),
                entered_at__gte=now - timedelta(days=30),
            ).order_by("-entered_at")[:100]
        ),
        "grades_due": list(
            customers.active().filter(grade_due_on__lte=today).order_by("grade_due_on", "id")[:100]
        ),
        "plans_to_approve": list(
            _scoped_by_manager(VisitPlan.objects.all(), user)
            .filter(status=VisitStatus.SUBMITTED)
            .exclude(manager=user)
            .select_related("customer", "manager", "contact")
            .order_by("planned_start")
        ),
        "summaries": weekly_consolidation(user, monday - timedelta(days=7), now=now),
        "portfolio": portfolio(user),
    }


def info_files_visible(user) -> QuerySet[InfoFile]:
    """Captured customer files of *user*'s scope (their department's, and their own)."""
    return scope_queryset(
        InfoFile.objects.select_related("captured_by", "customer"),
        user,
        department_field="department",
        participant_fields=("captured_by",),
    )


def managers_visible(user) -> QuerySet[User]:
    """Active account managers within *user*'s scope."""
    return scope_queryset(
        User.objects.filter(is_active=True, roles__code=RoleCode.CUSTOMER_MANAGER),
        user,
        department_field="department",
        participant_fields=("pk",),
    ).order_by("department__path", "employee_no", "id")


def portfolio(user) -> list[dict]:
    """Each visible account manager with their number of active customers."""
    managers = managers_visible(user).annotate(
        load=Count(
            "managed_customers",
            filter=Q(managed_customers__is_active=True, managed_customers__duplicate_of=None),
        )
    )
    return [{"manager": m, "customers": m.load} for m in managers]


def team_loads(user) -> dict[int, int]:
    if user.department_id is None:
        return {}
    return manager_loads(user.department)


@dataclass
class SummaryRow:
    manager: User
    summary: WeeklySummary | None
    due: datetime
    late: bool
    visits: int
    trips: int
    discrepancies: list


def weekly_consolidation(user, monday: date, *, now: datetime | None = None) -> list[SummaryRow]:
    """The supervisor's consolidated weekly view: every visible manager's summary (or its
    absence), lateness, and where trip logs, visit records and the summary disagree."""
    now = now or timezone.now()
    policy = current_policy()
    sunday = monday + timedelta(days=6)
    due = summary_due(monday, policy)
    managers = list(managers_visible(user))
    ids = [m.pk for m in managers]
    summaries = {
        s.manager_id: s for s in WeeklySummary.objects.filter(manager_id__in=ids, week_start=monday)
    }
    zone = timezone.get_current_timezone()
    start = datetime.combine(monday, datetime.min.time(), tzinfo=zone)
    visits: dict[int, list[rules.Visit]] = {i: [] for i in ids}
    for manager_id, customer_id, visited_at in VisitRecord.objects.filter(
        manager_id__in=ids, visited_at__gte=start, visited_at__lt=start + timedelta(days=7)
    ).values_list("manager_id", "customer_id", "visited_at"):
        visits[manager_id].append(rules.Visit(timezone.localdate(visited_at), customer_id))
    trips: dict[int, list[rules.Trip]] = {i: [] for i in ids}
    for manager_id, customer_id, day in TripLog.objects.filter(
        manager_id__in=ids, trip_date__range=(monday, sunday)
    ).values_list("manager_id", "customer_id", "trip_date"):
        trips[manager_id].append(rules.Trip(day, customer_id))
    rows = []
    for manager in managers:
        summary = summaries.get(manager.pk)
        rows.append(
            SummaryRow(
                manager=manager,
                summary=summary,
                due=summary.due_at if summary else due,
                late=rules.summary_is_late(
                    due=summary.due_at if summary else due,
                    submitted_at=summary.submitted_at if summary else None,
                    now=now,
                ),
                visits=len(visits[manager.pk]),
                trips=len(trips[manager.pk]),
                discrepancies=rules.reconcile(
                    trips=trips[manager.pk],
                    visits=visits[manager.pk],
                    reported_visits=summary.reported_visits if summary else None,
                ),
            )
        )
    return rows


def visit_plans_visible(user) -> QuerySet[VisitPlan]:
    return _scoped_by_manager(VisitPlan.objects.all(), user).select_related(
        "customer", "manager", "contact", "decided_by"
    )


def visit_records_visible(user) -> QuerySet[VisitRecord]:
    return _scoped_by_manager(VisitRecord.objects.all(), user).select_related(
        "customer", "manager", "contact", "plan"
    )


def trip_logs_visible(user) -> QuerySet[TripLog]:
    return _scoped_by_manager(TripLog.objects.all(), user).select_related("customer", "manager")


def summaries_visible(user) -> QuerySet[WeeklySummary]:
    return _scoped_by_manager(WeeklySummary.objects.all(), user).select_related("manager")


def rounds_visible(user) -> QuerySet[GradingRound]:
    """The grading rounds in *user*'s scope, and the rounds of the departments above him:
    a round covers the customers of its department's whole subtree, so the account
    managers of its teams give their preliminary grades in it."""
    viewer = viewer_for(user)
    rounds = GradingRound.objects.select_related("department", "opened_by", "closed_by")
    q = scope_q(viewer, department_field="department", participant_fields=("opened_by",))
    if q is None:
        return rounds
    if viewer.department_path:
        q |= Q(department_id__in=[int(p) for p in viewer.department_path.strip("/").split("/")])
    return rounds.filter(q)


def interactions_of(customer: Customer) -> QuerySet[Interaction]:
    return customer.interactions.select_related("staff", "contact")
