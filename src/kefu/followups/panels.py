"""The return-visit file (回访档案) section of the customer 360 page."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.customers.panels import Panel, register_panel
from kefu.followups import selectors


def _context(request, customer) -> dict:
    return selectors.customer_file(request.user, customer, today=timezone.localdate())


register_panel(
    Panel(
        key="return_visits",
        title=_("Return-visit file"),
        template="followups/customer_panel.html",
        context=_context,
        order=40,
    )
)
