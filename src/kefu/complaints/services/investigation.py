"""The investigation's findings: the facts, the root cause and who is responsible (责任归属:
有责 with the responsible department and person, 无责, or an outside party). A fault of ours
names its cause; every cause but human negligence opens an improvement-tracking item
(CMP-11: 人为疏忽免列案追踪)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.complaints import rules
from kefu.complaints.apps import INVESTIGATION_FINISHED
from kefu.complaints.models import ComplaintCase, CorrectiveAction
from kefu.complaints.permissions import may_decide
from kefu.complaints.rules import ActionKind, ActionStatus, FaultCause, Responsibility, Validity
from kefu.complaints.services.common import (
    case_lock,
    case_note,
    case_subject,
    case_url,
    notify,
    require,
    require_open,
)
from kefu.core.tree import subtree_q
from kefu.notify.models import NotificationKind
from kefu.org.models import Department, User
from kefu.org.permissions import in_department
from kefu.org.roles import RoleCode
from kefu.sla.services import clock_event_record


@transaction.atomic
def case_attribute(
    *,
    case: ComplaintCase,
    actor: User,
    facts: str,
    responsibility: str,
    root_cause: str = "",
    responsible_department: Department | None = None,
    responsible_person: User | None = None,
    external_party: str = "",
    fault_cause: str = "",
    now: datetime | None = None,
) -> ComplaintCase:
    """The investigation's facts, root cause and responsibility attribution (有责/无责;
    responsible department and person, or an outside party). A fault of ours needs its
    cause: human negligence opens no improvement-tracking item, any other cause opens one
    (CMP-11); a later finding of human negligence withdraws one not yet worked on."""
    now = now or timezone.now()
    case = case_lock(case)
    require_open(case)
    require(may_decide(actor, case), _("You may not attribute responsibility for this complaint."))
    facts, root_cause = (facts or "").strip(), (root_cause or "").strip()
    _attribution_check(
        case,
        facts=facts,
        responsibility=responsibility,
        root_cause=root_cause,
        responsible_department=responsible_department,
        responsible_person=responsible_person,
        external_party=external_party,
        fault_cause=fault_cause,
    )
    at_fault = responsibility == Responsibility.AT_FAULT
    case.facts = facts
    case.root_cause = root_cause
    case.responsibility = responsibility
    case.responsible_department = responsible_department if at_fault else None
    case.responsible_person = responsible_person if at_fault else None
    case.external_party = (
        (external_party or "").strip() if responsibility == Responsibility.EXTERNAL else ""
    )
    case.fault_cause = fault_cause if at_fault else ""
    case.attributed_by = actor
    case.attributed_at = now
    case.save()
    _attribution_tell(case, actor=actor, now=now)
    # the investigation is finished: the report to the general manager is due from now
    clock_event_record(ticket=case.ticket, event=INVESTIGATION_FINISHED, actor=actor, now=now)
    _tracking_sync(case, actor=actor, now=now)
    return case


def _attribution_check(
    case: ComplaintCase,
    *,
    facts: str,
    responsibility: str,
    root_cause: str,
    responsible_department: Department | None,
    responsible_person: User | None,
    external_party: str,
    fault_cause: str = "",
) -> None:
    """Every reason the attribution is refused, at once, by field."""
    errors: dict[str, ValidationError] = {}
    if case.validity != Validity.VALID:
        errors["responsibility"] = ValidationError(
            _("Responsibility is attributed once the complaint is valid."),
            code="attribution_needs_valid",
        )
    if not facts:
        errors["facts"] = ValidationError(_("Write down the facts found."), code="required")
    if responsibility not in Responsibility.values or responsibility == Responsibility.PENDING:
        errors["responsibility"] = ValidationError(
            _("Choose who is responsible."), code="invalid_choice"
        )
    if responsibility == Responsibility.AT_FAULT:
        if responsible_department is None:
            errors["responsible_department"] = ValidationError(
                _("Name the responsible department."), code="at_fault_needs_department"
            )
        elif responsible_person is not None and not in_department(
            responsible_person, responsible_department
        ):
            errors["responsible_person"] = ValidationError(
                _("%(name)s does not work in the responsible department.")
                % {"name": responsible_person},
                code="person_not_in_department",
            )
        if not root_cause:
            errors["root_cause"] = ValidationError(
                _("Write down the root cause."), code="at_fault_needs_root_cause"
            )
        if fault_cause not in FaultCause.values:
            errors["fault_cause"] = ValidationError(
                _(
                    "Choose the cause of the fault: human negligence opens no "
                    "improvement tracking, any other cause does."
                ),
                code="at_fault_needs_cause",
            )
    if responsibility == Responsibility.EXTERNAL and not (external_party or "").strip():
        errors["external_party"] = ValidationError(
            _("Name the outside party or supplier."), code="external_needs_party"
        )
    if errors:
        raise ValidationError(errors)


def _attribution_tell(case: ComplaintCase, *, actor: User, now: datetime) -> None:
    """The timeline line naming who is responsible; the responsible person is notified."""
    target = case.external_party
    at_fault = case.responsibility == Responsibility.AT_FAULT
    if at_fault:
        target = " / ".join(
            str(x) for x in (case.responsible_department, case.responsible_person) if x
        )
    case_note(
        case,
        actor=actor,
        now=now,
        text=_("Responsibility: %(resp)s %(target)s")
        % {"resp": case.get_responsibility_display(), "target": target},
    )
    if at_fault and case.responsible_person is not None:
        notify(
            [case.responsible_person],
            _("Complaint %(number)s was attributed to you") % {"number": case.register_no},
            case_url(case),
            kind=NotificationKind.TASK,
            subject=case_subject(case),
        )


def _tracking_owner(case: ComplaintCase, actor: User) -> User:
    """Who answers for the improvement: the responsible person, else a head of the
    responsible department, else whoever recorded the finding."""
    if case.responsible_person is not None and case.responsible_person.is_active:
        return case.responsible_person
    head = (
        User.objects.active()
        .filter(
            subtree_q("department", case.responsible_department),
            roles__code=RoleCode.DEPARTMENT_HEAD,
        )
        .order_by("department__depth", "pk")
        .first()
        if case.responsible_department is not None
        else None
    )
    return head or actor


def _tracking_sync(case: ComplaintCase, *, actor: User, now: datetime) -> None:
    """Open the improvement-tracking item the finding asks for, or withdraw one not yet
    worked on when the finding no longer asks for it (CMP-11)."""
    tracked = list(case.corrective_actions.filter(from_finding=True))
    if rules.needs_improvement_tracking(case.responsibility, case.fault_cause):
        if tracked:
            return
        owner = _tracking_owner(case, actor)
        due_on = timezone.localdate(now) + timedelta(days=rules.TRACKING_DUE_DAYS)
        item = CorrectiveAction(
            case=case,
            kind=ActionKind.CORRECTIVE,
            description=_("Improvement tracking (%(cause)s): %(root)s")
            % {"cause": case.get_fault_cause_display(), "root": case.root_cause},
            owner=owner,
            due_on=due_on,
            from_finding=True,
            created_by=actor,
            created_at=now,
        )
        item.full_clean()
        item.save()
        case_note(
            case,
            actor=actor,
            now=now,
            text=_("Improvement tracking opened (owner %(owner)s, due %(due)s)")
            % {"owner": owner, "due": due_on.isoformat()},
        )
        if owner.pk != actor.pk:
            notify(
                [owner],
                _("Complaint %(number)s: improvement tracking is yours, due %(due)s")
                % {"number": case.register_no, "due": due_on.isoformat()},
                case_url(case),
            )
        return
    withdrawn = [item for item in tracked if item.status == ActionStatus.OPEN]
    for item in withdrawn:
        item.delete()
    if withdrawn:
        reason = (
            _("human negligence is exempt from tracking")
            if case.fault_cause == FaultCause.HUMAN_NEGLIGENCE
            else _("the finding is no longer a fault of ours")
        )
        case_note(
            case,
            actor=actor,
            now=now,
            text=_("Improvement tracking withdrawn: %(reason)s") % {"reason": reason},
        )
