"""Notifications to staff (in-app) and messages to customers (SMS and email)."""

from __future__ import annotations

import logging
import string
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from kefu.core.configcache import ConfigCache
from kefu.notify.backends import sms_backend
from kefu.notify.models import (
    MessageChannel,
    MessageStatus,
    MessageTemplate,
    Notification,
    OutboundMessage,
)

log = logging.getLogger(__name__)


def notifications_build(users: Iterable, *, text: str, url: str = "") -> list[Notification]:
    """One unsaved in-app notification per distinct active user (for callers that write
    many at once)."""
    seen: set[int] = set()
    rows = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, text=text[:300], url=url))
    return rows


def notify_users(users: Iterable, *, text: str, url: str = "") -> list[Notification]:
    """Create one in-app notification per distinct active user."""
    return Notification.objects.bulk_create(notifications_build(users, text=text, url=url))


def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


class _Missing(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def render_template_text(text: str, context: Mapping[str, object]) -> str:
    """Fill ``{name}`` placeholders; unknown ones are left as they are."""
    formatter = string.Formatter()
    return formatter.vformat(text, (), _Missing({k: str(v) for k, v in context.items()}))


def _active_sms_templates() -> dict[str, str]:
    return dict(
        MessageTemplate.objects.filter(channel=MessageChannel.SMS, active=True).values_list(
            "code", "text"
        )
    )


# every order sends one on acceptance: kept per process while unchanged
_sms_templates = ConfigCache(lambda: [MessageTemplate], _active_sms_templates)


def sms_template(code: str) -> str | None:
    """The text of the active SMS template *code*, or None when it is missing or switched
    off. Read it before a write transaction where it can: inside one, a process that has
    no copy yet reads the table every time (see :mod:`kefu.core.configcache`)."""
    return _sms_templates.get().get(code)


def sms_queue(
    *, phone: str, template_code: str, context: Mapping[str, object], ticket=None
) -> OutboundMessage | None:
    """Record an SMS from a template and send it once the transaction commits.

    A missing or inactive template sends nothing (an administrator switched it off).
    """
    text = sms_template(template_code)
    if text is None or not phone:
        return None
    return sms_queue_text(
        phone=phone,
        text=render_template_text(text, context),
        template_code=template_code,
        ticket=ticket,
    )


def sms_queue_text(
    *, phone: str, text: str, template_code: str = "", ticket=None
) -> OutboundMessage:
    """Record an SMS (with the signature in front) and send it once the transaction commits."""
    message = OutboundMessage.objects.create(
        channel=MessageChannel.SMS,
        to=phone,
        text=settings.SMS_SIGNATURE + text,
        template_code=template_code,
        ticket=ticket,
    )
    transaction.on_commit(lambda: _send_sms(message.pk))
    return message


def _send_sms(message_id: int) -> None:
    from kefu.notify.tasks import sms_deliver

    sms_deliver(message_id)


def sms_deliver_now(message_id: int) -> OutboundMessage:
    """Hand one recorded message to the SMS backend and record the outcome. A failure is
    recorded on the message and raised again, so the worker retries it; a message already
    handed over is not sent twice."""
    failure = None
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().get(pk=message_id)
        if message.status not in (MessageStatus.QUEUED, MessageStatus.FAILED):
            return message
        try:
            status = sms_backend().send(phone=message.to, text=message.text)
        except Exception as exc:  # the gateway's failure is recorded, never lost
            log.warning("SMS %s to %s failed: %s", message.pk, message.to, exc)
            message.status = MessageStatus.FAILED
            message.error = (str(exc) or exc.__class__.__name__)[:300]
            failure = exc
        else:
            message.status = MessageStatus(status)
            message.error = ""
            message.sent_at = timezone.now()
        message.save(update_fields=["status", "error", "sent_at"])
    if failure is not None:
        raise failure
    return message


def email_queue_text(
    *, to: str, subject: str, text: str, template_code: str = "", ticket=None
) -> OutboundMessage:
    """Record an email and hand it to the mail server once the transaction commits; the
    worker retries it when the mail server does not take it."""
    message = OutboundMessage.objects.create(
        channel=MessageChannel.EMAIL,
        to=to,
        subject=subject[:200],
        text=text,
        template_code=template_code,
        ticket=ticket,
    )
    transaction.on_commit(lambda: _send_email(message.pk))
    return message


def _send_email(message_id: int) -> None:
    from kefu.notify.tasks import email_deliver

    email_deliver(message_id)


def email_deliver_now(message_id: int) -> OutboundMessage:
    """Hand one recorded email to the mail server (Django's EMAIL_* settings) and record
    the outcome. A failure is recorded on the message and raised again, so the worker
    retries it; a message already sent is not sent twice."""
    failure = None
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().get(pk=message_id)
        if message.status not in (MessageStatus.QUEUED, MessageStatus.FAILED):
            return message
        mail = EmailMessage(subject=message.subject, body=message.text, to=[message.to])
        try:
            mail.send()
        except Exception as exc:  # the mail server's failure is recorded, never lost
            log.warning("email %s to %s failed: %s", message.pk, message.to, exc)
            message.status = MessageStatus.FAILED
            message.error = (str(exc) or exc.__class__.__name__)[:300]
            failure = exc
        else:
            message.status = MessageStatus.SENT
            message.error = ""
            message.sent_at = timezone.now()
        message.save(update_fields=["status", "error", "sent_at"])
    if failure is not None:
        raise failure
    return message


DEFAULT_TEMPLATES = (
    (
        "ticket_received",
        "受理通知",
        "尊敬的{customer}，您的诉求已受理，工单号{number}，受理人工号{agent_no}。"
        "可凭工单号和手机号后四位查询办理进度。",
    ),
    (
        "ticket_resolved",
        "办结通知",
        "尊敬的{customer}，您的工单{number}已办结：{result} 如有疑问请联系工号{agent_no}。",
    ),
)


def templates_ensure() -> None:
    """Create the default message templates that do not exist (never edits existing ones)."""
    for code, name, text in DEFAULT_TEMPLATES:
        MessageTemplate.objects.get_or_create(
            code=code, defaults={"name": name, "channel": MessageChannel.SMS, "text": text}
        )
