"""Pages for SLA policies (时限策略), time-limit compliance and delay notices; the working
calendars' pages are ``kefu.calendars.views``.

Everyone logged in may read them; only administrators may change them (403 otherwise,
decided here, not only in the templates).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from kefu.core.excel import xlsx_response
from kefu.core.forms import add_service_errors
from kefu.sla import selectors, services
from kefu.sla.forms import ExplainForm, PresetLoadForm, SlaMilestoneForm, SlaPolicyForm
from kefu.sla.models import SlaMilestone, SlaPolicy
from kefu.sla.permissions import can_manage_sla
from kefu.sla.presets import PRESETS


def _require_manager(user) -> None:
    if not can_manage_sla(user):
        raise PermissionDenied(_("Only administrators can change calendars and time limits."))


# ---------------------------------------------------------------------------- policies


@login_required
def policy_list(request):
    return render(
        request,
        "sla/policy_list.html",
        {
            "policies": selectors.policies_list(),
            "can_manage": can_manage_sla(request.user),
            "preset_form": PresetLoadForm() if can_manage_sla(request.user) else None,
            "presets": PRESETS,
            "condition_names": selectors.condition_names(),
        },
    )


@login_required
def policy_detail(request, pk):
    policy = get_object_or_404(selectors.policies_list(), pk=pk)
    return render(
        request,
        "sla/policy_detail.html",
        {
            "policy": policy,
            "can_manage": can_manage_sla(request.user),
            "history": selectors.policy_history(policy),
            "condition_names": selectors.condition_names(),
        },
    )


@login_required
def policy_create(request):
    _require_manager(request.user)
    form = SlaPolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.sla_policy_create(**form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Policy “%(name)s” created.") % {"name": policy.name})
            return redirect("sla:policy_detail", pk=policy.pk)
    return render(request, "sla/policy_form.html", {"form": form, "policy": None})


@login_required
def policy_edit(request, pk):
    _require_manager(request.user)
    policy = get_object_or_404(SlaPolicy, pk=pk)
    form = SlaPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services.sla_policy_update(policy=policy, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("sla:policy_detail", pk=policy.pk)
    policy.refresh_from_db()
    return render(request, "sla/policy_form.html", {"form": form, "policy": policy})


@login_required
def policy_explain(request):
    """Which policy applies to an order of this category, channel, grade, tier, type and
    priority, and why: the policies checked before it and what ruled each out, and the
    milestones it would get now. A POST from a policy's form (试算) tries the policy as
    entered, before it is saved, in place of its stored version."""
    data = request.POST if request.method == "POST" else request.GET
    facts_form = ExplainForm(data if any(f in data for f in ExplainForm.FIELDS) else None)
    draft = draft_form = draft_of = None
    draft_active = True
    if request.method == "POST":
        _require_manager(request.user)
        pk = request.POST.get("draft_of", "")
        draft_of = get_object_or_404(SlaPolicy, pk=pk) if pk.isdigit() else None
        draft_form = SlaPolicyForm(request.POST, instance=draft_of)
        draft_form.is_valid()
        values = draft_form.draft()
        draft = selectors.draft_policy(values, policy=draft_of)
        draft_active = bool(values.get("is_active", False))
    explanation = None
    if facts_form.is_bound and facts_form.is_valid():
        facts, category_policy = selectors.facts_from_choices(
            **{name: facts_form.cleaned_data[name] for name in ExplainForm.FIELDS}
        )
        explanation = selectors.explain_policy(
            facts,
            accepted_at=timezone.now(),
            category_policy_code=category_policy,
            draft=draft,
            draft_active=draft_active,
        )
    draft_fields = []
    if draft_form is not None:
        skip = {"csrfmiddlewaretoken", *ExplainForm.FIELDS}
        draft_fields = [
            (name, value)
            for name in request.POST
            if name not in skip
            for value in request.POST.getlist(name)
        ]
    return render(
        request,
        "sla/policy_explain.html",
        {
            "form": facts_form,
            "result": None if explanation is None else selectors.explanation_data(explanation),
            "draft": draft,
            "draft_active": draft_active,
            "draft_of": draft_of,
            "draft_form": draft_form,
            "draft_fields": draft_fields,
            "condition_names": selectors.condition_names(),
            "condition_titles": selectors.CONDITION_TITLES,
        },
    )


@login_required
@require_POST
def preset_load(request):
    _require_manager(request.user)
    form = PresetLoadForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an industry."))
        return redirect("sla:policy_list")
    industry = form.cleaned_data["industry"]
    counts = services.sla_preset_load(industry=industry)
    messages.success(
        request,
        _(
            "Preset “%(name)s” loaded: %(created)d policies created, %(updated)d updated. "
            "Check and edit them below."
        )
        % {
            "name": PRESETS[industry].name,
            "created": counts["policies_created"],
            "updated": counts["policies_updated"],
        },
    )
    return redirect("sla:policy_list")


@login_required
def milestone_create(request, pk):
    _require_manager(request.user)
    policy = get_object_or_404(SlaPolicy, pk=pk)
    form = SlaMilestoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sla_milestone_create(policy=policy, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Milestone added."))
            return redirect("sla:policy_detail", pk=policy.pk)
    return render(
        request, "sla/milestone_form.html", {"form": form, "policy": policy, "milestone": None}
    )


@login_required
def milestone_edit(request, pk):
    _require_manager(request.user)
    milestone = get_object_or_404(SlaMilestone.objects.select_related("policy"), pk=pk)
    form = SlaMilestoneForm(request.POST or None, instance=milestone)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if data.get("position") is None:
            data.pop("position")
        try:
            services.sla_milestone_update(milestone=milestone, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("sla:policy_detail", pk=milestone.policy_id)
    return render(
        request,
        "sla/milestone_form.html",
        {"form": form, "policy": milestone.policy, "milestone": milestone},
    )


@login_required
@require_POST
def milestone_delete(request, pk):
    _require_manager(request.user)
    milestone = get_object_or_404(SlaMilestone, pk=pk)
    policy_id = milestone.policy_id
    try:
        services.sla_milestone_delete(milestone=milestone)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Milestone removed."))
    return redirect("sla:policy_detail", pk=policy_id)


# ---------------------------------------------------------------------------- work orders


def _visible_ticket(user, pk: int):
    from kefu.tickets.selectors import tickets_visible

    ticket = tickets_visible(user).select_related("department", "owner").filter(pk=pk).first()
    if ticket is None:
        raise Http404
    return ticket


@login_required
@require_POST
def deadline_reached(request, pk: int, position: int):
    """The handling department records that a milestone (arrival, opinion …) was reached."""
    from kefu.sla import engine
    from kefu.sla.forms import MilestoneReachedForm

    ticket = _visible_ticket(request.user, pk)
    form = MilestoneReachedForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}：{error}")
        return redirect("tickets:detail", ticket.pk)
    try:
        engine.deadline_record_reached(
            ticket=ticket,
            position=position,
            actor=request.user,
            at=form.cleaned_data["at"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        labels = {name: field.label for name, field in form.fields.items()}
        for field, errors in exc.message_dict.items():
            for message in errors:
                label = labels.get(field)
                messages.error(request, f"{label}：{message}" if label else message)
    else:
        messages.success(request, _("Milestone recorded."))
    return redirect("tickets:detail", ticket.pk)


@login_required
@require_POST
def investigation_answer(request, pk: int, position: int):
    """The handling department answers the overdue investigation (查办单)."""
    from kefu.sla import engine
    from kefu.sla.models import OverdueInvestigation

    ticket = _visible_ticket(request.user, pk)
    investigation = get_object_or_404(
        OverdueInvestigation, ticket=ticket, deadline__position=position
    )
    try:
        engine.investigation_answer(
            investigation=investigation,
            actor=request.user,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Overdue investigation answered."))
    return redirect("tickets:detail", ticket.pk)


@login_required
@require_POST
def delay_notice_record(request, pk: int, position: int):
    """The first responder records what the customer was told about the delay."""
    from kefu.sla import engine
    from kefu.sla.forms import DelayNoticeForm
    from kefu.sla.models import DelayNotice

    ticket = _visible_ticket(request.user, pk)
    notice = get_object_or_404(DelayNotice, ticket=ticket, deadline__position=position)
    form = DelayNoticeForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}：{error}" if label else error)
        return redirect("tickets:detail", ticket.pk)
    try:
        engine.delay_notice_record(
            notice=notice,
            actor=request.user,
            channel=form.cleaned_data["channel"],
            reason=form.cleaned_data["reason"],
            expected_at=form.cleaned_data["expected_at"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Delay notice recorded; the customer sees it in the progress."))
    return redirect("tickets:detail", ticket.pk)


# ---------------------------------------------------------------------------- compliance

COMPLIANCE_HEADERS = (
    pgettext_lazy("compliance", "Department"),
    pgettext_lazy("compliance", "Category"),
    pgettext_lazy("compliance", "Milestones due"),
    pgettext_lazy("compliance", "Met on time"),
    pgettext_lazy("compliance", "On-time rate (%)"),
    pgettext_lazy("compliance", "Resolved"),
    pgettext_lazy("compliance", "Resolved on time"),
    pgettext_lazy("compliance", "On-time resolution rate (%)"),
    pgettext_lazy("compliance", "First contacts"),
    pgettext_lazy("compliance", "First contact on time"),
    pgettext_lazy("compliance", "First contact on-time rate (%)"),
    pgettext_lazy("compliance", "Overdue"),
    pgettext_lazy("compliance", "Hours overdue"),
    pgettext_lazy("compliance", "Average hours overdue"),
)


def compliance_values(row) -> list:
    return [
        row.department or ("" if row.category else pgettext("compliance", "Total")),
        row.category,
        row.due,
        row.due_on_time,
        row.on_time_rate,
        row.resolved,
        row.resolved_on_time,
        row.resolution_on_time_rate,
        row.first_contact,
        row.first_contact_on_time,
        row.first_contact_rate,
        row.overdue,
        row.overdue_hours,
        row.overdue_hours_average,
    ]


@login_required
def compliance(request):
    """按时办结率, first contact on time, overdue count and duration per department /
    category for a month, over the orders the user may see; Excel export."""
    from kefu.sla.rules import parse_month

    now = timezone.now()
    this_month = timezone.localdate(now).replace(day=1)
    month_text = request.GET.get("month") or this_month.strftime("%Y-%m")
    try:
        month = parse_month(month_text)
    except ValueError as exc:
        messages.error(request, f"{pgettext('compliance', 'Month')}：{exc}")
        month = this_month
    group_by = request.GET.get("by", "department")
    if group_by not in selectors.COMPLIANCE_GROUPS:
        group_by = "department"
    rows = selectors.compliance(request.user, month=month, group_by=group_by, now=now)
    if request.GET.get("export") == "xlsx":
        title = f"{_('Time-limit compliance')} {month:%Y-%m}"
        return xlsx_response(
            f"{title}.xlsx",
            title,
            [str(h) for h in COMPLIANCE_HEADERS],
            [compliance_values(r) for r in rows],
        )
    return render(
        request,
        "sla/compliance.html",
        {
            "rows": rows,
            "month": month,
            "group_by": group_by,
            "groups": [
                ("department", _("By department")),
                ("category", _("By category")),
                ("department_category", _("By department and category")),
            ],
        },
    )


@login_required
def investigations(request):
    """The investigation notices (查办单) the user's department still has to answer."""
    items = list(selectors.investigations_open(request.user))
    return render(request, "sla/investigations.html", {"investigations": items})


@login_required
@require_POST
def investigation_reply(request, pk: int):
    """Answer an investigation notice from the department's list (the late department may
    no longer see the order, which another department closed)."""
    from kefu.sla import engine

    investigation = get_object_or_404(selectors.investigations_open(request.user), pk=pk)
    try:
        engine.investigation_answer(
            investigation=investigation,
            actor=request.user,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Overdue investigation answered."))
    return redirect("sla:investigations")


@login_required
def delay_notices(request):
    """The delay notices the user still has to give customers (first responder)."""
    notices = list(selectors.delay_notices_open(request.user))
    return render(request, "sla/delay_notices.html", {"notices": notices})
