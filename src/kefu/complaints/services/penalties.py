"""Penalties for an at-fault case: a fine within the band and/or an administrative
sanction, proposed on the case and decided by the general manager in the month's review,
due by the 10th of the next month (CMP-20, CMP-25)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.complaints import rules
from kefu.complaints.models import ComplaintCase, Penalty, PenaltyReview
from kefu.complaints.permissions import may_propose_penalty, may_review_penalties
from kefu.complaints.rules import PenaltyStatus, Responsibility
from kefu.complaints.services.common import (
    case_lock,
    case_note,
    case_subject,
    money,
    notify,
    require,
)
from kefu.complaints.services.configuration import settings_get
from kefu.notify.models import NotificationKind
from kefu.org.models import Department, User


@transaction.atomic
def penalty_propose(
    *,
    case: ComplaintCase,
    actor: User,
    reason: str,
    person: User | None = None,
    department: Department | None = None,
    fine=None,
    sanction: str = "",
    now: datetime | None = None,
) -> Penalty:
    """Propose a fine within the band and/or an administrative sanction for the
    responsible person or department; it is decided in the month's review."""
    now = now or timezone.now()
    case = case_lock(case)
    require(may_propose_penalty(actor, case), _("You may not propose penalties."))
    amount = _proposal_check(
        case, reason=reason, person=person, department=department, fine=fine, sanction=sanction
    )
    penalty = Penalty(
        case=case,
        person=person,
        department=department,
        fine=amount,
        sanction=sanction,
        reason=reason.strip(),
        month=rules.month_of(timezone.localdate(now)),
        proposed_by=actor,
        proposed_at=now,
    )
    penalty.full_clean()
    penalty.save()
    case_note(
        case,
        actor=actor,
        now=now,
        text=_("Penalty proposed for %(target)s: %(fine)s %(sanction)s")
        % {
            "target": penalty.target_name,
            "fine": _("%(amount)s yuan") % {"amount": rules.yuan(amount)} if amount else "",
            "sanction": penalty.get_sanction_display() if sanction else "",
        },
    )
    return penalty


def _proposal_check(
    case: ComplaintCase,
    *,
    reason: str,
    person: User | None,
    department: Department | None,
    fine,
    sanction: str,
) -> Decimal | None:
    """The fine as an amount (``None``: no fine); every reason the proposal is refused, at
    once, by field."""
    conf = settings_get()
    errors: dict[str, ValidationError] = {}
    if case.responsibility != Responsibility.AT_FAULT:
        errors["person"] = ValidationError(
            _("Penalties follow an attribution of responsibility (at fault)."),
            code="penalty_needs_fault",
        )
    if person is None and department is None:
        errors["person"] = ValidationError(
            _("Name the penalised person or department."), code="penalty_needs_target"
        )
    try:
        amount = money(fine, "fine", required=False)
    except ValidationError:
        amount = None
        errors["fine"] = ValidationError(_("Enter the fine as a number of yuan."), code="invalid")
    problem = rules.fine_error(amount, minimum=conf.fine_min, maximum=conf.fine_max)
    if problem:
        errors["fine"] = ValidationError(problem, code="fine_out_of_band")
    if sanction not in rules.Sanction.values:
        errors["sanction"] = ValidationError(_("Unknown sanction."), code="invalid_choice")
    if amount is None and not sanction and "fine" not in errors:
        errors["fine"] = ValidationError(
            _("Give a fine or an administrative sanction."), code="penalty_needs_content"
        )
    if not (reason or "").strip():
        errors["reason"] = ValidationError(_("Give the reason."), code="required")
    if errors:
        raise ValidationError(errors)
    return amount


@transaction.atomic
def penalty_decide(
    *, penalty: Penalty, actor: User, approve: bool, note: str = "", now: datetime | None = None
) -> Penalty:
    """The general manager approves or drops a proposed penalty in the month's review."""
    now = now or timezone.now()
    case = case_lock(penalty.case)
    penalty = Penalty.objects.select_for_update().get(pk=penalty.pk)
    require(may_review_penalties(actor), _("Only the general manager reviews penalties."))
    if penalty.status != PenaltyStatus.PROPOSED:
        raise ValidationError(
            {
                "approve": ValidationError(
                    _("This penalty is already decided."), code="penalty_decided"
                )
            }
        )
    if PenaltyReview.objects.filter(month=penalty.month).exists():
        raise ValidationError(
            {
                "approve": ValidationError(
                    _("The month's review is already complete."), code="review_complete"
                )
            }
        )
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError(
            {
                "note": ValidationError(
                    _("Give the reason for dropping it."), code="drop_needs_reason"
                )
            }
        )
    penalty.status = PenaltyStatus.APPROVED if approve else PenaltyStatus.DROPPED
    penalty.decided_by = actor
    penalty.decided_at = now
    penalty.decision_note = note
    penalty.save()
    case_note(
        case,
        actor=actor,
        now=now,
        text=_("Penalty for %(target)s: %(decision)s")
        % {"target": penalty.target_name, "decision": penalty.get_status_display()},
    )
    if approve and penalty.person_id:
        notify(
            [penalty.person],
            _("Penalty notice for complaint %(number)s") % {"number": case.register_no},
            reverse("complaints:penalty_notice", args=[penalty.pk]),
            kind=NotificationKind.TASK,
            subject=case_subject(case),
        )
    return penalty


@transaction.atomic
def penalty_review_complete(
    *, month: date, actor: User, note: str = "", now: datetime | None = None
) -> PenaltyReview:
    """Close the month's penalty review once every proposed penalty is decided; after the
    10th of the next month it is marked late."""
    now = now or timezone.now()
    require(may_review_penalties(actor), _("Only the general manager reviews penalties."))
    month = rules.month_of(month)
    if rules.month_of(timezone.localdate(now)) <= month:
        raise ValidationError(
            {
                "month": ValidationError(
                    _("A month is reviewed after it has ended."), code="month_not_ended"
                )
            }
        )
    pending = Penalty.objects.filter(month=month, status=PenaltyStatus.PROPOSED).count()
    if pending:
        raise ValidationError(
            {
                "month": ValidationError(
                    _("%(count)s penalty(ies) of the month are not decided yet.")
                    % {"count": pending},
                    code="penalties_undecided",
                )
            }
        )
    if PenaltyReview.objects.filter(month=month).exists():
        raise ValidationError(
            {
                "month": ValidationError(
                    _("The month's review is already complete."), code="review_complete"
                )
            }
        )
    review = PenaltyReview(
        month=month,
        reviewed_by=actor,
        reviewed_at=now,
        late=timezone.localdate(now) > rules.review_due(month),
        note=(note or "").strip(),
    )
    review.full_clean()
    review.save()
    return review
