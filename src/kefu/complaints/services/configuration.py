"""The app's own configuration rows: the settings, the complaint classes, the approval
authorities (核决权限) and the confidential handlers' group."""

from __future__ import annotations

from django.contrib.auth.models import Group

from kefu.complaints import rules
from kefu.complaints.models import AuthorityLimit, ComplaintClass, ComplaintSettings
from kefu.complaints.permissions import CONFIDENTIAL_GROUP
from kefu.complaints.seeds import DEFAULT_CLASSES, DEFAULT_LIMITS


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
