"""Who may do what with return visits, plans and questionnaires (on top of the data scope)."""

from __future__ import annotations

from kefu.org.permissions import in_department, is_admin
from kefu.org.roles import RoleCode as R
from kefu.tickets.permissions import is_head_of

# Roles that call customers back (besides the visit's own visitor).
VISITOR_ROLES = (R.AGENT, R.SHIFT_LEADER, R.QUALITY_INSPECTOR, R.CUSTOMER_MANAGER)
# Roles that may draw spot checks and read every figure in their scope.
SUPERVISOR_ROLES = (R.SHIFT_LEADER, R.QUALITY_INSPECTOR, R.DEPARTMENT_HEAD, R.CM_SUPERVISOR)


def may_record(user, visit) -> bool:
    """The visit's visitor, or a caller of the return-visit team; never the handler whose
    work is being checked (unless an administrator)."""
    if is_admin(user) or user.has_role(R.GENERAL_MANAGER):
        return True
    if visit.handler_id == user.pk:
        return False
    if visit.assignee_id == user.pk:
        return True
    return user.has_role(*VISITOR_ROLES) and in_department(user, visit.team)


def may_close_dissatisfied(user, visit) -> bool:
    """A head of the handling department (or a general manager)."""
    return is_admin(user) or user.has_role(R.GENERAL_MANAGER) or is_head_of(user, visit.department)


def may_supervise(user) -> bool:
    return is_admin(user) or user.has_role(R.GENERAL_MANAGER, *SUPERVISOR_ROLES)


def may_plan(user) -> bool:
    """Open return-visit files and record planned visits."""
    return is_admin(user) or user.has_role(
        R.GENERAL_MANAGER, R.CUSTOMER_MANAGER, R.CM_SUPERVISOR, R.AGENT, R.SHIFT_LEADER
    )


def may_configure(user) -> bool:
    return is_admin(user)


def may_survey_by_phone(user) -> bool:
    """Fill a campaign questionnaire with a customer on the phone (outside a return visit)."""
    return is_admin(user) or user.has_role(
        R.GENERAL_MANAGER, *VISITOR_ROLES, R.CM_SUPERVISOR, R.DEPARTMENT_HEAD
    )
