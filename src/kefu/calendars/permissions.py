"""Who may change working calendars: administrators; everyone may read."""

from kefu.org.permissions import can_manage_org


def can_manage_calendars(user) -> bool:
    return can_manage_org(user)
