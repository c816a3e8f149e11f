"""The roles a staff member can hold, and the data scope each grants by default.

Pure: no ORM. The ``Role`` table mirrors these codes so administrators can change a role's
scope; this module is the source of the codes and their defaults.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoleCode(models.TextChoices):
    AGENT = "agent", _("Agent")
    HANDLER = "handler", _("Handler")
    SHIFT_LEADER = "shift_leader", _("Shift leader")
    CUSTOMER_MANAGER = "customer_manager", _("Account manager")
    CM_SUPERVISOR = "cm_supervisor", _("Account-manager supervisor")
    QUALITY_INSPECTOR = "quality_inspector", _("Quality inspector")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    GENERAL_MANAGER = "general_manager", _("General manager")
    ADMINISTRATOR = "administrator", _("Administrator")
    # 举报保密处理人: the only role that may read a tip-off reporter's sealed identity
    CONFIDENTIAL_HANDLER = "confidential_handler", _("Confidential tip-off handler")


class DataScope(models.TextChoices):
    """How far a role sees. Ordered from narrowest to widest."""

    OWN = "own", _("Only records I take part in")
    SUBTREE = "subtree", _("My department and its sub-departments, plus my own records")
    ALL = "all", _("Everything")


SCOPE_ORDER = {DataScope.OWN: 0, DataScope.SUBTREE: 1, DataScope.ALL: 2}

DEFAULT_SCOPES: dict[str, str] = {
    RoleCode.AGENT: DataScope.SUBTREE,
    RoleCode.HANDLER: DataScope.SUBTREE,
    RoleCode.SHIFT_LEADER: DataScope.SUBTREE,
    RoleCode.CUSTOMER_MANAGER: DataScope.SUBTREE,
    RoleCode.CM_SUPERVISOR: DataScope.SUBTREE,
    RoleCode.QUALITY_INSPECTOR: DataScope.SUBTREE,
    RoleCode.DEPARTMENT_HEAD: DataScope.SUBTREE,
    RoleCode.GENERAL_MANAGER: DataScope.ALL,
    RoleCode.ADMINISTRATOR: DataScope.ALL,
    RoleCode.CONFIDENTIAL_HANDLER: DataScope.OWN,
}

# Roles that may manage the organisation (departments, staff, roles).
ORG_MANAGER_ROLES = frozenset({RoleCode.ADMINISTRATOR})
