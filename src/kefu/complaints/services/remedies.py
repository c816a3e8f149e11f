"""Remedies for a complaint found valid: compensation (赔偿) and sales allowance (销货折让)
with an amount, goods return (退货) with a quantity; approved within the approval
authority (核决权限); a return reconciled with what the warehouse received (CMP-22)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.complaints import rules
from kefu.complaints.models import ComplaintCase, RegisterCounter, Remedy, RemedySignature
from kefu.complaints.permissions import may_handle, may_instruct
from kefu.complaints.rules import RemedyKind, RemedyStatus, Validity
from kefu.complaints.services.common import (
    case_lock,
    case_note,
    case_subject,
    case_url,
    money,
    notify,
    require,
    require_open,
)
from kefu.complaints.services.configuration import (
    approval_chain_steps,
    authority_limits,
    settings_get,
)
from kefu.core.counters import counter_next
from kefu.core.tree import subtree_q
from kefu.notify.models import NotificationKind
from kefu.org.models import User
from kefu.org.permissions import in_department
from kefu.org.roles import RoleCode


@transaction.atomic
def remedy_request(
    *,
    case: ComplaintCase,
    actor: User,
    kind: str,
    description: str,
    amount=None,
    quantity=None,
    now: datetime | None = None,
) -> Remedy:
    """Ask for compensation, an allowance (an amount) or a goods return (a quantity)."""
    now = now or timezone.now()
    case = case_lock(case)
    require_open(case)
    require(may_handle(actor, case), _("You may not propose remedies for this complaint."))
    if case.validity != Validity.VALID:
        raise ValidationError(
            {
                "kind": ValidationError(
                    _("Remedies are for a complaint found valid."), code="remedy_needs_valid"
                )
            }
        )
    if kind not in RemedyKind.values:
        raise ValidationError(
            {
                "kind": ValidationError(
                    _("Choose compensation, allowance or goods return."), code="invalid_choice"
                )
            }
        )
    is_return = kind == RemedyKind.GOODS_RETURN
    remedy = Remedy(
        case=case,
        kind=kind,
        description=(description or "").strip(),
        amount=money(amount, "amount", required=not is_return),
        quantity=money(quantity, "quantity", required=is_return),
        requested_by=actor,
        requested_at=now,
    )
    remedy.full_clean()
    remedy.save()
    case_note(
        case,
        actor=actor,
        now=now,
        text=_("%(kind)s requested: %(what)s")
        % {"kind": remedy.get_kind_display(), "what": _remedy_what(remedy)},
    )
    _approvers_tell(remedy, actor=actor)
    return remedy


def _approvers_tell(remedy: Remedy, *, actor: User) -> None:
    """Notify whoever may approve the remedy at the lowest level that covers it (a
    department head: of the handling department), never the requester."""
    case = remedy.case
    chain = remedy_chain(remedy)
    if chain:
        _signers_tell(remedy, rules.chain_next(chain, ()), actor=actor)
        return
    level = rules.lowest_level(remedy.amount or Decimal(0), authority_limits())
    approvers = (
        User.objects.active().filter(roles__code=level.role).distinct()
        if level
        else User.objects.none()
    )
    if level and level.role == RoleCode.DEPARTMENT_HEAD and case.ticket.department is not None:
        approvers = approvers.filter(subtree_q("department", case.ticket.department))
    notify(
        [u for u in approvers if u.pk != actor.pk],
        _("Complaint %(number)s: a remedy awaits your approval") % {"number": case.register_no},
        case_url(case),
        kind=NotificationKind.TASK,
        subject=case_subject(case),
    )


def _remedy_what(remedy: Remedy) -> str:
    if remedy.kind == RemedyKind.GOODS_RETURN:
        return _("quantity %(q)s") % {"q": rules.yuan(remedy.quantity)}
    return _("%(amount)s yuan") % {"amount": rules.yuan(remedy.amount)}


def _remedy_lock(remedy: Remedy) -> Remedy:
    case = case_lock(remedy.case)
    remedy = Remedy.objects.select_for_update().get(pk=remedy.pk)
    remedy.case = case
    return remedy


def remedy_chain(
    remedy: Remedy, *, steps: list[rules.ChainStep] | None = None
) -> list[rules.ChainStep]:
    """The approval chain a sales allowance is signed through (CMP-21), in order; empty
    for other remedies, which one approver decides within their authority."""
    if remedy.kind != RemedyKind.ALLOWANCE:
        return []
    if steps is None:
        steps = approval_chain_steps()
    return rules.chain_for(remedy.amount or Decimal(0), steps)


def _holds_level(user, remedy: Remedy, step: rules.ChainStep) -> bool:
    """Whether *user* may sign *step* of the remedy's chain: holds its role (a department
    head: over the handling department) and signed no other level of it."""
    if not user.is_active or remedy.requested_by_id == user.pk:
        return False
    if step.role not in user.role_codes():
        return False
    if any(sig.signed_by_id == user.pk for sig in remedy.signatures.all()):
        return False
    if step.role == RoleCode.DEPARTMENT_HEAD:
        return any(in_department(user, d) for d in _manager_departments(remedy))
    return True


def _manager_departments(remedy: Remedy) -> list:
    """The departments whose head signs a department-manager level: the handling
    department, the responsible department and the requester's department."""
    found = [
        remedy.case.ticket.department,
        remedy.case.responsible_department,
        remedy.requested_by.department,
    ]
    return [d for d in found if d is not None]


def remedy_next_level(
    remedy: Remedy, *, steps: list[rules.ChainStep] | None = None
) -> rules.ChainStep | None:
    """The level of the chain to sign next (``None``: no chain, or it is complete)."""
    chain = remedy_chain(remedy, steps=steps)
    return rules.chain_next(chain, (sig.step_order for sig in remedy.signatures.all()))


def may_approve_remedy(
    user,
    remedy: Remedy,
    *,
    limits: list[rules.Limit] | None = None,
    steps: list[rules.ChainStep] | None = None,
) -> bool:
    """Within the user's approval authority (核决权限), never the requester's own. A sales
    allowance is signed level by level: only a holder of the next level may sign it.
    *limits* (``authority_limits()``) and *steps* (``approval_chain_steps()``) may be given
    to read them once for many remedies."""
    if remedy.requested_by_id == user.pk or not user.is_active:
        return False
    if remedy_chain(remedy, steps=steps):
        step = remedy_next_level(remedy, steps=steps)
        return step is not None and _holds_level(user, remedy, step)
    if limits is None:
        limits = authority_limits()
    level = rules.approving_level(user.role_codes(), remedy.amount or Decimal(0), limits)
    if level is None:
        return False
    if level.role == RoleCode.DEPARTMENT_HEAD:
        # a department head approves for the handling department only
        return in_department(user, remedy.case.ticket.department)
    return True


@transaction.atomic
def remedy_decide(
    *, remedy: Remedy, actor: User, approve: bool, note: str = "", now: datetime | None = None
) -> Remedy:
    """Approve or reject a remedy within the approver's authority."""
    now = now or timezone.now()
    remedy = _remedy_lock(remedy)
    case = remedy.case
    require_open(case)
    if remedy.status != RemedyStatus.PENDING:
        raise ValidationError(
            {
                "approve": ValidationError(
                    _("This remedy is already decided."), code="remedy_decided"
                )
            }
        )
    note = (note or "").strip()
    chain = remedy_chain(remedy)
    if chain:
        return _remedy_sign(remedy, chain, actor=actor, approve=approve, note=note, now=now)
    amount = remedy.amount or Decimal(0)
    limits = authority_limits()
    if not may_approve_remedy(actor, remedy, limits=limits):
        level = rules.lowest_level(amount, limits)
        raise PermissionDenied(
            _("%(amount)s yuan is beyond your approval authority: it needs %(level)s.")
            % {
                "amount": rules.yuan(remedy.amount or 0),
                "level": level.label if level else _("a level that covers the amount"),
            }
        )
    if not approve and not note:
        raise ValidationError(
            {
                "note": ValidationError(
                    _("Give the reason for rejecting it."), code="rejection_needs_reason"
                )
            }
        )
    remedy.status = RemedyStatus.APPROVED if approve else RemedyStatus.REJECTED
    remedy.approved_by = actor
    remedy.approved_at = now
    remedy.decision_note = note
    level = rules.approving_level(actor.role_codes(), amount, limits)
    remedy.approval_level = level.label if level else ""
    remedy.save()
    case_note(
        case,
        actor=actor,
        now=now,
        text=_("%(kind)s %(what)s: %(decision)s")
        % {
            "kind": remedy.get_kind_display(),
            "what": _remedy_what(remedy),
            "decision": remedy.get_status_display(),
        },
    )
    notify(
        [remedy.requested_by],
        _("Complaint %(number)s: remedy %(decision)s")
        % {"number": case.register_no, "decision": remedy.get_status_display()},
        case_url(case),
        kind=NotificationKind.COMPLAINT_DECISION,
        subject=case_subject(case),
    )
    return remedy


def _signers_tell(remedy: Remedy, step: rules.ChainStep | None, *, actor: User) -> None:
    """Notify the holders of the chain's next level (department heads: of the handling
    department), never the requester or whoever signed already."""
    if step is None:
        return
    case = remedy.case
    signers = User.objects.active().filter(roles__code=step.role).distinct()
    if step.role == RoleCode.DEPARTMENT_HEAD:
        signers = [u for u in signers if _holds_level(u, remedy, step)]
    skip = {sig.signed_by_id for sig in remedy.signatures.all()} | {
        actor.pk,
        remedy.requested_by_id,
    }
    notify(
        [u for u in signers if u.pk not in skip],
        _("Complaint %(number)s: a sales allowance awaits your signature (%(level)s)")
        % {"number": case.register_no, "level": step.label},
        case_url(case),
    )


def _remedy_sign(
    remedy: Remedy,
    chain: list[rules.ChainStep],
    *,
    actor: User,
    approve: bool,
    note: str,
    now: datetime,
) -> Remedy:
    """Sign the next level of an allowance's chain (CMP-21). A refusal ends the chain with
    its reason; the last signature approves the allowance and issues its certificate."""
    case = remedy.case
    step = rules.chain_next(chain, (sig.step_order for sig in remedy.signatures.all()))
    assert step is not None  # a pending remedy with a chain has a level left to sign
    if not _holds_level(actor, remedy, step):
        raise PermissionDenied(
            _("The sales allowance is waiting for the signature of %(level)s: not yours.")
            % {"level": step.label}
        )
    if not approve and not note:
        raise ValidationError(
            {
                "note": ValidationError(
                    _("Give the reason for rejecting it."), code="rejection_needs_reason"
                )
            }
        )
    RemedySignature.objects.create(
        remedy=remedy,
        step_order=step.order,
        label=step.label,
        role=step.role,
        signed_by=actor,
        signed_at=now,
        approved=approve,
        note=note,
    )
    following = rules.chain_next(chain, [*(s.order for s in chain if s.order <= step.order)])
    if not approve:
        remedy.status = RemedyStatus.REJECTED
    elif following is None:
        remedy.status = RemedyStatus.APPROVED
        day = timezone.localdate(now)
        serial = counter_next(RegisterCounter, f"allowance:{day:%Y-%m}")
        remedy.certificate_no = f"ZR{day:%Y%m}{serial:03d}"
        remedy.certificate_issued_at = now
    if remedy.status != RemedyStatus.PENDING:
        remedy.approved_by = actor
        remedy.approved_at = now
        remedy.approval_level = step.label
        remedy.decision_note = note
    remedy.save()
    if not approve:
        text = _("Sales allowance %(what)s refused at %(level)s: %(note)s")
    elif following is None:
        text = _("Sales allowance %(what)s signed at %(level)s: certificate %(certificate)s issued")
    else:
        text = _("Sales allowance %(what)s signed at %(level)s; next: %(next)s")
    values = {
        "what": _remedy_what(remedy),
        "level": step.label,
        "note": note,
        "certificate": remedy.certificate_no,
        "next": following.label if following else "",
    }
    case_note(case, actor=actor, now=now, text=text % values)
    if remedy.status == RemedyStatus.PENDING:
        _signers_tell(remedy, following, actor=actor)
    else:
        notify(
            [remedy.requested_by],
            _("Complaint %(number)s: remedy %(decision)s")
            % {"number": case.register_no, "decision": remedy.get_status_display()},
            case_url(case),
        )
    return remedy


@transaction.atomic
def remedy_receive(
    *, remedy: Remedy, actor: User, actual_quantity, now: datetime | None = None
) -> Remedy:
    """Record the quantity the warehouse actually received for an approved return and
    reconcile it with the approved quantity (CMP-22): within the tolerance the actual
    quantity is booked; beyond it a head's instruction is needed first."""
    now = now or timezone.now()
    remedy = _remedy_lock(remedy)
    case = remedy.case
    require(may_handle(actor, case), _("You may not record this return."))
    actual = _received_quantity(remedy, actual_quantity)
    assert remedy.quantity is not None  # a goods return is requested with its quantity
    result = rules.reconcile_return(
        approved=remedy.quantity,
        actual=actual,
        tolerance_percent=settings_get().return_tolerance_percent,
    )
    remedy.actual_quantity = actual
    remedy.received_at = now
    if not result.needs_instruction:
        remedy.booked_quantity = result.booked
    remedy.save()
    if result.needs_instruction:
        text = _(
            "Return received: %(actual)s against %(approved)s approved, over the tolerance; "
            "a head's instruction is needed"
        )
        _heads_tell_over_tolerance(case)
    else:
        text = _("Return received: %(actual)s against %(approved)s approved; booked")
    case_note(
        case,
        actor=actor,
        now=now,
        text=text % {"actual": rules.yuan(actual), "approved": rules.yuan(remedy.quantity)},
    )
    return remedy


def _received_quantity(remedy: Remedy, actual_quantity) -> Decimal:
    """The received quantity in hundredths; a ``ValidationError`` when the remedy is not
    an approved return still to receive, or the quantity is not a number of at least 0."""
    field = "actual_quantity"
    if remedy.kind != RemedyKind.GOODS_RETURN or remedy.status != RemedyStatus.APPROVED:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Only an approved goods return is received."),
                    code="remedy_not_receivable",
                )
            }
        )
    if remedy.actual_quantity is not None:
        raise ValidationError(
            {
                field: ValidationError(
                    _("The received quantity is already recorded."), code="return_received"
                )
            }
        )
    try:
        actual = Decimal(str(actual_quantity)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {field: ValidationError(_("Enter a number."), code="invalid")}
        ) from None
    if actual < 0:
        raise ValidationError(
            {field: ValidationError(_("The quantity cannot be negative."), code="min_value")}
        )
    return actual


def _heads_tell_over_tolerance(case: ComplaintCase) -> None:
    """The heads of the handling department are asked for an instruction."""
    heads = User.objects.active().filter(roles__code=RoleCode.DEPARTMENT_HEAD)
    if case.ticket.department is not None:
        heads = heads.filter(subtree_q("department", case.ticket.department))
    notify(
        list(heads.distinct()),
        _("Complaint %(number)s: returned goods over the approved quantity")
        % {"number": case.register_no},
        case_url(case),
        kind=NotificationKind.ESCALATION,
        subject=case_subject(case),
    )


@transaction.atomic
def remedy_instruct(
    *, remedy: Remedy, actor: User, instruction: str, now: datetime | None = None
) -> Remedy:
    """A head's instruction on a return over the tolerance: the actual quantity is booked."""
    now = now or timezone.now()
    remedy = _remedy_lock(remedy)
    case = remedy.case
    require(may_instruct(actor, case), _("Only a head instructs on returns over the tolerance."))
    if not remedy.awaits_instruction:
        raise ValidationError(
            {
                "instruction": ValidationError(
                    _("This return needs no instruction."), code="instruction_not_needed"
                )
            }
        )
    instruction = (instruction or "").strip()
    if not instruction:
        raise ValidationError(
            {"instruction": ValidationError(_("Write the instruction."), code="required")}
        )
    remedy.instruction = instruction
    remedy.instructed_by = actor
    remedy.booked_quantity = remedy.actual_quantity
    remedy.save()
    case_note(
        case,
        actor=actor,
        now=now,
        text=_("Instruction on the return: %(text)s") % {"text": instruction},
    )
    return remedy
