"""Reads of kefu.notify for lists, exports and the operators' status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, QuerySet
from django.utils.translation import gettext as _
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


#: the order in which a group names its kinds and picks its link: what most needs the
#: person first
URGENCY = (
    NotificationKind.MAJOR,
    NotificationKind.ESCALATION,
    NotificationKind.URGE,
    NotificationKind.SUPERVISION,
    NotificationKind.TASK,
    NotificationKind.SLA_OVERDUE,
    NotificationKind.SLA_WARNING,
    NotificationKind.COMPLAINT_DECISION,
    NotificationKind.PROGRESS,
    NotificationKind.GENERAL,
)


@dataclass(frozen=True)
class NotificationGroup:
    """The unread notices about one thing (an order with its return visits, a complaint),
    counted by kind."""

    url: str  # where the most pressing of them points
    kind: str  # the most pressing kind among them
    subject: str
    count: int
    kinds: tuple[tuple[str, int], ...]  # (kind, how many), the most pressing first
    latest_id: int
    latest_text: str
    latest_at: datetime
    ids: tuple[int, ...]

    @property
    def kind_label(self) -> str:
        return str(NotificationKind(self.kind).label)

    @property
    def title(self) -> str:
        """``GD20261203-00034：3 条超时提醒、1 条工单进展``; a single notice is shown as it
        was written."""
        if self.count == 1 or not self.subject:
            return self.latest_text
        parts = [
            ngettext("%(count)d %(kind)s notice", "%(count)d %(kind)s notices", count)
            % {"count": count, "kind": NotificationKind(kind).label}
            for kind, count in self.kinds
        ]
        return _("%(subject)s: %(parts)s") % {
            "subject": self.subject,
            "parts": _(", ").join(parts),
        }


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def _rank(kind: str) -> int:
    return URGENCY.index(kind) if kind in URGENCY else len(URGENCY)


def unread_groups(user, *, limit: int = 100) -> list[NotificationGroup]:
    """The user's unread notices grouped by what they are about (the order's number: its
    progress, deadlines and return visits together; a notice without one by its link), the
    group with the newest notice first."""
    rows = list(
        Notification.objects.filter(recipient=user, read_at__isnull=True)
        .order_by("-id")
        .values_list("id", "url", "kind", "subject", "text", "created_at")[:2000]
    )
    groups: dict[str, list] = {}
    for row in rows:
        pk, url, subject = row[0], row[1], row[3]
        groups.setdefault(subject or url or f"#{pk}", []).append(row)
    result = []
    for items in groups.values():
        latest = items[0]
        counts: dict[str, int] = {}
        for item in items:
            counts[item[2]] = counts.get(item[2], 0) + 1
        kinds = tuple(sorted(counts.items(), key=lambda pair: _rank(pair[0])))
        top = kinds[0][0]
        result.append(
            NotificationGroup(
                url=next(item[1] for item in items if item[2] == top),
                kind=top,
                subject=latest[3],
                count=len(items),
                kinds=kinds,
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
