from django.urls import reverse
from django.utils.translation import gettext as _

from kefu.core.workspace import Card, register
from kefu.tickets import selectors


@register
def ticket_cards(user) -> list[Card]:
    counts = selectors.queue_counts(user)
    figures = selectors.first_responder_figures(user)
    url = reverse("tickets:queue")
    labels = {
        "mine": _("My open orders"),
        "to_sign": _("To sign for"),
        "first_responder": _("My first-responder orders"),
        "urged": _("Urged"),
        "supervised": _("Under supervision"),
        "unclaimed": _("Not yet taken on"),
    }
    cards = [
        Card(
            label=labels[name],
            value=counts[name],
            url=f"{url}?queue={name}",
            key=f"tickets-{name}",
            alert=name in {"urged", "unclaimed"} and counts[name] > 0,
        )
        for name in labels
    ]
    cards.append(
        Card(
            label=_("Settled at first contact (mine)"),
            value=figures["settled"],
            url=f"{url}?queue=all",
            key="tickets-settled",
        )
    )
    cards.append(
        Card(
            label=_("Repeat contacts on my orders"),
            value=figures["repeats"],
            url=f"{url}?queue=first_responder",
            key="tickets-repeats",
            alert=figures["repeats"] > 0,
        )
    )
    return cards
