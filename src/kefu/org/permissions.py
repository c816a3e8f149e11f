"""Who may do what in the organisation module, and the checks every module builds on."""

from kefu.core.tree import in_subtree
from kefu.org.roles import ORG_MANAGER_ROLES, RoleCode


def is_admin(user) -> bool:
    """A superuser or a holder of the administrator role: every module lets them act.

    Asks nothing about the login state; callers that may see anonymous or inactive users
    check those first (as :func:`can_manage_org` does).
    """
    return user.is_superuser or user.has_role(RoleCode.ADMINISTRATOR)


def in_department(user, department) -> bool:
    """*user* works in *department* or in a department below it."""
    return bool(
        department is not None
        and user.department_id
        and in_subtree(user.department.path, department.path)
    )


def over_department(user, department) -> bool:
    """*department* is *user*'s own department or one below it."""
    return bool(
        department is not None
        and user.department_id
        and in_subtree(department.path, user.department.path)
    )


def can_manage_org(user) -> bool:
    """Administrators (and superusers) create, edit and deactivate departments and staff."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or user.has_role(*ORG_MANAGER_ROLES)


def can_manage_token(actor, target) -> bool:
    """A user manages their own API token; administrators manage anyone's."""
    return actor.pk == target.pk or can_manage_org(actor)
