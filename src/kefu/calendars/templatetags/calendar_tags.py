from django import template
from django.utils import timezone

from kefu.calendars.permissions import can_manage_calendars
from kefu.calendars.selectors import calendar_warnings as warnings_on

register = template.Library()


@register.simple_tag(takes_context=True)
def calendar_warnings(context) -> list[str]:
    """Calendar warnings for administrators (none for anyone else)."""
    if "calendar_warnings" in context:
        return context["calendar_warnings"]
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can_manage_calendars(user):
        return []
    return warnings_on(timezone.localdate())
