"""Notifications to staff (in-app) and messages to customers (SMS and email)."""

from __future__ import annotations

import logging
import smtplib
import socket
import string
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.configcache import ConfigCache
from kefu.notify.backends import GatewayRefused, QueryableSmsBackend, SendResult, sms_backend
from kefu.notify.models import (
    MUTABLE_KINDS,
    MessageChannel,
    MessageStatus,
    MessageTemplate,
    Notification,
    NotificationKind,
    NotificationMute,
    OutboundMessage,
)

log = logging.getLogger(__name__)


def _muted(user_ids: Iterable[int], kind: str) -> set[int]:
    """Of ``user_ids``, those who muted ``kind`` (always none for a kind that cannot be
    muted)."""
    if kind not in MUTABLE_KINDS:
        return set()
    return set(
        NotificationMute.objects.filter(user_id__in=list(user_ids), kind=kind).values_list(
            "user_id", flat=True
        )
    )


def notifications_build(
    users: Iterable,
    *,
    text: str,
    url: str = "",
    kind: str = NotificationKind.GENERAL,
    subject: str = "",
    check_mutes: bool = True,
) -> list[Notification]:
    """One unsaved in-app notification per distinct active user (for callers that write
    many at once). Someone who muted ``kind`` gets none: a muted notice is not written at
    all, so it never counts as unread (the order's timeline still records what happened).
    A caller gathering many may pass ``check_mutes=False`` and filter them all at once with
    :func:`notifications_without_muted` before writing."""
    seen: set[int] = set()
    people = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        people.append(user)
    muted = _muted(seen, kind) if people and check_mutes else set()
    return [
        Notification(recipient=user, text=text[:300], url=url, kind=kind, subject=subject[:60])
        for user in people
        if user.pk not in muted
    ]


def notifications_without_muted(rows: list[Notification]) -> list[Notification]:
    """``rows`` less those whose recipient muted their kind, in one query."""
    mutable = [row for row in rows if row.kind in MUTABLE_KINDS]
    if not mutable:
        return rows
    muted = set(
        NotificationMute.objects.filter(
            user_id__in={row.recipient_id for row in mutable},
            kind__in={row.kind for row in mutable},
        ).values_list("user_id", "kind")
    )
    return [row for row in rows if (row.recipient_id, row.kind) not in muted]


def notify_users(
    users: Iterable,
    *,
    text: str,
    url: str = "",
    kind: str = NotificationKind.GENERAL,
    subject: str = "",
) -> list[Notification]:
    """Create one in-app notification per distinct active user who has not muted ``kind``."""
    return Notification.objects.bulk_create(
        notifications_build(users, text=text, url=url, kind=kind, subject=subject)
    )


def notifications_mark_read(
    *, user, ids: Iterable[int] | None = None, url: str | None = None, now: datetime | None = None
) -> int:
    """Mark the user's unread notifications read: all of them, those with ``ids``, or those
    about the page at ``url`` (every notice about one order at once)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    if url is not None:
        qs = qs.filter(url=url)
    return qs.update(read_at=now or timezone.now())


def notifications_open(*, user, path: str, now: datetime | None = None) -> int:
    """The person opened the page at ``path``: the unread notices that point to it, and the
    others about the same order or case, are read now. Returns how many are still unread
    (for the bell), in one query when none pointed to the page."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    counts = unread.aggregate(total=Count("id"), here=Count("id", filter=Q(url=path)))
    if not counts["here"]:
        return counts["total"]
    # the order's other notices are read with it: its return visit, its deadlines
    subjects = set(unread.filter(url=path).exclude(subject="").values_list("subject", flat=True))
    read = unread.filter(Q(url=path) | Q(subject__in=subjects)).update(
        read_at=now or timezone.now()
    )
    return counts["total"] - read


def notification_mutes_set(*, user, kinds: Iterable[str], now: datetime | None = None) -> set[str]:
    """Set which kinds of notice ``user`` does not want; only :data:`MUTABLE_KINDS` may be
    muted. The unread notices of a kind just muted are marked read. Returns the muted kinds."""
    kinds = set(kinds)
    unknown = sorted(k for k in kinds if k not in NotificationKind.values)
    if unknown:
        raise ValidationError(
            {
                "muted": ValidationError(
                    _("Unknown kind of notification: %(kinds)s") % {"kinds": ", ".join(unknown)},
                    code="invalid_choice",
                )
            }
        )
    fixed = sorted(str(NotificationKind(k).label) for k in kinds if k not in MUTABLE_KINDS)
    if fixed:
        raise ValidationError(
            {
                "muted": ValidationError(
                    _("These notifications cannot be muted: %(kinds)s")
                    % {"kinds": "、".join(fixed)},
                    code="not_mutable",
                )
            }
        )
    with transaction.atomic():
        before = set(NotificationMute.objects.filter(user=user).values_list("kind", flat=True))
        NotificationMute.objects.filter(user=user).exclude(kind__in=kinds).delete()
        NotificationMute.objects.bulk_create(
            [NotificationMute(user=user, kind=k) for k in sorted(kinds - before)]
        )
        Notification.objects.filter(
            recipient=user, read_at__isnull=True, kind__in=kinds - before
        ).update(read_at=now or timezone.now())
    return kinds


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
        params=context,
        ticket=ticket,
    )


def sms_queue_text(
    *,
    phone: str,
    text: str,
    template_code: str = "",
    params: Mapping[str, object] | None = None,
    ticket=None,
) -> OutboundMessage:
    """Record an SMS (with the signature in front) and send it once the transaction commits.

    ``params`` are the template's values for the gateway; without them the whole text is
    the one value ``text``.
    """
    values = params if params is not None else {"text": text}
    message = OutboundMessage.objects.create(
        channel=MessageChannel.SMS,
        to=phone,
        text=settings.SMS_SIGNATURE + text,
        template_code=template_code,
        sign_name=settings.SMS_SIGNATURE.strip("【】[] "),
        params={key: str(value) for key, value in values.items()},
        ticket=ticket,
        retry_at=timezone.now() + _lease(),
    )
    transaction.on_commit(lambda: _enqueue(message.pk, message.channel))
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
        retry_at=timezone.now() + _lease(),
    )
    transaction.on_commit(lambda: _enqueue(message.pk, message.channel))
    return message


def _enqueue(message_id: int, channel: str) -> None:
    from kefu.notify.tasks import email_deliver, sms_deliver

    (email_deliver if channel == MessageChannel.EMAIL else sms_deliver)(message_id)


def _lease() -> timedelta:
    return timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)


# ------------------------------------------------------------------------------ delivery
#
# queued ──claim──▶ sending ──▶ sent / logged
#   ▲  ▲                 ├────▶ failed   (certainly not sent: tried again, up to a limit)
#   │  └─────────────────┴────▶ unknown  (a timeout, or the claim's lease ran out)
#   └── the sweeper: failed after a delay; unknown once the gateway says it never saw it
#
# The claim is its own committed write before the gateway is called, and the outcome is
# another one after it; the gateway is never called inside a transaction, so no row lock
# is held across a network call and a killed worker leaves a claim that can be found.

# exceptions after which the message was certainly not handed over
_NOT_SENT: tuple[type[BaseException], ...] = (
    GatewayRefused,
    ConnectionRefusedError,
    socket.gaierror,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPDataError,
)


@dataclass(frozen=True)
class Claim:
    message: OutboundMessage
    token: uuid.UUID


def message_claim(*, message_id: int, now: datetime | None = None) -> Claim | None:
    """Take one queued (or failed) message for sending, committed at once: the message is
    ``sending`` with a fresh claim token and a lease deadline. None when it is not there to
    take (sent, being sent by another worker, waiting for the sweeper)."""
    now = now or timezone.now()
    token = uuid.uuid4()
    with transaction.atomic(durable=True):
        taken = OutboundMessage.objects.filter(
            pk=message_id, status__in=[MessageStatus.QUEUED, MessageStatus.FAILED]
        ).update(
            status=MessageStatus.SENDING,
            claim_token=token,
            claimed_at=now,
            lease_until=now + _lease(),
            retry_at=None,
            attempts=F("attempts") + 1,
        )
    if not taken:
        return None
    return Claim(OutboundMessage.objects.get(pk=message_id), token)


def _hand_over(message: OutboundMessage) -> SendResult:
    if message.channel == MessageChannel.EMAIL:
        # the same Message-ID every time, so a mail system that sees it twice can tell
        headers = {"Message-ID": f"<kefu-message-{message.out_id}@{DNS_NAME}>"}
        EmailMessage(
            subject=message.subject, body=message.text, to=[message.to], headers=headers
        ).send()
        return SendResult(status="sent")
    return sms_backend().send(
        phone=message.to,
        sign_name=message.sign_name,
        template_code=message.template_code,
        params=message.params,
        out_id=message.out_id,
    )


def _settle(claim: Claim, **fields) -> bool:
    """Record the outcome of a claimed send; False when the claim had been taken away (the
    sweeper found its lease run out)."""
    with transaction.atomic(durable=True):
        done = OutboundMessage.objects.filter(
            pk=claim.message.pk, claim_token=claim.token, status=MessageStatus.SENDING
        ).update(claim_token=None, lease_until=None, **fields)
    if not done:
        log.error(
            "message %s: outcome %s not recorded, its claim had expired",
            claim.message.pk,
            fields.get("status"),
        )
    return bool(done)


def message_deliver_now(message_id: int, *, now: datetime | None = None) -> OutboundMessage:
    """Hand one recorded message to its gateway (SMS backend or Django's mail server) and
    record the outcome; never inside a transaction.

    A message that is not there to take (already sent, claimed by another worker) is not
    sent again. A refusal (certainly not sent) is recorded as ``failed`` and raised again,
    so the worker retries it; any other failure may have reached the gateway, so it is
    recorded as ``unknown`` and left to the sweeper, which asks the gateway before sending
    again.
    """
    claim = message_claim(message_id=message_id, now=now)
    if claim is None:
        return OutboundMessage.objects.get(pk=message_id)
    message = claim.message
    try:
        result = _hand_over(message)
    except Exception as exc:  # the gateway's failure is recorded, never lost
        error = (str(exc) or exc.__class__.__name__)[:300]
        if isinstance(exc, _NOT_SENT):
            log.warning("%s %s to %s refused: %s", message.channel, message.pk, message.to, error)
            retry = timezone.now() + timedelta(
                seconds=settings.NOTIFY_RETRY_SECONDS * message.attempts
            )
            _settle(claim, status=MessageStatus.FAILED, error=error, retry_at=retry)
            raise
        log.warning("%s %s to %s unknown: %s", message.channel, message.pk, message.to, error)
        _settle(claim, status=MessageStatus.UNKNOWN, error=error)
    else:
        _settle(
            claim,
            status=MessageStatus(result.status),
            provider_id=result.provider_id[:100],
            error="",
            sent_at=timezone.now(),
        )
    return OutboundMessage.objects.get(pk=message_id)


def sms_deliver_now(message_id: int) -> OutboundMessage:
    """Send one recorded SMS (see :func:`message_deliver_now`)."""
    return message_deliver_now(message_id)


def email_deliver_now(message_id: int) -> OutboundMessage:
    """Send one recorded email (see :func:`message_deliver_now`)."""
    return message_deliver_now(message_id)


def _reconcile(message: OutboundMessage, *, now: datetime) -> str:
    """Settle one message whose outcome is unknown: ask the gateway when it can be asked;
    queue it again when the gateway never saw it or cannot be asked (an email, a gateway
    without a status query: then it may arrive twice, never not at all)."""
    backend = sms_backend() if message.channel == MessageChannel.SMS else None
    answer: str = "absent"
    if isinstance(backend, QueryableSmsBackend):
        try:
            answer = backend.query_status(message.out_id)
        except Exception as exc:  # the gateway cannot tell now; ask again at the next sweep
            log.warning("message %s: status query failed: %s", message.pk, exc)
            answer = "pending"
    unknown = OutboundMessage.objects.filter(pk=message.pk, status=MessageStatus.UNKNOWN)
    if answer == "sent":
        unknown.update(status=MessageStatus.SENT, error="", sent_at=now)
        return "confirmed"
    if answer == "absent":
        unknown.update(status=MessageStatus.QUEUED, retry_at=now)
        return "requeued"
    return "pending"


def messages_sweep(*, now: datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Find what no worker will finish and settle it (run every minute by the worker):

    * a claim whose lease ran out (its worker was killed or hung) becomes ``unknown``;
    * an ``unknown`` message is reconciled with the gateway (:func:`_reconcile`);
    * a ``failed`` message is queued again after its delay, up to ``NOTIFY_MAX_ATTEMPTS``;
    * a queued message that no task took in time (the task was lost with its worker) is
      handed to the worker again.

    Each step is its own short write; the gateway is asked outside any transaction.
    Returns how many messages each step moved.
    """
    now = now or timezone.now()
    counts = {"expired": 0, "confirmed": 0, "requeued": 0, "pending": 0, "retried": 0}
    counts["expired"] = OutboundMessage.objects.filter(
        status=MessageStatus.SENDING, lease_until__lt=now
    ).update(
        status=MessageStatus.UNKNOWN,
        claim_token=None,
        lease_until=None,
        error="claim expired: the worker stopped while sending",
    )
    for message in OutboundMessage.objects.filter(status=MessageStatus.UNKNOWN).order_by("id")[
        :batch
    ]:
        counts[_reconcile(message, now=now)] += 1
    counts["retried"] = OutboundMessage.objects.filter(
        status=MessageStatus.FAILED,
        attempts__lt=settings.NOTIFY_MAX_ATTEMPTS,
        retry_at__lte=now,
    ).update(status=MessageStatus.QUEUED, retry_at=now)
    stale = list(
        OutboundMessage.objects.filter(status=MessageStatus.QUEUED)
        .filter(Q(retry_at__lte=now) | Q(retry_at__isnull=True))
        .order_by("id")
        .values_list("pk", "channel")[:batch]
    )
    OutboundMessage.objects.filter(pk__in=[pk for pk, _ in stale]).update(retry_at=now + _lease())
    for pk, channel in stale:
        _enqueue(pk, channel)
    counts["handed"] = len(stale)
    return counts


def messages_requeue(*, ids: Iterable[int] = (), status: str = "") -> int:
    """Queue again, by hand, the given messages or every message in ``status`` (failed or
    unknown; an unknown one may then arrive twice) and hand them to the worker."""
    qs = OutboundMessage.objects.filter(status__in=[MessageStatus.FAILED, MessageStatus.UNKNOWN])
    ids = list(ids)
    if ids:
        qs = qs.filter(pk__in=ids)
    if status:
        qs = qs.filter(status=status)
    if not ids and not status:
        return 0
    picked = list(qs.values_list("pk", "channel"))
    now = timezone.now()
    OutboundMessage.objects.filter(pk__in=[pk for pk, _ in picked]).update(
        status=MessageStatus.QUEUED, retry_at=now + _lease(), error=""
    )
    for pk, channel in picked:
        transaction.on_commit(partial(_enqueue, pk, channel))
    return len(picked)


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
