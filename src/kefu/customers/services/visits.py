"""Visits to customers: the visit form, its approval, the write-up and the trip log."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.customers import permissions
from kefu.customers.models import (
    Contact,
    Customer,
    InteractionChannel,
    TripLog,
    VisitPlan,
    VisitRecord,
    VisitStatus,
)
from kefu.customers.services.archive import interaction_record
from kefu.org.models import User


@transaction.atomic
def visit_plan_submit(
    *,
    customer: Customer,
    manager: User,
    purpose: str,
    planned_start: datetime,
    objectives: str = "",
    planned_end: datetime | None = None,
    contact: Contact | None = None,
) -> VisitPlan:
    """Fill in the visit form (客户走访单); it waits for the supervisor's approval."""
    if contact is not None and contact.customer_id != customer.pk:
        raise ValidationError(
            {
                "contact": ValidationError(
                    _("This contact belongs to another customer."), code="other_customers_contact"
                )
            }
        )
    plan = VisitPlan(
        customer=customer,
        contact=contact,
        manager=manager,
        purpose=purpose,
        objectives=objectives,
        planned_start=planned_start,
        planned_end=planned_end,
        created_at=timezone.now(),
    )
    if planned_end is not None and planned_end < planned_start:
        raise ValidationError(
            {
                "planned_end": ValidationError(
                    _("The visit cannot end before it starts."), code="end_before_start"
                )
            }
        )
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def visit_plan_decide(*, plan: VisitPlan, actor: User, approve: bool, note: str = "") -> VisitPlan:
    plan = VisitPlan.objects.select_for_update().get(pk=plan.pk)
    if not permissions.is_supervisor(actor) or actor.pk == plan.manager_id:
        raise ValidationError(
            _("Visit plans are approved by the supervisor."), code="supervisor_only"
        )
    if plan.status != VisitStatus.SUBMITTED:
        raise ValidationError(
            _("This visit plan has already been decided."), code="already_decided"
        )
    if not approve and not note.strip():
        raise ValidationError(
            {"note": ValidationError(_("Say why the plan is rejected."), code="required")}
        )
    plan.status = VisitStatus.APPROVED if approve else VisitStatus.REJECTED
    plan.decided_by = actor
    plan.decided_at = timezone.now()
    plan.decision_note = note.strip()
    plan.save()
    return plan


@transaction.atomic
def visit_record_create(
    *,
    customer: Customer,
    manager: User,
    visited_at: datetime,
    discussed: str,
    plan: VisitPlan | None = None,
    contact: Contact | None = None,
    receptionist: str = "",
    receptionist_decides: bool = False,
    needs_found: str = "",
    next_steps: str = "",
) -> VisitRecord:
    """Write up a visit. A planned visit must have been approved first."""
    if plan is not None:
        plan = VisitPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != VisitStatus.APPROVED:
            raise ValidationError(
                {
                    "plan": ValidationError(
                        _("The visit plan has not been approved."), code="plan_not_approved"
                    )
                }
            )
        if plan.customer_id != customer.pk:
            raise ValidationError(
                {
                    "plan": ValidationError(
                        _("The visit plan is for another customer."), code="plan_other_customer"
                    )
                }
            )
    if visited_at > timezone.now():
        raise ValidationError(
            {
                "visited_at": ValidationError(
                    _("A visit cannot be recorded before it happens."), code="in_future"
                )
            }
        )
    record = VisitRecord(
        plan=plan,
        customer=customer,
        contact=contact,
        manager=manager,
        visited_at=visited_at,
        receptionist=receptionist,
        receptionist_decides=receptionist_decides,
        discussed=discussed,
        needs_found=needs_found,
        next_steps=next_steps,
        created_at=timezone.now(),
    )
    record.full_clean()
    record.save()
    if plan is not None:
        plan.status = VisitStatus.DONE
        plan.save(update_fields=["status"])
    interaction_record(
        customer=customer,
        staff=manager,
        channel=InteractionChannel.VISIT,
        summary=discussed,
        happened_at=visited_at,
        contact=contact,
    )
    return record


@transaction.atomic
def trip_log_create(
    *,
    manager: User,
    trip_date: date,
    depart_at,
    destination: str,
    purpose: str,
    return_at=None,
    customer: Customer | None = None,
    plan: VisitPlan | None = None,
    transport: str = "",
) -> TripLog:
    trip = TripLog(
        manager=manager,
        trip_date=trip_date,
        depart_at=depart_at,
        return_at=return_at,
        destination=destination,
        customer=customer or (plan.customer if plan else None),
        plan=plan,
        purpose=purpose,
        transport=transport,
        created_at=timezone.now(),
    )
    if return_at is not None and return_at < depart_at:
        raise ValidationError(
            {
                "return_at": ValidationError(
                    _("The return cannot be before the departure."), code="end_before_start"
                )
            }
        )
    trip.full_clean()
    trip.save()
    return trip
