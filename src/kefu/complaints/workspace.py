from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.complaints import rules
from kefu.complaints.models import CorrectiveAction, Penalty, PenaltyReview
from kefu.complaints.permissions import may_review_penalties
from kefu.complaints.rules import ActionStatus, PenaltyStatus
from kefu.core.workspace import Card, register


@register
def complaint_cards(user) -> list[Card]:
    today = timezone.localdate()
    mine = CorrectiveAction.objects.filter(owner=user, status=ActionStatus.OPEN)
    cards = []
    count = mine.count()
    if count:
        cards.append(
            Card(
                label=_("My corrective actions"),
                value=count,
                url=reverse("complaints:list") + "?state=open",
                key="complaints-actions",
                alert=mine.filter(due_on__lt=today).exists(),
            )
        )
    if may_review_penalties(user):
        last = rules.previous_months(rules.month_of(today), 2)[0]
        if not PenaltyReview.objects.filter(month=last).exists():
            pending = Penalty.objects.filter(month=last, status=PenaltyStatus.PROPOSED).count()
            cards.append(
                Card(
                    label=_("Penalties to review by %(day)s")
                    % {"day": rules.review_due(last).strftime("%m-%d")},
                    value=pending,
                    url=reverse("complaints:penalties") + f"?month={last:%Y-%m}",
                    key="complaints-review",
                    alert=today > rules.review_due(last),
                )
            )
    return cards
