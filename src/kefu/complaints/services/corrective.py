"""Corrective and preventive actions (纠正预防措施): added with an owner and a due date,
reported done by the owner, verified by a decider; an action not verified keeps the work
order from closing."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.complaints.models import ComplaintCase, CorrectiveAction
from kefu.complaints.permissions import may_decide, may_handle, may_verify
from kefu.complaints.rules import ActionStatus
from kefu.complaints.services.common import (
    case_lock,
    case_note,
    case_subject,
    case_url,
    notify,
    require,
    require_open,
)
from kefu.notify.models import NotificationKind
from kefu.org.models import User


@transaction.atomic
def action_add(
    *,
    case: ComplaintCase,
    actor: User,
    kind: str,
    description: str,
    owner: User,
    due_on: date,
    now: datetime | None = None,
) -> CorrectiveAction:
    """Add a corrective or preventive action with its owner and due date."""
    now = now or timezone.now()
    case = case_lock(case)
    require_open(case)
    require(may_handle(actor, case), _("You may not add actions to this complaint."))
    if due_on is not None and due_on < timezone.localdate(now):
        raise ValidationError(
            {
                "due_on": ValidationError(
                    _("The due date cannot be in the past."), code="due_date_past"
                )
            }
        )
    if owner is not None and not owner.is_active:
        raise ValidationError(
            {"owner": ValidationError(_("The owner is no longer active."), code="owner_inactive")}
        )
    action = CorrectiveAction(
        case=case,
        kind=kind,
        description=(description or "").strip(),
        owner=owner,
        due_on=due_on,
        created_by=actor,
        created_at=now,
    )
    action.full_clean()
    action.save()
    case_note(
        case,
        actor=actor,
        now=now,
        text=_("%(kind)s added: %(text)s (owner %(owner)s, due %(due)s)")
        % {
            "kind": action.get_kind_display(),
            "text": action.description,
            "owner": owner,
            "due": due_on.isoformat(),
        },
    )
    if owner.pk != actor.pk:
        notify(
            [owner],
            _("Complaint %(number)s: an action is yours, due %(due)s")
            % {"number": case.register_no, "due": due_on.isoformat()},
            case_url(case),
            kind=NotificationKind.TASK,
            subject=case_subject(case),
        )
    return action


def _action_lock(action: CorrectiveAction) -> CorrectiveAction:
    case = case_lock(action.case)
    action = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
    action.case = case
    return action


@transaction.atomic
def action_complete(
    *, action: CorrectiveAction, actor: User, note: str, now: datetime | None = None
) -> CorrectiveAction:
    """The owner reports the action done; it stays open until verified."""
    now = now or timezone.now()
    action = _action_lock(action)
    require_open(action.case)
    require(
        action.owner_id == actor.pk or may_decide(actor, action.case),
        _("Only the action's owner reports it done."),
    )
    if action.status != ActionStatus.OPEN:
        raise ValidationError(
            {"note": ValidationError(_("This action is not open."), code="action_not_open")}
        )
    note = (note or "").strip()
    if not note:
        raise ValidationError(
            {"note": ValidationError(_("Write down what was done."), code="required")}
        )
    action.status = ActionStatus.DONE
    action.done_note = note
    action.done_at = now
    action.save()
    case_note(action.case, actor=actor, now=now, text=_("Action done: %(note)s") % {"note": note})
    return action


@transaction.atomic
def action_verify(
    *,
    action: CorrectiveAction,
    actor: User,
    accepted: bool,
    verification: str,
    now: datetime | None = None,
) -> CorrectiveAction:
    """Verify a done action (accepted: it is closed) or send it back to its owner."""
    now = now or timezone.now()
    action = _action_lock(action)
    require_open(action.case)
    require(may_verify(actor, action), _("You may not verify this action."))
    if action.status != ActionStatus.DONE:
        raise ValidationError(
            {
                "verification": ValidationError(
                    _("Only an action reported done is verified."), code="action_not_done"
                )
            }
        )
    verification = (verification or "").strip()
    if not verification:
        raise ValidationError(
            {"verification": ValidationError(_("Write down how it was verified."), code="required")}
        )
    action.verification = verification
    if accepted:
        action.status = ActionStatus.VERIFIED
        action.verified_by = actor
        action.verified_at = now
        text = _("Action verified: %(note)s")
    else:
        action.status = ActionStatus.OPEN
        text = _("Action sent back to its owner: %(note)s")
        notify(
            [action.owner],
            _("Complaint %(number)s: your action was sent back")
            % {"number": action.case.register_no},
            case_url(action.case),
            kind=NotificationKind.TASK,
            subject=case_subject(action.case),
        )
    action.save()
    case_note(action.case, actor=actor, now=now, text=text % {"note": verification})
    return action
