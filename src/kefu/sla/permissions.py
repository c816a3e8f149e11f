"""Who may change working calendars and SLA policies: administrators; everyone may read."""

from kefu.org.permissions import can_manage_org


def can_manage_sla(user) -> bool:
    return can_manage_org(user)
