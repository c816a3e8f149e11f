"""Account managers' weekly progress summaries."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from kefu.customers import rules
from kefu.customers.models import (
    WeeklySummary,
)
from kefu.customers.policy import CustomerPolicy
from kefu.customers.services.policy import current_policy
from kefu.org.models import User


def summary_due(monday: date, policy: CustomerPolicy) -> datetime:
    return rules.weekly_summary_due(
        monday,
        weekday=policy.weekly_summary_weekday,
        at=policy.weekly_summary_time,
        zone=timezone.get_current_timezone(),
    )


@transaction.atomic
def weekly_summary_submit(*, manager: User, week_start: date, **content) -> WeeklySummary:
    """Submit (or resubmit) a manager's weekly progress summary; the first submission time
    decides whether it was late."""
    monday = rules.week_start(week_start)
    summary = WeeklySummary.objects.select_for_update().filter(
        manager=manager, week_start=monday
    ).first() or WeeklySummary(
        manager=manager, week_start=monday, due_at=summary_due(monday, current_policy())
    )
    for name, value in content.items():
        setattr(summary, name, value)
    summary.submitted_at = summary.submitted_at or timezone.now()
    summary.full_clean()
    summary.save()
    return summary
