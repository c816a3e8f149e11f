"""Reads: scoped visit queues, planned visits, survey answers and satisfaction figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kefu.core.tree import subtree_q
from kefu.customers.models import Contact
from kefu.followups import rules
from kefu.followups.models import (
    DissatisfactionReason,
    PlannedStatus,
    PlannedVisit,
    PlanRule,
    Questionnaire,
    ReturnVisit,
    SurveyResponse,
    VisitChannel,
    VisitKind,
    VisitStatus,
)
from kefu.followups.permissions import may_configure, may_supervise
from kefu.followups.rules import SURVEY_EMAIL_TEMPLATE, PlanKind, Verdict
from kefu.notify.models import MessageChannel, OutboundMessage
from kefu.org.roles import DataScope
from kefu.org.scopes import scope_q, viewer_for


def visits_visible(user) -> QuerySet[ReturnVisit]:
    """Visits of orders handled in the user's department subtree, visits of their
    return-visit team, and visits they make or whose order they handled."""
    viewer = viewer_for(user)
    q = scope_q(viewer, department_field="department", participant_fields=("assignee", "handler"))
    qs = ReturnVisit.objects.all()
    if q is None:
        return qs
    if viewer.scope == DataScope.SUBTREE and viewer.department_path:
        q |= subtree_q("team", viewer.department_path)
    return qs.filter(q)


QUEUES = ("mine", "team", "overdue", "done", "all")


def visit_queue(user, name: str, *, now: datetime, text: str = "") -> QuerySet[ReturnVisit]:
    qs = visits_visible(user)
    match name:
        case "mine":
            qs = qs.filter(status=VisitStatus.PENDING, assignee=user)
        case "team":
            qs = qs.filter(status=VisitStatus.PENDING)
        case "overdue":
            qs = qs.filter(status=VisitStatus.PENDING, due_at__lt=now)
        case "done":
            qs = qs.exclude(status=VisitStatus.PENDING)
        case "all":
            pass
        case _:
            raise ValueError(f"unknown queue {name!r}")
    text = (text or "").strip()
    if text:
        qs = qs.filter(
            Q(ticket__number__startswith=text.upper())
            | Q(ticket__contact_phone__startswith=text)
            | Q(ticket__contact_name__startswith=text)
        )
    order = ("-completed_at", "-id") if name == "done" else ("due_at", "id")
    return qs.select_related(
        "ticket", "category", "department", "assignee", "handler", "completed_by"
    ).order_by(*order)


def visit_for_user(user, pk: int) -> ReturnVisit:
    return (
        visits_visible(user)
        .select_related("ticket", "category", "department", "assignee", "handler", "team")
        .get(pk=pk)
    )


def pending_counts(user, *, now: datetime) -> dict[str, int]:
    qs = visits_visible(user).filter(status=VisitStatus.PENDING)
    return qs.aggregate(
        mine=Count("id", filter=Q(assignee=user)),
        overdue=Count("id", filter=Q(due_at__lt=now)),
    )


# ---------------------------------------------------------------- planned visits


def planned_visible(user) -> QuerySet[PlannedVisit]:
    viewer = viewer_for(user)
    q = scope_q(viewer, department_field="department", participant_fields=("assignee",))
    qs = PlannedVisit.objects.all()
    return qs if q is None else qs.filter(q)


def planned_list(user, name: str, *, today: date) -> QuerySet[PlannedVisit]:
    qs = planned_visible(user).select_related("customer", "rule", "assignee", "contact", "plan")
    match name:
        case "mine":
            qs = qs.filter(assignee=user, status=PlannedStatus.PLANNED)
        case "overdue":
            qs = qs.filter(status=PlannedStatus.PLANNED, due_on__lt=today)
        case "upcoming":
            qs = qs.filter(status=PlannedStatus.PLANNED)
        case "done":
            return qs.filter(status=PlannedStatus.DONE).order_by("-done_at", "-id")
        case _:
            raise ValueError(f"unknown list {name!r}")
    return qs.order_by("due_on", "id")


def customer_file(user, customer, *, today: date) -> dict:
    """The customer's return-visit file for the 360 page: planned visits with gaps
    (missed ones), and the return visits of the customer's orders in the user's scope."""
    planned = list(
        planned_visible(user)
        .filter(customer=customer)
        .exclude(status=PlannedStatus.CANCELLED)
        .select_related("rule", "assignee")
        .order_by("-due_on", "-id")[:30]
    )
    for item in planned:
        item.overdue = item.is_overdue(today)
    visits = list(
        visits_visible(user)
        .filter(ticket__customer=customer)
        .select_related("ticket", "completed_by")
        .order_by("-created_at", "-id")[:20]
    )
    return {
        "planned": planned,
        "gaps": sum(1 for p in planned if p.overdue),
        "visits": visits,
        "plans": list(customer.return_visit_plans.filter(is_active=True).order_by("delivered_on")),
    }


# ---------------------------------------------------------------- figures

GROUPS = {
    "department": "department__name",
    "category": "category__name",
    "handler": "handler__full_name",
    "visitor": "completed_by__full_name",
    "channel": "channel",
    "month": "month",
}


@dataclass(frozen=True)
class FigureRow:
    key: str
    visits: int
    reached: int
    satisfied: int
    dissatisfied: int
    unreachable: int
    closed_dissatisfied: int
    nps: float | None

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率 = satisfied / reached."""
        return rules.rate(self.satisfied, self.reached)

    @property
    def respondent_rate(self) -> float | None:
        return rules.rate(self.reached, self.visits)

    @property
    def unreachable_rate(self) -> float | None:
        return rules.rate(self.unreachable, self.visits)

    @property
    def rehandle_rate(self) -> float | None:
        return rules.rate(self.dissatisfied, self.reached)


def _finished(user, start: date | None, end: date | None) -> QuerySet[ReturnVisit]:
    qs = visits_visible(user).filter(
        kind=VisitKind.AFTER_TICKET,
        status__in=[VisitStatus.DONE, VisitStatus.UNREACHABLE, VisitStatus.CLOSED_DISSATISFIED],
    )
    tz = timezone.get_current_timezone()
    if start:
        qs = qs.filter(completed_at__gte=datetime.combine(start, time.min, tzinfo=tz))
    if end:
        qs = qs.filter(
            completed_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
        )
    return qs


def _label(group: str, value) -> str:
    if value in (None, ""):
        return "—"
    if group == "month":
        return (
            timezone.localtime(value).strftime("%Y-%m")
            if isinstance(value, datetime)
            else str(value)[:7]
        )
    if group == "channel":
        return str(VisitChannel(value).label)
    return str(value)


def satisfaction_figures(
    user, *, group: str = "department", start: date | None = None, end: date | None = None
) -> list[FigureRow]:
    """满意率, respondent rate, unreachable rate, re-handling rate and NPS per group."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}")
    qs = _finished(user, start, end)
    if group == "month":
        qs = qs.annotate(month=TruncMonth("completed_at", tzinfo=timezone.get_current_timezone()))
    field = GROUPS[group]
    rows = (
        qs.values(field)
        .annotate(
            visits=Count("id", filter=~Q(status=VisitStatus.CLOSED_DISSATISFIED)),
            reached=Count("id", filter=Q(reached=True)),
            satisfied=Count("id", filter=Q(verdict=Verdict.SATISFIED)),
            dissatisfied=Count("id", filter=Q(verdict=Verdict.DISSATISFIED)),
            unreachable=Count("id", filter=Q(status=VisitStatus.UNREACHABLE)),
            closed_dissatisfied=Count("id", filter=Q(status=VisitStatus.CLOSED_DISSATISFIED)),
        )
        .order_by(field)
    )
    scores: dict[str, list[int]] = {}
    responses = SurveyResponse.objects.filter(
        visit__in=qs.values("pk"), nps__isnull=False
    ).annotate(key=F(f"visit__{field}") if group != "month" else F("visit__completed_at"))
    for key, score in responses.values_list("key", "nps"):
        scores.setdefault(_label(group, key), []).append(score)
    result = []
    for row in rows:
        key = _label(group, row[field])
        result.append(
            FigureRow(
                key=key,
                visits=row["visits"],
                reached=row["reached"],
                satisfied=row["satisfied"],
                dissatisfied=row["dissatisfied"],
                unreachable=row["unreachable"],
                closed_dissatisfied=row["closed_dissatisfied"],
                nps=rules.nps(scores.get(key, [])),
            )
        )
    return result


def figures_total(rows: list[FigureRow]) -> FigureRow:
    scores_known = [r.nps for r in rows if r.nps is not None]
    return FigureRow(
        key="",
        visits=sum(r.visits for r in rows),
        reached=sum(r.reached for r in rows),
        satisfied=sum(r.satisfied for r in rows),
        dissatisfied=sum(r.dissatisfied for r in rows),
        unreachable=sum(r.unreachable for r in rows),
        closed_dissatisfied=sum(r.closed_dissatisfied for r in rows),
        nps=round(sum(scores_known) / len(scores_known), 1) if scores_known else None,
    )


def dissatisfaction_reasons(user, *, start: date | None = None, end: date | None = None):
    """How often each reason was given (most frequent first)."""
    visits = _finished(user, start, end).filter(verdict=Verdict.DISSATISFIED)
    return list(
        DissatisfactionReason.objects.annotate(
            times=Count("returnvisit", filter=Q(returnvisit__in=visits.values("pk")))
        )
        .filter(times__gt=0)
        .order_by("-times", "sort_order")
    )


def closed_dissatisfied(user, *, start: date | None = None, end: date | None = None):
    """Orders a head closed although the customer was not satisfied, with the reason."""
    return (
        _finished(user, start, end)
        .filter(status=VisitStatus.CLOSED_DISSATISFIED)
        .select_related("ticket", "department", "completed_by")
        .order_by("-completed_at")
    )


def visit_emails(visit: ReturnVisit) -> list[tuple[str, str]]:
    """(address, whose) of the email addresses on file for the order's customer, key
    contact first: the addresses a survey link may be emailed to."""
    customer_id = visit.ticket.customer_id
    if customer_id is None:
        return []
    contacts = Contact.objects.filter(customer_id=customer_id, is_active=True).exclude(email="")
    return [(c.email, c.name) for c in contacts.order_by("-is_key", "id")]


def _sees_all_answers(user) -> bool:
    return may_supervise(user) or may_configure(user)


def campaign_list(user) -> QuerySet[Questionnaire]:
    """Active campaign questionnaires, with their questions and the phone answers *user*
    may read (all for supervisors, their own for everyone else) counted."""
    answered = Q(responses__visit__isnull=True, responses__customer__isnull=False)
    if not _sees_all_answers(user):
        answered &= Q(responses__submitted_by=user)
    return (
        Questionnaire.objects.filter(is_active=True)
        .exclude(campaign="")
        .annotate(
            questions_count=Count("questions", distinct=True),
            answers_count=Count("responses", filter=answered, distinct=True),
        )
        .order_by("campaign", "title")
    )


def campaign_answers(user, questionnaire: Questionnaire) -> QuerySet[SurveyResponse]:
    """Answers to a campaign questionnaire recorded by phone, newest first: all of them
    for supervisors, one's own for everyone else."""
    qs = SurveyResponse.objects.filter(
        questionnaire=questionnaire, visit__isnull=True, customer__isnull=False
    )
    if not _sees_all_answers(user):
        qs = qs.filter(submitted_by=user)
    return qs.select_related("customer", "contact", "submitted_by").order_by("-submitted_at", "-id")


def survey_emails_of(ticket) -> QuerySet[OutboundMessage]:
    """The survey-link emails sent for an order, with their delivery state."""
    return OutboundMessage.objects.filter(
        ticket=ticket, channel=MessageChannel.EMAIL, template_code=SURVEY_EMAIL_TEMPLATE
    ).order_by("created_at", "id")


# ---------------------------------------------------------------- New Year campaign


def new_year_rules() -> QuerySet[PlanRule]:
    """The New Year greeting rules (RV-11, NTF-05), active ones first."""
    return PlanRule.objects.filter(kind=PlanKind.NEW_YEAR).order_by("-is_active", "code")


def new_year_audience_count(rule: PlanRule, audience, *, year: int | None = None) -> int:
    """How many active customers the rule's audience reaches in the campaign of *year*
    (this year by default): the same rule as ``rules.in_new_year_audience``, counted by
    the database."""
    from django.db.models.functions import Coalesce, TruncDate

    from kefu.customers.models import Customer

    year = year or timezone.localdate().year
    customers = Customer.objects.active()
    if rule.industry:
        customers = customers.filter(industry=rule.industry)
    if audience.grades:
        customers = customers.filter(grade__in=audience.grades)
    if audience.new_customers != audience.existing_customers:
        customers = customers.annotate(
            started=Coalesce(
                "cooperation_started_on",
                TruncDate("created_at", tzinfo=timezone.get_current_timezone()),
            )
        )
        first_day = date(year, 1, 1)
        customers = (
            customers.filter(started__gte=first_day)
            if audience.new_customers
            else customers.filter(started__lt=first_day)
        )
    elif not audience.new_customers:
        return 0
    if audience.tags:
        customers = customers.filter(tags__name__in=audience.tags).distinct()
    return customers.count()
