"""The module navigation shown in the top bar, filtered by what the user may use."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from kefu.complaints.apps import NAV_LABEL as COMPLAINTS_NAV_LABEL
from kefu.customers.apps import NAV_LABEL as CUSTOMERS_NAV_LABEL
from kefu.followups.apps import NAV_LABEL as FOLLOWUPS_NAV_LABEL
from kefu.org.permissions import can_manage_org
from kefu.sla.apps import NAV_LABEL as SLA_NAV_LABEL


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    key: str
    active: bool


def navigation_for(user, path: str) -> list[NavItem]:
    """The menu, in order; Alt+1 … Alt+9 follow the first nine entries."""
    items = [
        (_("My workspace"), reverse("site:home")),
        (_("New order"), reverse("tickets:intake")),
        (_("Work orders"), reverse("tickets:queue")),
        (str(CUSTOMERS_NAV_LABEL), reverse("customers:lookup")),
        (_("Departments"), reverse("org:department_list")),
        (_("Staff"), reverse("org:staff_list")),
        # after Staff, so the existing Alt+1 … Alt+6 keep their places
        (str(FOLLOWUPS_NAV_LABEL), reverse("followups:queue")),
        # after Return visits, so Alt+1 … Alt+7 keep their places
        (str(COMPLAINTS_NAV_LABEL), reverse("complaints:list")),
        (_("API"), reverse("api-docs")),
    ]
    if can_manage_org(user):
        items.append((_("Order settings"), reverse("tickets:config")))
        items.append((str(SLA_NAV_LABEL), reverse("calendars:calendar_list")))
        items.append((_("Roles"), reverse("org:role_list")))
    if user.is_superuser:
        items.append((_("Admin site"), reverse("admin:index")))
    home = reverse("site:home")
    intake = reverse("tickets:intake")
    return [
        NavItem(
            label=label,
            url=url,
            key=str(index) if index <= 9 else "",
            active=(path == url)
            if url == home
            else (path.startswith(url) and not (url != intake and path.startswith(intake))),
        )
        for index, (label, url) in enumerate(items, start=1)
    ]
