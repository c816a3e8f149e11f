import base64
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kefu.core.excel import xlsx_response
from kefu.core.forms import add_service_errors
from kefu.core.templatetags import charts as chart_tags
from kefu.customers.selectors import customer_lookup, customers_findable
from kefu.followups import rules, selectors
from kefu.followups.forms import (
    AttemptForm,
    CloseForm,
    LinkForm,
    NewYearAudienceForm,
    PlanForm,
    PlannedDoneForm,
    QuestionForm,
    QuestionnaireForm,
    ReportForm,
    ResultForm,
    SettingsForm,
    SpotCheckForm,
)
from kefu.followups.models import (
    PlanRule,
    Questionnaire,
    ReturnVisit,
    SpotCheck,
    VisitChannel,
    VisitKind,
    VisitStatus,
)
from kefu.followups.permissions import (
    may_close_dissatisfied,
    may_configure,
    may_plan,
    may_record,
    may_supervise,
    may_survey_by_phone,
)
from kefu.followups.rules import Verdict
from kefu.followups.services.campaigns import campaign_answer_by_phone, campaign_questionnaires
from kefu.followups.services.common import settings_get
from kefu.followups.services.plans import new_year_audience_set, plan_create, planned_visit_done
from kefu.followups.services.questionnaires import question_add
from kefu.followups.services.reopening import return_visit_close_dissatisfied
from kefu.followups.services.results import return_visit_attempt, return_visit_record
from kefu.followups.services.spot_checks import spot_check_draw
from kefu.followups.services.survey_links import survey_link_open, survey_link_send
from kefu.followups.services.surveys import survey_answer

PAGE_SIZE = 30
EXPORT_LIMIT = 50_000


def _labels():
    return {
        "mine": _("My visits due"),
        "team": _("All to visit"),
        "overdue": _("Overdue"),
        "done": _("Finished"),
        "all": _("All in my scope"),
    }


def _visit_or_404(user, pk) -> ReturnVisit:
    try:
        return selectors.visit_for_user(user, pk)
    except ReturnVisit.DoesNotExist:
        raise Http404 from None


# ---------------------------------------------------------------- keyset pages


def _cursor(visit: ReturnVisit, field: str) -> str:
    value = getattr(visit, field)
    raw = [value.isoformat() if value else "", visit.pk]
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


def _page(qs, *, after: str, descending: bool):
    field = "completed_at" if descending else "due_at"
    if after:
        try:
            value, pk = json.loads(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)))
            at = parse_datetime(value) if value else None
            pk = int(pk)
        except (ValueError, TypeError):
            at, pk = None, None
        if pk is not None and at is not None:
            if descending:
                qs = qs.filter(Q(**{f"{field}__lt": at}) | Q(**{field: at, "id__lt": pk}))
            else:
                qs = qs.filter(Q(**{f"{field}__gt": at}) | Q(**{field: at, "id__gt": pk}))
    rows = list(qs[: PAGE_SIZE + 1])
    next_cursor = _cursor(rows[PAGE_SIZE - 1], field) if len(rows) > PAGE_SIZE else ""
    return rows[:PAGE_SIZE], next_cursor


# ---------------------------------------------------------------- return visits


@login_required
def queue(request):
    labels = _labels()
    name = request.GET.get("queue", "mine")
    if name not in labels:
        raise Http404
    now = timezone.now()
    text = request.GET.get("text", "")
    qs = selectors.visit_queue(request.user, name, now=now, text=text)
    if request.GET.get("export") == "xlsx":
        return _export(qs, str(labels[name]))
    rows, next_cursor = _page(qs, after=request.GET.get("after", ""), descending=name == "done")
    for row in rows:
        row.overdue = row.is_overdue(now)
    query = request.GET.copy()
    query.pop("after", None)
    query.pop("export", None)
    context = {
        "queue_name": name,
        "queues": labels,
        "queue_label": labels[name],
        "rows": rows,
        "text": text,
        "next_cursor": next_cursor,
        "query_string": query.urlencode(),
        "first_page": not request.GET.get("after"),
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "followups/queue.html#results", context)
    return render(request, "followups/queue.html", context)


def _export(qs, label: str):
    headers = [
        _("Order number"),
        _("Round"),
        _("Kind"),
        _("Status"),
        _("Category"),
        _("Handling department"),
        _("Handler"),
        _("Visitor"),
        _("Visit due"),
        _("Attempts"),
        _("Satisfaction"),
        _("Verdict"),
        _("Customer's words"),
        _("Completed at"),
        _("Justification"),
    ]
    rows = (
        (
            v.ticket.number,
            v.round,
            v.get_kind_display(),
            v.get_status_display(),
            v.category.name,
            v.department.name if v.department else "",
            str(v.handler or ""),
            str(v.assignee or ""),
            v.due_at,
            v.attempts_count,
            v.get_satisfaction_display() if v.satisfaction else "",
            v.get_verdict_display() if v.verdict else "",
            v.customer_words,
            v.completed_at,
            v.justification,
        )
        for v in qs[:EXPORT_LIMIT]
    )
    return xlsx_response(f"{_('return visits')}-{label}.xlsx", _("Return visits"), headers, rows)


@login_required
def detail(request, pk):
    visit = _visit_or_404(request.user, pk)
    ticket = visit.ticket
    rounds = (
        ReturnVisit.objects.filter(ticket=ticket)
        .exclude(pk=visit.pk)
        .select_related("completed_by")
        .prefetch_related("reasons")
        .order_by("created_at", "id")
    )
    unhappy_before = ReturnVisit.objects.filter(
        ticket=ticket, kind=VisitKind.AFTER_TICKET, verdict=Verdict.DISSATISFIED
    ).exists()
    pending = visit.status == VisitStatus.PENDING
    emails = selectors.visit_emails(visit)
    return render(
        request,
        "followups/detail.html",
        {
            "visit": visit,
            "ticket": ticket,
            "attempts": visit.attempts.select_related("actor"),
            "rounds": rounds,
            "links": visit.links.select_related("questionnaire").prefetch_related("response"),
            "can_record": pending and may_record(request.user, visit),
            "can_close": pending
            and unhappy_before
            and visit.kind == VisitKind.AFTER_TICKET
            and may_close_dissatisfied(request.user, visit),
            "attempt_form": AttemptForm(),
            "result_form": kwargs_form(request, ResultForm),
            "close_form": CloseForm(),
            "link_form": LinkForm(initial={"email": emails[0][0] if emails else ""}),
            "emails": emails,
            "survey_emails": selectors.survey_emails_of(ticket),
            "overdue": visit.is_overdue(timezone.now()),
        },
    )


def kwargs_form(request, form_class):
    return form_class(initial={"reached": "yes"})


@login_required
@require_POST
def attempt(request, pk):
    visit = _visit_or_404(request.user, pk)
    form = AttemptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the outcome of the call."))
        return redirect("followups:detail", pk=visit.pk)
    try:
        visit = return_visit_attempt(
            visit=visit,
            actor=request.user,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )
    except PermissionDenied as exc:
        raise PermissionDenied(str(exc)) from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if visit.status == VisitStatus.UNREACHABLE:
            messages.warning(
                request,
                _("Unreachable after %(n)d attempts: the order is closed.")
                % {"n": visit.attempts_count},
            )
        else:
            messages.success(
                request,
                _("Attempt logged. Next attempt: %(at)s")
                % {"at": timezone.localtime(visit.next_attempt_at).strftime("%m-%d %H:%M")},
            )
    return redirect("followups:detail", pk=visit.pk)


@login_required
@require_POST
def record(request, pk):
    visit = _visit_or_404(request.user, pk)
    form = ResultForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            visit = return_visit_record(
                visit=visit,
                actor=request.user,
                reached=form.yes_no(d["reached"]),
                resolved=form.yes_no(d["resolved"]),
                satisfaction=d["satisfaction"],
                customer_words=d["customer_words"],
                reasons=list(d["reasons"]),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if visit.verdict == Verdict.DISSATISFIED and visit.kind == VisitKind.AFTER_TICKET:
                messages.warning(
                    request,
                    _("Not satisfied: order %(number)s is reopened to its department.")
                    % {"number": visit.ticket.number},
                )
            else:
                messages.success(request, _("Return visit recorded."))
            if visit.note:
                messages.warning(request, visit.note)
            return redirect("followups:detail", pk=visit.pk)
    for error in [*form.non_field_errors(), *(e for f in form for e in f.errors)]:
        messages.error(request, error)
    return redirect("followups:detail", pk=visit.pk)


@login_required
@require_POST
def send_link(request, pk):
    visit = _visit_or_404(request.user, pk)
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Send the survey link by SMS or by email."))
        return redirect("followups:detail", pk=visit.pk)
    channel = form.cleaned_data["channel"]
    try:
        link = survey_link_send(
            visit=visit,
            actor=request.user,
            base_url=request.build_absolute_uri("/"),
            channel=channel,
            email=form.cleaned_data["email"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if channel == VisitChannel.EMAIL_LINK:
            messages.success(
                request,
                _("The survey link was sent by email to %(email)s.") % {"email": link.email},
            )
        else:
            messages.success(request, _("The survey link was sent by SMS."))
    return redirect("followups:detail", pk=visit.pk)


@login_required
@require_POST
def close_dissatisfied(request, pk):
    visit = _visit_or_404(request.user, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a justification."))
        return redirect("followups:detail", pk=visit.pk)
    try:
        return_visit_close_dissatisfied(
            visit=visit, actor=request.user, justification=form.cleaned_data["justification"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The order is closed although the customer is not satisfied."))
    return redirect("followups:detail", pk=visit.pk)


# ---------------------------------------------------------------- report


@login_required
def report(request):
    if not may_supervise(request.user):
        raise PermissionDenied
    form = ReportForm(request.GET or None)
    group, start, end = "department", None, None
    if form.is_bound and form.is_valid():
        group = form.cleaned_data["group"]
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = selectors.satisfaction_figures(request.user, group=group, start=start, end=end)
    total = selectors.figures_total(rows)
    if request.GET.get("export") == "xlsx":
        headers = [
            _("Group"),
            _("Visits made"),
            _("Reached"),
            _("Satisfied"),
            _("Satisfaction rate (%)"),
            _("Respondent rate (%)"),
            _("Unreachable rate (%)"),
            _("Re-handling rate (%)"),
            _("NPS"),
            _("Closed although not satisfied"),
        ]
        data = (
            (
                r.key,
                r.visits,
                r.reached,
                r.satisfied,
                r.satisfaction_rate,
                r.respondent_rate,
                r.unreachable_rate,
                r.rehandle_rate,
                r.nps,
                r.closed_dissatisfied,
            )
            for r in [*rows, total]
        )
        return xlsx_response(f"{_('satisfaction')}.xlsx", _("Satisfaction"), headers, data)
    query = request.GET.copy()
    query.pop("export", None)
    charts = {}
    if chart_tags.echarts_installed():
        for name in ("department", "month"):
            charts[name] = (
                rows
                if name == group
                else selectors.satisfaction_figures(request.user, group=name, start=start, end=end)
            )
    return render(
        request,
        "followups/report.html",
        {
            "form": form,
            "rows": rows,
            "charts": charts,
            "total": total,
            "reasons": selectors.dissatisfaction_reasons(request.user, start=start, end=end),
            "closed": selectors.closed_dissatisfied(request.user, start=start, end=end)[:100],
            "query_string": query.urlencode(),
        },
    )


# ---------------------------------------------------------------- spot checks


@login_required
def spot_checks(request):
    if not may_supervise(request.user):
        raise PermissionDenied
    config = settings_get()
    form = SpotCheckForm(
        request.POST or None,
        initial={"percent": config.spot_check_percent, "week_of": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            check = spot_check_draw(
                actor=request.user,
                week_of=form.cleaned_data["week_of"],
                percent=form.cleaned_data["percent"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(n)d of %(total)d closed orders drawn (seed %(seed)d).")
                % {"n": check.sampled, "total": check.population, "seed": check.seed},
            )
            return redirect("followups:spot_checks")
    checks = SpotCheck.objects.select_related("created_by").prefetch_related("visits__ticket")[:50]
    return render(request, "followups/spot_checks.html", {"form": form, "checks": checks})


# ---------------------------------------------------------------- planned visits


def _planned_labels():
    return {
        "mine": _("My planned visits"),
        "overdue": _("Missed"),
        "upcoming": _("All planned"),
        "done": _("Visit made"),
    }


@login_required
def planned(request):
    labels = _planned_labels()
    name = request.GET.get("list", "mine")
    if name not in labels:
        raise Http404
    today = timezone.localdate()
    qs = selectors.planned_list(request.user, name, today=today)
    if request.GET.get("export") == "xlsx":
        headers = [
            _("Customer"),
            _("Subject"),
            _("Rule"),
            _("Due on"),
            _("Visitor"),
            _("Status"),
            _("Overdue"),
            _("What the customer said"),
        ]
        data = (
            (
                p.customer.name,
                p.title,
                p.rule.name,
                p.due_on,
                str(p.assignee or ""),
                p.get_status_display(),
                _("Yes") if p.is_overdue(today) else "",
                p.note,
            )
            for p in qs[:EXPORT_LIMIT]
        )
        return xlsx_response(f"{_('planned visits')}.xlsx", _("Planned visits"), headers, data)
    rows = list(qs[:200])
    for row in rows:
        row.overdue = row.is_overdue(today)
    query = request.GET.copy()
    query.pop("export", None)
    return render(
        request,
        "followups/planned.html",
        {
            "lists": labels,
            "list_name": name,
            "rows": rows,
            "done_form": PlannedDoneForm(),
            "query_string": query.urlencode(),
        },
    )


@login_required
@require_POST
def planned_done(request, pk):
    visit = get_object_or_404(selectors.planned_visible(request.user), pk=pk)
    form = PlannedDoneForm(request.POST)
    if form.is_valid():
        try:
            planned_visit_done(
                visit=visit,
                actor=request.user,
                note=form.cleaned_data["note"],
                satisfaction=form.cleaned_data["satisfaction"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Planned visit recorded."))
    else:
        messages.error(request, _("Write down what the customer said."))
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("followups:planned")


@login_required
def plan_new(request, customer_id):
    from kefu.customers.selectors import customers_visible

    customer = get_object_or_404(customers_visible(request.user), pk=customer_id)
    if not may_plan(request.user):
        raise PermissionDenied
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan_create(
                customer=customer,
                name=form.cleaned_data["name"],
                delivered_on=form.cleaned_data["delivered_on"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Return-visit file opened and its visits planned."))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "followups/plan_form.html", {"form": form, "customer": customer})


# ---------------------------------------------------------------- questionnaires and settings


def _configure_only(user):
    if not may_configure(user):
        raise PermissionDenied


@login_required
def questionnaires(request):
    _configure_only(request.user)
    form = QuestionnaireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        questionnaire = form.save()
        return redirect("followups:questionnaire", pk=questionnaire.pk)
    return render(
        request,
        "followups/questionnaires.html",
        {"form": form, "questionnaires": Questionnaire.objects.prefetch_related("questions")},
    )


@login_required
def questionnaire(request, pk):
    _configure_only(request.user)
    item = get_object_or_404(Questionnaire, pk=pk)
    edit = QuestionnaireForm(
        request.POST if request.POST.get("form") == "edit" else None, instance=item
    )
    add = QuestionForm(request.POST if request.POST.get("form") == "add" else None)
    if request.method == "POST":
        if edit.is_bound and edit.is_valid():
            edit.save()
            messages.success(request, _("Saved."))
            return redirect("followups:questionnaire", pk=item.pk)
        if add.is_bound and add.is_valid():
            d = add.cleaned_data
            try:
                question_add(
                    questionnaire=item,
                    kind=d["kind"],
                    text=d["text"],
                    choices=d["choices"].splitlines(),
                    required=d["required"],
                    feeds=d["feeds"],
                )
            except ValidationError as exc:
                add_service_errors(add, exc)
            else:
                messages.success(request, _("Question added."))
                return redirect("followups:questionnaire", pk=item.pk)
    return render(
        request,
        "followups/questionnaire.html",
        {"item": item, "edit": edit, "add": add, "questions": item.questions.all()},
    )


@login_required
def settings_edit(request):
    _configure_only(request.user)
    form = SettingsForm(request.POST or None, instance=settings_get())
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("followups:settings")
    return _settings_page(request, form=form)


def _audience_forms(bound=None) -> list[tuple]:
    """One audience form per New Year rule, with how many customers it reaches now."""
    from kefu.customers.services.policy import current_policy

    grades = current_policy().grades
    found = []
    for rule in selectors.new_year_rules():
        audience = rules.new_year_audience(rule.params if isinstance(rule.params, dict) else {})
        if bound is not None and bound[0].pk == rule.pk:
            form = bound[1]
        else:
            form = NewYearAudienceForm(
                initial={
                    "grades": list(audience.grades),
                    "new_customers": audience.new_customers,
                    "existing_customers": audience.existing_customers,
                    "tags": "、".join(audience.tags),
                },
                grades=grades,
                prefix=f"rule{rule.pk}",
            )
        found.append((rule, form, selectors.new_year_audience_count(rule, audience)))
    return found


def _settings_page(request, *, form, bound=None, status=200):
    return render(
        request,
        "followups/settings.html",
        {"form": form, "audiences": _audience_forms(bound)},
        status=status,
    )


@login_required
@require_POST
def new_year_audience(request, pk):
    """Set whom the New Year greeting and needs survey reaches (RV-11, NTF-05)."""
    from kefu.customers.services.policy import current_policy

    _configure_only(request.user)
    rule = get_object_or_404(PlanRule, pk=pk, kind=rules.PlanKind.NEW_YEAR)
    form = NewYearAudienceForm(
        request.POST, grades=current_policy().grades, prefix=f"rule{rule.pk}"
    )
    if form.is_valid():
        try:
            new_year_audience_set(rule=rule, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The New Year campaign's audience is saved."))
            return redirect("followups:settings")
    return _settings_page(
        request,
        form=SettingsForm(instance=settings_get()),
        bound=(rule, form),
        status=400,
    )


# ---------------------------------------------------------------- campaign surveys by phone


def _survey_by_phone_only(user):
    if not may_survey_by_phone(user):
        raise PermissionDenied


@login_required
def campaigns(request):
    """The campaign questionnaires staff fill in on the phone with a customer."""
    _survey_by_phone_only(request.user)
    return render(
        request,
        "followups/campaigns.html",
        {"questionnaires": selectors.campaign_list(request.user)},
    )


def _errors_by_field(exc: ValidationError, field: str) -> dict[str, list[ValidationError]]:
    """A service's errors by field, codes kept (*field*: where an error naming none goes)."""
    if hasattr(exc, "error_dict"):
        return dict(exc.error_dict)
    return {field: exc.error_list}


def _messages(errors: dict[str, list[ValidationError]], field: str) -> list[str]:
    return [message for error in errors.get(field, []) for message in error.messages]


@login_required
def campaign_answer(request, pk):
    """Pick a customer (search box), then a contact, and fill the answers while on the
    phone: stored as a survey response with channel phone."""
    _survey_by_phone_only(request.user)
    questionnaire = get_object_or_404(campaign_questionnaires(), pk=pk)
    query = request.GET.get("q", "").strip()
    hits = customer_lookup(request.user, query) if query else []
    customer = None
    raw_customer = request.POST.get("customer") or request.GET.get("customer")
    if raw_customer:
        if not str(raw_customer).isdigit():
            raise Http404
        customer = get_object_or_404(customers_findable(request.user), pk=raw_customer)
    questions = list(questionnaire.questions.all())
    contacts = list(customer.contacts.filter(is_active=True)) if customer else []
    errors, answers, contact_id = {}, {}, ""
    if request.method == "POST":
        if customer is None:
            errors["customer"] = [
                ValidationError(
                    _("Customer: choose the customer you are calling."), code="required"
                )
            ]
        else:
            answers = {f"q{q.pk}": request.POST.get(f"q{q.pk}", "") for q in questions}
            contact_id = request.POST.get("contact", "")
            contact = None
            if contact_id:
                contact = next((c for c in contacts if str(c.pk) == contact_id), None)
            try:
                if contact_id and contact is None:
                    raise ValidationError(
                        {
                            "contact": ValidationError(
                                _("Contact: choose one of this customer's contacts."),
                                code="other_customers_contact",
                            )
                        }
                    )
                campaign_answer_by_phone(
                    questionnaire=questionnaire,
                    customer=customer,
                    contact=contact,
                    answers=answers,
                    actor=request.user,
                )
            except ValidationError as exc:
                errors = _errors_by_field(exc, "")
            else:
                messages.success(
                    request,
                    _("Answers of %(customer)s recorded.") % {"customer": customer.name},
                )
                return redirect("followups:campaign_answer", pk=questionnaire.pk)
        for field in errors:
            if not field.startswith("q"):
                for message in _messages(errors, field):
                    messages.error(request, message)
    for question in questions:
        question.error = " ".join(_messages(errors, f"q{question.pk}"))
        question.answer = answers.get(f"q{question.pk}", "")
    return render(
        request,
        "followups/campaign_answer.html",
        {
            "questionnaire": questionnaire,
            "query": query,
            "hits": hits,
            "customer": customer,
            "contacts": contacts,
            "contact_id": contact_id,
            "questions": questions,
            "recent": selectors.campaign_answers(request.user, questionnaire)[:20],
        },
        status=400 if errors else 200,
    )


# ---------------------------------------------------------------- the public survey page


@never_cache
def survey(request, token):
    """The customer's page behind the SMS link: no login, one answer, then thanks."""
    try:
        link = survey_link_open(token)
    except ValidationError as exc:
        return render(
            request, "followups/survey_closed.html", {"message": " ".join(exc.messages)}, status=410
        )
    questions = list(link.questionnaire.questions.all())
    errors = {}
    answers = {}
    if request.method == "POST":
        answers = {f"q{q.pk}": request.POST.get(f"q{q.pk}", "") for q in questions}
        try:
            survey_answer(token=token, answers=answers)
        except ValidationError as exc:
            errors = _errors_by_field(exc, "token")
            if "token" in errors:
                return render(
                    request,
                    "followups/survey_closed.html",
                    {"message": " ".join(_messages(errors, "token"))},
                    status=410,
                )
        else:
            return render(request, "followups/survey_closed.html", {"thanks": True})
    for question in questions:
        question.error = " ".join(_messages(errors, f"q{question.pk}"))
        question.answer = answers.get(f"q{question.pk}", "")
    return render(
        request,
        "followups/survey.html",
        {"link": link, "questionnaire": link.questionnaire, "questions": questions},
    )
