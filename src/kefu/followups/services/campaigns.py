"""Campaign questionnaires answered by phone, outside any return visit."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kefu.customers.models import Contact, Customer
from kefu.customers.selectors import customers_findable
from kefu.followups.models import (
    Questionnaire,
    SurveyResponse,
)
from kefu.followups.permissions import (
    may_survey_by_phone,
)
from kefu.followups.services.surveys import survey_answer
from kefu.org.models import User


def campaign_questionnaires() -> QuerySet[Questionnaire]:
    """The active questionnaires of campaigns (not those of work orders)."""
    return (
        Questionnaire.objects.filter(is_active=True)
        .exclude(campaign="")
        .order_by("campaign", "title")
    )


@transaction.atomic
def campaign_answer_by_phone(
    *,
    questionnaire: Questionnaire,
    customer: Customer,
    contact: Contact | None = None,
    answers: dict,
    actor: User,
    now: datetime | None = None,
) -> SurveyResponse:
    """Record a campaign questionnaire a staff member filled in on the phone with a
    customer (outside any return visit): channel phone, the customer and contact kept."""
    if not may_survey_by_phone(actor):
        raise PermissionDenied(_("You may not record survey answers by phone."))
    if not (questionnaire.is_active and questionnaire.campaign):
        raise ValidationError(
            {
                "questionnaire": ValidationError(
                    _("Questionnaire: choose an active campaign questionnaire."),
                    code="not_campaign_questionnaire",
                )
            }
        )
    if not customers_findable(actor).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("This customer is outside your data scope."))
    if contact is not None and contact.customer_id != customer.pk:
        raise ValidationError(
            {
                "contact": ValidationError(
                    _("Contact: choose one of this customer's contacts."),
                    code="other_customers_contact",
                )
            }
        )
    return survey_answer(
        questionnaire=questionnaire,
        answers=answers,
        actor=actor,
        customer=customer,
        contact=contact,
        now=now,
    )
