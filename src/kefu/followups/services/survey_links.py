"""Signed, single-use, expiring survey links sent by SMS or email."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.followups.models import (
    Questionnaire,
    ReturnVisit,
    SurveyLink,
    VisitChannel,
)
from kefu.followups.permissions import (
    may_record,
)
from kefu.followups.rules import SURVEY_EMAIL_TEMPLATE
from kefu.followups.services.common import (
    check_pending,
    is_mobile,
    lock_visit,
    policy_for,
    settings_get,
)
from kefu.notify.models import MessageChannel, MessageStatus, OutboundMessage
from kefu.notify.services import email_queue_text, sms_queue_text
from kefu.org.models import User
from kefu.tickets.models import Category

log = logging.getLogger(__name__)

SURVEY_SALT = "kefu.followups.survey-link"


def link_token(link: SurveyLink) -> str:
    return signing.Signer(salt=SURVEY_SALT).sign(link.key)


def questionnaire_for(category: Category) -> Questionnaire | None:
    policy = policy_for(category)
    if policy is not None and policy.questionnaire is not None and policy.questionnaire.is_active:
        return policy.questionnaire
    ids = [int(p) for p in category.path.strip("/").split("/") if p]
    attached = Questionnaire.objects.filter(is_active=True, categories__in=ids).distinct().first()
    return attached or Questionnaire.objects.filter(is_active=True, is_default=True).first()


def _link_create(visit, *, actor, now: datetime, config, **sent_to) -> SurveyLink:
    questionnaire = questionnaire_for(visit.category)
    if questionnaire is None:
        raise ValidationError(
            {
                "questionnaire": ValidationError(
                    _("No active questionnaire: create one first."), code="no_questionnaire"
                )
            }
        )
    return SurveyLink.objects.create(
        key=secrets.token_urlsafe(16),
        questionnaire=questionnaire,
        visit=visit,
        expires_at=now + timedelta(days=config.link_valid_days),
        created_by=actor,
        created_at=now,
        **sent_to,
    )


def _link_url(link: SurveyLink, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("followups:survey", args=[link_token(link)])


def link_send_sms(visit, *, actor, base_url: str, now: datetime, config) -> SurveyLink:
    ticket = visit.ticket
    if not is_mobile(ticket.contact_phone):
        raise ValidationError(
            {
                "phone": ValidationError(
                    _("The order has no mobile number to send the survey link to."),
                    code="no_mobile",
                )
            }
        )
    link = _link_create(
        visit,
        actor=actor,
        now=now,
        config=config,
        channel=VisitChannel.SMS_LINK,
        phone=ticket.contact_phone,
    )
    sms_queue_text(
        phone=ticket.contact_phone,
        text=_(
            "Dear %(customer)s, please tell us whether you are satisfied with order %(number)s: "
            "%(url)s (valid %(days)d days)"
        )
        % {
            "customer": ticket.contact_name or _("customer"),
            "number": ticket.number,
            "url": _link_url(link, base_url),
            "days": config.link_valid_days,
        },
        template_code="return_visit_survey",
        ticket=ticket,
    )
    return link


def _link_email(visit, *, actor, email: str, base_url: str, now: datetime, config) -> SurveyLink:
    ticket = visit.ticket
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        log.warning("survey link for visit %s refused: bad email address", visit.pk)
        raise ValidationError(
            {
                "email": ValidationError(
                    _("Email: enter a valid email address (for example name@example.com)."),
                    code="invalid",
                )
            }
        ) from None
    link = _link_create(
        visit, actor=actor, now=now, config=config, channel=VisitChannel.EMAIL_LINK, email=email
    )
    email_queue_text(
        to=email,
        subject=_("Satisfaction survey for order %(number)s") % {"number": ticket.number},
        text=_(
            "Dear %(customer)s,\n\n"
            "Your order %(number)s (%(title)s) has been handled. Please tell us whether you "
            "are satisfied — it takes a minute:\n\n%(url)s\n\n"
            "The link works once and is valid for %(days)d days.\n"
        )
        % {
            "customer": ticket.contact_name or _("customer"),
            "number": ticket.number,
            "title": ticket.title,
            "url": _link_url(link, base_url),
            "days": config.link_valid_days,
        },
        template_code=SURVEY_EMAIL_TEMPLATE,
        ticket=ticket,
    )
    return link


def survey_emails_pending(*, now: datetime, older_than: timedelta = timedelta(minutes=10)):
    """Survey emails still waiting or failed whose link has not expired yet."""
    valid_days = settings_get().link_valid_days
    return OutboundMessage.objects.filter(
        channel=MessageChannel.EMAIL,
        template_code=SURVEY_EMAIL_TEMPLATE,
        status__in=[MessageStatus.QUEUED, MessageStatus.FAILED],
        created_at__lte=now - older_than,
        created_at__gt=now - timedelta(days=valid_days),
    ).order_by("id")


@transaction.atomic
def survey_link_send(
    *,
    visit: ReturnVisit,
    actor: User,
    base_url: str,
    channel: str = VisitChannel.SMS_LINK,
    email: str = "",
    now: datetime | None = None,
) -> SurveyLink:
    """Send the customer a signed, single-use, expiring link to the questionnaire, by SMS
    to the order's mobile number or by email to *email*."""
    now = now or timezone.now()
    visit = lock_visit(visit)
    if not may_record(actor, visit):
        raise PermissionDenied(_("You may not record this return visit."))
    check_pending(visit)
    if channel not in (VisitChannel.SMS_LINK, VisitChannel.EMAIL_LINK):
        raise ValidationError(
            {
                "channel": ValidationError(
                    _("Send the survey link by SMS or by email."), code="invalid_choice"
                )
            }
        )
    config = settings_get()
    base_url = config.public_base_url or base_url
    if channel == VisitChannel.EMAIL_LINK:
        return _link_email(
            visit, actor=actor, email=email, base_url=base_url, now=now, config=config
        )
    return link_send_sms(visit, actor=actor, base_url=base_url, now=now, config=config)


def survey_link_open(token: str, *, now: datetime | None = None) -> SurveyLink:
    """The link a token names, if it may still be answered; ``ValidationError`` otherwise
    (tampered or unknown, already answered, expired)."""
    now = now or timezone.now()
    try:
        key = signing.Signer(salt=SURVEY_SALT).unsign(token)
    except signing.BadSignature:
        log.warning("survey link refused: bad signature")
        raise ValidationError(
            {"token": ValidationError(_("This survey link is not valid."), code="link_invalid")}
        ) from None
    link = SurveyLink.objects.select_related("questionnaire").filter(key=key).first()
    if link is None:
        log.warning("survey link refused: unknown key")
        raise ValidationError(
            {"token": ValidationError(_("This survey link is not valid."), code="link_invalid")}
        )
    if link.used_at is not None:
        log.warning("survey link %s refused: already answered", link.pk)
        raise ValidationError(
            {
                "token": ValidationError(
                    _("This survey was already answered. Thank you!"), code="link_used"
                )
            }
        )
    if link.expires_at <= now:
        log.warning("survey link %s refused: expired", link.pk)
        raise ValidationError(
            {"token": ValidationError(_("This survey link has expired."), code="link_expired")}
        )
    return link
