"""The customer's negotiated result (CMP-10): the salesperson explains and negotiates with
the customer, writes the outcome on the form and returns it to the office, which has one
day from then to form the combined opinion."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.complaints.apps import RESULT_RETURNED
from kefu.complaints.models import ComplaintCase
from kefu.complaints.permissions import may_handle
from kefu.complaints.services.common import case_lock, case_note, require, require_open
from kefu.org.models import User
from kefu.sla.services import clock_event_record


@transaction.atomic
def case_result_return(
    *, case: ComplaintCase, actor: User, result: str, now: datetime | None = None
) -> ComplaintCase:
    """Record the result negotiated with the customer, returned to the office: the time
    limits that count from the returned result (the combined opinion) start now. Recording
    it again corrects the text; the clocks keep the first return."""
    now = now or timezone.now()
    case = case_lock(case)
    require_open(case)
    require(may_handle(actor, case), _("You may not record the negotiated result."))
    result = (result or "").strip()
    if not result:
        raise ValidationError(
            {
                "result": ValidationError(
                    _("Write down the result negotiated with the customer."), code="required"
                )
            }
        )
    first = case.negotiated_at is None
    case.negotiation_result = result
    case.negotiated_by = actor
    if first:
        case.negotiated_at = now
    case.save()
    case_note(
        case,
        actor=actor,
        now=now,
        text=_("Negotiated result returned: %(result)s") % {"result": result},
    )
    clock_event_record(ticket=case.ticket, event=RESULT_RETURNED, actor=actor, now=now)
    return case
