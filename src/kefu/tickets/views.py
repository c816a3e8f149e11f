from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from kefu.core.excel import xlsx_response
from kefu.core.forms import add_service_errors
from kefu.core.phones import mask_phone
from kefu.core.tree import subtree_q
from kefu.notify.models import MessageTemplate
from kefu.org.permissions import can_manage_org
from kefu.org.selectors import departments_visible
from kefu.tickets import lifecycle, rules, selectors, services
from kefu.tickets.forms import (
    CategoryForm,
    IntakeForm,
    PublicReportForm,
    ReasonForm,
    RoutingRuleForm,
    TicketFilterForm,
    TrackForm,
)
from kefu.tickets.models import (
    CannedReply,
    Category,
    DepartmentQueue,
    IntakeChannel,
    RoutingRule,
    SavedQueueView,
    Ticket,
    TicketType,
)
from kefu.tickets.permissions import may_supervise, may_take
from kefu.tickets.rules import Channel, Priority
from kefu.tickets.services import saved_views
from kefu.tickets.services.saved_views import saved_view_query, saved_view_url
from kefu.tickets.states import (
    AWAITING_CUSTOMER,
    DESTRUCTIVE,
    MOVES,
    OPEN_STATUSES,
    Action,
    Need,
    Status,
    allowed_actions,
    next_action,
)

QUEUE_LABELS = {
    "mine": gettext_lazy("My open orders"),
    "to_sign": gettext_lazy("To sign for"),
    "first_responder": gettext_lazy("My first-responder orders"),
    "urged": gettext_lazy("Urged"),
    "supervised": gettext_lazy("Under supervision"),
    "major": gettext_lazy("Major matters"),
    "unclaimed": gettext_lazy("Not yet taken on"),
    "overdue": pgettext_lazy("deadline", "Overdue"),
    "all": gettext_lazy("All in my scope"),
}


def _ticket_or_404(user, pk) -> Ticket:
    try:
        return selectors.ticket_for_user(user, pk)
    except Ticket.DoesNotExist:
        raise Http404 from None


# ---------------------------------------------------------------- intake


@login_required
def intake(request):
    """受理: the form an agent fills while the customer is on the line."""
    initial = {
        "calling_number": request.GET.get("calling_number", ""),
        "contact_phone": request.GET.get("calling_number", ""),
        "channel": request.GET.get("channel", Channel.HOTLINE),
        "call_recording_ref": request.GET.get("recording", ""),
    }
    if request.method != "POST" and initial["calling_number"]:
        # the phone switch opened the form: what the panel knows of the caller is filled in
        caller = _caller(request.user, initial["calling_number"])
        initial["address"] = caller["caller_address"]
        if len(caller["caller_files"]) == 1:
            customer = caller["caller_files"][0]["hit"].customer
            # the grade shows when the form offers it (the archive's own grade list)
            initial.update(
                customer=customer.pk, contact_name=customer.name, customer_grade=customer.grade
            )
    form = IntakeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        how = request.POST.get("submit", "save")
        customer = _customer_for(request.user, data.get("customer"))
        try:
            ticket = services.ticket_create(
                actor=request.user,
                category=data["category"],
                channel=data["channel"],
                title=data["title"],
                description=data["description"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                calling_number=data["calling_number"],
                call_recording_ref=data["call_recording_ref"],
                address=data["address"],
                customer_grade=data["customer_grade"],
                priority=data["priority"] or None,
                extra=form.extra_values(),
                dispatch=how == "dispatch",
                dispatch_to=data["department"] if how == "dispatch" else None,
                settle_with=data["resolution"] if how == "settle" else "",
                customer=customer,
            )
        except ValidationError as exc:
            if how == "settle" and not data["resolution"]:
                form.add_error("resolution", _("Write down how it was settled."))
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "Order %(number)s received. Tell the customer the number "
                    "and your employee number %(no)s."
                )
                % {"number": ticket.number, "no": request.user.employee_no or "—"},
            )
            return redirect("tickets:detail", pk=ticket.pk)
    if request.method == "POST" or not initial["calling_number"]:
        caller = _caller_context(request, form)
    return render(request, "tickets/intake.html", {"form": form, **caller})


def _caller_context(request, form) -> dict:
    phone = (
        (form.data.get("contact_phone") or form.data.get("calling_number"))
        if form.is_bound
        else (form.initial.get("calling_number") or "")
    )
    return _caller(request.user, phone)


def _caller(user, phone: str) -> dict:
    """The screen pop: the caller's customer file(s) with their accounts, and the caller's
    recent orders in the scope (open ones first, each with its handler, next deadline and
    last note), and the address the new order is likely about."""
    from kefu.customers.models import ServiceAccount
    from kefu.customers.selectors import customer_lookup
    from kefu.customers.services import current_policy

    phone = (phone or "").strip()
    hits = customer_lookup(user, phone, limit=3) if len(phone) >= 7 else []
    accounts: dict[int, list] = {}
    if hits:
        for account in ServiceAccount.objects.filter(
            customer_id__in=[hit.customer.pk for hit in hits], is_active=True
        ).order_by("number"):
            accounts.setdefault(account.customer_id, []).append(account)
    orders = selectors.caller_orders(user, phone, customer_ids=[hit.customer.pk for hit in hits])
    label_lights(orders, timezone.now())
    files = []
    for hit in hits:
        own = accounts.get(hit.customer.pk, [])
        address = next((a.premises_address for a in own if a.premises_address), "")
        files.append(
            {"hit": hit, "accounts": own, "address": address or hit.customer.address or ""}
        )
    address = files[0]["address"] if len(files) == 1 else ""
    if not address and not files:
        address = next((t.address for t in orders if t.address), "")
    return {
        "caller_phone": phone,
        "open_orders": [t for t in orders if t.status in OPEN_OR_AWAITING],
        "finished_orders": [t for t in orders if t.status not in OPEN_OR_AWAITING],
        "customer_hits": hits,
        "caller_files": files,
        "caller_address": address,
        "customer_policy": current_policy() if hits else None,
    }


OPEN_OR_AWAITING = OPEN_STATUSES | AWAITING_CUSTOMER


def _customer_for(user, customer_id):
    from kefu.customers.selectors import customers_findable

    if not customer_id:
        return None
    return customers_findable(user).filter(pk=customer_id).first()


@login_required
def intake_caller(request):
    """The caller panel beside the intake form (htmx): the caller's open orders."""
    phone = request.GET.get("contact_phone") or request.GET.get("calling_number") or ""
    return render(request, "tickets/intake.html#caller", _caller(request.user, phone))


@login_required
def intake_fields(request):
    """The category's extra fields (htmx), re-rendered when the category changes."""
    form = IntakeForm(initial={"category": request.GET.get("category")})
    return render(request, "tickets/intake.html#extra", {"form": form})


@login_required
@require_POST
def link_repeat(request, pk):
    ticket = _ticket_or_404(request.user, pk)
    try:
        services.ticket_link_repeat(
            ticket=ticket,
            actor=request.user,
            channel=request.POST.get("channel", Channel.HOTLINE),
            calling_number=request.POST.get("calling_number", ""),
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The call was linked to %(number)s as a repeat contact and the handler was urged.")
            % {"number": ticket.number},
        )
    return redirect("tickets:detail", pk=ticket.pk)


# ---------------------------------------------------------------- queues


@login_required
def queue(request):
    name = request.GET.get("queue") or selectors.default_queue(request.user)
    if name not in selectors.QUEUES:
        raise Http404
    sort = request.GET.get("sort", "")
    if selectors.sort_keys(sort) is None:
        sort = ""  # an unknown sort is the queue order
    departments = departments_visible(request.user).order_by("path")
    form = TicketFilterForm(request.GET or None, departments=departments)
    filters = _queue_filter(form)
    if request.GET.get("export") == "xlsx":
        return _export(selectors.queue(request.user, name, filters, sort=sort), name)
    query = request.GET.copy()
    for key in ("after", "page", "export", "sort"):
        query.pop(key, None)
    if sort:
        query["sort"] = sort
    page = _page_number(request.GET.get("page"))
    next_page = 0
    if sort:
        rows, more = selectors.sorted_page(
            request.user, name, filters, sort=sort, page=page, size=QUEUE_PAGE_SIZE
        )
        next_cursor = ""
        next_page = page + 1 if more else 0
    else:
        rows, next_cursor = selectors.queue_page(
            request.user, name, filters, after=request.GET.get("after", ""), size=QUEUE_PAGE_SIZE
        )
    _label_rows(rows)
    counts = selectors.tab_counts(request.user)
    saved = list(SavedQueueView.objects.filter(owner=request.user).order_by("id"))
    current_view = next((v for v in saved if str(v.pk) == request.GET.get("view")), None)
    for view in saved:
        view.url = saved_view_url(view)
    context = {
        "queue_name": name,
        "queue_label": QUEUE_LABELS[name],
        "queues": QUEUE_LABELS,
        "tabs": [(key, label, counts[key]) for key, label in QUEUE_LABELS.items()],
        "unclaimed_count": counts["unclaimed"],
        "overdue_count": counts["overdue"],
        "saved_views": saved,
        "current_view": current_view,
        "saved_query": saved_view_query(query.urlencode()),
        "sort": sort,
        "sort_columns": _sort_columns(query, sort),
        "form": form,
        "rows": rows,
        "next_cursor": next_cursor,
        "next_page": next_page,
        "query_string": query.urlencode(),
        "first_page": not request.GET.get("after") and page == 1,
        "detail_base": reverse("tickets:queue"),
        "filter_types": TicketType.objects.order_by("sort_order", "id").only("name"),
        "filter_categories": _indented(Category.objects.order_by("path").only("name", "depth")),
        "filter_departments": _indented(departments.select_related(None).only("name", "depth")),
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "tickets/queue.html#results", context)
    return render(request, "tickets/queue.html", context)


MAX_SORTED_PAGE = 10_000


def _page_number(raw: str | None) -> int:
    """The page asked for, between 1 and ``MAX_SORTED_PAGE`` (a bad number is page 1)."""
    try:
        return min(max(int(raw or 1), 1), MAX_SORTED_PAGE)
    except ValueError:
        return 1


def _sort_columns(query, sort: str) -> dict[str, dict[str, str]]:
    """For each sortable column header: the address that sorts by it (again: reversed)
    and the direction it is sorted in now ("ascending", "descending" or "none")."""
    columns = {}
    for column in selectors.SORTS:
        link = query.copy()
        link["sort"] = f"-{column}" if sort == column else column
        direction = (
            "ascending" if sort == column else "descending" if sort == f"-{column}" else "none"
        )
        columns[column] = {"href": f"?{link.urlencode()}", "direction": direction}
    return columns


@login_required
@require_POST
def saved_view_create(request):
    """Save the queue's current filters and sort under a name (我的保存视图)."""
    query = request.POST.get("query", "")
    try:
        view = saved_views.saved_view_create(
            owner=request.user, name=request.POST.get("name", ""), query=query
        )
    except ValidationError as exc:
        _saved_view_errors(request, exc)
        return redirect(f"{reverse('tickets:queue')}?{saved_view_query(query)}")
    messages.success(request, _("The view “%(name)s” is saved.") % {"name": view.name})
    return redirect(saved_view_url(view))


@login_required
@require_POST
def saved_view_edit(request, pk):
    """Rename or delete one of the person's own saved views."""
    view = get_object_or_404(SavedQueueView, pk=pk, owner=request.user)
    if request.POST.get("delete"):
        saved_views.saved_view_delete(view=view)
        messages.success(request, _("The view “%(name)s” is deleted.") % {"name": view.name})
        return redirect(f"{reverse('tickets:queue')}?{view.query}")
    try:
        saved_views.saved_view_rename(view=view, name=request.POST.get("name", ""))
    except ValidationError as exc:
        _saved_view_errors(request, exc)
    else:
        messages.success(request, _("The view is renamed “%(name)s”.") % {"name": view.name})
    return redirect(saved_view_url(view))


def _saved_view_errors(request, exc: ValidationError) -> None:
    label = _("View name")
    for message in exc.messages:
        messages.error(request, f"{label}：{message}")


EXPORT_LIMIT = 50_000
QUEUE_PAGE_SIZE = 30


def _queue_filter(form: TicketFilterForm) -> selectors.TicketFilter:
    """The filters that passed their checks; a refused one is left out (its error is shown
    beside it) and the others still apply, on the page and in the export alike."""
    d = form.valid_data()
    ticket_type = d.get("ticket_type")
    return selectors.TicketFilter(
        status=tuple(d.get("status") or ()),
        ticket_type=ticket_type.pk if ticket_type else None,
        category=d.get("category"),
        department=d.get("department"),
        channel=d.get("channel") or "",
        grade=d.get("grade") or "",
        received_from=d.get("received_from"),
        received_to=d.get("received_to"),
        text=d.get("text") or "",
    )


def _label_rows(rows) -> None:
    """Give each row its status and priority labels, translated once per page rather than
    looked up through the choices for every row, and its deadline light."""
    statuses = {value: str(label) for value, label in Status.choices}
    priorities = {value: str(label) for value, label in Priority.choices}
    now = timezone.now()
    for row in rows:
        row.status_label = statuses.get(row.status, row.status)
        row.priority_label = priorities.get(row.priority, row.priority)
    label_lights(rows, now)


def label_lights(rows, now) -> None:
    """Give each order its deadline light (``Ticket.deadline_light``), the light's word and
    the time left or past in words, so that it never reads by colour alone."""
    words = {"ok": pgettext("deadline", "On time"), "warn": pgettext("deadline", "Due soon")}
    for row in rows:
        row.light = row.deadline_light(now)
        row.light_text = row.light_left = ""
        if row.light == "late":
            row.light_text = rules.deadline_words(row.next_due_at, now)  # "overdue 3 h"
        elif row.light:
            row.light_text = words[row.light]
            row.light_left = rules.deadline_words(row.next_due_at, now)  # "2 h left"


def _indented(nodes):
    """Tree nodes with an ``indent`` prefix for plain <option> lists."""
    nodes = list(nodes)
    for node in nodes:
        node.indent = "　" * node.depth
    return nodes


def _export(qs, name):
    headers = [
        _("Number"),
        _("Type"),
        _("Category"),
        _("Status"),
        _("Priority"),
        _("Channel"),
        _("Subject"),
        _("Contact"),
        _("Customer grade"),
        _("First responder"),
        _("Handling department"),
        _("Handler"),
        _("Received at"),
        _("Urges"),
        _("Repeat contacts"),
    ]
    rows = (
        (
            t.number,
            t.ticket_type.name,
            t.category.name,
            t.get_status_display(),
            t.get_priority_display(),
            t.get_channel_display(),
            t.title,
            t.contact_name,
            t.customer_grade,
            str(t.first_responder or ""),
            t.department.name if t.department else "",
            str(t.owner or ""),
            t.created_at,
            t.urge_count,
            t.repeat_count,
        )
        for t in qs[:EXPORT_LIMIT]
    )
    return xlsx_response(f"{_('work orders')}-{name}.xlsx", _("Work orders"), headers, rows)


# ---------------------------------------------------------------- one order


def _action_forms(user, ticket) -> list[dict]:
    """The actions ``user`` may take on ``ticket`` now, each with the fields the transition
    table says it takes (``required``: refused without) and, when a lifecycle participant
    stands in the way, why it cannot be taken yet (the form is then shown disabled)."""
    forms = []
    for action in allowed_actions(ticket.status):
        if not may_take(user, ticket, action):
            continue
        move = MOVES[action]
        needs = set(move.needs)
        if Need.DEPARTMENT in needs:
            # the handler list holds the current department's people: a move that picks
            # the department leaves the handler to the new department's assignment rules
            needs.discard(Need.OWNER)
        forms.append(
            {
                "action": action,
                "needs": needs,
                "required": move.required,
                "blockers": lifecycle.blockers(ticket=ticket, action=action),
            }
        )
    return forms


@login_required
def detail(request, pk):
    ticket = _ticket_or_404(request.user, pk)
    label_lights([ticket], timezone.now())
    actions = _action_forms(request.user, ticket)
    can_claim = ticket.first_responder_id is None and ticket.is_open
    # an order nobody has taken on yet is first taken on; then its next move
    first = None
    if not can_claim:
        first = next_action(
            ticket.status,
            [item["action"] for item in actions],
            settle_first=ticket.category.settle_at_first_contact,
        )
    return render(
        request,
        "tickets/detail.html",
        {
            "ticket": ticket,
            "timeline": selectors.timeline(ticket),
            "children": ticket.children.select_related("department", "owner").order_by("id"),
            "actions": actions,
            "primary_action": next((i for i in actions if i["action"] == first), None),
            "other_actions": [
                i for i in actions if i["action"] != first and i["action"] not in DESTRUCTIVE
            ],
            "danger_actions": [i for i in actions if i["action"] in DESTRUCTIVE],
            "canned_replies": selectors.canned_replies_for(ticket, request.user),
            "reason_form": ReasonForm(),
            "can_supervise": may_supervise(request.user, ticket),
            "can_claim": can_claim,
            "can_child": may_take(request.user, ticket, Action.RESOLVE)
            and ticket.status in {Status.SIGNED, Status.IN_PROGRESS},
            "reply_draft": services.reply_draft(ticket) if ticket.resolution else "",
            "departments": ReasonForm().fields["department"].queryset,
            "assignees": _assignees(ticket),
            "customer_hits": []
            if ticket.customer_id
            else _caller(request.user, ticket.contact_phone or ticket.calling_number)[
                "customer_hits"
            ],
        },
    )


def _assignees(ticket):
    from kefu.org.models import User

    if ticket.department is None:
        return User.objects.none()
    return User.objects.filter(subtree_q("department", ticket.department), is_active=True).order_by(
        "employee_no"
    )


def _back(ticket):
    return redirect(reverse("tickets:detail", args=[ticket.pk]) + "#timeline")


def _report(request, exc):
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(exc) or _("You may not do that."))


@login_required
@require_POST
def act(request, pk):
    ticket = _ticket_or_404(request.user, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    action = request.POST.get("action", "")
    if action not in Action.values:
        messages.error(request, _("Unknown action."))
        return _back(ticket)
    if action in DESTRUCTIVE and request.POST.get("confirm") != "1":
        messages.error(
            request,
            _("Tick the confirmation box to %(action)s.") % {"action": Action(action).label},
        )
        return _back(ticket)
    try:
        ticket = services.ticket_transition(
            ticket=ticket,
            action=action,
            actor=request.user,
            reason=form.cleaned_data.get("reason", ""),
            resolution=form.cleaned_data.get("resolution", ""),
            department=form.cleaned_data.get("department"),
            owner=form.cleaned_data.get("owner"),
        )
    except (ValidationError, PermissionDenied) as exc:
        _report(request, exc)
    else:
        messages.success(
            request,
            _("%(number)s: %(action)s done; now “%(status)s”.")
            % {
                "number": ticket.number,
                "action": Action(action).label,
                "status": ticket.get_status_display(),
            },
        )
    return _back(ticket)


def _simple_post(service):
    @login_required
    @require_POST
    def view(request, pk):
        ticket = _ticket_or_404(request.user, pk)
        try:
            service(request, ticket)
        except (ValidationError, PermissionDenied) as exc:
            _report(request, exc)
        else:
            messages.success(request, _("Done."))
        return _back(ticket)

    return view


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            {"supervision_due": ValidationError(_("Enter a date like 2026-12-31."), code="invalid")}
        ) from None


urge = _simple_post(
    lambda r, t: services.ticket_urge(ticket=t, actor=r.user, note=r.POST.get("note", ""))
)
supervise = _simple_post(
    lambda r, t: services.ticket_supervise(
        ticket=t, actor=r.user, due=_parse_date(r.POST.get("due", "")), note=r.POST.get("note", "")
    )
)
note = _simple_post(
    lambda r, t: services.ticket_add_note(
        ticket=t, actor=r.user, note=r.POST.get("note", ""), public=r.POST.get("public") == "1"
    )
)
claim = _simple_post(lambda r, t: services.ticket_claim(ticket=t, actor=r.user))
reply = _simple_post(
    lambda r, t: services.ticket_reply(ticket=t, actor=r.user, text=r.POST.get("text", ""))
)


def _attach(request, ticket):
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationError({"file": ValidationError(_("Choose a file."), code="required")})
    services.attachment_add(
        ticket=ticket, actor=request.user, upload=upload, note=request.POST.get("note", "")
    )


attach = _simple_post(_attach)


def _child(request, ticket):
    from kefu.org.models import Department

    department = Department.objects.filter(
        pk=request.POST.get("department") or 0, is_active=True
    ).first()
    if department is None:
        raise ValidationError(
            {
                "department": ValidationError(
                    _("Choose the co-handling department."), code="required"
                )
            }
        )
    services.ticket_create_child(
        parent=ticket,
        actor=request.user,
        department=department,
        title=request.POST.get("title", ""),
        description=request.POST.get("description", ""),
    )


child = _simple_post(_child)


def _link_customer(request, ticket):
    customer = _customer_for(request.user, request.POST.get("customer"))
    if customer is None:
        raise ValidationError(
            {
                "customer": ValidationError(
                    _("Choose a customer file in your scope."), code="required"
                )
            }
        )
    services.ticket_link_customer(ticket=ticket, customer=customer, actor=request.user)


link_customer = _simple_post(_link_customer)


def _merge(request, ticket):
    if request.POST.get("confirm") != "1":
        raise ValidationError(
            {
                "confirm": ValidationError(
                    _("Tick the confirmation box to merge the order."), code="required"
                )
            }
        )
    number = request.POST.get("into", "").strip().upper()
    survivor = selectors.tickets_visible(request.user).filter(number=number).first()
    if survivor is None:
        raise ValidationError(
            {
                "into": ValidationError(
                    _("No order %(number)s in your scope.") % {"number": number},
                    code="does_not_exist",
                )
            }
        )
    services.ticket_merge(ticket=ticket, into=survivor, actor=request.user)


merge = _simple_post(_merge)


@login_required
def attachment_download(request, pk, attachment_id):
    from django.http import FileResponse

    ticket = _ticket_or_404(request.user, pk)
    attachment = get_object_or_404(ticket.attachments, pk=attachment_id)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


# ---------------------------------------------------------------- public pages

PUBLIC_LIMIT = 10  # submissions or lookups per address per hour
MIN_FILL_SECONDS = 3


def _rate_limited(request, bucket: str) -> bool:
    key = f"kefu:rl:{bucket}:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > PUBLIC_LIMIT


def public_report(request):
    """The public web form: no login, the customer gives a phone; rate-limited, with a
    honeypot field and a minimum fill time against robots."""
    signer = signing.TimestampSigner(salt="kefu.public-report")
    form = PublicReportForm(
        request.POST or None,
        initial={"started": signer.sign("form"), "category": request.GET.get("category")},
    )
    if request.method == "POST":
        if _rate_limited(request, "report"):
            return render(
                request, "tickets/public_report.html", {"form": form, "limited": True}, status=429
            )
        if form.is_valid():
            spam = bool(form.cleaned_data["website"])
            try:
                signer.unsign(form.cleaned_data["started"], max_age=3600)
                age = timezone.now().timestamp() - signing.b62_decode(
                    form.cleaned_data["started"].split(":")[1]
                )
            except (signing.BadSignature, IndexError, ValueError):
                spam, age = True, 0
            if spam or age < MIN_FILL_SECONDS:
                form.add_error(None, _("The form could not be accepted; please fill it in again."))
            else:
                try:
                    ticket = services.ticket_create(
                        actor=None,
                        channel=Channel.WEB,
                        category=form.cleaned_data["category"],
                        title=form.cleaned_data["title"],
                        description=form.cleaned_data["description"],
                        contact_name=form.cleaned_data["contact_name"],
                        contact_phone=form.cleaned_data["contact_phone"],
                        address=form.cleaned_data["address"],
                        extra=form.extra_values(),
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    return render(request, "tickets/public_report_done.html", {"ticket": ticket})
    return render(request, "tickets/public_report.html", {"form": form})


def track(request):
    """办理进度查询: order number + last 4 digits of the phone → status and the customer-visible
    timeline, nothing internal."""
    form = TrackForm(request.GET or None)
    ticket = events = None
    if form.is_bound:
        if _rate_limited(request, "track"):
            return render(
                request, "tickets/track.html", {"form": form, "limited": True}, status=429
            )
        if form.is_valid():
            candidate = Ticket.objects.filter(
                number=form.cleaned_data["number"].strip().upper()
            ).first()
            phone = (candidate.contact_phone or candidate.calling_number) if candidate else ""
            if candidate and phone.endswith(form.cleaned_data["phone_tail"]):
                ticket = candidate
                events = selectors.timeline(ticket, public_only=True)
            else:
                form.add_error(None, _("No order matches this number and phone."))
    return render(
        request,
        "tickets/track.html",
        {
            "form": form,
            "ticket": ticket,
            "events": events,
            "masked_phone": mask_phone(ticket.contact_phone) if ticket else "",
        },
    )


# ---------------------------------------------------------------- configuration


def _require_admin(user):
    if not can_manage_org(user):
        raise PermissionDenied(_("Only administrators can change the configuration."))


@login_required
def config(request):
    _require_admin(request.user)
    return render(
        request,
        "tickets/config.html",
        {
            "categories": Category.objects.select_related(
                "ticket_type", "lead_department"
            ).order_by("path"),
            "rules": RoutingRule.objects.select_related("category", "department").order_by(
                "order", "id"
            ),
            "canned_replies": CannedReply.objects.select_related("category").order_by(
                "category__path", "sort_order", "id"
            ),
            "channels": IntakeChannel.objects.order_by("sort_order", "id"),
            "types": TicketType.objects.order_by("sort_order", "id"),
            "queues": DepartmentQueue.objects.select_related("department").order_by(
                "department__path"
            ),
            "templates": MessageTemplate.objects.order_by("code"),
        },
    )


def _config_form(request, form_class, instance, template_title, on_save):
    _require_admin(request.user)
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            on_save(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("tickets:config")
    history = []
    if instance is not None and instance.pk:
        from kefu.org.selectors import history_entries

        history = history_entries(instance)
    return render(
        request,
        "tickets/config_form.html",
        {"form": form, "title": template_title, "history": history},
    )


@login_required
def category_edit(request, pk=None):
    instance = get_object_or_404(Category, pk=pk) if pk else None

    def save(form):
        data = dict(form.cleaned_data)
        if instance is None:
            services.category_create(**{k: v for k, v in data.items() if k != "is_active"})
        else:
            data.pop("parent", None)
            instance.refresh_from_db()
            services.category_update(category=instance, **data)

    return _config_form(request, CategoryForm, instance, _("Category"), save)


@login_required
def canned_edit(request, pk=None):
    from kefu.tickets.forms import CannedReplyForm
    from kefu.tickets.models import CannedReply

    instance = get_object_or_404(CannedReply, pk=pk) if pk else None
    return _config_form(
        request, CannedReplyForm, instance, _("Canned reply"), lambda form: form.save()
    )


@login_required
def rule_edit(request, pk=None):
    instance = get_object_or_404(RoutingRule, pk=pk) if pk else None
    return _config_form(
        request, RoutingRuleForm, instance, _("Routing rule"), lambda form: form.save()
    )


@login_required
def channel_edit(request, pk=None):
    from kefu.tickets.forms import IntakeChannelForm
    from kefu.tickets.models import IntakeChannel

    instance = get_object_or_404(IntakeChannel, pk=pk) if pk else None

    def save(form):
        data = dict(form.cleaned_data)
        if instance is None:
            services.channel_create(**data)
        else:
            data.pop("code", None)
            services.channel_update(channel=instance, **data)

    return _config_form(request, IntakeChannelForm, instance, _("Channel"), save)


@login_required
def type_edit(request, pk=None):
    from kefu.tickets.forms import TicketTypeForm
    from kefu.tickets.models import TicketType

    instance = get_object_or_404(TicketType, pk=pk) if pk else None
    return _config_form(
        request, TicketTypeForm, instance, _("Ticket type"), lambda form: form.save()
    )


@login_required
def queue_edit(request, pk=None):
    from kefu.tickets.forms import DepartmentQueueForm
    from kefu.tickets.models import DepartmentQueue

    instance = get_object_or_404(DepartmentQueue, pk=pk) if pk else None
    return _config_form(
        request,
        DepartmentQueueForm,
        instance,
        _("Assignment inside a department"),
        lambda form: form.save(),
    )


@login_required
def template_edit(request, pk):
    from django import forms as django_forms

    class TemplateForm(django_forms.ModelForm):
        class Meta:
            model = MessageTemplate
            fields = ["name", "text", "active"]

    instance = get_object_or_404(MessageTemplate, pk=pk)
    return _config_form(
        request, TemplateForm, instance, _("Message template"), lambda form: form.save()
    )


BULK_ACTIONS = {
    "urge": gettext_lazy("Urge"),
    Action.DISPATCH: Action.DISPATCH.label,
    Action.SIGN: Action.SIGN.label,
}


@login_required
@require_POST
def bulk(request):
    """One action on the orders ticked in a queue, each through its own service call; the
    ones that cannot take it are named, the others go through."""
    action = request.POST.get("bulk_action", "")
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()][:200]
    back = request.POST.get("next", "")
    back = back if back.startswith("/") and not back.startswith("//") else reverse("tickets:queue")
    if action not in BULK_ACTIONS or not ids:
        messages.error(request, _("Tick some orders and choose an action."))
        return redirect(back)
    done, refused = [], []
    for ticket in selectors.tickets_visible(request.user).filter(pk__in=ids).order_by("id"):
        try:
            if action == "urge":
                services.ticket_urge(ticket=ticket, actor=request.user, note=_("Bulk urge"))
            else:
                services.ticket_transition(ticket=ticket, action=action, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            refused.append(f"{ticket.number}：{message}")
        else:
            done.append(ticket.number)
    if done:
        messages.success(
            request,
            _("%(action)s done for %(count)d orders.")
            % {"action": BULK_ACTIONS[action], "count": len(done)},
        )
    for line in refused:
        messages.error(request, line)
    return redirect(back)
