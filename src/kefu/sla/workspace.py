"""Workspace cards of the SLA app: delay notices owed to customers, investigation notices
(查办单) the department has to answer, and this month's
on-time rate (every milestone due this month, met or not) for those who supervise."""

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.workspace import Card, register
from kefu.org.roles import RoleCode
from kefu.sla import selectors

SUPERVISING_ROLES = (
    RoleCode.DEPARTMENT_HEAD,
    RoleCode.SHIFT_LEADER,
    RoleCode.GENERAL_MANAGER,
    RoleCode.QUALITY_INSPECTOR,
    RoleCode.ADMINISTRATOR,
)
# the on-time card turns red below this rate
ON_TIME_ALERT_PERCENT = 90
FIGURES_SECONDS = 300


@register
def sla_cards(user) -> list[Card]:
    cards = []
    owed = selectors.delay_notices_open(user).count()
    if owed:
        cards.append(
            Card(
                label=_("Customers to tell of a delay"),
                value=owed,
                url=reverse("sla:delay_notices"),
                key="sla-delay-notices",
                alert=True,
            )
        )
    investigations = selectors.investigations_open(user).count()
    if investigations:
        cards.append(
            Card(
                label=_("Investigation notices to answer"),
                value=investigations,
                url=reverse("sla:investigations"),
                key="sla-investigations",
                alert=True,
            )
        )
    if user.has_role(*SUPERVISING_ROLES):
        rate, overdue = _month_figures(user)
        cards.append(
            Card(
                label=_("On time this month"),
                value=f"{rate}%" if rate is not None else "—",
                url=reverse("sla:compliance"),
                key="sla-on-time-rate",
                alert=rate is not None and rate < ON_TIME_ALERT_PERCENT,
            )
        )
        cards.append(
            Card(
                label=_("Went overdue this month"),
                value=overdue,
                url=reverse("sla:compliance"),
                key="sla-overdue-month",
                alert=overdue > 0,
            )
        )
    return cards


def _month_figures(user) -> tuple[float | None, int]:
    """This month's on-time rate (every milestone due, met or not) and overdue count over
    the user's orders. The workspace is opened all day and the figures scan the month's
    time limits, so they are kept for ``FIGURES_SECONDS``; the compliance page itself is
    always current."""
    now = timezone.now()
    month = timezone.localdate(now).replace(day=1)
    key = f"kefu.sla.workspace:{user.pk}:{month:%Y-%m}"
    figures = cache.get(key)
    if figures is None:
        rows = selectors.compliance(user, month=month, group_by="department", now=now)
        total = rows[-1] if rows else None
        figures = (total.on_time_rate, total.overdue) if total else (None, 0)
        cache.set(key, figures, FIGURES_SECONDS)
    return figures
