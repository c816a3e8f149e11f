from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kefu.notify.models import Notification
from kefu.notify.services import notifications_mark_read


@login_required
def notification_list(request):
    items = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")[:200]
    return render(request, "notify/list.html", {"items": items})


@login_required
@require_POST
def mark_read(request):
    ids = request.POST.getlist("id")
    notifications_mark_read(user=request.user, ids=[int(i) for i in ids if i.isdigit()] or None)
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect("notify:list")
