from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.forms import add_service_errors
from kefu.core.phones import mask_phone
from kefu.core.tree import subtree_q
from kefu.customers import forms, importing, permissions, rules, selectors, services
from kefu.customers.models import (
    ChangeStatus,
    Contact,
    Customer,
    ImportJob,
    KeyKind,
    ManagerChange,
    RoundStatus,
    ServiceAccount,
    VisitPlan,
    VisitStatus,
    WeeklySummary,
)
from kefu.customers.panels import render_panels
from kefu.customers.tasks import import_customers_task
from kefu.org.selectors import history_entries

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _findable(request, pk) -> Customer:
    return get_object_or_404(
        selectors.customers_findable(request.user).select_related(
            "account_manager", "department", "duplicate_of", "created_by"
        ),
        pk=pk,
    )


def _editable(request, pk) -> Customer:
    customer = get_object_or_404(selectors.customers_visible(request.user), pk=pk)
    if not permissions.can_edit_customer(request.user, customer):
        raise PermissionDenied(
            _("Only the customer's account manager or a supervisor may do this.")
        )
    return customer


def _require_supervisor(user) -> None:
    if not permissions.is_supervisor(user):
        raise PermissionDenied(_("Only an account-manager supervisor may do this."))


def _suggest(user):
    if user.department_id is None:
        return None
    return services.manager_suggest(department=user.department)


# ---------------------------------------------------------------------------- lookup and lists


@login_required
def lookup(request):
    """客户查找: one box for phone, account number, customer number, document number or name."""
    query = request.GET.get("q", "")
    hits = selectors.customer_lookup(request.user, query) if query.strip() else []
    policy = services.current_policy()
    rows = [
        {
            "hit": hit,
            "customer": hit.customer,
            "value": _display_key(hit, permissions.sees_pii(request.user, hit.customer, policy)),
            "kind_label": KeyKind(hit.kind).label,
        }
        for hit in hits
    ]
    context = {"query": query, "rows": rows, "policy": policy}
    if request.htmx:
        return render(request, "customers/lookup.html#results", context)
    context["can_create"] = permissions.can_create_customer(request.user)
    return render(request, "customers/lookup.html", context)


def _display_key(hit, show: bool) -> str:
    if hit.kind == "phone" and not show:
        return mask_phone(hit.value)
    if hit.kind == "id_number" and not show:
        return rules.mask_id_number(hit.value)
    if hit.kind in ("name", "contact"):
        return hit.contact.name if hit.contact else hit.customer.name
    return hit.value


def _filters(request, policy):
    managers = selectors.managers_visible(request.user)
    data = request.GET.copy()
    data.setdefault("status", "active")
    form = forms.CustomerFilterForm(data, policy=policy, managers=managers)
    filters = selectors.CustomerFilter()
    if form.is_valid():
        filters = selectors.CustomerFilter(
            q=form.cleaned_data["q"],
            kind=form.cleaned_data["kind"],
            grade=form.cleaned_data["grade"],
            service_tier=form.cleaned_data["service_tier"],
            account_manager=form.cleaned_data["account_manager"],
            status=form.cleaned_data["status"] or "active",
        )
    return form, filters


@login_required
def customer_list(request):
    policy = services.current_policy()
    form, filters = _filters(request, policy)
    customers = selectors.customer_list(request.user, filters)
    if request.GET.get("export") == "xlsx":
        return _export(request, filters, policy)
    page = Paginator(customers, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "policy": policy,
        "query_string": query.urlencode(),
        "can_create": permissions.can_create_customer(request.user),
        "can_import": permissions.can_import(request.user),
    }
    if request.htmx:
        return render(request, "customers/customer_list.html#results", context)
    return render(request, "customers/customer_list.html", context)


def _export(request, filters, policy):
    customers = selectors.customers_for_export(request.user, filters)
    masked = not permissions.sees_pii(request.user, None, policy)
    content = importing.export_bytes(customers, masked=masked, policy=policy)
    if not masked:
        services.pii_export_record(
            user=request.user,
            count=customers.count(),
            reason=_("Excel export of the customer list"),
        )
    return _xlsx(_("customers") + ".xlsx", content)


# ---------------------------------------------------------------------------- 360 and edits


@login_required
def customer_detail(request, pk, *, show_pii: bool | None = None, unmask_form=None):
    customer = _findable(request, pk)
    policy = services.current_policy()
    if show_pii is None:
        show_pii = permissions.sees_pii(request.user, customer, policy)
    supervisor = permissions.is_supervisor(request.user)
    in_scope = selectors.customers_visible(request.user).filter(pk=customer.pk).exists()
    context = {
        "customer": customer,
        "policy": policy,
        "show_pii": show_pii,
        "unmask_form": unmask_form or forms.UnmaskForm(),
        "can_edit": in_scope and permissions.can_edit_customer(request.user, customer),
        "is_supervisor": supervisor and in_scope,
        "panels": render_panels(request, customer),
        "history": history_entries(customer, limit=20),
        "pii_log": selectors.pii_log(customer) if supervisor and in_scope else [],
        "now": timezone.now(),
        **selectors.customer_360(customer),
    }
    return render(request, "customers/customer_detail.html", context)


@login_required
@require_POST
def customer_unmask(request, pk):
    customer = _findable(request, pk)
    form = forms.UnmaskForm(request.POST)
    if form.is_valid():
        try:
            services.pii_unmask(
                customer=customer,
                user=request.user,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return customer_detail(request, pk, show_pii=True)
    return customer_detail(request, pk, show_pii=False, unmask_form=form)


def _contacts_from(form) -> list[services.ContactData]:
    data = form.cleaned_data
    if not data.get("contact_name"):
        return []
    return [
        services.ContactData(
            name=data["contact_name"],
            title=data.get("contact_title", ""),
            is_key=True,
            mobile=data.get("contact_mobile", ""),
            phone=data.get("contact_phone", ""),
            birthday=data.get("contact_birthday"),
        )
    ]


def _accounts_from(form) -> list[services.AccountData]:
    data = form.cleaned_data
    if not data.get("account_number"):
        return []
    return [
        services.AccountData(
            number=data["account_number"],
            kind=data.get("account_kind") or "other",
            premises_address=data.get("account_premises_address", ""),
        )
    ]


@login_required
def customer_create(request):
    if not permissions.can_create_customer(request.user):
        raise PermissionDenied(_("Only account managers and supervisors record customers."))
    policy = services.current_policy()
    info_file = None
    if request.GET.get("info_file"):
        info_file = get_object_or_404(
            selectors.info_files_visible(request.user), pk=request.GET["info_file"]
        )
    initial = {"name": info_file.customer_name} if info_file else {}
    if request.user.has_role("customer_manager"):
        initial["account_manager"] = request.user.pk
    form = forms.CustomerCreateForm(
        request.POST or None,
        initial=initial,
        managers=selectors.managers_visible(request.user),
        policy=policy,
        suggested=None if "account_manager" in initial else _suggest(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer = services.customer_create(
                actor=request.user,
                name=data["name"],
                kind=data["kind"],
                account_manager=data["account_manager"],
                id_type=data["id_type"],
                id_number=data["id_number"],
                industry=data["industry"],
                address=data["address"],
                source_channel=data["source_channel"],
                credit_rating=data["credit_rating"],
                relationship_stage=data["relationship_stage"],
                cooperation_started_on=data["cooperation_started_on"],
                grade=data["grade"],
                service_tier=data["service_tier"],
                notes=data["notes"],
                tags=form.tag_names(),
                contacts=_contacts_from(form),
                accounts=_accounts_from(form),
                captured_at=data["captured_at"],
                info_file=info_file,
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {"account_premises_address": "account_premises_address"})
        else:
            if customer.duplicate_of_id:
                messages.warning(
                    request,
                    _(
                        "This customer was recorded earlier as %(customer)s; the new record is "
                        "linked to it as a duplicate and the earlier record keeps ownership."
                    )
                    % {"customer": customer.duplicate_of},
                )
            else:
                messages.success(
                    request, _("Customer “%(name)s” recorded.") % {"name": customer.name}
                )
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "customer": None, "info_file": info_file},
    )


@login_required
def customer_edit(request, pk):
    customer = _editable(request, pk)
    form = forms.CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.CUSTOMER_EDITABLE}
        try:
            services.customer_update(customer=customer, tags=form.tag_names(), **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("customers:detail", pk=customer.pk)
    customer.refresh_from_db()
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})


@login_required
def contact_edit(request, pk, contact_pk=None):
    customer = _editable(request, pk)
    contact = get_object_or_404(Contact, pk=contact_pk, customer=customer) if contact_pk else None
    form = forms.ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        data = services.ContactData(
            **{f: form.cleaned_data[f] for f in forms.ContactForm.Meta.fields}
        )
        try:
            services.contact_save(customer=customer, data=data, contact=contact)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Contact saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/simple_form.html",
        {
            "form": form,
            "customer": customer,
            "title": _("Edit contact") if contact else _("New contact"),
        },
    )


@login_required
@require_POST
def contact_remove(request, pk, contact_pk):
    customer = _editable(request, pk)
    contact = get_object_or_404(Contact, pk=contact_pk, customer=customer)
    services.contact_remove(contact=contact)
    messages.success(request, _("Contact removed."))
    return redirect("customers:detail", pk=customer.pk)


@login_required
def account_edit(request, pk, account_pk=None):
    customer = _editable(request, pk)
    account = (
        get_object_or_404(ServiceAccount, pk=account_pk, customer=customer) if account_pk else None
    )
    form = forms.AccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        data = services.AccountData(
            number=form.cleaned_data["number"],
            kind=form.cleaned_data["kind"],
            premises_address=form.cleaned_data["premises_address"],
            industry=form.cleaned_data["industry"],
            opened_on=form.cleaned_data["opened_on"],
            attributes=form.attributes(),
        )
        try:
            services.account_save(
                customer=customer,
                data=data,
                account=account,
                is_active=form.cleaned_data["is_active"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Account saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/simple_form.html",
        {
            "form": form,
            "customer": customer,
            "title": _("Edit account") if account else _("New service account"),
        },
    )


@login_required
def interaction_add(request, pk):
    customer = _findable(request, pk)
    form = forms.InteractionForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.interaction_record(
                customer=customer,
                staff=request.user,
                channel=form.cleaned_data["channel"],
                summary=form.cleaned_data["summary"],
                happened_at=form.cleaned_data["happened_at"],
                contact=form.cleaned_data["contact"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Contact with the customer recorded."))
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/simple_form.html",
        {"form": form, "customer": customer, "title": _("Record a contact with the customer")},
    )


# ---------------------------------------------------------------------------- manager changes


@login_required
def manager_change(request, pk):
    _require_supervisor(request.user)
    customer = get_object_or_404(selectors.customers_visible(request.user), pk=pk)
    team = customer.department
    suggested = services.manager_suggest(department=team, exclude=customer.account_manager)
    form = forms.ManagerChangeForm(
        request.POST or None,
        managers=selectors.managers_visible(request.user),
        suggested=suggested,
    )
    if request.method == "POST" and form.is_valid():
        try:
            change = services.manager_change_request(
                customer=customer,
                to_manager=form.cleaned_data["to_manager"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if change.status == ChangeStatus.FINAL:
                messages.success(request, _("The account manager has been changed."))
            else:
                messages.warning(
                    request,
                    _(
                        "Change recorded. It becomes final once the key contact has been told "
                        "by SMS or phone."
                    ),
                )
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/simple_form.html",
        {"form": form, "customer": customer, "title": _("Change the account manager")},
    )


def _change_for(request, change_pk) -> ManagerChange:
    _require_supervisor(request.user)
    return get_object_or_404(
        ManagerChange.objects.filter(
            customer__in=selectors.customers_visible(request.user).values("pk")
        ),
        pk=change_pk,
    )


@login_required
@require_POST
def manager_change_notice(request, change_pk):
    change = _change_for(request, change_pk)
    form = forms.NoticeForm(request.POST)
    if form.is_valid():
        try:
            services.manager_change_confirm_notice(
                change=change,
                actor=request.user,
                channel=form.cleaned_data["channel"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Notice recorded; the new account manager is final."))
    else:
        messages.error(request, _("Choose how the key contact was notified."))
    return redirect("customers:detail", pk=change.customer_id)


@login_required
@require_POST
def manager_change_cancel(request, change_pk):
    change = _change_for(request, change_pk)
    try:
        services.manager_change_cancel(change=change, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The change was cancelled."))
    return redirect("customers:detail", pk=change.customer_id)


@login_required
@require_POST
def duplicate_decide(request, pk):
    _require_supervisor(request.user)
    customer = get_object_or_404(selectors.customers_visible(request.user), pk=pk)
    form = forms.DecisionReasonForm(request.POST)
    action = request.POST.get("action")
    if not form.is_valid():
        messages.error(request, _("Give the reason for the decision."))
        return redirect("customers:detail", pk=customer.pk)
    try:
        if action == "own":
            services.duplicate_override(
                duplicate=customer, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("This record now owns the customer."))
        elif action == "unlink":
            services.duplicate_unlink(
                customer=customer, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("The records are no longer linked."))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("customers:detail", pk=customer.pk)


@login_required
def grade_adjust(request, pk):
    _require_supervisor(request.user)
    customer = get_object_or_404(selectors.customers_visible(request.user), pk=pk)
    policy = services.current_policy()
    form = forms.GradeAdjustForm(
        request.POST or None,
        policy=policy,
        initial={
            "grade": customer.grade,
            "service_tier": customer.service_tier,
            "credit_rating": customer.credit_rating,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.grade_adjust(customer=customer, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Grade saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/simple_form.html",
        {"form": form, "customer": customer, "title": _("Decide the grade")},
    )


# ---------------------------------------------------------------------------- supervisor


@login_required
def board(request):
    """督办: reassignable leads, overdue entries, duplicates, pending changes, grades due,
    visit plans to approve, late weekly summaries, portfolio balance."""
    context = selectors.supervisor_board(request.user)
    context["is_supervisor"] = permissions.is_supervisor(request.user)
    context["now"] = timezone.now()
    return render(request, "customers/board.html", context)


@login_required
def info_file_register(request):
    if not permissions.can_create_customer(request.user):
        raise PermissionDenied
    form = forms.InfoFileForm(request.POST or None, initial={"captured_at": timezone.localtime()})
    if request.method == "POST" and form.is_valid():
        try:
            info = services.info_file_register(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Registered. Enter the file by %(due)s.")
                % {"due": timezone.localtime(info.entry_due_at).strftime("%Y-%m-%d %H:%M")},
            )
            return redirect("customers:info_files")
    return render(
        request,
        "customers/simple_form.html",
        {"form": form, "customer": None, "title": _("Register a captured customer file")},
    )


@login_required
def info_files(request):
    files = selectors.info_files_visible(request.user).filter(entered_at__isnull=True)
    return render(request, "customers/info_files.html", {"files": files, "now": timezone.now()})


# ---------------------------------------------------------------------------- grading


@login_required
def rounds(request):
    form = forms.RoundOpenForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST":
        _require_supervisor(request.user)
        if request.user.department_id is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                grading = services.grading_round_open(
                    department=request.user.department,
                    year=form.cleaned_data["year"],
                    actor=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Grading round opened."))
                return redirect("customers:round", pk=grading.pk)
    return render(
        request,
        "customers/rounds.html",
        {
            "rounds": selectors.rounds_visible(request.user),
            "form": form,
            "is_supervisor": permissions.is_supervisor(request.user),
            "policy": services.current_policy(),
        },
    )


@login_required
def round_detail(request, pk):
    grading = get_object_or_404(selectors.rounds_visible(request.user), pk=pk)
    policy = services.current_policy()
    customers = (
        selectors.customers_visible(request.user)
        .active()
        .filter(subtree_q("department", grading.department))
        .select_related("account_manager")
        .order_by("account_manager_id", "name")
    )
    proposals = {p.customer_id: p for p in grading.proposals.select_related("proposed_by")}
    page = Paginator(customers, 100).get_page(request.GET.get("page"))
    rows = [{"customer": c, "proposal": proposals.get(c.pk)} for c in page.object_list]
    return render(
        request,
        "customers/round_detail.html",
        {
            "round": grading,
            "rows": rows,
            "page": page,
            "policy": policy,
            "open": grading.status == RoundStatus.OPEN,
            "in_window": grading.window_start <= timezone.localdate() <= grading.window_end,
            "proposed": len(proposals),
            "is_supervisor": permissions.is_supervisor(request.user),
            "close_form": forms.RoundCloseForm(initial={"meeting_on": timezone.localdate()}),
        },
    )


@login_required
def round_propose(request, pk, customer_pk):
    grading = get_object_or_404(selectors.rounds_visible(request.user), pk=pk)
    customer = get_object_or_404(selectors.customers_visible(request.user), pk=customer_pk)
    policy = services.current_policy()
    form = forms.ProposalForm(
        request.POST or None,
        policy=policy,
        initial={
            "grade": customer.grade,
            "service_tier": customer.service_tier,
            "credit_rating": customer.credit_rating,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.grade_propose(
                grading_round=grading, customer=customer, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {"customer": "grade"})
        else:
            messages.success(request, _("Preliminary grade saved."))
            return redirect("customers:round", pk=grading.pk)
    return render(
        request,
        "customers/simple_form.html",
        {"form": form, "customer": customer, "title": _("Preliminary grade")},
    )


@login_required
@require_POST
def round_close(request, pk):
    _require_supervisor(request.user)
    grading = get_object_or_404(selectors.rounds_visible(request.user), pk=pk)
    form = forms.RoundCloseForm(request.POST)
    if form.is_valid():
        try:
            graded = services.grading_round_close(
                grading_round=grading,
                actor=request.user,
                meeting_on=form.cleaned_data["meeting_on"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Round closed: %(count)d customers graded.") % {"count": graded}
            )
    else:
        messages.error(request, _("Give the date of the review meeting."))
    return redirect("customers:round", pk=grading.pk)


# ---------------------------------------------------------------------------- visits


@login_required
def visit_plan_create(request, pk):
    customer = _editable(request, pk)
    form = forms.VisitPlanForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_plan_submit(customer=customer, manager=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Visit plan submitted for approval."))
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/simple_form.html",
        {"form": form, "customer": customer, "title": _("Visit request form")},
    )


@login_required
@require_POST
def visit_plan_decide(request, plan_pk):
    plan = get_object_or_404(selectors.visit_plans_visible(request.user), pk=plan_pk)
    form = forms.VisitDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.visit_plan_decide(
                plan=plan,
                actor=request.user,
                approve=form.cleaned_data["approve"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Decision recorded."))
    return redirect(request.POST.get("next") or "customers:visits")


@login_required
def visit_record_create(request, pk):
    customer = _editable(request, pk)
    plan = None
    if request.GET.get("plan"):
        plan = get_object_or_404(VisitPlan, pk=request.GET["plan"], customer=customer)
    initial = {"visited_at": timezone.localtime(), "contact": plan.contact_id if plan else None}
    form = forms.VisitRecordForm(request.POST or None, customer=customer, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_record_create(
                customer=customer, manager=request.user, plan=plan, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {"plan": None})
        else:
            messages.success(request, _("Visit recorded."))
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/simple_form.html",
        {"form": form, "customer": customer, "title": _("Visit record"), "plan": plan},
    )


@login_required
def visits(request):
    """My visit plans, records and trips, and the plans waiting for my approval."""
    user = request.user
    plans = selectors.visit_plans_visible(user)
    return render(
        request,
        "customers/visits.html",
        {
            "my_plans": plans.filter(manager=user).exclude(status=VisitStatus.DONE)[:50],
            "to_approve": plans.filter(status=VisitStatus.SUBMITTED).exclude(manager=user)
            if permissions.is_supervisor(user)
            else [],
            "records": selectors.visit_records_visible(user).filter(manager=user)[:30],
            "trips": selectors.trip_logs_visible(user).filter(manager=user)[:30],
        },
    )


@login_required
def trip_create(request):
    form = forms.TripForm(request.POST or None, initial={"trip_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        code = data.pop("customer_code").strip().upper()
        customer = None
        if code:
            customer = selectors.customers_visible(request.user).filter(code=code).first()
            if customer is None:
                form.add_error(
                    "customer_code",
                    ValidationError(
                        _("No customer of yours has this number."), code="unknown_customer"
                    ),
                )
        if not form.errors:
            try:
                services.trip_log_create(manager=request.user, customer=customer, **data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Trip logged."))
                return redirect("customers:visits")
    return render(
        request,
        "customers/simple_form.html",
        {"form": form, "customer": None, "title": _("Trip log")},
    )


@login_required
def weekly_summary(request):
    today = timezone.localdate()
    monday = rules.week_start(_date_param(request, "week") or today)
    summary = WeeklySummary.objects.filter(manager=request.user, week_start=monday).first()
    initial = {}
    if summary:
        initial = {f: getattr(summary, f) for f in forms.WeeklySummaryForm.base_fields}
    else:
        initial["reported_visits"] = (
            selectors.visit_records_visible(request.user)
            .filter(manager=request.user, visited_at__date__range=(monday, monday + timedelta(6)))
            .count()
        )
    form = forms.WeeklySummaryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        summary = services.weekly_summary_submit(
            manager=request.user, week_start=monday, **form.cleaned_data
        )
        if summary.is_late(timezone.now()):
            messages.warning(request, _("Summary submitted after the deadline."))
        else:
            messages.success(request, _("Summary submitted."))
        return redirect("customers:visits")
    due = services.summary_due(monday, services.current_policy())
    return render(
        request,
        "customers/summary_form.html",
        {"form": form, "monday": monday, "due": due, "summary": summary},
    )


def _date_param(request, name) -> date | None:
    """The date in the query string, or ``None`` (the page's default) when it is no date
    or lies outside the years kefu computes in."""
    from kefu.core.dates import in_span

    try:
        value = date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None
    return value if in_span(value) else None


@login_required
def summaries(request):
    """The supervisor's consolidated weekly view (每周工作进度汇总)."""
    monday = rules.week_start(_date_param(request, "week") or timezone.localdate())
    rows = selectors.weekly_consolidation(request.user, monday)
    if request.GET.get("export") == "xlsx":
        from kefu.core.excel import xlsx_response

        return xlsx_response(
            _("weekly summaries") + f"-{monday}.xlsx",
            _("Weekly summaries"),
            [
                _("Account manager"),
                _("Submitted"),
                _("Late"),
                _("Visits reported"),
                _("Visit records"),
                _("Trip logs"),
                _("Customers' proactive needs"),
                _("Service problems"),
                _("Conclusions and suggestions"),
                _("Discrepancies"),
            ],
            (
                (
                    row.manager.display_name,
                    row.summary.submitted_at if row.summary else "",
                    _("Yes") if row.late else _("No"),
                    row.summary.reported_visits if row.summary else "",
                    row.visits,
                    row.trips,
                    row.summary.customer_needs if row.summary else "",
                    row.summary.service_problems if row.summary else "",
                    row.summary.conclusions if row.summary else "",
                    len(row.discrepancies),
                )
                for row in rows
            ),
        )
    return render(
        request,
        "customers/summaries.html",
        {
            "rows": rows,
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "due": services.summary_due(monday, services.current_policy()),
        },
    )


# ---------------------------------------------------------------------------- import / export


@login_required
def import_page(request):
    if not permissions.can_import(request.user):
        raise PermissionDenied(_("Only supervisors and administrators import customers."))
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with transaction.atomic():
            job = ImportJob(
                created_by=request.user,
                created_at=timezone.now(),
                original_name=upload.name[:200],
                mode=form.cleaned_data["mode"],
            )
            job.file.save(
                f"import-{timezone.now():%Y%m%d%H%M%S}.xlsx", ContentFile(upload.read()), save=False
            )
            job.save()
            transaction.on_commit(lambda: import_customers_task(job.pk))
        return redirect("customers:import_job", pk=job.pk)
    jobs = ImportJob.objects.filter(created_by=request.user)[:10]
    return render(request, "customers/import.html", {"form": form, "jobs": jobs})


def _job_for(request, pk) -> ImportJob:
    if not permissions.can_import(request.user):
        raise PermissionDenied
    return get_object_or_404(ImportJob, pk=pk, created_by=request.user)


@login_required
def import_job(request, pk):
    job = _job_for(request, pk)
    context = {"job": job}
    if request.htmx:
        return render(request, "customers/import_job.html#progress", context)
    return render(request, "customers/import_job.html", context)


@login_required
def import_errors(request, pk):
    job = _job_for(request, pk)
    if not job.error_file:
        raise Http404
    with job.error_file.open("rb") as handle:
        return _xlsx(_("import errors") + f"-{job.pk}.xlsx", handle.read())


@login_required
def import_template(request):
    return _xlsx(
        _("customer import template") + ".xlsx",
        importing.template_bytes(services.current_policy()),
    )
