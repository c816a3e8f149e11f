"""Scheduled visit plans (回访档案): files of delivered projects and the visits the rules plan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.followups import rules
from kefu.followups.models import (
    PlannedStatus,
    PlannedVisit,
    PlanRule,
    ReturnVisitPlan,
)
from kefu.followups.permissions import (
    may_configure,
    may_plan,
    may_supervise,
)
from kefu.followups.rules import PlanKind
from kefu.followups.services.common import settings_get
from kefu.org.models import User


@transaction.atomic
def plan_create(
    *,
    customer,
    name: str,
    delivered_on: date,
    actor: User,
    visitor: User | None = None,
    account=None,
    now: datetime | None = None,
) -> ReturnVisitPlan:
    """Open a return-visit file for a delivered project and plan its visits."""
    now = now or timezone.now()
    if not may_plan(actor):
        raise PermissionDenied(_("You may not open return-visit files."))
    if account is not None and account.customer_id != customer.pk:
        raise ValidationError(
            {
                "account": ValidationError(
                    _("The account belongs to another customer."), code="other_customers_account"
                )
            }
        )
    plan = ReturnVisitPlan(
        customer=customer,
        account=account,
        name=(name or "").strip(),
        delivered_on=delivered_on,
        visitor=visitor or customer.account_manager,
        created_by=actor,
        created_at=now,
    )
    plan.full_clean(exclude=["customer", "account", "visitor", "created_by"])
    if delivered_on > timezone.localdate(now):
        raise ValidationError(
            {
                "delivered_on": ValidationError(
                    _("The delivery date is in the future."), code="in_future"
                )
            }
        )
    plan.save()
    plans_generate(today=timezone.localdate(now), customers=[customer], now=now)
    return plan


def _rule_params(rule: PlanRule) -> dict:
    return rule.params if isinstance(rule.params, dict) else {}


def _add(planned: list, *, key, customer, rule, title, due_on, assignee, plan=None, contact=None):
    planned.append(
        {
            "key": key[:120],
            "customer": customer,
            "rule": rule,
            "title": title[:120],
            "due_on": due_on,
            "assignee": assignee,
            "plan": plan,
            "contact": contact,
        }
    )


def plan_rule_set_active(*, code: str, is_active: bool) -> PlanRule | None:
    """Start or stop the visit-plan rule ``code``; None when there is no such rule.

    Planned visits already made are kept; a stopped rule plans no new ones."""
    rule = PlanRule.objects.filter(code=code).first()
    if rule is not None and rule.is_active != is_active:
        rule.is_active = is_active
        rule.full_clean()
        rule.save()
    return rule


@transaction.atomic
def plans_generate(
    *, today: date, horizon_days: int | None = None, customers=None, now: datetime | None = None
) -> dict[str, int]:
    """Create the planned visits the active rules ask for, due up to ``today + horizon``.

    Idempotent: each visit has a natural key (rule, file or contact, date); running twice
    creates nothing new. Past visits of a new file are created too (they show as gaps).
    """
    from kefu.customers.models import Customer

    now = now or timezone.now()
    config = settings_get()
    until = today + timedelta(
        days=config.plan_horizon_days if horizon_days is None else horizon_days
    )
    year_start = date(today.year, 1, 1)
    planned: list[dict] = []
    customer_qs = Customer.objects.active().select_related("account_manager")
    if customers is not None:
        customer_qs = customer_qs.filter(pk__in=[c.pk for c in customers])
    planners: dict[str, Callable[..., object]] = {
        PlanKind.DELIVERY_CYCLE: _plan_delivery_cycle,
        PlanKind.BIRTHDAY: _plan_birthdays,
        PlanKind.HOLIDAY: _plan_holidays,
        PlanKind.NEW_YEAR: _plan_new_year,
    }
    for rule in PlanRule.objects.filter(is_active=True).order_by("code"):
        scoped = customer_qs.filter(industry=rule.industry) if rule.industry else customer_qs
        planner = planners.get(rule.kind)
        if planner is not None:
            planner(planned, rule=rule, scoped=scoped, year_start=year_start, until=until)
    return {"planned": _create_planned(planned, now=now), "considered": len(planned)}


def _plan_delivery_cycle(planned: list, *, rule: PlanRule, scoped, year_start: date, until: date):
    """Visits of each delivered project's file: yearly at first, then less often."""
    params = _rule_params(rule)
    plans = ReturnVisitPlan.objects.filter(is_active=True, customer__in=scoped).select_related(
        "customer", "visitor"
    )
    for plan in plans:
        for due_on in rules.delivery_schedule(
            plan.delivered_on,
            until=until,
            first_year_every=int(params.get("first_year_every", 1)),
            later_every=int(params.get("later_every", 3)),
        ):
            _add(
                planned,
                key=f"{rule.code}:p{plan.pk}:{due_on}",
                customer=plan.customer,
                rule=rule,
                title=f"{rule.name}：{plan.name}",
                due_on=due_on,
                assignee=plan.visitor or plan.customer.account_manager,
                plan=plan,
            )


def _plan_birthdays(planned: list, *, rule: PlanRule, scoped, year_start: date, until: date):
    """A greeting on each key contact's birthday."""
    from kefu.customers.models import Contact

    contacts = Contact.objects.filter(
        is_key=True, is_active=True, birthday__isnull=False, customer__in=scoped
    ).select_related("customer", "customer__account_manager")
    for contact in contacts:
        birthday = contact.birthday
        assert birthday is not None  # filtered on birthday__isnull=False
        for due_on in rules.yearly_dates(
            birthday.month, birthday.day, start=year_start, until=until
        ):
            _add(
                planned,
                key=f"{rule.code}:c{contact.pk}:{due_on}",
                customer=contact.customer,
                rule=rule,
                title=_("Birthday greeting: %(name)s") % {"name": contact.name},
                due_on=due_on,
                assignee=contact.customer.account_manager,
                contact=contact,
            )


def _plan_holidays(planned: list, *, rule: PlanRule, scoped, year_start: date, until: date):
    """A greeting to each key contact on each of the rule's holidays."""
    from kefu.customers.models import Contact

    params = _rule_params(rule)
    contacts = Contact.objects.filter(
        is_key=True, is_active=True, customer__in=scoped
    ).select_related("customer", "customer__account_manager")
    for entry in params.get("dates", []):
        month, day = rules.parse_month_day(entry.get("date", ""))
        for due_on in rules.yearly_dates(month, day, start=year_start, until=until):
            for contact in contacts:
                _add(
                    planned,
                    key=f"{rule.code}:c{contact.pk}:{due_on}",
                    customer=contact.customer,
                    rule=rule,
                    title=f"{entry.get('name', rule.name)}：{contact.name}",
                    due_on=due_on,
                    assignee=contact.customer.account_manager,
                    contact=contact,
                )


def _plan_new_year(planned: list, *, rule: PlanRule, scoped, year_start: date, until: date):
    """The December New Year greeting and needs survey (RV-11, NTF-05) to the customers of
    the rule's audience: by default every new and existing customer."""
    params = _rule_params(rule)
    audience = rules.new_year_audience(params)
    month, day = int(params.get("month", 12)), int(params.get("day", 1))
    dates = rules.yearly_dates(month, day, start=year_start, until=until)
    if not dates:
        return
    customers = scoped.prefetch_related("tags")
    if audience.grades:
        customers = customers.filter(grade__in=audience.grades)
    for customer in customers:
        started_on = customer.cooperation_started_on or timezone.localdate(customer.created_at)
        tags = {tag.name for tag in customer.tags.all()}
        for due_on in dates:
            if not rules.in_new_year_audience(
                audience,
                grade=customer.grade,
                started_on=started_on,
                year=due_on.year,
                tags=tags,
            ):
                continue
            _add(
                planned,
                key=f"{rule.code}:k{customer.pk}:{due_on}",
                customer=customer,
                rule=rule,
                title=rule.name,
                due_on=due_on,
                assignee=customer.account_manager,
            )


@transaction.atomic
def new_year_audience_set(
    *,
    rule: PlanRule,
    actor: User,
    grades: list[str],
    new_customers: bool,
    existing_customers: bool,
    tags: list[str],
) -> PlanRule:
    """Set whom the New Year greeting and needs survey reaches (RV-11, NTF-05): grades
    (none: every grade), new and/or existing customers, tags (none: any)."""
    from kefu.customers.models import Tag
    from kefu.customers.services.policy import current_policy

    if not may_configure(actor):
        raise PermissionDenied(_("Only an administrator sets the campaign's audience."))
    rule = PlanRule.objects.select_for_update().get(pk=rule.pk)
    errors: dict[str, ValidationError] = {}
    if rule.kind != PlanKind.NEW_YEAR:
        errors["rule"] = ValidationError(
            _("The rule is not a New Year campaign."), code="not_new_year_rule"
        )
    allowed = [g.code for g in current_policy().grades]
    grades = [g.strip() for g in grades if g and g.strip()]
    unknown = [g for g in grades if g not in allowed]
    if unknown:
        errors["grades"] = ValidationError(
            _("Grades %(grades)s are not configured grades (%(allowed)s).")
            % {"grades": "、".join(unknown), "allowed": "、".join(allowed)},
            code="unknown_grade",
        )
    if not (new_customers or existing_customers):
        errors["new_customers"] = ValidationError(
            _("Choose new customers, existing customers or both: nobody would be greeted."),
            code="audience_empty",
        )
    tags = list(dict.fromkeys(t.strip() for t in tags if t and t.strip()))
    known = set(Tag.objects.filter(name__in=tags).values_list("name", flat=True))
    missing = sorted(set(tags) - known)
    if missing:
        errors["tags"] = ValidationError(
            _("No customer has the tags %(tags)s.") % {"tags": "、".join(missing)},
            code="unknown_tag",
        )
    if errors:
        raise ValidationError(errors)
    audience = rules.NewYearAudience(
        grades=tuple(dict.fromkeys(grades)),
        new_customers=new_customers,
        existing_customers=existing_customers,
        tags=tuple(tags),
    )
    rule.params = {**_rule_params(rule), **audience.params()}
    rule.full_clean()
    rule.save(update_fields=["params"])
    return rule


def _create_planned(planned: list[dict], *, now: datetime) -> int:
    """Create the planned visits not created yet; returns how many were."""
    existing = set(
        PlannedVisit.objects.filter(key__in=[p["key"] for p in planned]).values_list(
            "key", flat=True
        )
    )
    created = 0
    for item in planned:
        if item["key"] in existing:
            continue
        existing.add(item["key"])
        try:
            with transaction.atomic():
                PlannedVisit.objects.create(
                    department=item["customer"].department, created_at=now, **item
                )
        except IntegrityError:
            continue  # created by a concurrent run
        created += 1
    return created


@transaction.atomic
def planned_visit_done(
    *,
    visit: PlannedVisit,
    actor: User,
    note: str,
    satisfaction: int | None = None,
    now: datetime | None = None,
) -> PlannedVisit:
    """Record a planned visit as made, with what the customer said."""
    now = now or timezone.now()
    visit = PlannedVisit.objects.select_for_update().get(pk=visit.pk)
    if visit.assignee_id != actor.pk and not may_supervise(actor) and not may_plan(actor):
        raise PermissionDenied(_("You may not record this visit."))
    if visit.status != PlannedStatus.PLANNED:
        raise ValidationError(
            {
                "status": ValidationError(
                    _("This visit is already recorded."), code="already_recorded"
                )
            }
        )
    note = (note or "").strip()
    if not note:
        raise ValidationError(
            {"note": ValidationError(_("Write down what the customer said."), code="required")}
        )
    if satisfaction is not None and not rules.SCALE_MIN <= satisfaction <= rules.SCALE_MAX:
        raise ValidationError(
            {
                "satisfaction": ValidationError(
                    _("Satisfaction must be between 1 (very dissatisfied) and 5 (very satisfied)."),
                    code="satisfaction_out_of_scale",
                )
            }
        )
    visit.status = PlannedStatus.DONE
    visit.note = note
    visit.satisfaction = satisfaction
    visit.done_at = now
    visit.done_by = actor
    visit.save()
    return visit
