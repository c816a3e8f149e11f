"""The printable work order (派工单): what a field team takes on paper to the site, on A4
or on an 80 mm receipt printer (``?format=receipt``). The same people see it as see the
order page; the reporter of a sealed order stays sealed on paper too."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from kefu.tickets import selectors
from kefu.tickets.models import Ticket

FORMATS = ("a4", "receipt")


@login_required
def print_order(request, pk):
    from kefu.sla.selectors import ticket_deadlines

    try:
        ticket = selectors.ticket_for_user(request.user, pk)
    except Ticket.DoesNotExist:
        raise Http404 from None
    paper = request.GET.get("format", "a4")
    if paper not in FORMATS:
        paper = "a4"
    deadlines = [d for d in ticket_deadlines(ticket) if d.due_at and not d.met_at]
    return render(
        request,
        "tickets/print.html",
        {
            "ticket": ticket,
            "paper": paper,
            "deadlines": deadlines,
            "printed_at": timezone.now(),
        },
    )
