"""Reads of kefu.notify for lists, exports and the operators' status."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Min, QuerySet

from kefu.notify.models import MessageStatus, OutboundMessage


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
