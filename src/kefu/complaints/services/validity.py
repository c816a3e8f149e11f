"""Deciding whether a complaint is valid (投诉成立/不成立) and telling the customer of a
complaint found not valid why."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.complaints import rules
from kefu.complaints.models import ComplaintCase
from kefu.complaints.permissions import may_decide, may_handle
from kefu.complaints.rules import Responsibility, Series, Validity
from kefu.complaints.services.common import case_lock, case_note, require, require_open
from kefu.complaints.services.configuration import settings_get
from kefu.notify.services import sms_queue_text
from kefu.org.models import User
from kefu.tickets.models import EventKind
from kefu.tickets.services import timeline_append


def reply_draft(case: ComplaintCase, reason: str = "") -> str:
    """The tactful reply for a complaint found not valid, from the settings' template."""
    from kefu.notify.services import render_template_text

    ticket = case.ticket
    return render_template_text(
        settings_get().invalid_reply_template,
        {
            "customer": ticket.contact_name or _("customer"),
            "title": ticket.title,
            "number": case.register_no,
            "reason": reason or case.validity_reason,
        },
    )


@transaction.atomic
def case_rule_validity(
    *, case: ComplaintCase, actor: User, valid: bool, reason: str, now: datetime | None = None
) -> ComplaintCase:
    """Decide whether the complaint is valid (投诉成立/不成立), with the reasons. A complaint
    found not valid gets its reply drafted from the template."""
    now = now or timezone.now()
    case = case_lock(case)
    require_open(case)
    require(may_decide(actor, case), _("You may not decide whether this complaint is valid."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Give the reasons for the decision."), code="required")}
        )
    case.validity = Validity.VALID if valid else Validity.INVALID
    case.validity_reason = reason
    case.validity_by = actor
    case.validity_at = now
    if not valid:
        case.reply_text = reply_draft(case, reason)
        # a decision changed to "not valid" drops an earlier attribution
        case.responsibility = Responsibility.PENDING
        case.responsible_department = case.responsible_person = None
    else:
        case.customer_told_at = None
    case.save()
    case_note(
        case,
        actor=actor,
        now=now,
        text=_("%(validity)s: %(reason)s")
        % {"validity": case.get_validity_display(), "reason": reason},
        validity=case.validity,
    )
    return case


@transaction.atomic
def case_tell_customer(
    *,
    case: ComplaintCase,
    actor: User,
    channel: str,
    text: str,
    now: datetime | None = None,
) -> ComplaintCase:
    """Record that the customer was told why the complaint is not valid (by phone, SMS,
    letter or in person); by SMS the text is sent to the order's contact phone."""
    now = now or timezone.now()
    case = case_lock(case)
    require_open(case)
    require(may_handle(actor, case), _("You may not answer this complaint."))
    text = _tell_check(case, channel=channel, text=text)
    ticket = case.ticket
    if channel == rules.TellChannel.SMS:
        sms_queue_text(
            phone=ticket.contact_phone, text=text, template_code="complaint_reply", ticket=ticket
        )
    case.reply_text = text
    case.customer_told_at = now
    case.customer_told_channel = channel
    case.customer_told_by = actor
    case.save()
    timeline_append(
        ticket=ticket,
        kind=EventKind.REPLY,
        actor=actor,
        note=text,
        public=case.series == Series.COMPLAINT,
        data={"complaint": case.register_no, "channel": channel},
        now=now,
    )
    return case


def _tell_check(case: ComplaintCase, *, channel: str, text: str) -> str:
    """The reply's text, stripped; a ``ValidationError`` when it cannot be recorded."""
    if case.validity != Validity.INVALID:
        raise ValidationError(
            {
                "channel": ValidationError(
                    _("Only a complaint found not valid is answered here."),
                    code="tell_needs_invalid",
                )
            }
        )
    text = (text or "").strip()
    if not text:
        raise ValidationError(
            {"text": ValidationError(_("Write what the customer was told."), code="required")}
        )
    if channel not in rules.TellChannel.values:
        raise ValidationError(
            {
                "channel": ValidationError(
                    _("Choose how the customer was told."), code="invalid_choice"
                )
            }
        )
    if channel == rules.TellChannel.SMS and not case.ticket.contact_phone:
        raise ValidationError(
            {
                "channel": ValidationError(
                    _("The order has no phone number to send an SMS to."),
                    code="sms_needs_phone",
                )
            }
        )
    return text
