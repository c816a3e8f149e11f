"""Customer files captured on paper or in the field, entered within the deadline."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.calendars import workcal
from kefu.customers import calendars, rules
from kefu.customers.models import (
    Customer,
    InfoFile,
)
from kefu.customers.services.policy import current_policy
from kefu.org.models import User


@transaction.atomic
def info_file_register(
    *,
    actor: User,
    customer_name: str,
    captured_at: datetime,
    notes: str = "",
    calendar: workcal.Calendar | None = None,
) -> InfoFile:
    """Register a file captured on paper or in the field; it must be entered in time."""
    if captured_at > timezone.now():
        raise ValidationError(
            {
                "captured_at": ValidationError(
                    _("The capture time cannot be in the future."), code="in_future"
                )
            }
        )
    if actor.department_id is None:
        raise ValidationError(
            _("You need a department to register customer files."), code="no_department"
        )
    calendar = calendar or calendars.calendar_for(captured_at)
    info = InfoFile(
        customer_name=customer_name.strip(),
        department=actor.department,
        captured_by=actor,
        captured_at=captured_at,
        entry_due_at=rules.entry_due(captured_at, calendar, current_policy().entry_working_days),
        notes=notes,
    )
    info.full_clean()
    info.save()
    return info


@transaction.atomic
def info_file_enter(*, info_file: InfoFile, customer: Customer) -> InfoFile:
    info = InfoFile.objects.select_for_update().get(pk=info_file.pk)
    if info.entered_at is not None:
        raise ValidationError(_("This file has already been entered."), code="already_entered")
    info.customer = customer
    info.entered_at = timezone.now()
    info.save()
    return info
