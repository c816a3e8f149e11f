"""The major-matter panel of the order page: what the reader may do is decided here, in
Python, from the same permission rule the service applies."""

from django import template

from kefu.tickets.permissions import may_supervise

register = template.Library()


@register.inclusion_tag("tickets/_major_panel.html", takes_context=True)
def major_panel(context, ticket):
    user = context["request"].user
    return {
        "ticket": ticket,
        "can_clear_major": ticket.major and may_supervise(user, ticket),
        "slips": list(ticket.liaison_slips.select_related("department").order_by("started_at")),
        "csrf_token": context.get("csrf_token"),
    }
