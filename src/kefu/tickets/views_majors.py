"""Pages for major matters (重大事项) and work liaison slips (工作联系单)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.forms import add_service_errors
from kefu.tickets import selectors
from kefu.tickets.forms import LiaisonSlipForm
from kefu.tickets.models import Ticket
from kefu.tickets.services import majors
from kefu.tickets.views import _back, _report, _ticket_or_404

LIAISON_PAGE_SIZE = 50


@login_required
@require_POST
def flag_major(request, pk):
    ticket = _ticket_or_404(request.user, pk)
    try:
        majors.ticket_flag_major(
            ticket=ticket, actor=request.user, reason=request.POST.get("reason", "")
        )
    except (ValidationError, PermissionDenied) as exc:
        _report(request, exc)
    else:
        messages.success(
            request,
            _("%(number)s is flagged as a major matter; the general managers are told.")
            % {"number": ticket.number},
        )
    return _back(ticket)


@login_required
@require_POST
def clear_major(request, pk):
    ticket = _ticket_or_404(request.user, pk)
    try:
        majors.ticket_clear_major(
            ticket=ticket, actor=request.user, reason=request.POST.get("reason", "")
        )
    except (ValidationError, PermissionDenied) as exc:
        _report(request, exc)
    else:
        messages.success(
            request, _("%(number)s is no longer a major matter.") % {"number": ticket.number}
        )
    return _back(ticket)


@login_required
def liaison_list(request):
    slips = selectors.liaison_slips_visible(request.user)[:LIAISON_PAGE_SIZE]
    return render(request, "tickets/liaison_list.html", {"slips": slips})


@login_required
def liaison_new(request):
    initial = {}
    linked: Ticket | None = None
    if request.GET.get("ticket"):
        linked = _ticket_or_404(request.user, request.GET["ticket"])
        initial = {"ticket_number": linked.number, "department": linked.department_id}
    form = LiaisonSlipForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ticket = None
        number = (data.get("ticket_number") or "").strip().upper()
        if number:
            ticket = selectors.tickets_visible(request.user).filter(number=number).first()
            if ticket is None:
                form.add_error(
                    "ticket_number",
                    ValidationError(
                        _("No order %(number)s that you may see.") % {"number": number},
                        code="invalid",
                    ),
                )
        if form.is_valid():
            try:
                slip = majors.liaison_slip_register(
                    actor=request.user,
                    content=data["content"],
                    started_at=data["started_at"],
                    finished_at=data["finished_at"],
                    people=data["people"],
                    department=data["department"],
                    late_reason=data["late_reason"],
                    ticket=ticket,
                    category=data.get("category"),
                )
            except ValidationError as exc:
                add_service_errors(form, exc, {"ticket": "ticket_number"})
            else:
                messages.success(
                    request,
                    _("Liaison slip %(number)s registered.") % {"number": slip.number},
                )
                if slip.ticket_id:
                    return redirect(reverse("tickets:detail", args=[slip.ticket_id]) + "#timeline")
                return redirect("tickets:liaison_list")
    return render(request, "tickets/liaison_form.html", {"form": form, "linked": linked})
