"""Customer grades: the annual grading round and a supervisor's adjustments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.tree import in_subtree, subtree_q
from kefu.customers import permissions, rules
from kefu.customers.models import (
    CreditRating,
    Customer,
    GradeKind,
    GradeProposal,
    GradeRecord,
    GradingRound,
    RoundStatus,
)
from kefu.customers.policy import CustomerPolicy
from kefu.customers.services.checks import grade_error, raise_if_any, tier_error
from kefu.customers.services.policy import current_policy
from kefu.org.models import Department, User


@transaction.atomic
def grading_round_open(*, department: Department, year: int, actor: User) -> GradingRound:
    """Open the annual grading of *department*'s customers with the configured window."""
    if GradingRound.objects.filter(department=department, year=year).exists():
        raise ValidationError(
            {
                "year": ValidationError(
                    _("The %(year)d grading round of this department exists already.")
                    % {"year": year},
                    code="round_exists",
                )
            }
        )
    window = _window(current_policy())
    start, end = window.dates(year)
    grading_round = GradingRound(
        department=department, year=year, window_start=start, window_end=end, opened_by=actor
    )
    grading_round.full_clean()
    grading_round.save()
    return grading_round


def _window(policy: CustomerPolicy) -> rules.Window:
    return rules.Window(policy.grading_window_start, policy.grading_window_end)


@transaction.atomic
def grade_propose(
    *,
    grading_round: GradingRound,
    customer: Customer,
    grade: str,
    actor: User,
    service_tier: str = "",
    credit_rating: str = "",
    reason: str = "",
) -> GradeProposal:
    """A preliminary grade by the customer's manager (or a supervisor), inside the window."""
    policy = current_policy()
    today = timezone.localdate()
    errors: dict[str, list[ValidationError]] = {}
    if grading_round.status != RoundStatus.OPEN:
        errors["grade"] = [ValidationError(_("This grading round is closed."), code="round_closed")]
    elif not (grading_round.window_start <= today <= grading_round.window_end):
        errors["grade"] = [
            ValidationError(
                _("Preliminary grades are given from %(start)s to %(end)s.")
                % {"start": grading_round.window_start, "end": grading_round.window_end},
                code="outside_window",
            )
        ]
    if not grade:
        errors.setdefault("grade", []).append(
            ValidationError(_("Choose a grade."), code="required")
        )
    for key, error in (
        ("grade", grade_error(grade, policy)),
        ("service_tier", tier_error(service_tier, policy)),
    ):
        if error:
            errors.setdefault(key, []).append(error)
    if credit_rating and credit_rating not in CreditRating.values:
        errors["credit_rating"] = [
            ValidationError(_("Unknown credit rating."), code="invalid_choice")
        ]
    if not in_subtree(customer.department.path, grading_round.department.path):
        errors["customer"] = [
            ValidationError(
                _("The customer does not belong to this round's department."),
                code="other_department",
            )
        ]
    if customer.account_manager_id != actor.pk and not permissions.is_supervisor(actor):
        errors["customer"] = [
            ValidationError(
                _("Only the customer's account manager gives its preliminary grade."),
                code="not_customers_manager",
            )
        ]
    raise_if_any(errors)
    proposal, _created = GradeProposal.objects.update_or_create(
        round=grading_round,
        customer=customer,
        defaults={
            "grade": grade,
            "service_tier": service_tier,
            "credit_rating": credit_rating,
            "reason": reason,
            "proposed_by": actor,
            "proposed_at": timezone.now(),
        },
    )
    return proposal


@dataclass(frozen=True)
class Decision:
    grade: str
    service_tier: str = ""
    credit_rating: str = ""


@transaction.atomic
def grading_round_close(
    *,
    grading_round: GradingRound,
    actor: User,
    meeting_on: date,
    notes: str,
    decisions: Mapping[int, Decision] | None = None,
) -> int:
    """Record the review meeting's result: each proposal, or the meeting's own decision
    (``decisions`` by customer id, or a supervisor's "Decide grade" made after the
    proposal), becomes the customer's formal grade until the next window closes. Returns
    how many customers were graded."""
    grading_round = GradingRound.objects.select_for_update().get(pk=grading_round.pk)
    if grading_round.status != RoundStatus.OPEN:
        raise ValidationError(_("This grading round is closed."), code="round_closed")
    if meeting_on < grading_round.window_start:
        raise ValidationError(
            {
                "meeting_on": ValidationError(
                    _("The review meeting follows the preliminary grading."),
                    code="meeting_before_window",
                )
            }
        )
    policy = current_policy()
    decisions = dict(decisions or {})
    for decision in decisions.values():
        error = grade_error(decision.grade, policy) or tier_error(decision.service_tier, policy)
        if error or not decision.grade:
            raise ValidationError(
                {"grade": error or ValidationError(_("Choose a grade."), code="required")}
            )
    proposals = list(grading_round.proposals.all())
    # the meeting's re-grades made with "Decide grade" after the preliminary grade bind
    regrades = {
        record.customer_id: record
        for record in GradeRecord.objects.filter(
            kind=GradeKind.ADJUSTMENT, customer_id__in=[p.customer_id for p in proposals]
        ).order_by("decided_at", "pk")
    }
    for proposal in proposals:
        regrade = regrades.get(proposal.customer_id)
        if regrade is not None and regrade.decided_at > proposal.proposed_at:
            decision = Decision(regrade.grade, regrade.service_tier, regrade.credit_rating)
        else:
            decision = Decision(proposal.grade, proposal.service_tier, proposal.credit_rating)
        decisions.setdefault(proposal.customer_id, decision)
    now = timezone.now()
    expires = rules.formal_grade_expires(meeting_on, _window(policy))
    customers = Customer.objects.select_for_update().filter(
        subtree_q("department", grading_round.department), pk__in=decisions
    )
    graded = 0
    for customer in customers:
        decision = decisions[customer.pk]
        customer.grade = decision.grade
        customer.service_tier = decision.service_tier
        if decision.credit_rating:
            customer.credit_rating = decision.credit_rating
        customer.grade_is_temporary = False
        customer.grade_due_on = expires
        customer.save()
        GradeRecord.objects.create(
            customer=customer,
            kind=GradeKind.FORMAL,
            grade=decision.grade,
            service_tier=decision.service_tier,
            credit_rating=decision.credit_rating,
            round=grading_round,
            due_on=expires,
            decided_by=actor,
            decided_at=now,
            reason=_("Annual grading %(year)d") % {"year": grading_round.year},
        )
        graded += 1
    grading_round.status = RoundStatus.CLOSED
    grading_round.meeting_on = meeting_on
    grading_round.meeting_notes = notes
    grading_round.closed_by = actor
    grading_round.closed_at = now
    grading_round.save()
    return graded


@transaction.atomic
def grade_adjust(
    *,
    customer: Customer,
    actor: User,
    grade: str,
    reason: str,
    service_tier: str = "",
    credit_rating: str = "",
) -> GradeRecord:
    """A supervisor's grade decision between rounds (e.g. a new customer's formal
    evaluation after six months). It holds until the next window closes."""
    policy = current_policy()
    errors: dict[str, list[ValidationError]] = {}
    for key, error in (
        (
            "grade",
            grade_error(grade, policy)
            or (None if grade else ValidationError(_("Choose a grade."), code="required")),
        ),
        ("service_tier", tier_error(service_tier, policy)),
        (
            "reason",
            None
            if (reason or "").strip()
            else ValidationError(_("Give the reason for the decision."), code="required"),
        ),
    ):
        if error:
            errors[key] = [error]
    if not permissions.is_supervisor(actor):
        errors.setdefault("grade", []).append(
            ValidationError(_("Only a supervisor decides grades."), code="supervisor_only")
        )
    raise_if_any(errors)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    today = timezone.localdate()
    customer.grade = grade
    customer.service_tier = service_tier
    if credit_rating:
        customer.credit_rating = credit_rating
    customer.grade_is_temporary = False
    customer.grade_due_on = rules.formal_grade_expires(today, _window(policy))
    customer.save()
    return GradeRecord.objects.create(
        customer=customer,
        kind=GradeKind.ADJUSTMENT,
        grade=grade,
        service_tier=service_tier,
        credit_rating=credit_rating,
        due_on=customer.grade_due_on,
        decided_by=actor,
        decided_at=timezone.now(),
        reason=reason.strip()[:255],
    )
