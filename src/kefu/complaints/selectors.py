"""Reads of complaint case files: scoped lists, the case page, monthly statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from kefu.complaints import rules
from kefu.complaints.models import (
    ComplaintCase,
    CorrectiveAction,
    IdentityAccess,
    Penalty,
    Remedy,
)
from kefu.complaints.rules import (
    ActionStatus,
    PenaltyStatus,
    RemedyKind,
    RemedyStatus,
    Responsibility,
    Validity,
)
from kefu.sla.models import TicketDeadline
from kefu.tickets.selectors import tickets_visible
from kefu.tickets.states import FINAL_STATUSES, Status

LIST_RELATED = (
    "ticket__category",
    "ticket__department",
    "ticket__owner",
    "complaint_class",
    "responsible_department",
    "responsible_person",
)


def cases_visible(user) -> QuerySet[ComplaintCase]:
    """Case files of the work orders *user* may see, plus those attributed to them and
    those with a corrective action they own."""
    visible = tickets_visible(user).values("pk")
    owns_action = CorrectiveAction.objects.filter(case=OuterRef("pk"), owner=user.pk)
    return ComplaintCase.objects.filter(
        Q(ticket__in=visible) | Q(responsible_person=user.pk) | Exists(owns_action)
    )


@dataclass(frozen=True)
class CaseFilter:
    series: str = ""
    validity: str = ""
    month: date | None = None
    state: str = ""  # open / closed / "" (all)
    text: str = ""


def case_list(user, filters: CaseFilter | None = None) -> QuerySet[ComplaintCase]:
    filters = filters or CaseFilter()
    qs = cases_visible(user).select_related(*LIST_RELATED)
    if filters.series:
        qs = qs.filter(series=filters.series)
    if filters.validity:
        qs = qs.filter(validity=filters.validity)
    if filters.month:
        qs = qs.filter(month=rules.month_of(filters.month))
    if filters.state == "open":
        qs = qs.exclude(ticket__status__in=FINAL_STATUSES)
    elif filters.state == "closed":
        qs = qs.filter(ticket__status=Status.CLOSED)
    if filters.text:
        text = filters.text.strip()
        qs = qs.filter(
            Q(register_no__icontains=text)
            | Q(ticket__number__icontains=text)
            | Q(ticket__title__icontains=text)
        )
    open_actions = CorrectiveAction.objects.filter(case=OuterRef("pk")).exclude(
        status=ActionStatus.VERIFIED
    )
    return qs.annotate(has_open_actions=Exists(open_actions)).order_by("-created_at", "-id")


def case_for_user(user, pk: int) -> ComplaintCase:
    """The case with everything its page shows; ``DoesNotExist`` outside the scope."""
    return (
        cases_visible(user)
        .select_related(
            *LIST_RELATED,
            "ticket__first_responder",
            "ticket__ticket_type",
            "validity_by",
            "attributed_by",
            "customer_told_by",
        )
        .prefetch_related(
            Prefetch(
                "corrective_actions",
                queryset=CorrectiveAction.objects.select_related("owner", "verified_by"),
            ),
            Prefetch(
                "remedies",
                queryset=Remedy.objects.select_related(
                    "requested_by", "approved_by", "instructed_by"
                ).prefetch_related("signatures__signed_by"),
            ),
            Prefetch(
                "penalties",
                queryset=Penalty.objects.select_related("person", "department", "decided_by"),
            ),
        )
        .get(pk=pk)
    )


def identity_log(case: ComplaintCase) -> QuerySet[IdentityAccess]:
    return IdentityAccess.objects.filter(case=case).select_related("user")


def identity_log_all() -> QuerySet[IdentityAccess]:
    return IdentityAccess.objects.select_related("user", "case", "case__ticket").order_by(
        "-at", "-id"
    )


def month_penalties(month: date) -> QuerySet[Penalty]:
    return (
        Penalty.objects.filter(month=rules.month_of(month))
        .select_related("case", "case__ticket", "person", "department", "proposed_by", "decided_by")
        .order_by("proposed_at", "id")
    )


# ---------------------------------------------------------------- monthly statistics


def _bounds(month: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(month, time.min, tzinfo=zone)
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return start, datetime.combine(nxt, time.min, tzinfo=zone)


@dataclass
class Statistics:
    """《客户投诉案件统计表》 of one month: the month's closed cases (CMP-14) by class,
    department, validity and responsibility, with their compensation and penalties."""

    month: date
    registered: int = 0
    closed: int = 0
    closed_on_time: int = 0
    valid: int = 0
    invalid: int = 0
    compensation_total: Decimal = Decimal(0)
    allowance_total: Decimal = Decimal(0)
    penalty_count: int = 0
    fine_total: Decimal = Decimal(0)
    by_class: list[tuple[str, int]] = field(default_factory=list)
    by_department: list[tuple[str, int]] = field(default_factory=list)
    by_validity: list[tuple[str, int]] = field(default_factory=list)
    by_responsibility: list[tuple[str, int]] = field(default_factory=list)
    cases: list[ComplaintCase] = field(default_factory=list)
    trend: list[dict] = field(default_factory=list)
    review_due: date | None = None

    @property
    def on_time_rate(self) -> Decimal | None:
        return rules.rate(self.closed_on_time, self.closed)


def _closed_in(qs: QuerySet[ComplaintCase], month: date) -> QuerySet[ComplaintCase]:
    start, end = _bounds(month)
    return qs.filter(
        ticket__status=Status.CLOSED, ticket__closed_at__gte=start, ticket__closed_at__lt=end
    )


def _late(qs: QuerySet[ComplaintCase]) -> QuerySet[ComplaintCase]:
    """Cases whose work order had a time limit go overdue."""
    return qs.filter(
        Exists(TicketDeadline.objects.filter(ticket=OuterRef("ticket"), breached_at__isnull=False))
    )


def _figures(base: QuerySet[ComplaintCase], month: date) -> dict:
    closed = _closed_in(base, month)
    closed_ids = list(closed.values_list("pk", flat=True))
    money = dict(
        Remedy.objects.filter(case__in=closed_ids, status=RemedyStatus.APPROVED)
        .values_list("kind")
        .annotate(total=Sum("amount"))
    )
    return {
        "month": month,
        "registered": base.filter(month=month).count(),
        "closed": len(closed_ids),
        "closed_on_time": len(closed_ids) - _late(closed).count(),
        "valid": closed.filter(validity=Validity.VALID).count(),
        "compensation": (money.get(RemedyKind.COMPENSATION) or Decimal(0))
        + (money.get(RemedyKind.ALLOWANCE) or Decimal(0)),
    }


def complaint_statistics(user, month: date, *, trend_months: int = 6) -> Statistics:
    """The month's statistics over the complaints *user* may see (tip-offs excluded)."""
    month = rules.month_of(month)
    base = cases_visible(user).complaints()
    closed = _closed_in(base, month)
    stats = Statistics(month=month, review_due=rules.review_due(month))
    stats.trend = [_figures(base, m) for m in rules.previous_months(month, trend_months)]
    for row in stats.trend:
        row["on_time_rate"] = rules.rate(row["closed_on_time"], row["closed"])
    # the month itself ends the trend: its figures are not read a second time
    head = stats.trend[-1] if stats.trend else _figures(base, month)
    stats.registered, stats.closed = head["registered"], head["closed"]
    stats.closed_on_time, stats.valid = head["closed_on_time"], head["valid"]
    stats.invalid = closed.filter(validity=Validity.INVALID).count()

    def grouped(field_name: str, empty: str) -> list[tuple[str, int]]:
        rows = closed.values(field_name).annotate(n=Count("pk")).order_by("-n", field_name)
        return [(row[field_name] or empty, row["n"]) for row in rows]

    stats.by_class = grouped("complaint_class__name", "—")
    stats.by_department = grouped("responsible_department__name", "—")
    validity_labels = dict(Validity.choices)
    stats.by_validity = [
        (str(validity_labels[k]), n) for k, n in grouped("validity", Validity.PENDING)
    ]
    resp_labels = dict(Responsibility.choices)
    stats.by_responsibility = [
        (str(resp_labels[k]), n) for k, n in grouped("responsibility", Responsibility.PENDING)
    ]
    money = dict(
        Remedy.objects.filter(case__in=closed, status=RemedyStatus.APPROVED)
        .values_list("kind")
        .annotate(total=Sum("amount"))
    )
    stats.compensation_total = money.get(RemedyKind.COMPENSATION) or Decimal(0)
    stats.allowance_total = money.get(RemedyKind.ALLOWANCE) or Decimal(0)
    penalties = Penalty.objects.filter(case__in=closed).exclude(status=PenaltyStatus.DROPPED)
    agg = penalties.aggregate(n=Count("pk"), fines=Sum("fine"))
    stats.penalty_count, stats.fine_total = agg["n"], agg["fines"] or Decimal(0)
    late_ids = set(_late(closed).values_list("pk", flat=True))
    stats.cases = list(closed.select_related(*LIST_RELATED).order_by("register_no"))
    for case in stats.cases:
        case.on_time = case.pk not in late_ids
    return stats
