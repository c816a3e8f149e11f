"""Writes of return visits, survey links and answers, spot checks and visit plans.

Each function runs in one transaction, writes in-app notifications in it and hands SMS to
the worker after commit. A work order's status only ever changes through
``kefu.tickets.services.ticket_transition``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.calendars.workcal import Calendar
from kefu.customers.models import Contact, Customer
from kefu.customers.selectors import customers_findable
from kefu.followups import rules
from kefu.followups.models import (
    AssignTo,
    DissatisfactionReason,
    Feeds,
    FollowupSettings,
    PlannedStatus,
    PlannedVisit,
    PlanRule,
    QuestionKindChoices,
    Questionnaire,
    ReturnVisit,
    ReturnVisitPlan,
    ReturnVisitPolicy,
    SpotCheck,
    SurveyLink,
    SurveyResponse,
    VisitAttempt,
    VisitChannel,
    VisitKind,
    VisitStatus,
)
from kefu.followups.permissions import (
    may_close_dissatisfied,
    may_plan,
    may_record,
    may_supervise,
    may_survey_by_phone,
)
from kefu.followups.rules import SURVEY_EMAIL_TEMPLATE, AttemptOutcome, PlanKind, Verdict
from kefu.notify.models import MessageChannel, MessageStatus, OutboundMessage
from kefu.notify.services import email_queue_text, notify_users, sms_queue_text
from kefu.org.models import Department, User
from kefu.org.roles import RoleCode
from kefu.tickets import services as ticket_services
from kefu.tickets.models import Category, Ticket
from kefu.tickets.permissions import may_take
from kefu.tickets.states import Action, Status

log = logging.getLogger(__name__)

SURVEY_SALT = "kefu.followups.survey-link"


def settings_get() -> FollowupSettings:
    row, _created = FollowupSettings.objects.get_or_create(pk=1)
    return row


def _calendar(code: str) -> Calendar:
    from kefu.calendars.selectors import CalendarNotFound, calendar_for

    try:
        return calendar_for(code)
    except CalendarNotFound:
        return Calendar(code=code)  # the weekly pattern alone: results are provisional


def _visit_url(visit: ReturnVisit) -> str:
    return reverse("followups:detail", args=[visit.pk])


def _notify(users: Iterable[User | None], text: str, url: str) -> None:
    """In-app notifications, written in the caller's transaction."""
    notify_users([u for u in users if u is not None], text=text, url=url)


# ---------------------------------------------------------------- creating visits


def policy_for(category: Category) -> ReturnVisitPolicy | None:
    """The policy of the category or of its nearest ancestor that has one."""
    ids = [int(p) for p in category.path.strip("/").split("/") if p]
    policies = {p.category_id: p for p in ReturnVisitPolicy.objects.filter(category_id__in=ids)}
    for category_id in reversed(ids):
        if category_id in policies:
            return policies[category_id]
    return None


def _due(ticket: Ticket, policy: ReturnVisitPolicy | None, now: datetime):
    """(due_at, provisional, source): the category's own rule, else the SLA policy's
    return-visit limit that started at the resolution, else the type's default."""
    if policy is not None and policy.due_amount is not None:
        rule = rules.DueRule(policy.due_amount, policy.due_unit, policy.calendar_code)
        deadline = rules.visit_due(now, rule, _calendar(rule.calendar))
        return deadline.due, deadline.provisional, _("category policy")
    from kefu.sla.models import TicketDeadline

    row = (
        TicketDeadline.objects.filter(
            ticket=ticket, kind="return_visit", met_at__isnull=True, due_at__isnull=False
        )
        .order_by("due_at")
        .first()
    )
    if row is not None:
        return (
            row.due_at,
            row.provisional,
            _("SLA policy %(code)s") % {"code": ticket.sla_policy_code},
        )
    rule = rules.default_due_rule(ticket.ticket_type.code)
    deadline = rules.visit_due(now, rule, _calendar(rule.calendar))
    return deadline.due, deadline.provisional, _("default")


def _team_members(team: Department | None, exclude: Iterable[int]) -> list[User]:
    if team is None:
        return []
    return list(
        User.objects.filter(is_active=True, department__path__startswith=team.path)
        .exclude(pk__in=[pk for pk in exclude if pk])
        .annotate(load=Count("return_visits", filter=Q(return_visits__status=VisitStatus.PENDING)))
        .order_by("load", "id")
    )


def _pick_visitor(ticket: Ticket, policy: ReturnVisitPolicy | None, config: FollowupSettings):
    """(assignee, team): never the handler by default."""
    handler_id = ticket.owner_id
    responder = ticket.first_responder
    if policy is not None and policy.assign_to == AssignTo.FIRST_RESPONDER and responder:
        return responder, config.team
    members = _team_members(config.team, exclude=[handler_id])
    if members:
        return members[0], config.team
    if responder is not None and responder.pk != handler_id and responder.is_active:
        return responder, config.team
    return None, config.team


def _create_visit(ticket: Ticket, *, now: datetime, policy: ReturnVisitPolicy | None):
    if ReturnVisit.objects.filter(
        ticket=ticket, kind=VisitKind.AFTER_TICKET, status=VisitStatus.PENDING
    ).exists():
        return None
    config = settings_get()
    due_at, provisional, source = _due(ticket, policy, now)
    assignee, team = _pick_visitor(ticket, policy, config)
    visit = ReturnVisit(
        ticket=ticket,
        kind=VisitKind.AFTER_TICKET,
        round=ticket.return_visits.filter(kind=VisitKind.AFTER_TICKET).count() + 1,
        due_at=due_at,
        provisional=provisional,
        due_source=source,
        assignee=assignee,
        team=team,
        department=ticket.department,
        category=ticket.category,
        handler=ticket.owner,
        created_at=now,
    )
    visit.full_clean(exclude=["ticket", "category", "department", "handler", "assignee", "team"])
    visit.save()
    _notify(
        [assignee],
        _("Return visit due %(due)s: %(number)s %(title)s")
        % {
            "due": timezone.localtime(due_at).strftime("%m-%d %H:%M"),
            "number": ticket.number,
            "title": ticket.title,
        },
        _visit_url(visit),
    )
    if policy is not None and policy.send_survey_link and _mobile(ticket.contact_phone):
        _link_send(visit, actor=None, base_url=config.public_base_url, now=now, config=config)
    return visit


TIP_OFF = "tip_off"


def on_ticket_moved(ticket: Ticket, *, action: str, actor, now: datetime) -> None:
    """The order moved (``kefu.followups.lifecycle``): a resolution creates the return
    visit; closing, reopening or cancelling ends the pending one (kept, marked not
    visited). A visit whose result closes or reopens the order is finished before the order
    moves, so it is no longer pending then and keeps its result."""
    if ticket.parent_id is not None:
        return  # co-handling orders: the customer is visited about the parent order
    if ticket.ticket_type.code == TIP_OFF:
        # a tip-off's reporter is sealed away from the order: no visitor may call them;
        # the confidential handler answers the reporter (kefu.complaints)
        return
    if action in {Action.RESOLVE, Action.SETTLE, Action.REQUEST_VISIT}:
        policy = policy_for(ticket.category)
        if action == Action.SETTLE and policy is None:
            return  # settled at first contact: the customer had the answer on the line
        if policy is not None and not policy.required and action != Action.REQUEST_VISIT:
            return
        _create_visit(ticket, now=now, policy=policy)
        return
    if action in {Action.CLOSE, Action.REOPEN, Action.CANCEL}:
        label = Action(action).label
        who = str(actor) if actor is not None else _("the system")
        for visit in ReturnVisit.objects.select_for_update().filter(
            ticket=ticket, kind=VisitKind.AFTER_TICKET, status=VisitStatus.PENDING
        ):
            visit.status = VisitStatus.CANCELLED
            visit.completed_at = now
            visit.completed_by = actor
            visit.note = (
                _("The order was “%(action)s” by %(who)s before the visit.")
                % {
                    "action": label,
                    "who": who,
                }
            )[:200]
            visit.next_attempt_at = None
            visit.save()


# ---------------------------------------------------------------- attempts and results


def _lock(visit: ReturnVisit) -> ReturnVisit:
    return (
        ReturnVisit.objects.select_for_update(of=("self",))
        .select_related("ticket", "department", "team", "handler", "assignee")
        .get(pk=visit.pk)
    )


def _refuse(visit, field: str, message: str, **log_fields) -> ValidationError:
    log.warning("return visit %s refused: %s=%s %s", visit.pk, field, message, log_fields)
    return ValidationError({field: message})


def _check_pending(visit: ReturnVisit) -> None:
    if visit.status != VisitStatus.PENDING:
        raise _refuse(
            visit,
            "visit",
            _("This return visit is already finished (%(status)s).")
            % {"status": visit.get_status_display()},
        )


def _move(ticket: Ticket, *, action: str, actor, reason: str, now: datetime) -> str:
    """Move the order; returns "" or the reason it could not be moved (the visit's result
    stands either way, and the first responder finishes the order by hand)."""
    doer = actor if actor is not None and may_take(actor, ticket, action) else None
    try:
        with transaction.atomic():
            ticket_services.ticket_transition(
                ticket=ticket, action=action, actor=doer, reason=reason, now=now
            )
    except (ValidationError, PermissionDenied) as exc:
        return " ".join(getattr(exc, "messages", [str(exc)]))
    return ""


@transaction.atomic
def return_visit_attempt(
    *,
    visit: ReturnVisit,
    actor: User,
    outcome: str,
    note: str = "",
    now: datetime | None = None,
) -> ReturnVisit:
    """Log a call that did not reach the customer (no answer / wrong number / refused) and
    schedule the next one; after the last allowed attempt the visit ends as unreachable
    and the order is closed with the attempts kept."""
    now = now or timezone.now()
    visit = _lock(visit)
    if not may_record(actor, visit):
        raise PermissionDenied(_("You may not record this return visit."))
    _check_pending(visit)
    if outcome not in rules.FAILED_OUTCOMES:
        raise _refuse(
            visit,
            "outcome",
            _("Choose whether the call failed: no answer, wrong number or refused."),
            outcome=outcome,
        )
    config = settings_get()
    VisitAttempt.objects.create(
        visit=visit,
        outcome=outcome,
        channel=VisitChannel.PHONE,
        note=(note or "").strip()[:200],
        actor=actor,
        created_at=now,
    )
    visit.attempts_count += 1
    visit.first_attempt_at = visit.first_attempt_at or now
    plan = rules.retry_plan(
        now=now,
        failed_attempts=visit.attempts.exclude(outcome=AttemptOutcome.REACHED).count(),
        max_attempts=config.max_attempts,
        window_days=config.retry_working_days,
        first_attempt_at=visit.first_attempt_at,
        cal=_calendar(config.calendar_code),
    )
    if not plan.give_up:
        visit.next_attempt_at = plan.next_at
        visit.save()
        return visit
    visit.status = VisitStatus.UNREACHABLE
    visit.reached = False
    visit.next_attempt_at = None
    visit.completed_at = now
    visit.completed_by = actor
    visit.channel = VisitChannel.PHONE
    visit.save()
    if visit.kind == VisitKind.AFTER_TICKET:
        problem = _move(
            visit.ticket,
            action=Action.CLOSE,
            actor=actor,
            reason=_("Return visit: customer unreachable after %(n)d attempts.")
            % {"n": visit.attempts_count},
            now=now,
        )
        if problem:
            visit.note = problem[:200]
            visit.save(update_fields=["note"])
    return visit


@transaction.atomic
def return_visit_record(
    *,
    visit: ReturnVisit,
    actor: User | None,
    reached: bool | None,
    resolved: bool | None = None,
    satisfaction: int | None = None,
    customer_words: str = "",
    reasons: Sequence[DissatisfactionReason] = (),
    channel: str = VisitChannel.PHONE,
    now: datetime | None = None,
) -> ReturnVisit:
    """The customer was reached: record their view and close or reopen the order.

    Satisfied → the order closes. Not satisfied → it is reopened to its department with the
    customer's words, counts as a re-handling, is escalated one level and gets a new
    return visit when it is resolved again.
    """
    now = now or timezone.now()
    visit = _lock(visit)
    if actor is not None and not may_record(actor, visit):
        raise PermissionDenied(_("You may not record this return visit."))
    _check_pending(visit)
    if reached is None:
        raise _refuse(
            visit, "reached", _("Say whether the customer was reached before recording a result.")
        )
    if not reached:
        raise _refuse(
            visit,
            "reached",
            _("The customer was not reached: log the failed attempt instead of a result."),
        )
    if resolved is None:
        raise _refuse(
            visit, "resolved", _("Say whether the problem is solved in the customer's view.")
        )
    if satisfaction is None or not isinstance(satisfaction, int) or isinstance(satisfaction, bool):
        raise _refuse(visit, "satisfaction", _("Choose the satisfaction on the 1–5 scale."))
    if not rules.SCALE_MIN <= satisfaction <= rules.SCALE_MAX:
        raise _refuse(
            visit,
            "satisfaction",
            _("Satisfaction must be between 1 (very dissatisfied) and 5 (very satisfied)."),
            value=satisfaction,
        )
    words = (customer_words or "").strip()
    result = rules.verdict(resolved=resolved, satisfaction=satisfaction)
    if result == Verdict.DISSATISFIED and not words:
        raise _refuse(
            visit,
            "customer_words",
            _("Write down the customer's words: the department needs them."),
        )
    VisitAttempt.objects.create(
        visit=visit,
        outcome=AttemptOutcome.REACHED,
        channel=channel,
        actor=actor,
        note=words[:200],
        created_at=now,
    )
    visit.attempts_count += 1
    visit.first_attempt_at = visit.first_attempt_at or now
    visit.reached = True
    visit.resolved = resolved
    visit.satisfaction = satisfaction
    visit.customer_words = words
    visit.verdict = result
    visit.channel = channel
    visit.status = VisitStatus.DONE
    visit.completed_at = now
    visit.completed_by = actor
    visit.next_attempt_at = None
    visit.full_clean(exclude=["ticket", "category", "department", "handler", "assignee", "team"])
    visit.save()
    if result == Verdict.DISSATISFIED:
        visit.reasons.set(list(reasons))
    if visit.kind == VisitKind.SPOT_CHECK:
        if result == Verdict.DISSATISFIED:
            _notify(
                _heads_of(visit.department),
                _("Spot check: the customer of %(number)s is not satisfied: %(words)s")
                % {"number": visit.ticket.number, "words": words},
                _visit_url(visit),
            )
        return visit
    if result == Verdict.DISSATISFIED:
        _reopen(visit, actor=actor, words=words, now=now)
    else:
        problem = _move(
            visit.ticket,
            action=Action.CLOSE,
            actor=actor,
            reason=_("Return visit: %(verdict)s (%(score)s).")
            % {"verdict": result.label, "score": rules.Satisfaction(satisfaction).label},
            now=now,
        )
        if problem:
            visit.note = problem[:200]
            visit.save(update_fields=["note"])
    return visit


def _heads_of(department: Department | None) -> list[User]:
    if department is None:
        return []
    return list(
        User.objects.filter(
            is_active=True, department=department, roles__code=RoleCode.DEPARTMENT_HEAD
        ).distinct()
    )


def _reopen(visit: ReturnVisit, *, actor, words: str, now: datetime) -> None:
    ticket = visit.ticket
    level = ReturnVisit.objects.filter(
        ticket=ticket, kind=VisitKind.AFTER_TICKET, verdict=Verdict.DISSATISFIED
    ).count()
    problem = _move(
        ticket,
        action=Action.REOPEN,
        actor=actor,
        reason=_("Return visit: the customer is not satisfied (re-handling %(n)d): %(words)s")
        % {"n": level, "words": words},
        now=now,
    )
    if problem:
        visit.note = problem[:200]
        visit.save(update_fields=["note"])
        return
    # escalate one level per dissatisfied round: the department's heads, then its parent's …
    recipients: list[User] = []
    target_name = ""
    if ticket.department_id:
        ids = ticket.department.ancestor_ids()
        step = level
        while not recipients:
            target = rules.escalation_chain(ids, step)
            if target is None:
                break
            department = Department.objects.get(pk=target)
            recipients = _heads_of(department)
            target_name = department.name
            step += 1
    if not recipients:
        recipients = list(
            User.objects.filter(is_active=True, roles__code=RoleCode.GENERAL_MANAGER).distinct()
        )
        target_name = str(_("general manager"))
    visit.escalated_to = (f"{target_name}：" + "、".join(str(u) for u in recipients))[:200]
    visit.save(update_fields=["escalated_to"])
    ticket_services.ticket_add_note(
        ticket=ticket,
        actor=actor,
        note=_("Re-handling %(n)d after an unsatisfied return visit; escalated to %(to)s.")
        % {"n": level, "to": visit.escalated_to},
        now=now,
    )
    _notify(
        recipients,
        _("Escalated: the customer of %(number)s is not satisfied (re-handling %(n)d): %(words)s")
        % {"number": ticket.number, "n": level, "words": words},
        reverse("tickets:detail", args=[ticket.pk]),
    )


@transaction.atomic
def return_visit_close_dissatisfied(
    *, visit: ReturnVisit, actor: User, justification: str, now: datetime | None = None
) -> ReturnVisit:
    """客户不满意仍关闭: a head closes an order the customer is still not satisfied with,
    with a written justification. Shown in the reports, never silent."""
    now = now or timezone.now()
    visit = _lock(visit)
    if not may_close_dissatisfied(actor, visit):
        raise PermissionDenied(_("Only a head of the handling department may close it so."))
    _check_pending(visit)
    justification = (justification or "").strip()
    if len(justification) < 10:
        raise _refuse(
            visit,
            "justification",
            _("Write a justification of at least 10 characters: it is shown in the reports."),
        )
    unhappy = ReturnVisit.objects.filter(
        ticket=visit.ticket, kind=VisitKind.AFTER_TICKET, verdict=Verdict.DISSATISFIED
    ).exists()
    if not unhappy:
        raise _refuse(
            visit,
            "justification",
            _("The customer has not said they are dissatisfied: visit them first."),
        )
    visit.status = VisitStatus.CLOSED_DISSATISFIED
    visit.justification = justification
    visit.completed_at = now
    visit.completed_by = actor
    visit.next_attempt_at = None
    visit.save()
    problem = _move(
        visit.ticket,
        action=Action.CLOSE,
        actor=actor,
        reason=_("Closed although the customer is not satisfied: %(why)s") % {"why": justification},
        now=now,
    )
    if problem:
        raise ValidationError({"justification": problem})
    return visit


# ---------------------------------------------------------------- survey links


def _mobile(phone: str) -> bool:
    return bool(phone) and len(phone) == 11 and phone.startswith("1") and phone.isdigit()


def link_token(link: SurveyLink) -> str:
    return signing.Signer(salt=SURVEY_SALT).sign(link.key)


def questionnaire_for(category: Category) -> Questionnaire | None:
    policy = policy_for(category)
    if policy is not None and policy.questionnaire_id and policy.questionnaire.is_active:
        return policy.questionnaire
    ids = [int(p) for p in category.path.strip("/").split("/") if p]
    attached = Questionnaire.objects.filter(is_active=True, categories__in=ids).distinct().first()
    return attached or Questionnaire.objects.filter(is_active=True, is_default=True).first()


def _link_create(visit, *, actor, now: datetime, config, **sent_to) -> SurveyLink:
    questionnaire = questionnaire_for(visit.category)
    if questionnaire is None:
        raise ValidationError({"questionnaire": _("No active questionnaire: create one first.")})
    return SurveyLink.objects.create(
        key=secrets.token_urlsafe(16),
        questionnaire=questionnaire,
        visit=visit,
        expires_at=now + timedelta(days=config.link_valid_days),
        created_by=actor,
        created_at=now,
        **sent_to,
    )


def _link_url(link: SurveyLink, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("followups:survey", args=[link_token(link)])


def _link_send(visit, *, actor, base_url: str, now: datetime, config) -> SurveyLink:
    ticket = visit.ticket
    if not _mobile(ticket.contact_phone):
        raise ValidationError(
            {"phone": _("The order has no mobile number to send the survey link to.")}
        )
    link = _link_create(
        visit,
        actor=actor,
        now=now,
        config=config,
        channel=VisitChannel.SMS_LINK,
        phone=ticket.contact_phone,
    )
    sms_queue_text(
        phone=ticket.contact_phone,
        text=_(
            "Dear %(customer)s, please tell us whether you are satisfied with order %(number)s: "
            "%(url)s (valid %(days)d days)"
        )
        % {
            "customer": ticket.contact_name or _("customer"),
            "number": ticket.number,
            "url": _link_url(link, base_url),
            "days": config.link_valid_days,
        },
        template_code="return_visit_survey",
        ticket=ticket,
    )
    return link


def _link_email(visit, *, actor, email: str, base_url: str, now: datetime, config) -> SurveyLink:
    ticket = visit.ticket
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        log.warning("survey link for visit %s refused: bad email address", visit.pk)
        raise ValidationError(
            {"email": _("Email: enter a valid email address (for example name@example.com).")}
        ) from None
    link = _link_create(
        visit, actor=actor, now=now, config=config, channel=VisitChannel.EMAIL_LINK, email=email
    )
    email_queue_text(
        to=email,
        subject=_("Satisfaction survey for order %(number)s") % {"number": ticket.number},
        text=_(
            "Dear %(customer)s,\n\n"
            "Your order %(number)s (%(title)s) has been handled. Please tell us whether you "
            "are satisfied — it takes a minute:\n\n%(url)s\n\n"
            "The link works once and is valid for %(days)d days.\n"
        )
        % {
            "customer": ticket.contact_name or _("customer"),
            "number": ticket.number,
            "title": ticket.title,
            "url": _link_url(link, base_url),
            "days": config.link_valid_days,
        },
        template_code=SURVEY_EMAIL_TEMPLATE,
        ticket=ticket,
    )
    return link


def survey_emails_pending(*, now: datetime, older_than: timedelta = timedelta(minutes=10)):
    """Survey emails still waiting or failed whose link has not expired yet."""
    valid_days = settings_get().link_valid_days
    return OutboundMessage.objects.filter(
        channel=MessageChannel.EMAIL,
        template_code=SURVEY_EMAIL_TEMPLATE,
        status__in=[MessageStatus.QUEUED, MessageStatus.FAILED],
        created_at__lte=now - older_than,
        created_at__gt=now - timedelta(days=valid_days),
    ).order_by("id")


@transaction.atomic
def survey_link_send(
    *,
    visit: ReturnVisit,
    actor: User,
    base_url: str,
    channel: str = VisitChannel.SMS_LINK,
    email: str = "",
    now: datetime | None = None,
) -> SurveyLink:
    """Send the customer a signed, single-use, expiring link to the questionnaire, by SMS
    to the order's mobile number or by email to *email*."""
    now = now or timezone.now()
    visit = _lock(visit)
    if not may_record(actor, visit):
        raise PermissionDenied(_("You may not record this return visit."))
    _check_pending(visit)
    if channel not in (VisitChannel.SMS_LINK, VisitChannel.EMAIL_LINK):
        raise ValidationError({"channel": _("Send the survey link by SMS or by email.")})
    config = settings_get()
    base_url = config.public_base_url or base_url
    if channel == VisitChannel.EMAIL_LINK:
        return _link_email(
            visit, actor=actor, email=email, base_url=base_url, now=now, config=config
        )
    return _link_send(visit, actor=actor, base_url=base_url, now=now, config=config)


def survey_link_open(token: str, *, now: datetime | None = None) -> SurveyLink:
    """The link a token names, if it may still be answered; ``ValidationError`` otherwise
    (tampered or unknown, already answered, expired)."""
    now = now or timezone.now()
    try:
        key = signing.Signer(salt=SURVEY_SALT).unsign(token)
    except signing.BadSignature:
        log.warning("survey link refused: bad signature")
        raise ValidationError({"token": _("This survey link is not valid.")}) from None
    link = SurveyLink.objects.select_related("questionnaire").filter(key=key).first()
    if link is None:
        log.warning("survey link refused: unknown key")
        raise ValidationError({"token": _("This survey link is not valid.")})
    if link.used_at is not None:
        log.warning("survey link %s refused: already answered", link.pk)
        raise ValidationError({"token": _("This survey was already answered. Thank you!")})
    if link.expires_at <= now:
        log.warning("survey link %s refused: expired", link.pk)
        raise ValidationError({"token": _("This survey link has expired.")})
    return link


def _clean_answers(questionnaire: Questionnaire, answers: dict) -> dict:
    cleaned, errors = {}, {}
    messages = {
        "required": _("Please answer this question."),
        "choice": _("Choose one of the offered answers."),
        "scale": _("Choose a value from 1 to 5."),
        "nps": _("Choose a value from 0 to 10."),
        "number": _("Enter a number."),
        "length": _("Keep it under 2000 characters."),
    }
    for question in questionnaire.questions.all():
        name = f"q{question.pk}"
        try:
            value = rules.check_answer(
                question.kind,
                answers.get(name, answers.get(str(question.pk))),
                choices=question.choices or [],
                required=question.required,
            )
        except ValueError as exc:
            errors[name] = f"{question.text}：{messages.get(str(exc), str(exc))}"
            continue
        if value is not None:
            cleaned[str(question.pk)] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def survey_answer(
    *,
    token: str = "",
    questionnaire: Questionnaire | None = None,
    answers: dict,
    actor: User | None = None,
    customer: Customer | None = None,
    contact: Contact | None = None,
    now: datetime | None = None,
) -> SurveyResponse:
    """Store one answer: through a customer's link (the return visit then gets its result)
    or filled in by staff for a campaign (``campaign_answer_by_phone`` checks who may).
    Bad answers change nothing."""
    now = now or timezone.now()
    link = None
    if token:
        link = survey_link_open(token, now=now)
        link = SurveyLink.objects.select_for_update().get(pk=link.pk)
        if link.used_at is not None:  # answered a moment ago in another request
            raise ValidationError({"token": _("This survey was already answered. Thank you!")})
        questionnaire = link.questionnaire
    if questionnaire is None:
        raise ValidationError({"questionnaire": _("Choose the questionnaire.")})
    cleaned = _clean_answers(questionnaire, answers)
    fed = {"satisfaction": None, "resolved": None, "words": ""}
    nps = scale = None
    for question in questionnaire.questions.all():
        value = cleaned.get(str(question.pk))
        if value is None:
            continue
        if question.kind == QuestionKindChoices.NPS and nps is None:
            nps = value
        if question.kind == QuestionKindChoices.SCALE and scale is None:
            scale = value
        if question.feeds == Feeds.SATISFACTION and question.kind == QuestionKindChoices.SCALE:
            fed["satisfaction"] = value
        elif question.feeds == Feeds.RESOLVED and question.choices:
            fed["resolved"] = value == question.choices[0]
        elif question.feeds == Feeds.WORDS:
            fed["words"] = str(value)
    response = SurveyResponse.objects.create(
        questionnaire=questionnaire,
        link=link,
        visit=link.visit if link else None,
        channel=link.channel if link else VisitChannel.PHONE,
        customer=customer,
        contact=contact,
        answers=cleaned,
        # a campaign's questionnaire feeds no visit: its first scale is the satisfaction
        satisfaction=fed["satisfaction"] if fed["satisfaction"] is not None else scale,
        nps=nps,
        submitted_by=actor,
        submitted_at=now,
    )
    if link is not None:
        link.used_at = now
        link.save(update_fields=["used_at"])
        visit = link.visit
        if (
            visit is not None
            and visit.status == VisitStatus.PENDING
            and fed["satisfaction"] is not None
        ):
            resolved = fed["resolved"] if fed["resolved"] is not None else True
            words = fed["words"] or (
                _("(answered the survey link without comment)")
                if rules.verdict(resolved=resolved, satisfaction=fed["satisfaction"])
                == Verdict.DISSATISFIED
                else ""
            )
            return_visit_record(
                visit=visit,
                actor=None,
                reached=True,
                resolved=resolved,
                satisfaction=fed["satisfaction"],
                customer_words=words,
                channel=link.channel,
                now=now,
            )
    return response


def campaign_questionnaires() -> QuerySet[Questionnaire]:
    """The active questionnaires of campaigns (not those of work orders)."""
    return (
        Questionnaire.objects.filter(is_active=True)
        .exclude(campaign="")
        .order_by("campaign", "title")
    )


@transaction.atomic
def campaign_answer_by_phone(
    *,
    questionnaire: Questionnaire,
    customer: Customer,
    contact: Contact | None = None,
    answers: dict,
    actor: User,
    now: datetime | None = None,
) -> SurveyResponse:
    """Record a campaign questionnaire a staff member filled in on the phone with a
    customer (outside any return visit): channel phone, the customer and contact kept."""
    if not may_survey_by_phone(actor):
        raise PermissionDenied(_("You may not record survey answers by phone."))
    if not (questionnaire.is_active and questionnaire.campaign):
        raise ValidationError(
            {"questionnaire": _("Questionnaire: choose an active campaign questionnaire.")}
        )
    if not customers_findable(actor).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("This customer is outside your data scope."))
    if contact is not None and contact.customer_id != customer.pk:
        raise ValidationError({"contact": _("Contact: choose one of this customer's contacts.")})
    return survey_answer(
        questionnaire=questionnaire,
        answers=answers,
        actor=actor,
        customer=customer,
        contact=contact,
        now=now,
    )


# ---------------------------------------------------------------- spot checks


@transaction.atomic
def spot_check_draw(
    *,
    actor: User,
    week_of: date,
    percent: int | None = None,
    seed: int | None = None,
    now: datetime | None = None,
) -> SpotCheck:
    """Sample a share of the week's closed orders (in the actor's scope) for a second,
    independent visit. The seed is recorded, so the draw can be repeated and checked."""
    from kefu.tickets.selectors import tickets_visible

    now = now or timezone.now()
    if not may_supervise(actor):
        raise PermissionDenied(_("Only supervisors draw spot checks."))
    config = settings_get()
    percent = config.spot_check_percent if percent is None else percent
    if not 1 <= percent <= 100:
        raise ValidationError({"percent": _("The share must be between 1 and 100 %.")})
    monday, _sunday = rules.week_bounds(week_of)
    if monday > timezone.localdate(now):
        raise ValidationError({"week_of": _("That week has not started yet.")})
    tz = timezone.get_current_timezone()
    start = datetime.combine(monday, datetime.min.time(), tzinfo=tz)
    end = start + timedelta(days=7)
    already = ReturnVisit.objects.filter(kind=VisitKind.SPOT_CHECK).values("ticket_id")
    population = list(
        tickets_visible(actor)
        .filter(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end, parent__isnull=True)
        .exclude(pk__in=already)
        .values_list("pk", flat=True)
    )
    if not population:
        raise ValidationError({"week_of": _("No closed orders in that week are left to sample.")})
    seed = secrets.randbelow(2**31) if seed is None else seed
    chosen = rules.sample(population, percent=percent, seed=seed)
    check = SpotCheck.objects.create(
        week_start=monday,
        percent=percent,
        seed=seed,
        population=len(population),
        sampled=len(chosen),
        ticket_ids=chosen,
        created_by=actor,
        created_at=now,
    )
    for ticket in Ticket.objects.filter(pk__in=chosen).select_related("category"):
        first = (
            ticket.return_visits.filter(kind=VisitKind.AFTER_TICKET)
            .exclude(completed_by=None)
            .order_by("-completed_at")
            .first()
        )
        ReturnVisit.objects.create(
            ticket=ticket,
            kind=VisitKind.SPOT_CHECK,
            due_at=now + timedelta(days=7),
            due_source=_("spot check"),
            assignee=actor if first is None or first.completed_by_id != actor.pk else None,
            team=config.team,
            department=ticket.department,
            category=ticket.category,
            handler=ticket.owner,
            spot_check=check,
            created_at=now,
        )
    return check


# ---------------------------------------------------------------- visit plans


@transaction.atomic
def plan_create(
    *,
    customer,
    name: str,
    delivered_on: date,
    actor: User,
    visitor: User | None = None,
    account=None,
    now: datetime | None = None,
) -> ReturnVisitPlan:
    """Open a return-visit file for a delivered project and plan its visits."""
    now = now or timezone.now()
    if not may_plan(actor):
        raise PermissionDenied(_("You may not open return-visit files."))
    if account is not None and account.customer_id != customer.pk:
        raise ValidationError({"account": _("The account belongs to another customer.")})
    plan = ReturnVisitPlan(
        customer=customer,
        account=account,
        name=(name or "").strip(),
        delivered_on=delivered_on,
        visitor=visitor or customer.account_manager,
        created_by=actor,
        created_at=now,
    )
    plan.full_clean(exclude=["customer", "account", "visitor", "created_by"])
    if delivered_on > timezone.localdate(now):
        raise ValidationError({"delivered_on": _("The delivery date is in the future.")})
    plan.save()
    plans_generate(today=timezone.localdate(now), customers=[customer], now=now)
    return plan


def _rule_params(rule: PlanRule) -> dict:
    return rule.params if isinstance(rule.params, dict) else {}


def _add(planned: list, *, key, customer, rule, title, due_on, assignee, plan=None, contact=None):
    planned.append(
        {
            "key": key[:120],
            "customer": customer,
            "rule": rule,
            "title": title[:120],
            "due_on": due_on,
            "assignee": assignee,
            "plan": plan,
            "contact": contact,
        }
    )


@transaction.atomic
def plans_generate(
    *, today: date, horizon_days: int | None = None, customers=None, now: datetime | None = None
) -> dict[str, int]:
    """Create the planned visits the active rules ask for, due up to ``today + horizon``.

    Idempotent: each visit has a natural key (rule, file or contact, date); running twice
    creates nothing new. Past visits of a new file are created too (they show as gaps).
    """
    from kefu.customers.models import Contact, Customer

    now = now or timezone.now()
    config = settings_get()
    until = today + timedelta(
        days=config.plan_horizon_days if horizon_days is None else horizon_days
    )
    year_start = date(today.year, 1, 1)
    planned: list[dict] = []
    customer_qs = Customer.objects.active().select_related("account_manager")
    if customers is not None:
        customer_qs = customer_qs.filter(pk__in=[c.pk for c in customers])
    for rule in PlanRule.objects.filter(is_active=True).order_by("code"):
        params = _rule_params(rule)
        scoped = customer_qs.filter(industry=rule.industry) if rule.industry else customer_qs
        match rule.kind:
            case PlanKind.DELIVERY_CYCLE:
                plans = ReturnVisitPlan.objects.filter(
                    is_active=True, customer__in=scoped
                ).select_related("customer", "visitor")
                for plan in plans:
                    for due_on in rules.delivery_schedule(
                        plan.delivered_on,
                        until=until,
                        first_year_every=int(params.get("first_year_every", 1)),
                        later_every=int(params.get("later_every", 3)),
                    ):
                        _add(
                            planned,
                            key=f"{rule.code}:p{plan.pk}:{due_on}",
                            customer=plan.customer,
                            rule=rule,
                            title=f"{rule.name}：{plan.name}",
                            due_on=due_on,
                            assignee=plan.visitor or plan.customer.account_manager,
                            plan=plan,
                        )
            case PlanKind.BIRTHDAY:
                contacts = Contact.objects.filter(
                    is_key=True, is_active=True, birthday__isnull=False, customer__in=scoped
                ).select_related("customer", "customer__account_manager")
                for contact in contacts:
                    for due_on in rules.yearly_dates(
                        contact.birthday.month, contact.birthday.day, start=year_start, until=until
                    ):
                        _add(
                            planned,
                            key=f"{rule.code}:c{contact.pk}:{due_on}",
                            customer=contact.customer,
                            rule=rule,
                            title=_("Birthday greeting: %(name)s") % {"name": contact.name},
                            due_on=due_on,
                            assignee=contact.customer.account_manager,
                            contact=contact,
                        )
            case PlanKind.HOLIDAY:
                contacts = Contact.objects.filter(
                    is_key=True, is_active=True, customer__in=scoped
                ).select_related("customer", "customer__account_manager")
                for entry in params.get("dates", []):
                    month, day = rules.parse_month_day(entry.get("date", ""))
                    for due_on in rules.yearly_dates(month, day, start=year_start, until=until):
                        for contact in contacts:
                            _add(
                                planned,
                                key=f"{rule.code}:c{contact.pk}:{due_on}",
                                customer=contact.customer,
                                rule=rule,
                                title=f"{entry.get('name', rule.name)}：{contact.name}",
                                due_on=due_on,
                                assignee=contact.customer.account_manager,
                                contact=contact,
                            )
            case PlanKind.NEW_YEAR:
                grades = params.get("grades", ["A"])
                month, day = int(params.get("month", 12)), int(params.get("day", 1))
                for due_on in rules.yearly_dates(month, day, start=year_start, until=until):
                    for customer in scoped.filter(grade__in=grades):
                        _add(
                            planned,
                            key=f"{rule.code}:k{customer.pk}:{due_on}",
                            customer=customer,
                            rule=rule,
                            title=rule.name,
                            due_on=due_on,
                            assignee=customer.account_manager,
                        )
    existing = set(
        PlannedVisit.objects.filter(key__in=[p["key"] for p in planned]).values_list(
            "key", flat=True
        )
    )
    created = 0
    for item in planned:
        if item["key"] in existing:
            continue
        existing.add(item["key"])
        try:
            with transaction.atomic():
                PlannedVisit.objects.create(
                    department=item["customer"].department, created_at=now, **item
                )
        except IntegrityError:
            continue  # created by a concurrent run
        created += 1
    return {"planned": created, "considered": len(planned)}


@transaction.atomic
def planned_visit_done(
    *,
    visit: PlannedVisit,
    actor: User,
    note: str,
    satisfaction: int | None = None,
    now: datetime | None = None,
) -> PlannedVisit:
    """Record a planned visit as made, with what the customer said."""
    now = now or timezone.now()
    visit = PlannedVisit.objects.select_for_update().get(pk=visit.pk)
    if visit.assignee_id != actor.pk and not may_supervise(actor) and not may_plan(actor):
        raise PermissionDenied(_("You may not record this visit."))
    if visit.status != PlannedStatus.PLANNED:
        raise ValidationError({"status": _("This visit is already recorded.")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write down what the customer said.")})
    if satisfaction is not None and not rules.SCALE_MIN <= satisfaction <= rules.SCALE_MAX:
        raise ValidationError(
            {
                "satisfaction": _(
                    "Satisfaction must be between 1 (very dissatisfied) and 5 (very satisfied)."
                )
            }
        )
    visit.status = PlannedStatus.DONE
    visit.note = note
    visit.satisfaction = satisfaction
    visit.done_at = now
    visit.done_by = actor
    visit.save()
    return visit


# ---------------------------------------------------------------- questionnaires


@transaction.atomic
def question_add(
    *,
    questionnaire: Questionnaire,
    kind: str,
    text: str,
    choices: Sequence[str] = (),
    required: bool = True,
    feeds: str = "",
) -> object:
    """Append a question; single-choice questions need at least two choices."""
    from kefu.followups.models import Question

    choices = [c.strip() for c in choices if c and c.strip()]
    if kind == QuestionKindChoices.SINGLE_CHOICE and len(choices) < 2:
        raise ValidationError(
            {"choices": _("A single-choice question needs at least two choices.")}
        )
    if kind != QuestionKindChoices.SINGLE_CHOICE:
        choices = []
    if feeds == Feeds.SATISFACTION and kind != QuestionKindChoices.SCALE:
        raise ValidationError({"feeds": _("Only a 1–5 scale question can give the satisfaction.")})
    if feeds == Feeds.RESOLVED and kind != QuestionKindChoices.SINGLE_CHOICE:
        raise ValidationError(
            {"feeds": _("Only a single-choice question can say whether it is solved.")}
        )
    if feeds == Feeds.WORDS and kind != QuestionKindChoices.TEXT:
        raise ValidationError(
            {"feeds": _("Only a free-text question can carry the customer's words.")}
        )
    last = questionnaire.questions.order_by("-position").values_list("position", flat=True).first()
    question = Question(
        questionnaire=questionnaire,
        position=(last or 0) + 1,
        kind=kind,
        text=(text or "").strip(),
        choices=choices,
        required=required,
        feeds=feeds,
    )
    question.full_clean(exclude=["questionnaire"])
    question.save()
    return question


def seeds_ensure() -> None:
    """Create the missing seed rows (reasons, default questionnaire, plan rules)."""
    from django.apps import apps

    from kefu.followups.seeds import seed

    seed(apps)
