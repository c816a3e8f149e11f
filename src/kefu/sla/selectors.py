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
    category names, priority and channel labels, the customer policy's service tiers."""
    from kefu.customers.services import current_policy
    from kefu.tickets.models import Category, TicketType
    from kefu.tickets.rules import Channel, Priority

    customer_policy = current_policy()
    names = {
        "ticket_types": dict(TicketType.objects.values_list("code", "name")),
        "categories": dict(Category.objects.values_list("code", "name")),
        "priorities": {code: str(label) for code, label in Priority.choices},
        "channels": {code: str(label) for code, label in Channel.choices},
        "customer_grades": {o.code: str(o.label) for o in customer_policy.grades},
        "service_tiers": {o.code: str(o.label) for o in customer_policy.service_tiers},
    }
    for condition, labels in CONDITION_LABELS.items():
        names[condition] = {
            **{code: str(label) for code, label in labels.items()},
            **names[condition],
        }
    return names


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
