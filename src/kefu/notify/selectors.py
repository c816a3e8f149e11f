"""Reads of kefu.notify for lists, exports and the operators' status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, QuerySet
from django.utils.translation import ngettext

from kefu.notify.models import (
    MessageStatus,
    Notification,
    NotificationKind,
    NotificationMute,
    OutboundMessage,
)


def messages_summary(*, now: datetime) -> dict:
    """Messages by (channel, status), claims whose lease ran out, the oldest queued one."""
    counts = {
        (row["channel"], row["status"]): row["n"]
        for row in OutboundMessage.objects.order_by()
        .values("channel", "status")
        .annotate(n=Count("id"))
    }
    return {
        "counts": counts,
        "expired_claims": OutboundMessage.objects.filter(
            status=MessageStatus.SENDING, lease_until__lt=now
        ).count(),
        "oldest_queued": OutboundMessage.objects.filter(status=MessageStatus.QUEUED).aggregate(
            oldest=Min("created_at")
        )["oldest"],
    }


def messages_list(
    *, channel: str = "", status: str = "", to: str = "", ticket_number: str = ""
) -> QuerySet[OutboundMessage]:
    """The message log, newest first (by id), filtered; the order number comes with each row."""
    qs = OutboundMessage.objects.select_related("ticket").only(
        "id",
        "channel",
        "to",
        "subject",
        "text",
        "template_code",
        "status",
        "attempts",
        "error",
        "created_at",
        "sent_at",
        "provider_id",
        "ticket__id",
        "ticket__number",
    )
    if channel:
        qs = qs.filter(channel=channel)
    if status:
        qs = qs.filter(status=status)
    if to:
        qs = qs.filter(to__startswith=to.strip())
    if ticket_number:
        qs = qs.filter(ticket__number=ticket_number.strip())
    return qs.order_by("-id")


# ------------------------------------------------------------------ in-app notifications


@dataclass(frozen=True)
class NotificationGroup:
    """The unread notices of one kind about one thing (an order, a complaint, a visit)."""

    url: str
    kind: str
    subject: str
    count: int
    latest_id: int
    latest_text: str
    latest_at: datetime
    ids: tuple[int, ...]

    @property
    def kind_label(self) -> str:
        return str(NotificationKind(self.kind).label)

    @property
    def title(self) -> str:
        """``GD20261203-00034：3 条超时提醒``; a single notice is shown as it was written."""
        if self.count == 1 or not self.subject:
            return self.latest_text
        return ngettext(
            "%(subject)s: %(count)d %(kind)s notice",
            "%(subject)s: %(count)d %(kind)s notices",
            self.count,
        ) % {"subject": self.subject, "count": self.count, "kind": self.kind_label}


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def unread_groups(user, *, limit: int = 100) -> list[NotificationGroup]:
    """The user's unread notices grouped by what they point to and their kind, the group
    with the newest notice first."""
    rows = list(
        Notification.objects.filter(recipient=user, read_at__isnull=True)
        .order_by("-id")
        .values_list("id", "url", "kind", "subject", "text", "created_at")[:2000]
    )
    groups: dict[tuple[str, str], list] = {}
    for row in rows:
        pk, url, kind = row[0], row[1], row[2]
        # a notice without a link stands alone
        key = (url or f"#{pk}", kind)
        groups.setdefault(key, []).append(row)
    result = []
    for (_url, kind), items in groups.items():
        latest = items[0]
        result.append(
            NotificationGroup(
                url=latest[1],
                kind=kind,
                subject=next((item[3] for item in items if item[3]), ""),
                count=len(items),
                latest_id=latest[0],
                latest_text=latest[4],
                latest_at=latest[5],
                ids=tuple(item[0] for item in items),
            )
        )
    return result[:limit]


def recent_read(user, *, limit: int = 50) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=False).order_by(
        "-created_at", "-id"
    )[:limit]


def muted_kinds(user) -> set[str]:
    return set(NotificationMute.objects.filter(user=user).values_list("kind", flat=True))
