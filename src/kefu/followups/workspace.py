from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.workspace import Card, register
from kefu.followups import selectors
from kefu.followups.permissions import may_supervise


@register
def followup_cards(user) -> list[Card]:
    now = timezone.now()
    counts = selectors.pending_counts(user, now=now)
    url = reverse("followups:queue")
    cards = [
        Card(
            label=_("My return visits due"),
            value=counts["mine"],
            url=f"{url}?queue=mine",
            key="followups-mine",
        ),
        Card(
            label=_("Return visits overdue"),
            value=counts["overdue"],
            url=f"{url}?queue=overdue",
            key="followups-overdue",
            alert=counts["overdue"] > 0,
        ),
    ]
    if may_supervise(user):
        today = timezone.localdate(now)
        month = selectors.figures_total(
            selectors.satisfaction_figures(user, group="month", start=today.replace(day=1))
        )
        rate = month.satisfaction_rate
        cards.append(
            Card(
                label=_("Satisfaction rate this month"),
                value=f"{rate}%" if rate is not None else "—",
                url=reverse("followups:report"),
                key="followups-rate",
            )
        )
    return cards
