"""Calls to the customer: failed attempts and the result that closes or reopens the order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.followups import rules
from kefu.followups.models import (
    DissatisfactionReason,
    ReturnVisit,
    VisitAttempt,
    VisitChannel,
    VisitKind,
    VisitStatus,
)
from kefu.followups.permissions import (
    may_record,
)
from kefu.followups.rules import AttemptOutcome, Verdict
from kefu.followups.services.common import (
    calendar_of,
    check_pending,
    heads_of,
    lock_visit,
    move_ticket,
    notify,
    refuse,
    settings_get,
    visit_url,
)
from kefu.followups.services.reopening import reopen
from kefu.notify.models import NotificationKind
from kefu.org.models import User
from kefu.tickets.states import Action


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
    visit = lock_visit(visit)
    if not may_record(actor, visit):
        raise PermissionDenied(_("You may not record this return visit."))
    check_pending(visit)
    if outcome not in rules.FAILED_OUTCOMES:
        raise refuse(
            visit,
            "outcome",
            _("Choose whether the call failed: no answer, wrong number or refused."),
            code="invalid_choice",
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
        cal=calendar_of(config.calendar_code),
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
        problem = move_ticket(
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
    visit = lock_visit(visit)
    if actor is not None and not may_record(actor, visit):
        raise PermissionDenied(_("You may not record this return visit."))
    check_pending(visit)
    words = (customer_words or "").strip()
    result = _checked_verdict(
        visit, reached=reached, resolved=resolved, satisfaction=satisfaction, words=words
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
    _act_on_result(visit, result=result, actor=actor, words=words, now=now)
    return visit


def _checked_verdict(
    visit: ReturnVisit,
    *,
    reached: bool | None,
    resolved: bool | None,
    satisfaction: int | None,
    words: str,
) -> Verdict:
    """The verdict of a result, once it is complete; the first thing missing otherwise."""
    if reached is None:
        raise refuse(
            visit,
            "reached",
            _("Say whether the customer was reached before recording a result."),
            code="required",
        )
    if not reached:
        raise refuse(
            visit,
            "reached",
            _("The customer was not reached: log the failed attempt instead of a result."),
            code="not_reached",
        )
    if resolved is None:
        raise refuse(
            visit,
            "resolved",
            _("Say whether the problem is solved in the customer's view."),
            code="required",
        )
    if satisfaction is None or not isinstance(satisfaction, int) or isinstance(satisfaction, bool):
        raise refuse(
            visit, "satisfaction", _("Choose the satisfaction on the 1–5 scale."), code="required"
        )
    if not rules.SCALE_MIN <= satisfaction <= rules.SCALE_MAX:
        raise refuse(
            visit,
            "satisfaction",
            _("Satisfaction must be between 1 (very dissatisfied) and 5 (very satisfied)."),
            code="satisfaction_out_of_scale",
            value=satisfaction,
        )
    result = rules.verdict(resolved=resolved, satisfaction=satisfaction)
    if result == Verdict.DISSATISFIED and not words:
        raise refuse(
            visit,
            "customer_words",
            _("Write down the customer's words: the department needs them."),
            code="customer_words_required",
        )
    return result


def _act_on_result(visit: ReturnVisit, *, result: Verdict, actor, words: str, now: datetime):
    """Close the order, or reopen it (a spot check only tells the department's heads)."""
    if visit.kind == VisitKind.SPOT_CHECK:
        if result == Verdict.DISSATISFIED:
            notify(
                heads_of(visit.department),
                _("Spot check: the customer of %(number)s is not satisfied: %(words)s")
                % {"number": visit.ticket.number, "words": words},
                visit_url(visit),
                kind=NotificationKind.ESCALATION,
                subject=visit.ticket.number,
            )
        return
    if result == Verdict.DISSATISFIED:
        reopen(visit, actor=actor, words=words, now=now)
        return
    assert visit.satisfaction is not None  # checked and recorded with the result
    problem = move_ticket(
        visit.ticket,
        action=Action.CLOSE,
        actor=actor,
        reason=_("Return visit: %(verdict)s (%(score)s).")
        % {"verdict": result.label, "score": rules.Satisfaction(visit.satisfaction).label},
        now=now,
    )
    if problem:
        visit.note = problem[:200]
        visit.save(update_fields=["note"])
