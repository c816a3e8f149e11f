from django import template
from django.template.loader import render_to_string

from kefu.followups.permissions import may_configure, may_supervise, may_survey_by_phone

register = template.Library()


@register.simple_tag(takes_context=True)
def followups_tabs(context):
    """The section's tabs, showing only what the viewer may open."""
    request = context["request"]
    return render_to_string(
        "followups/_tabs.html",
        {
            "user": request.user,
            "perms_supervise": may_supervise(request.user),
            "perms_configure": may_configure(request.user),
            "perms_campaigns": may_survey_by_phone(request.user),
        },
        request=request,
    )
