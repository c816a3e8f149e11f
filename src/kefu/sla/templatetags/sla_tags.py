from django import template
from django.utils import timezone

from kefu.sla.permissions import can_manage_sla
from kefu.sla.selectors import calendar_warnings

register = template.Library()


@register.simple_tag(takes_context=True)
def sla_calendar_warnings(context) -> list[str]:
    """Calendar warnings for administrators (none for anyone else)."""
    if "calendar_warnings" in context:
        return context["calendar_warnings"]
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can_manage_sla(user):
        return []
    return calendar_warnings(timezone.localdate())
