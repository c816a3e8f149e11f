from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from kefu.core.excel import xlsx_response
from kefu.notify import selectors
from kefu.notify.forms import MessageFilterForm
from kefu.notify.models import Notification
from kefu.notify.services import notifications_mark_read
from kefu.org.permissions import can_manage_org

PAGE_SIZE = 50
EXPORT_LIMIT = 10_000


@login_required
def notification_list(request):
    items = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")[:200]
    return render(
        request,
        "notify/list.html",
        {"items": items, "can_see_messages": can_manage_org(request.user)},
    )


@login_required
@require_POST
def mark_read(request):
    ids = request.POST.getlist("id")
    notifications_mark_read(user=request.user, ids=[int(i) for i in ids if i.isdigit()] or None)
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect("notify:list")


def _export(qs):
    headers = [
        pgettext("messages", "Id"),
        pgettext("messages", "Channel"),
        pgettext("messages", "Recipient"),
        pgettext("messages", "Template"),
        pgettext("messages", "Text"),
        pgettext("messages", "Order number"),
        pgettext("messages", "Status"),
        pgettext("messages", "Attempts"),
        pgettext("messages", "Error"),
        pgettext("messages", "Gateway id"),
        pgettext("messages", "Created at"),
        pgettext("messages", "Sent at"),
    ]

    def rows():
        for m in qs[:EXPORT_LIMIT].iterator(chunk_size=1000):
            yield [
                m.pk,
                m.get_channel_display(),
                m.to,
                m.template_code,
                m.subject or m.text,
                m.ticket.number if m.ticket else "",
                m.get_status_display(),
                m.attempts,
                m.error,
                m.provider_id,
                m.created_at,
                m.sent_at,
            ]

    return xlsx_response(
        f"messages-{timezone.localdate():%Y%m%d}.xlsx",
        pgettext("messages", "Outbound messages"),
        headers,
        rows(),
    )


@login_required
def message_list(request):
    """The outbound message log (SMS and email to customers), for administrators."""
    if not can_manage_org(request.user):
        raise PermissionDenied(_("Only administrators can see the message log."))
    form = MessageFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.messages_list(
        channel=data.get("channel", ""),
        status=data.get("status", ""),
        to=data.get("to", ""),
        ticket_number=data.get("ticket", ""),
    )
    if request.GET.get("export") == "xlsx":
        return _export(qs)
    after = request.GET.get("after", "")
    if after.isdigit():
        qs = qs.filter(pk__lt=int(after))
    rows = list(qs[: PAGE_SIZE + 1])
    next_cursor = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else ""
    query = request.GET.copy()
    query.pop("after", None)
    query.pop("export", None)
    return render(
        request,
        "notify/messages.html#results" if request.htmx else "notify/messages.html",
        {
            "form": form,
            "rows": rows[:PAGE_SIZE],
            "next_cursor": next_cursor,
            "query_string": query.urlencode(),
            "first_page": not after,
        },
    )
