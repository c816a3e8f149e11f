"""Who saw a customer's unmasked personal data, and why (§17)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.customers.models import (
    Customer,
    PiiAccess,
    PiiField,
)
from kefu.org.models import User


@transaction.atomic
def pii_unmask(
    *, customer: Customer, user: User, field: str = PiiField.ALL, reason: str
) -> PiiAccess:
    """Record that *user* unmasks *customer*'s personal data, and why (§17)."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Say why you need to see the full data."), code="required"
                )
            }
        )
    access = PiiAccess(customer=customer, user=user, field=field, reason=reason, at=timezone.now())
    access.full_clean()
    access.save()
    return access


def pii_export_record(*, user: User, count: int, reason: str) -> PiiAccess:
    """Record an export that contains unmasked personal data of *count* customers."""
    return PiiAccess.objects.create(
        customer=None,
        user=user,
        field=PiiField.ALL,
        reason=reason,
        is_export=True,
        record_count=count,
        at=timezone.now(),
    )
