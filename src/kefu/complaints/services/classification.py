"""Classifying a case: its class, anomaly, severity, the customer's demand and the product
facts (CMP-03, CMP-06)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.complaints.models import ComplaintCase, ComplaintClass
from kefu.complaints.permissions import may_handle
from kefu.complaints.rules import Severity
from kefu.complaints.services.common import case_lock, case_note, require, require_open
from kefu.complaints.services.registration import major_complaint_notify
from kefu.org.models import User


@transaction.atomic
def case_classify(
    *,
    case: ComplaintCase,
    actor: User,
    complaint_class: ComplaintClass | None,
    anomaly: str = "",
    severity: str = Severity.GENERAL,
    customer_demand: str = "",
    order_no: str = "",
    part_no: str = "",
    delivery_date: date | None = None,
    quantity: Decimal | None = None,
    defective_quantity: Decimal | None = None,
    now: datetime | None = None,
) -> ComplaintCase:
    """Record the class, anomaly, severity, demand and the product facts (CMP-03, CMP-06).
    Raising the severity to major tells the general manager at once."""
    now = now or timezone.now()
    case = case_lock(case)
    require_open(case)
    require(may_handle(actor, case), _("You may not classify this complaint."))
    if complaint_class is not None and not complaint_class.is_active:
        raise ValidationError(
            {
                "complaint_class": ValidationError(
                    _("This complaint class is no longer in use."),
                    code="complaint_class_inactive",
                )
            }
        )
    was_major = case.major_notified_at is not None
    case.complaint_class = complaint_class
    case.anomaly = anomaly or ""
    case.severity = severity
    case.customer_demand = (customer_demand or "").strip()
    case.order_no = (order_no or "").strip()
    case.part_no = (part_no or "").strip()
    case.delivery_date = delivery_date
    case.quantity = quantity
    case.defective_quantity = defective_quantity
    if quantity is not None and defective_quantity is not None and defective_quantity > quantity:
        raise ValidationError(
            {
                "defective_quantity": ValidationError(
                    _("The defective quantity cannot exceed the quantity."),
                    code="defective_exceeds_quantity",
                )
            }
        )
    case.full_clean(exclude=["ticket", "validity_by", "customer_told_by", "attributed_by"])
    case.save()
    case_note(
        case,
        actor=actor,
        now=now,
        text=_("Classified: %(cls)s, %(severity)s")
        % {
            "cls": complaint_class.name if complaint_class else "—",
            "severity": case.get_severity_display(),
        },
    )
    if case.severity == Severity.MAJOR and not was_major:
        major_complaint_notify(case, now=now)
    return case
