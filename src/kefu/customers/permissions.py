"""Who may do what with customers. Visibility itself is the data scope (selectors);
these decide actions on a customer the user can already see."""

from __future__ import annotations

from kefu.customers.policy import CustomerPolicy
from kefu.org.permissions import is_admin
from kefu.org.roles import RoleCode as R

SUPERVISOR_ROLES = (R.CM_SUPERVISOR, R.DEPARTMENT_HEAD, R.GENERAL_MANAGER, R.ADMINISTRATOR)
MANAGER_ROLES = (R.CUSTOMER_MANAGER, *SUPERVISOR_ROLES)


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def is_supervisor(user) -> bool:
    """Balances the portfolio, reassigns, approves visits, reviews grades, overrides duplicates."""
    return _active(user) and (user.is_superuser or user.has_role(*SUPERVISOR_ROLES))


def can_create_customer(user) -> bool:
    return _active(user) and (user.is_superuser or user.has_role(*MANAGER_ROLES))


def can_edit_customer(user, customer) -> bool:
    """The customer's own account manager, or a supervisor (who already sees it)."""
    if not _active(user):
        return False
    return customer.account_manager_id == user.pk or is_supervisor(user)


def can_log_contact(user, customer) -> bool:
    """Anyone who sees the customer may record a contact with it (hotline included)."""
    return _active(user)


def can_import(user) -> bool:
    return _active(user) and (is_admin(user) or user.has_role(R.CM_SUPERVISOR))


def sees_pii(user, customer, policy: CustomerPolicy) -> bool:
    """Whether *user* sees *customer*'s phones and document number unmasked by default."""
    if not _active(user):
        return False
    if customer is not None and customer.account_manager_id == user.pk:
        return True
    return user.has_role(*policy.pii_roles)


def is_directory_user(user, policy: CustomerPolicy) -> bool:
    """Front-line roles that identify callers across the whole organisation."""
    return _active(user) and user.has_role(*policy.directory_roles)
