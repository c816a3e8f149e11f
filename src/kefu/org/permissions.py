"""Who may do what in the organisation module."""

from kefu.org.roles import ORG_MANAGER_ROLES


def can_manage_org(user) -> bool:
    """Administrators (and superusers) create, edit and deactivate departments and staff."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or user.has_role(*ORG_MANAGER_ROLES)


def can_manage_token(actor, target) -> bool:
    """A user manages their own API token; administrators manage anyone's."""
    return actor.pk == target.pk or can_manage_org(actor)
