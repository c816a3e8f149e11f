from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from kefu.core.excel import xlsx_response
from kefu.core.forms import add_service_errors
from kefu.notify import selectors
from kefu.notify.forms import MessageFilterForm, NotificationSettingsForm
from kefu.notify.models import MUTABLE_KINDS, NotificationKind
from kefu.notify.services import notification_mutes_set, notifications_mark_read
from kefu.org.permissions import can_manage_org

PAGE_SIZE = 50
EXPORT_LIMIT = 10_000


@login_required
def notification_list(request):
    """The bell's page: unread notices grouped by order and kind, then the latest read ones;
    the unread part refreshes itself every 30 seconds."""
    context = {
        "groups": selectors.unread_groups(request.user),
        "unread": selectors.unread_count(request.user),
    }
    if request.htmx and request.htmx.target == "unread-groups":
        _keep_idle(request)
        return render(request, "notify/list.html#unread", context)
    context.update(
        {
            "items": selectors.recent_read(request.user),
            "can_see_messages": can_manage_org(request.user),
        }
    )
    return render(request, "notify/list.html", context)


def _keep_idle(request) -> None:
    """A request the page makes by itself (polling) does not count as the person being
    active: the session's idle timeout is not pushed forward by it."""
    request.session.background = True


@login_required
def bell(request):
    """The bell with the unread count, fetched by every page every 30 seconds."""
    _keep_idle(request)
    return render(
        request, "notify/bell.html", {"unread_notifications": selectors.unread_count(request.user)}
    )


@login_required
@require_POST
def mark_read(request):
    """Mark read: the notices ticked (``id``), those pointing to one page (``url``: every
    notice about one order), or else all of them."""
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    url = request.POST.get("url") or None
    notifications_mark_read(user=request.user, ids=ids, url=url)
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect("notify:list")


@login_required
def notification_settings(request):
    """Which kinds of notice the person does not want (only those that may be muted)."""
    form = NotificationSettingsForm(
        request.POST or None, initial={"muted": sorted(selectors.muted_kinds(request.user))}
    )
    if request.method == "POST" and form.is_valid():
        try:
            notification_mutes_set(user=request.user, kinds=form.cleaned_data["muted"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Notification settings saved."))
            return redirect("notify:settings")
    return render(
        request,
        "notify/settings.html",
        {
            "form": form,
            "fixed_kinds": [kind.label for kind in NotificationKind if kind not in MUTABLE_KINDS],
        },
    )


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
