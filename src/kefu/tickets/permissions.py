"""Who may take which action on a work order (on top of the data scope)."""

from __future__ import annotations

from kefu.org.models import DepartmentKind
from kefu.org.permissions import in_department, is_admin, over_department
from kefu.org.roles import RoleCode as R
from kefu.tickets.states import Action


def is_head_of(user, department) -> bool:
    """A head answers for his department and every team under it, not for those above."""
    return user.has_role(R.DEPARTMENT_HEAD) and over_department(user, department)


def in_office(user) -> bool:
    return bool(user.department_id and user.department.kind == DepartmentKind.OFFICE)


def may_take(user, ticket, action: str) -> bool:
    """Whether *user* may take *action* on *ticket* (the status rule is checked elsewhere)."""
    if is_admin(user):
        return True
    is_first_responder = ticket.first_responder_id == user.pk
    front_desk = user.has_role(R.AGENT, R.SHIFT_LEADER)
    handling = ticket.owner_id == user.pk or in_department(user, ticket.department)
    head = is_head_of(user, ticket.department) or user.has_role(R.GENERAL_MANAGER)
    match Action(action):
        case Action.SETTLE:
            return is_first_responder
        case Action.DISPATCH:
            return is_first_responder or front_desk
        case Action.SIGN | Action.RETURN | Action.START | Action.RESOLVE | Action.RESUME:
            return handling
        case Action.SUSPEND | Action.TRANSFER:
            return head
        case Action.RULE:
            return in_office(user)
        case Action.REQUEST_VISIT | Action.CLOSE | Action.REOPEN:
            return is_first_responder or front_desk or head
        case Action.CANCEL:
            return is_first_responder or user.has_role(R.SHIFT_LEADER) or head
    return False


def may_supervise(user, ticket) -> bool:
    return is_admin(user) or user.has_role(R.GENERAL_MANAGER) or is_head_of(user, ticket.department)
