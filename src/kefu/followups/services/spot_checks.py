"""Spot checks: a second, independent visit to a sample of the week's closed orders."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.followups import rules
from kefu.followups.models import (
    ReturnVisit,
    SpotCheck,
    VisitKind,
)
from kefu.followups.permissions import (
    may_supervise,
)
from kefu.followups.services.common import settings_get
from kefu.org.models import User
from kefu.tickets.models import Ticket
from kefu.tickets.states import Status


@transaction.atomic
def spot_check_draw(
    *,
    actor: User,
    week_of: date,
    percent: int | None = None,
    seed: int | None = None,
    now: datetime | None = None,
) -> SpotCheck:
    """Sample a share of the week's closed orders (in the actor's scope) for a second,
    independent visit. The seed is recorded, so the draw can be repeated and checked."""
    from kefu.tickets.selectors import tickets_visible

    now = now or timezone.now()
    if not may_supervise(actor):
        raise PermissionDenied(_("Only supervisors draw spot checks."))
    config = settings_get()
    percent = config.spot_check_percent if percent is None else percent
    if not 1 <= percent <= 100:
        raise ValidationError(
            {
                "percent": ValidationError(
                    _("The share must be between 1 and 100 %."), code="percent_out_of_range"
                )
            }
        )
    monday, _sunday = rules.week_bounds(week_of)
    if monday > timezone.localdate(now):
        raise ValidationError(
            {
                "week_of": ValidationError(
                    _("That week has not started yet."), code="week_not_started"
                )
            }
        )
    tz = timezone.get_current_timezone()
    start = datetime.combine(monday, datetime.min.time(), tzinfo=tz)
    end = start + timedelta(days=7)
    already = ReturnVisit.objects.filter(kind=VisitKind.SPOT_CHECK).values("ticket_id")
    population = list(
        tickets_visible(actor)
        .filter(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end, parent__isnull=True)
        .exclude(pk__in=already)
        .values_list("pk", flat=True)
    )
    if not population:
        raise ValidationError(
            {
                "week_of": ValidationError(
                    _("No closed orders in that week are left to sample."), code="nothing_to_sample"
                )
            }
        )
    seed = secrets.randbelow(2**31) if seed is None else seed
    chosen = rules.sample(population, percent=percent, seed=seed)
    check = SpotCheck.objects.create(
        week_start=monday,
        percent=percent,
        seed=seed,
        population=len(population),
        sampled=len(chosen),
        ticket_ids=chosen,
        created_by=actor,
        created_at=now,
    )
    _spot_check_visits(check, actor=actor, team=config.team, now=now)
    return check


def _spot_check_visits(check: SpotCheck, *, actor: User, team, now: datetime) -> None:
    """A second visit for each sampled order, by the drawer unless they made the first."""
    for ticket in Ticket.objects.filter(pk__in=check.ticket_ids).select_related("category"):
        first = (
            ticket.return_visits.filter(kind=VisitKind.AFTER_TICKET)
            .exclude(completed_by=None)
            .order_by("-completed_at")
            .first()
        )
        ReturnVisit.objects.create(
            ticket=ticket,
            kind=VisitKind.SPOT_CHECK,
            due_at=now + timedelta(days=7),
            due_source=_("spot check"),
            assignee=actor if first is None or first.completed_by_id != actor.pk else None,
            team=team,
            department=ticket.department,
            category=ticket.category,
            handler=ticket.owner,
            spot_check=check,
            created_at=now,
        )
