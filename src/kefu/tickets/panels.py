"""The work-order section of the customer 360 page."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.customers.panels import Panel, register_panel
from kefu.tickets import selectors
from kefu.tickets.views import label_lights


def _context(request, customer) -> dict:
    tickets = (
        selectors.tickets_visible(request.user)
        .filter(customer=customer)
        .select_related("category", "department", "owner")
        .order_by("-created_at", "-id")
    )
    shown = list(tickets[:20])
    label_lights(shown, timezone.now())
    return {"tickets": shown, "ticket_count": tickets.count()}


register_panel(
    Panel(
        key="tickets",
        title=_("Work orders"),
        template="tickets/customer_panel.html",
        context=_context,
        order=30,
    )
)
