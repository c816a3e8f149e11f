"""The work-order section of the customer 360 page."""

from django.utils.translation import gettext_lazy as _

from kefu.customers.panels import Panel, register_panel
from kefu.tickets import selectors


def _context(request, customer) -> dict:
    tickets = (
        selectors.tickets_visible(request.user)
        .filter(customer=customer)
        .select_related("category", "department")
        .order_by("-created_at", "-id")
    )
    return {"tickets": tickets[:20], "ticket_count": tickets.count()}


register_panel(
    Panel(
        key="tickets",
        title=_("Work orders"),
        template="tickets/customer_panel.html",
        context=_context,
        order=30,
    )
)
