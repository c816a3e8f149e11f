"""The app's own configuration rows: the settings, the complaint classes, the approval
authorities (核决权限) and the confidential handlers' group."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.complaints import rules
from kefu.complaints.models import (
    ApprovalStep,
    AuthorityLimit,
    ComplaintClass,
    ComplaintSettings,
)
from kefu.complaints.permissions import CONFIDENTIAL_GROUP
from kefu.complaints.seeds import DEFAULT_ALLOWANCE_CHAIN, DEFAULT_CLASSES, DEFAULT_LIMITS


def seeds_ensure() -> None:
    """Create the settings row, the complaint classes, the approval authorities and the
    confidential handlers' group when missing; never change rows that exist."""
    ComplaintSettings.objects.get_or_create(pk=1)
    for order, (code, name, industry) in enumerate(DEFAULT_CLASSES, start=1):
        ComplaintClass.objects.get_or_create(
            code=code, defaults={"name": name, "industry": industry, "sort_order": order * 10}
        )
    for role, label, maximum in DEFAULT_LIMITS:
        AuthorityLimit.objects.get_or_create(
            role=role, defaults={"label": label, "max_amount": maximum}
        )
    if not ApprovalStep.objects.exists():
        for order, role, label, low, high in DEFAULT_ALLOWANCE_CHAIN:
            ApprovalStep.objects.create(
                order=order, role=role, label=label, min_amount=low, max_amount=high
            )
    Group.objects.get_or_create(name=CONFIDENTIAL_GROUP)


def settings_get() -> ComplaintSettings:
    row, _created = ComplaintSettings.objects.get_or_create(pk=1)
    return row


def authority_limits() -> list[rules.Limit]:
    return [
        rules.Limit(role=row.role, maximum=row.max_amount, label=row.label)
        for row in AuthorityLimit.objects.all()
    ]


def settings_set_industry(*, industry: str) -> bool:
    """Offer the complaint classes of ``industry`` (empty: every class); True if it changed."""
    row = settings_get()
    if row.industry == industry:
        return False
    row.industry = industry
    row.full_clean()
    row.save()
    return True


def approval_chain_steps() -> list[rules.ChainStep]:
    """The configured levels of the sales-allowance certificate's approval chain."""
    return [
        rules.ChainStep(
            order=row.order,
            role=row.role,
            label=row.label,
            min_amount=row.min_amount,
            max_amount=row.max_amount,
        )
        for row in ApprovalStep.objects.all()
    ]


@transaction.atomic
def approval_chain_set(*, steps: list[rules.ChainStep]) -> list[rules.ChainStep]:
    """Replace the sales-allowance certificate's approval chain (CMP-21). Refused, with
    nothing changed, when it has no level, two levels share an order, or a level's range
    ends below its start. Remedies already signed keep their signatures."""
    if not steps:
        raise ValidationError(
            {
                "steps": ValidationError(
                    _("The approval chain needs at least one level."), code="chain_empty"
                )
            }
        )
    errors: dict[str, ValidationError] = {}
    orders = [step.order for step in steps]
    reversed_levels = [
        step.label
        for step in steps
        if step.min_amount is not None
        and step.max_amount is not None
        and step.max_amount < step.min_amount
    ]
    if len(set(orders)) != len(orders):
        errors["steps"] = ValidationError(
            _("Two levels have the same order: each level signs in its own turn."),
            code="level_order_repeated",
        )
    elif reversed_levels:
        errors["steps"] = ValidationError(
            _("Level %(label)s: the upper amount is below the lower amount.")
            % {"label": "、".join(reversed_levels)},
            code="step_range_reversed",
        )
    if errors:
        raise ValidationError(errors)
    ApprovalStep.objects.all().delete()
    for step in steps:
        row = ApprovalStep(
            order=step.order,
            role=step.role,
            label=step.label,
            min_amount=step.min_amount,
            max_amount=step.max_amount,
        )
        row.full_clean()
        row.save()
    return approval_chain_steps()
