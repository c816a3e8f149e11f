"""Reads of SLA policies and time limits, and the pure values built from them.

The ticket code calls :func:`policy_for` to choose a policy and
:func:`new_ticket_deadlines` to compute a new ticket's milestones (the calendars come from
``kefu.calendars.selectors``). Nothing is cached between calls (several processes serve
kefu); each call costs a few queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.calendars.models import WorkCalendar
from kefu.calendars.selectors import calendars_for, history_entries
from kefu.sla.models import SlaMilestone, SlaPolicy
from kefu.sla.policy import (
    CONDITION_FIELDS,
    Facts,
    MilestoneDeadline,
    MilestoneSpec,
    PolicySpec,
    match_policy,
    plan_deadlines,
)
from kefu.sla.presets import CONDITION_LABELS

# ---------------------------------------------------------------------------- policies


def _milestones_prefetch() -> Prefetch:
    return Prefetch(
        "milestones",
        queryset=SlaMilestone.objects.select_related("calendar").order_by("position", "id"),
    )


def condition_names() -> dict[str, dict[str, str]]:
    """The labels of the codes a policy's conditions name, by condition: ticket type and
    category names, priority labels, the channel list's names, the customer policy's
    grades and service tiers."""
    from kefu.customers.services import current_policy
    from kefu.tickets.models import Category, TicketType
    from kefu.tickets.rules import Priority
    from kefu.tickets.selectors import vocabulary

    customer_policy = current_policy()
    names = {
        "ticket_types": dict(TicketType.objects.values_list("code", "name")),
        "categories": dict(Category.objects.values_list("code", "name")),
        "priorities": {code: str(label) for code, label in Priority.choices},
        "channels": dict(vocabulary().channels),
        "customer_grades": {o.code: str(o.label) for o in customer_policy.grades},
        "service_tiers": {o.code: str(o.label) for o in customer_policy.service_tiers},
    }
    for condition, labels in CONDITION_LABELS.items():
        names[condition] = {
            **{code: str(label) for code, label in labels.items()},
            **names[condition],
        }
    return names


# What each condition of a policy is called on its form and in its errors.
CONDITION_TITLES = {
    "ticket_types": gettext_lazy("Ticket types"),
    "categories": gettext_lazy("Categories"),
    "priorities": gettext_lazy("Priorities"),
    "customer_grades": gettext_lazy("Customer grades"),
    "service_tiers": gettext_lazy("Service tiers"),
    "channels": gettext_lazy("Channels"),
}


def condition_options() -> dict[str, list[tuple[str, str]]]:
    """What a policy's conditions may name, by condition, as (code, label) in display
    order: the ticket types and the category tree of the order settings, the priorities,
    the channel list, and the customer archive's grades and service tiers."""
    from kefu.tickets.models import Category, TicketType
    from kefu.tickets.rules import Priority
    from kefu.tickets.selectors import vocabulary

    vocab = vocabulary()
    return {
        "ticket_types": [
            (code, name)
            for code, name in TicketType.objects.order_by("sort_order", "id").values_list(
                "code", "name"
            )
        ],
        "categories": [
            (code, "　" * depth + name)
            for code, name, depth in Category.objects.order_by("path").values_list(
                "code", "name", "depth"
            )
        ],
        "priorities": [(code, str(label)) for code, label in Priority.choices],
        "customer_grades": [
            (code, code if label == code else f"{code} · {label}")
            for code, label in vocab.grades.items()
        ],
        "service_tiers": list(vocab.tiers.items()),
        "channels": list(vocab.channels.items()),
    }


def unknown_condition_codes(
    conditions: dict[str, list[str]], *, allowed: dict[str, set[str]] | None = None
) -> dict[str, list[str]]:
    """The codes in ``conditions`` that name nothing that exists, by condition (codes in
    ``allowed`` — e.g. those the policy already has — pass)."""
    options = condition_options()
    allowed = allowed or {}
    unknown = {}
    for name, codes in conditions.items():
        known = {code for code, _label in options.get(name, ())} | allowed.get(name, set())
        bad = [code for code in codes if code not in known]
        if bad:
            unknown[name] = bad
    return unknown


def policies_list() -> QuerySet[SlaPolicy]:
    """All policies in matching order, with their milestones (two queries)."""
    return SlaPolicy.objects.order_by("order", "id").prefetch_related(_milestones_prefetch())


def active_policies() -> list[PolicySpec]:
    """The active policies as pure values, in matching order (two queries).

    Read as plain values, not model instances: intake calls this for every new ticket.
    """
    rows = list(
        SlaPolicy.objects.filter(is_active=True)
        .order_by("order", "id")
        .values("id", "code", "name", "order", *CONDITION_FIELDS)
    )
    milestones: dict[int, list[MilestoneSpec]] = defaultdict(list)
    for m in (
        SlaMilestone.objects.filter(policy__is_active=True)
        .order_by("position", "id")
        .values(
            "id",
            "policy_id",
            "position",
            "kind",
            "label",
            "amount",
            "unit",
            "hard_limit_amount",
            "calendar__code",
            "starts_at",
            "pauses",
            "warning_thresholds",
        )
    ):
        milestones[m["policy_id"]].append(
            MilestoneSpec(
                id=m["id"],
                kind=m["kind"],
                label=m["label"],
                amount=m["amount"],
                unit=m["unit"],
                calendar=m["calendar__code"],
                starts_at=m["starts_at"],
                pauses=m["pauses"],
                warning_thresholds=tuple(m["warning_thresholds"] or ()),
                hard_limit_amount=m["hard_limit_amount"],
                position=m["position"],
            )
        )
    return [
        PolicySpec(
            id=row["id"],
            code=row["code"],
            name=row["name"],
            order=row["order"],
            conditions={name: frozenset(row[name] or ()) for name in CONDITION_FIELDS},
            milestones=tuple(milestones[row["id"]]),
        )
        for row in rows
    ]


def policy_for(facts: Facts, *, policy_code: str = "") -> PolicySpec | None:
    """The policy for a ticket: the active policy named by ``policy_code`` when given (a
    category may name one), else the first active policy matching ``facts``, else None."""
    policies = active_policies()
    if policy_code:
        for policy in policies:
            if policy.code == policy_code:
                return policy
    return match_policy(policies, facts)


def new_ticket_deadlines(
    *, facts: Facts, accepted_at: datetime, policy_code: str = ""
) -> tuple[PolicySpec | None, tuple[MilestoneDeadline, ...]]:
    """The policy for a new ticket and its milestones' deadlines (five queries).

    Holiday data is read for the year of acceptance and the next one; a limit reaching
    beyond comes back provisional. Milestones that start at resolution, or at a previous
    milestone not reached yet, come back with ``start=None``: compute them when their clock
    starts with ``kefu.sla.policy.milestone_due`` (or ``plan_deadlines`` with ``reached``).
    """
    policy = policy_for(facts, policy_code=policy_code)
    if policy is None:
        return None, ()
    year = accepted_at.year
    calendars = calendars_for(
        {m.calendar for m in policy.milestones}, years=(year - 1, year, year + 1)
    )
    return policy, plan_deadlines(policy, calendars, accepted_at=accepted_at)


# ---------------------------------------------------------------------------- explainer


@dataclass(frozen=True)
class PolicyCheck:
    """A policy checked before the one that applies, and the conditions that ruled it out
    (names as in ``CONDITION_FIELDS``)."""

    policy: PolicySpec
    failed: tuple[str, ...]
    draft: bool = False


@dataclass(frozen=True)
class Explanation:
    """Which policy applies to an order with ``facts`` and why: the policies checked
    before it (by matching order) and why each did not match, and the milestones an
    order accepted at ``accepted_at`` would get. ``by_category``: the category names the
    policy itself (it then applies whatever the conditions say)."""

    facts: Facts
    accepted_at: datetime
    checked: tuple[PolicyCheck, ...]
    policy: PolicySpec | None
    policy_is_draft: bool = False
    by_category: bool = False
    category_policy_code: str = ""
    draft: PolicySpec | None = None
    draft_active: bool = True
    plan: tuple[MilestoneDeadline, ...] = ()


def facts_from_choices(
    *,
    category: str = "",
    ticket_type: str = "",
    priority: str = "",
    customer_grade: str = "",
    service_tier: str = "",
    channel: str = "",
) -> tuple[Facts, str]:
    """The facts an order with these choices would be matched by (as intake builds
    them: the category as its path of codes, its ticket type and default priority
    when none is chosen) and the policy code its category names ("" for none)."""
    from kefu.tickets.models import Category

    path, policy_code = "", ""
    if category:
        node = Category.objects.select_related("ticket_type").filter(code=category).first()
        if node is not None:
            ids = [int(p) for p in node.path.strip("/").split("/") if p]
            codes = dict(Category.objects.filter(pk__in=ids).values_list("pk", "code"))
            path = "/".join(codes[i] for i in ids if i in codes)
            ticket_type = ticket_type or node.ticket_type.code
            priority = priority or node.default_priority
            policy_code = node.sla_policy_code
    facts = Facts(
        ticket_type=ticket_type,
        category=path,
        priority=priority,
        customer_grade=customer_grade,
        service_tier=service_tier,
        channel=channel,
    )
    return facts, policy_code


def draft_policy(values: dict, *, policy: SlaPolicy | None = None) -> PolicySpec:
    """A policy as entered on its form, not saved: the stored policy's milestones (or
    none for a new one) with the entered code, name, order and conditions."""
    milestones: tuple[MilestoneSpec, ...] = ()
    if policy is not None:
        rows = policy.milestones.select_related("calendar").order_by("position", "id")
        milestones = policy.to_spec(rows).milestones
    return PolicySpec(
        id=policy.pk if policy is not None else None,
        code=values.get("code") or (policy.code if policy is not None else ""),
        name=values.get("name") or (policy.name if policy is not None else ""),
        order=values.get("order", policy.order if policy is not None else 0) or 0,
        conditions={name: frozenset(values.get(name) or ()) for name in CONDITION_FIELDS},
        milestones=milestones,
    )


def explain_policy(
    facts: Facts,
    *,
    accepted_at: datetime,
    category_policy_code: str = "",
    draft: PolicySpec | None = None,
    draft_active: bool = True,
) -> Explanation:
    """Which active policy an order with ``facts`` gets, as intake chooses it (the
    policy its category names first, else the first whose conditions all hold), with
    ``draft`` — a policy being edited, not saved — in place of its stored version (or
    added, for a new one; left out when ``draft_active`` is False)."""
    policies = [
        p for p in active_policies() if draft is None or draft.id is None or p.id != draft.id
    ]
    if draft is not None and draft_active:
        policies.append(draft)
    policies.sort(key=lambda p: (p.order, p.id if p.id is not None else float("inf")))

    def result(policy, checked=(), by_category=False) -> Explanation:
        plan: tuple[MilestoneDeadline, ...] = ()
        if policy is not None:
            year = accepted_at.year
            calendars = calendars_for(
                {m.calendar for m in policy.milestones}, years=(year - 1, year, year + 1)
            )
            plan = plan_deadlines(policy, calendars, accepted_at=accepted_at)
        return Explanation(
            facts=facts,
            accepted_at=accepted_at,
            checked=tuple(checked),
            policy=policy,
            policy_is_draft=policy is not None and policy is draft,
            by_category=by_category,
            category_policy_code=category_policy_code,
            draft=draft,
            draft_active=draft_active,
            plan=plan,
        )

    if category_policy_code:
        named = next((p for p in policies if p.code == category_policy_code), None)
        if named is not None:
            return result(named, by_category=True)
    checked = []
    for policy in policies:
        failed = policy.mismatches(facts)
        if not failed:
            return result(policy, checked)
        checked.append(PolicyCheck(policy, failed, draft=policy is draft))
    return result(None, checked)


def explanation_data(explanation: Explanation) -> dict:
    """The explanation in words and plain values (for the page and the API): each
    condition and code named by its label."""
    from kefu.sla.events import start_event_label
    from kefu.sla.models import MilestoneKindChoices, UnitChoices
    from kefu.sla.policy import FACT_FOR

    names = condition_names()

    def label(condition: str, code: str) -> str:
        return names.get(condition, {}).get(code, code)

    def fact(condition: str) -> dict:
        value = getattr(explanation.facts, FACT_FOR[condition])
        code = value.split("/")[-1] if condition == "categories" else value
        return {"code": value, "label": label(condition, code) if code else ""}

    def policy_data(policy: PolicySpec, draft: bool) -> dict:
        return {
            "id": policy.id,
            "code": policy.code,
            "name": policy.name,
            "order": policy.order,
            "draft": draft,
        }

    kinds = dict(MilestoneKindChoices.choices)
    units = dict(UnitChoices.choices)
    return {
        "facts": {name: fact(name) for name in CONDITION_FIELDS},
        "policy": (
            None
            if explanation.policy is None
            else policy_data(explanation.policy, explanation.policy_is_draft)
        ),
        "by_category": explanation.by_category,
        "checked": [
            {
                **policy_data(check.policy, check.draft),
                "failed": [
                    {
                        "condition": name,
                        "title": str(CONDITION_TITLES[name]),
                        "wanted": [
                            {"code": code, "label": label(name, code)}
                            for code in sorted(check.policy.conditions[name])
                        ],
                        "value": fact(name),
                    }
                    for name in check.failed
                ],
            }
            for check in explanation.checked
        ],
        "accepted_at": explanation.accepted_at,
        "milestones": [
            {
                "position": item.milestone.position,
                "kind": item.milestone.kind,
                "label": item.milestone.label
                or str(kinds.get(item.milestone.kind, item.milestone.kind)),
                "amount": item.milestone.amount,
                "unit": item.milestone.unit,
                "unit_label": str(units.get(item.milestone.unit, item.milestone.unit)),
                "calendar": item.milestone.calendar,
                "starts_at": item.milestone.starts_at,
                "starts_at_label": start_event_label(item.milestone.starts_at),
                "start": item.start,
                "due": item.due,
            }
            for item in explanation.plan
        ],
    }


def policy_history(policy: SlaPolicy, *, limit: int = 100) -> list[dict]:
    """Changes of the policy and of its milestones (including removed ones)."""
    own = list(policy.history.select_related("history_user"))
    milestones = list(
        SlaMilestone.history.filter(policy_id=policy.pk).select_related("history_user")
    )
    names = dict(WorkCalendar.objects.values_list("pk", "name"))

    def describe(record) -> str:
        if hasattr(record, "position"):
            label = record.label or record.get_kind_display()
            return _("Milestone %(position)d %(label)s") % {
                "position": record.position,
                "label": label,
            }
        return ""

    return history_entries([*own, *milestones], describe=describe, related_names=names)[:limit]


# ---------------------------------------------------------------------------- per ticket


def ticket_deadlines(ticket) -> QuerySet:
    """The order's time limits in the policy's order, with their investigation and delay
    notice (one query)."""
    from kefu.sla.models import TicketDeadline

    return (
        TicketDeadline.objects.filter(ticket=ticket)
        .select_related(
            "investigation",
            "investigation__answered_by",
            "investigation__department",
            "delay_notice",
            "delay_notice__assignee",
            "delay_notice__done_by",
        )
        .order_by("position")
    )


# ---------------------------------------------------------------------------- compliance

COMPLIANCE_GROUPS = ("department", "category", "department_category")


@dataclass(frozen=True)
class ComplianceRow:
    """Time-limit compliance of one group of orders in one month.

    ``resolved`` counts orders whose resolution (办结) milestone was met in the month,
    ``resolved_on_time`` those met by their due instant; likewise for the first contact.
    ``overdue`` counts milestones that fell due in the month and were met late or are
    still unmet on an unfinished order, ``overdue_hours`` their total time past due (up to
    when they were met, or up to now). ``due`` counts every milestone that fell due in the
    month (up to now), met or not, except those stopped with a cancelled or finished order
    before they were met; ``due_on_time`` those met by their due instant: the on-time rate
    (按时率) is their share, so a month with overdue milestones is never 100 %."""

    department: str
    category: str
    resolved: int
    resolved_on_time: int
    first_contact: int
    first_contact_on_time: int
    overdue: int
    overdue_hours: float
    due: int = 0
    due_on_time: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def on_time_rate(self) -> float | None:
        """按时率 in percent: the milestones due in the month met by their due instant;
        None when none fell due."""
        return self._rate(self.due_on_time, self.due)

    @property
    def resolution_on_time_rate(self) -> float | None:
        """按时办结率 in percent; None without resolved orders."""
        return self._rate(self.resolved_on_time, self.resolved)

    @property
    def first_contact_rate(self) -> float | None:
        return self._rate(self.first_contact_on_time, self.first_contact)

    @property
    def overdue_hours_average(self) -> float | None:
        return round(self.overdue_hours / self.overdue, 1) if self.overdue else None


def month_bounds(month: date, zone) -> tuple[datetime, datetime]:
    """The first instant of ``month`` and of the next one, in ``zone``."""
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    following = (
        datetime(month.year + 1, 1, 1, tzinfo=zone)
        if month.month == 12
        else datetime(month.year, month.month + 1, 1, tzinfo=zone)
    )
    return start, following


def compliance(
    user, *, month: date, group_by: str = "department", now: datetime
) -> list[ComplianceRow]:
    """Compliance figures of the orders ``user`` may see, for ``month`` (business time
    zone), grouped by department, category or both; groups in name order, plus a total
    row (department and category "") at the end. Four queries."""
    from django.db.models import (
        Count,
        DateTimeField,
        DurationField,
        ExpressionWrapper,
        F,
        Q,
        Sum,
        Value,
    )
    from django.db.models.functions import Coalesce
    from django.utils import timezone

    from kefu.sla.models import TicketDeadline
    from kefu.sla.policy import MilestoneKind
    from kefu.tickets.selectors import tickets_visible
    from kefu.tickets.states import FINAL_STATUSES

    if group_by not in COMPLIANCE_GROUPS:
        raise ValueError(f"group_by must be one of {COMPLIANCE_GROUPS}, got {group_by!r}")
    start, end = month_bounds(month, timezone.get_default_timezone())
    fields = {
        "department": ["ticket__department__name"],
        "category": ["ticket__category__name"],
        "department_category": ["ticket__department__name", "ticket__category__name"],
    }[group_by]
    rows = TicketDeadline.objects.filter(ticket__in=tickets_visible(user).values("pk"))
    late = Q(met_at__gt=F("due_at"))

    def met(kind: str):
        return rows.filter(kind=kind, met_at__gte=start, met_at__lt=end, due_at__isnull=False)

    def by_group(qs, **aggregates) -> dict[tuple, dict]:
        result = {}
        for item in qs.values(*fields).annotate(**aggregates).order_by():
            key = tuple(item[f] or "" for f in fields)
            result[key] = item
        return result

    resolved = by_group(met(MilestoneKind.RESOLUTION), n=Count("pk"), late=Count("pk", filter=late))
    contact = by_group(
        met(MilestoneKind.FIRST_CONTACT), n=Count("pk"), late=Count("pk", filter=late)
    )
    past_due = ExpressionWrapper(
        Coalesce(F("met_at"), Value(now, output_field=DateTimeField())) - F("due_at"),
        output_field=DurationField(),
    )
    # overdue from the facts, not from the sweep's stamps: met after the due instant, or
    # still unmet past it on an unfinished order; counted in the month it fell due
    overdue = by_group(
        rows.filter(due_at__gte=start, due_at__lt=min(end, now)).filter(
            Q(met_at__gt=F("due_at"))
            | (Q(met_at__isnull=True) & ~Q(ticket__status__in=FINAL_STATUSES))
        ),
        n=Count("pk"),
        time=Sum(past_due),
    )
    # every milestone that fell due in the month up to now, met or not (one stopped by a
    # cancelled or finished order before it was met does not count)
    due = by_group(
        rows.filter(due_at__gte=start, due_at__lt=min(end, now)).exclude(
            met_at__isnull=True, ticket__status__in=FINAL_STATUSES
        ),
        n=Count("pk"),
        on_time=Count("pk", filter=Q(met_at__lte=F("due_at"))),
    )
    keys = sorted(set(resolved) | set(contact) | set(overdue) | set(due))
    result = []
    totals = [0, 0, 0, 0, 0, 0.0, 0, 0]
    for key in keys:
        r, c, o = resolved.get(key, {}), contact.get(key, {}), overdue.get(key, {})
        d = due.get(key, {})
        hours = o["time"].total_seconds() / 3600 if o.get("time") else 0.0
        values = [
            r.get("n", 0),
            r.get("n", 0) - r.get("late", 0),
            c.get("n", 0),
            c.get("n", 0) - c.get("late", 0),
            o.get("n", 0),
            round(hours, 1),
            d.get("n", 0),
            d.get("on_time", 0),
        ]
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        department = key[0] if group_by != "category" else ""
        category = key[-1] if group_by != "department" else ""
        result.append(ComplianceRow(department, category, *values))
    if result:
        totals[5] = round(totals[5], 1)
        result.append(ComplianceRow("", "", *totals))
    return result


def delay_notices_open(user) -> QuerySet:
    """The delay notices ``user`` still has to give customers, oldest first."""
    from kefu.sla.models import DelayNotice

    return (
        DelayNotice.objects.filter(assignee=user, done_at__isnull=True)
        .select_related("ticket", "deadline")
        .order_by("opened_at", "pk")
    )


def investigations_open(user) -> QuerySet:
    """The investigation notices (查办单) ``user``'s department — or a department above it —
    still has to answer, for its handlers and heads; oldest first."""
    from kefu.org.roles import RoleCode
    from kefu.sla.models import OverdueInvestigation

    department = getattr(user, "department", None)
    if department is None or not user.has_role(RoleCode.HANDLER, RoleCode.DEPARTMENT_HEAD):
        return OverdueInvestigation.objects.none()
    return (
        OverdueInvestigation.objects.filter(
            answered_at__isnull=True, department_id__in=department.ancestor_ids()
        )
        .select_related("ticket", "deadline", "department")
        .order_by("opened_at", "pk")
    )
