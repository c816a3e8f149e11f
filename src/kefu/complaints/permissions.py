"""Who may do what with a complaint case file (on top of the work order's data scope)."""

from __future__ import annotations

from kefu.complaints.seeds import CONFIDENTIAL_GROUP
from kefu.org.permissions import in_department, is_admin
from kefu.org.roles import RoleCode as R
from kefu.tickets.permissions import in_office, is_head_of

# The auth group whose members read tip-off reporters' identities (举报保密处理人). It is a
# Django group so that administrators assign it on the admin site; a role with the code
# below, once the organisation module offers one, counts the same.
CONFIDENTIAL_ROLE = "confidential_handler"


def is_confidential_handler(user) -> bool:
    """Only the named confidential handlers — not administrators, not general managers,
    not superusers unless they are named too."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.has_role(CONFIDENTIAL_ROLE):
        return True
    cached = getattr(user, "_kefu_confidential", None)
    if cached is None:
        cached = user.groups.filter(name=CONFIDENTIAL_GROUP).exists()
        user._kefu_confidential = cached
    return cached


def may_handle(user, case) -> bool:
    """Record classification, facts, actions and remedies: the handling department, the
    order's handler and first responder, the office, quality inspectors, general managers."""
    ticket = case.ticket
    return bool(
        is_admin(user)
        or user.has_role(R.GENERAL_MANAGER, R.QUALITY_INSPECTOR)
        or in_office(user)
        or ticket.owner_id == user.pk
        or ticket.first_responder_id == user.pk
        or in_department(user, ticket.department)
    )


def may_decide(user, case) -> bool:
    """Decide validity and responsibility: a head of the handling department, a quality
    inspector (QA decides responsibility, CMP-05), the office's heads, a general manager."""
    return bool(
        is_admin(user)
        or user.has_role(R.GENERAL_MANAGER, R.QUALITY_INSPECTOR)
        or is_head_of(user, case.ticket.department)
        or (in_office(user) and user.has_role(R.DEPARTMENT_HEAD))
    )


def may_verify(user, action) -> bool:
    """Verify a corrective action: a decider, never the action's own owner."""
    return action.owner_id != user.pk and may_decide(user, action.case)


def may_instruct(user, case) -> bool:
    """Instruct on a return over the tolerance: a department head or a general manager."""
    return bool(is_admin(user) or user.has_role(R.GENERAL_MANAGER, R.DEPARTMENT_HEAD))


def may_propose_penalty(user, case) -> bool:
    return may_decide(user, case)


def may_review_penalties(user) -> bool:
    """The month's penalty review is the general manager's (CMP-20)."""
    return bool(user.is_superuser or user.has_role(R.GENERAL_MANAGER))


def may_see_statistics(user) -> bool:
    return bool(
        is_admin(user)
        or in_office(user)
        or user.has_role(R.GENERAL_MANAGER, R.DEPARTMENT_HEAD, R.QUALITY_INSPECTOR, R.SHIFT_LEADER)
    )


def may_audit(user) -> bool:
    """Read the log of accesses to reporters' identities (not the identities)."""
    return bool(is_admin(user) or user.has_role(R.GENERAL_MANAGER, R.QUALITY_INSPECTOR))


def may_configure(user) -> bool:
    return is_admin(user)
