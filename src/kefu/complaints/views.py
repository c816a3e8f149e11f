import base64
import contextlib
import json
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kefu.complaints import forms as f
from kefu.complaints import rules, selectors
from kefu.complaints.models import ComplaintCase, CorrectiveAction, Penalty, PenaltyReview, Remedy
from kefu.complaints.permissions import (
    is_confidential_handler,
    may_audit,
    may_configure,
    may_decide,
    may_handle,
    may_instruct,
    may_propose_penalty,
    may_review_penalties,
    may_see_statistics,
    may_verify,
)
from kefu.complaints.rules import ActionStatus, RemedyKind, RemedyStatus, Validity
from kefu.complaints.services import corrective, remedies
from kefu.complaints.services.classification import case_classify
from kefu.complaints.services.closing import case_gaps, close_blockers
from kefu.complaints.services.configuration import (
    approval_chain_set,
    approval_chain_steps,
    authority_limits,
    settings_get,
)
from kefu.complaints.services.identity import identity_reveal, identity_update
from kefu.complaints.services.investigation import case_attribute
from kefu.complaints.services.negotiation import case_result_return
from kefu.complaints.services.penalties import (
    penalty_decide,
    penalty_propose,
    penalty_review_complete,
)
from kefu.complaints.services.validity import case_rule_validity, case_tell_customer
from kefu.core.excel import xlsx_response
from kefu.core.forms import add_service_errors
from kefu.tickets import services as ticket_services
from kefu.tickets.models import TicketEvent
from kefu.tickets.permissions import may_take
from kefu.tickets.states import FINAL_STATUSES, Action, can_transition

PAGE_SIZE = 30
EXPORT_LIMIT = 50_000


def _case_or_404(user, pk) -> ComplaintCase:
    try:
        return selectors.case_for_user(user, pk)
    except ComplaintCase.DoesNotExist:
        raise Http404 from None


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _month_param(value: str, default: date) -> date:
    try:
        return rules.parse_month(value)
    except ValueError:
        return default


# ---------------------------------------------------------------- list


def _cursor(case: ComplaintCase) -> str:
    raw = [case.created_at.isoformat(), case.pk]
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


def _page(qs, after: str):
    if after:
        try:
            value, pk = json.loads(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)))
            at, pk = parse_datetime(value), int(pk)
        except (ValueError, TypeError):
            at, pk = None, None
        if at is not None:
            qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    rows = list(qs[: PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], (_cursor(rows[PAGE_SIZE - 1]) if len(rows) > PAGE_SIZE else "")


@login_required
def case_list(request):
    form = f.ListFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.CaseFilter(
        series=data.get("series", ""),
        validity=data.get("validity", ""),
        month=data.get("month"),
        state=data.get("state", ""),
        text=data.get("text", ""),
    )
    qs = selectors.case_list(request.user, filters)
    if request.GET.get("export") == "xlsx":
        return _export(qs)
    rows, next_cursor = _page(qs, request.GET.get("after", ""))
    query = request.GET.copy()
    query.pop("after", None)
    query.pop("export", None)
    return render(
        request,
        "complaints/list.html#results" if request.htmx else "complaints/list.html",
        {
            "form": form,
            "rows": rows,
            "next_cursor": next_cursor,
            "query_string": query.urlencode(),
            "first_page": not request.GET.get("after"),
            **_tabs(request.user),
        },
    )


def _export(qs):
    headers = [
        _("Register number"),
        _("Order number"),
        _("Series"),
        _("Subject"),
        _("Complaint class"),
        _("Severity"),
        _("Validity"),
        _("Responsibility"),
        _("Responsible department"),
        _("Responsible person"),
        _("Handling department"),
        _("Order status"),
        _("Registered at"),
    ]

    # the reporter's identity is not a field of the case: it cannot reach an export
    def rows():
        for case in qs[:EXPORT_LIMIT].iterator(chunk_size=1000):
            yield [
                case.register_no,
                case.ticket.number,
                case.get_series_display(),
                case.ticket.title,
                case.complaint_class.name if case.complaint_class else "",
                case.get_severity_display(),
                case.get_validity_display(),
                case.get_responsibility_display(),
                case.responsible_department.name if case.responsible_department else "",
                str(case.responsible_person) if case.responsible_person else "",
                case.ticket.department.name if case.ticket.department else "",
                case.ticket.get_status_display(),
                case.created_at,
            ]

    return xlsx_response(
        f"complaints-{timezone.localdate():%Y%m%d}.xlsx", _("Complaint cases"), headers, rows()
    )


def _tabs(user) -> dict:
    return {
        "perm_stats": may_see_statistics(user),
        "perm_audit": may_audit(user),
        "perm_review": may_review_penalties(user),
        "perm_configure": may_configure(user),
    }


# ---------------------------------------------------------------- the case page


ACTIONS = {
    # name: (form class, permission check(user, case), service call)
    "classify": f.ClassifyForm,
    "validity": f.ValidityForm,
    "tell": f.TellForm,
    "attribute": f.AttributeForm,
    "result": f.ResultForm,
    "action": f.ActionForm,
    "remedy": f.RemedyForm,
    "penalty": f.PenaltyForm,
    "resolve": f.ResolveForm,
}


def _initial(case: ComplaintCase) -> dict:
    return {
        "classify": {
            "complaint_class": case.complaint_class_id,
            "anomaly": case.anomaly,
            "severity": case.severity,
            "customer_demand": case.customer_demand,
            "order_no": case.order_no,
            "part_no": case.part_no,
            "delivery_date": case.delivery_date,
            "quantity": case.quantity,
            "defective_quantity": case.defective_quantity,
        },
        "tell": {"text": case.reply_text, "channel": "phone"},
        "attribute": {
            "facts": case.facts,
            "root_cause": case.root_cause,
            "responsibility": case.responsibility,
            "responsible_department": case.responsible_department_id,
            "responsible_person": case.responsible_person_id,
            "external_party": case.external_party,
            "fault_cause": case.fault_cause,
        },
        "result": {"result": case.negotiation_result},
        "penalty": {
            "person": case.responsible_person_id,
            "department": case.responsible_department_id,
        },
    }


def _forms(case, bound: dict | None = None) -> dict:
    initial = _initial(case)
    industry = settings_get().industry
    made = {}
    for name, form_class in ACTIONS.items():
        kwargs = {"industry": industry} if name == "classify" else {}
        made[name] = form_class(initial=initial.get(name), prefix=name, **kwargs)
    if bound:
        made.update(bound)
    return made


def _render_case(request, case, *, bound=None, status=200):
    user = request.user
    ticket = case.ticket
    events = (
        TicketEvent.objects.filter(ticket=ticket)
        .select_related("actor")
        .order_by("-created_at", "-id")[:30]
    )
    actions = list(case.corrective_actions.all())
    case_remedies = list(
        case.remedies.select_related("requested_by__department").prefetch_related(
            "signatures__signed_by"
        )
    )
    for action in actions:
        action.may_complete = action.status == ActionStatus.OPEN and (
            action.owner_id == user.pk or may_decide(user, case)
        )
        action.may_verify = action.status == ActionStatus.DONE and may_verify(user, action)
    pending = any(remedy.status == RemedyStatus.PENDING for remedy in case_remedies)
    limits = authority_limits() if pending else []
    steps = approval_chain_steps() if pending else []
    for remedy in case_remedies:
        remedy.may_decide = remedy.status == RemedyStatus.PENDING and remedies.may_approve_remedy(
            user, remedy, limits=limits, steps=steps
        )
        remedy.next_level = (
            remedies.remedy_next_level(remedy, steps=steps)
            if remedy.status == RemedyStatus.PENDING
            else None
        )
        remedy.may_receive = (
            remedy.kind == RemedyKind.GOODS_RETURN
            and remedy.status == RemedyStatus.APPROVED
            and remedy.actual_quantity is None
            and may_handle(user, case)
        )
        remedy.may_instruct = remedy.awaits_instruction and may_instruct(user, case)
    finished = ticket.status in FINAL_STATUSES
    context = {
        "case": case,
        "ticket": ticket,
        "events": events,
        "actions": actions,
        "remedies": case_remedies,
        "penalties": list(case.penalties.all()),
        "forms": _forms(case, bound),
        "blockers": close_blockers(case) if not finished else [],
        "gaps": case_gaps(case) if not finished else [],
        "may_handle": may_handle(user, case) and not finished,
        "may_decide": may_decide(user, case) and not finished,
        "may_penalise": may_propose_penalty(user, case),
        "may_reveal": case.is_tip_off and is_confidential_handler(user),
        "may_audit": may_audit(user),
        "may_resolve": can_transition(ticket.status, Action.RESOLVE)
        and may_take(user, ticket, Action.RESOLVE),
        "may_close": can_transition(ticket.status, Action.CLOSE)
        and may_take(user, ticket, Action.CLOSE),
        "Validity": Validity,
        **_tabs(user),
    }
    return render(request, "complaints/detail.html", context, status=status)


@login_required
def detail(request, pk):
    return _render_case(request, _case_or_404(request.user, pk))


@login_required
@require_POST
def act(request, pk, name):
    case = _case_or_404(request.user, pk)
    if name not in ACTIONS:
        raise Http404
    kwargs = {"industry": settings_get().industry} if name == "classify" else {}
    form = ACTIONS[name](request.POST, prefix=name, **kwargs)
    if form.is_valid():
        try:
            _call(name, case, request.user, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not do this."))
            return _render_case(request, _case_or_404(request.user, pk), status=403)
        else:
            messages.success(request, _("Saved."))
            return redirect("complaints:detail", pk=pk)
    return _render_case(request, _case_or_404(request.user, pk), bound={name: form}, status=400)


def _call(name, case, user, data):
    match name:
        case "classify":
            case_classify(case=case, actor=user, **data)
        case "validity":
            case_rule_validity(case=case, actor=user, **data)
        case "tell":
            case_tell_customer(case=case, actor=user, **data)
        case "attribute":
            case_attribute(case=case, actor=user, **data)
        case "result":
            case_result_return(case=case, actor=user, **data)
        case "action":
            corrective.action_add(case=case, actor=user, **data)
        case "remedy":
            remedies.remedy_request(case=case, actor=user, **data)
        case "penalty":
            penalty_propose(case=case, actor=user, **data)
        case "resolve":  # ticket_transition checks who may resolve the order
            ticket_services.ticket_transition(
                ticket=case.ticket, action=Action.RESOLVE, actor=user, resolution=data["resolution"]
            )


@login_required
@require_POST
def close(request, pk):
    case = _case_or_404(request.user, pk)
    try:
        ticket_services.ticket_transition(
            ticket=case.ticket, action=Action.CLOSE, actor=request.user
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The complaint is closed."))
    return redirect("complaints:detail", pk=pk)


def _item_post(request, pk, model, item_pk, form_class, call):
    case = _case_or_404(request.user, pk)
    item = get_object_or_404(model, pk=item_pk, case=case)
    form = form_class(request.POST, prefix=f"item{item_pk}")
    if form.is_valid():
        try:
            call(item, request.user, form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("complaints:detail", pk=pk)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return _render_case(request, case, status=403)
        messages.success(request, _("Saved."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("complaints:detail", pk=pk)


@login_required
@require_POST
def action_done(request, pk, item):
    return _item_post(
        request,
        pk,
        CorrectiveAction,
        item,
        f.ActionDoneForm,
        lambda a, u, d: corrective.action_complete(action=a, actor=u, **d),
    )


@login_required
@require_POST
def action_verify(request, pk, item):
    return _item_post(
        request,
        pk,
        CorrectiveAction,
        item,
        f.ActionVerifyForm,
        lambda a, u, d: corrective.action_verify(action=a, actor=u, **d),
    )


@login_required
@require_POST
def remedy_decide(request, pk, item):
    return _item_post(
        request,
        pk,
        Remedy,
        item,
        f.RemedyDecideForm,
        lambda r, u, d: remedies.remedy_decide(remedy=r, actor=u, **d),
    )


@login_required
@require_POST
def remedy_receive(request, pk, item):
    return _item_post(
        request,
        pk,
        Remedy,
        item,
        f.ReceiveForm,
        lambda r, u, d: remedies.remedy_receive(remedy=r, actor=u, **d),
    )


@login_required
@require_POST
def remedy_instruct(request, pk, item):
    return _item_post(
        request,
        pk,
        Remedy,
        item,
        f.InstructForm,
        lambda r, u, d: remedies.remedy_instruct(remedy=r, actor=u, **d),
    )


# ---------------------------------------------------------------- reporter identity


@never_cache
@login_required
def reporter(request, pk):
    """The sealed identity, shown only to a confidential handler after they give a
    purpose; every showing (and every refusal) is logged."""
    case = _case_or_404(request.user, pk)
    if not case.is_tip_off:
        raise Http404
    if not is_confidential_handler(request.user):
        with contextlib.suppress(PermissionDenied):
            identity_reveal(
                case=case,
                actor=request.user,
                purpose="",
                channel="page",
                address=_client_ip(request),
            )
        raise PermissionDenied(_("Only the confidential handlers may see the reporter."))
    identity = None
    reveal = f.RevealForm(request.POST or None, prefix="reveal")
    edit = f.IdentityForm(prefix="identity")
    if request.method == "POST" and "identity-contact_name" in request.POST:
        edit = f.IdentityForm(request.POST, prefix="identity")
        if edit.is_valid():
            identity_update(
                case=case, actor=request.user, address=_client_ip(request), **edit.cleaned_data
            )
            messages.success(request, _("The reporter's identity is sealed again with the change."))
            return redirect("complaints:reporter", pk=pk)
        reveal = f.RevealForm(prefix="reveal")
    elif request.method == "POST" and reveal.is_valid():
        try:
            identity = identity_reveal(
                case=case,
                actor=request.user,
                purpose=reveal.cleaned_data["purpose"],
                channel="page",
                address=_client_ip(request),
            )
        except ValidationError as exc:
            add_service_errors(reveal, exc)
        else:
            edit = f.IdentityForm(
                prefix="identity",
                initial={k: identity.get(k, "") for k in ("contact_name", "contact_phone", "note")},
            )
    return render(
        request,
        "complaints/reporter.html",
        {
            "case": case,
            "identity": identity,
            "reveal": reveal,
            "edit": edit,
            "log": selectors.identity_log(case)[:50],
        },
        # a form with errors is shown again (the correction form even without a reading)
        status=400 if reveal.errors or edit.errors else 200,
    )


@login_required
def identity_log(request):
    if not may_audit(request.user):
        raise PermissionDenied
    return render(
        request,
        "complaints/identity_log.html",
        {"rows": selectors.identity_log_all()[:500], **_tabs(request.user)},
    )


# ---------------------------------------------------------------- printable pages


@login_required
def print_form(request, pk):
    """《客户意见处理表》 with its five copies (CMP-12)."""
    case = _case_or_404(request.user, pk)
    copies = [
        _("Copy 1 — quality department"),
        _("Copy 2 — manufacturing department"),
        _("Copy 3 — business department (to execute)"),
        _("Copy 4 — finance department"),
        _("Copy 5 — general manager's office"),
    ]
    return render(
        request,
        "complaints/print_form.html",
        {
            "case": case,
            "ticket": case.ticket,
            "copies": copies,
            "actions": case.corrective_actions.all(),
            "remedies": case.remedies.all(),
        },
    )


@login_required
def allowance_certificate(request, pk):
    """《销货折让证明单》 in two copies (CMP-21): business and finance, with the chain's
    signatures; it exists once the chain is signed."""
    remedy = get_object_or_404(
        Remedy.objects.select_related("case__ticket", "requested_by").prefetch_related(
            "signatures__signed_by"
        ),
        pk=pk,
        kind=RemedyKind.ALLOWANCE,
    )
    try:
        selectors.case_for_user(request.user, remedy.case_id)
    except ComplaintCase.DoesNotExist:
        raise Http404 from None
    if not remedy.certificate_no:
        raise Http404
    copies = [
        _("Copy 1 — kept by the business department"),
        _("Copy 2 — finance department"),
    ]
    return render(
        request,
        "complaints/allowance_certificate.html",
        {"remedy": remedy, "case": remedy.case, "copies": copies},
    )


@login_required
def penalty_notice(request, pk):
    """《处分通知单》 in three copies (CMP-20): kept, finance, the penalised."""
    penalty = get_object_or_404(
        Penalty.objects.select_related("case__ticket", "person", "department", "decided_by"),
        pk=pk,
    )
    try:
        selectors.case_for_user(request.user, penalty.case_id)
    except ComplaintCase.DoesNotExist:
        if penalty.person_id != request.user.pk:
            raise Http404 from None
    copies = [
        _("Copy 1 — kept by the general manager's office"),
        _("Copy 2 — finance department, for checking"),
        _("Copy 3 — the penalised department or person"),
    ]
    return render(
        request,
        "complaints/penalty_notice.html",
        {
            "penalty": penalty,
            "case": penalty.case,
            "copies": copies,
            "yuan": rules.yuan(penalty.fine),
        },
    )


# ---------------------------------------------------------------- penalty review


@login_required
def penalties(request):
    if not (may_review_penalties(request.user) or may_see_statistics(request.user)):
        raise PermissionDenied
    today = timezone.localdate()
    default = rules.previous_months(rules.month_of(today), 2)[0]
    month = _month_param(request.GET.get("month", ""), default)
    review = PenaltyReview.objects.filter(month=month).select_related("reviewed_by").first()
    if request.method == "POST":
        if not may_review_penalties(request.user):
            raise PermissionDenied
        try:
            if "complete" in request.POST:
                penalty_review_complete(
                    month=month, actor=request.user, note=request.POST.get("note", "")
                )
                messages.success(request, _("The month's penalty review is complete."))
            else:
                penalty = get_object_or_404(Penalty, pk=request.POST.get("penalty"), month=month)
                form = f.PenaltyDecideForm(request.POST)
                if form.is_valid():
                    penalty_decide(penalty=penalty, actor=request.user, **form.cleaned_data)
                    messages.success(request, _("Saved."))
                else:
                    for message in form.errors.get("approve") or [_("Choose a decision.")]:
                        messages.error(request, message)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect(f"{request.path}?month={month:%Y-%m}")
    rows = list(selectors.month_penalties(month))
    return render(
        request,
        "complaints/penalties.html",
        {
            "month": month,
            "rows": rows,
            "review": review,
            "due": rules.review_due(month),
            "decide_form": f.PenaltyDecideForm(),
            "may_review": may_review_penalties(request.user),
            **_tabs(request.user),
        },
    )


# ---------------------------------------------------------------- statistics


@login_required
def statistics(request):
    """《客户投诉案件统计表》: the month's closed complaints, Excel and a printable page."""
    if not may_see_statistics(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    month = _month_param(request.GET.get("month", ""), rules.month_of(today))
    stats = selectors.complaint_statistics(request.user, month)
    if request.GET.get("export") == "xlsx":
        return _statistics_export(stats)
    template = (
        "complaints/statistics_print.html"
        if request.GET.get("print")
        else "complaints/statistics.html"
    )
    return render(
        request,
        template,
        {
            "stats": stats,
            "month_value": f"{month:%Y-%m}",
            "yuan": rules.yuan,
            **_tabs(request.user),
        },
    )


def _statistics_export(stats):
    headers = [
        _("Register number"),
        _("Subject"),
        _("Complaint class"),
        _("Validity"),
        _("Responsibility"),
        _("Responsible department"),
        _("Responsible person"),
        _("Closed on time"),
        _("Closed at"),
    ]
    rows = [
        [
            case.register_no,
            case.ticket.title,
            case.complaint_class.name if case.complaint_class else "",
            case.get_validity_display(),
            case.get_responsibility_display(),
            case.responsible_department.name if case.responsible_department else "",
            str(case.responsible_person) if case.responsible_person else "",
            _("yes") if case.on_time else _("no"),
            case.ticket.closed_at,
        ]
        for case in stats.cases
    ]
    summary = [
        [_("Registered"), stats.registered],
        [pgettext("complaints", "Closed"), stats.closed],
        [_("Closed on time"), stats.closed_on_time],
        [_("Valid"), stats.valid],
        [_("Not valid"), stats.invalid],
        [_("Compensation (yuan)"), float(stats.compensation_total)],
        [_("Allowances (yuan)"), float(stats.allowance_total)],
        [_("Penalties"), stats.penalty_count],
        [_("Fines (yuan)"), float(stats.fine_total)],
    ]
    blank = [""] * (len(headers) - 2)
    all_rows = [*rows, [""] * len(headers), *([*s, *blank] for s in summary)]
    return xlsx_response(
        f"complaint-statistics-{stats.month:%Y-%m}.xlsx",
        _("Complaint statistics %(month)s") % {"month": f"{stats.month:%Y-%m}"},
        headers,
        all_rows,
    )


# ---------------------------------------------------------------- settings


@login_required
def settings_edit(request):
    if not may_configure(request.user):
        raise PermissionDenied
    row = settings_get()
    form = f.SettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("complaints:settings")
    return _settings_page(request, form=form, chain=_chain_formset())


def _chain_formset(data=None):
    initial = [
        {
            "order": step.order,
            "role": step.role,
            "label": step.label,
            "min_amount": step.min_amount,
            "max_amount": step.max_amount,
        }
        for step in approval_chain_steps()
    ]
    return f.ApprovalChainFormSet(data, initial=initial, prefix="chain")


def _settings_page(request, *, form, chain):
    return render(
        request,
        "complaints/settings.html",
        {"form": form, "chain": chain, **_tabs(request.user)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def approval_chain_edit(request):
    """The sales-allowance certificate's approval chain (CMP-21): levels by amount range,
    each a role, signed in order."""
    if not may_configure(request.user):
        raise PermissionDenied
    chain = _chain_formset(request.POST)
    if chain.is_valid():
        steps = [
            rules.ChainStep(
                order=data["order"],
                role=data["role"],
                label=data["label"].strip(),
                min_amount=data.get("min_amount"),
                max_amount=data.get("max_amount"),
            )
            for data in chain.cleaned_data
            if data and not data.get("DELETE")
        ]
        try:
            approval_chain_set(steps=steps)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The approval chain is saved."))
            return redirect("complaints:settings")
    return _settings_page(request, form=f.SettingsForm(instance=settings_get()), chain=chain)
