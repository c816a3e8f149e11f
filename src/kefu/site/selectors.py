"""Reads for the workspace (我的工作台)."""

from __future__ import annotations

from kefu.core import health
from kefu.core.workspace import cards_for
from kefu.org.permissions import can_manage_org
from kefu.org.roles import DataScope
from kefu.org.scopes import viewer_for
from kefu.org.selectors import departments_visible, staff_visible
from kefu.site.industries import INDUSTRIES
from kefu.site.presets import installation_industry


def workspace_summary(user) -> dict:
    """Counts and facts for the user's workspace, all within the user's data scope."""
    viewer = viewer_for(user)
    summary = {
        "scope": DataScope(viewer.scope).label,
        "departments_visible": departments_visible(user).filter(is_active=True).count(),
        "staff_visible": staff_visible(user).filter(is_active=True).count(),
        "roles": [role.name for role in user.roles.order_by("id")],
        "can_manage_org": can_manage_org(user),
        "cards": cards_for(user),
    }
    if can_manage_org(user):
        summary["health"] = {
            "database": health.check_database(),
            "queue": health.check_queue(),
            "worker": health.check_worker(),
        }
        industry = INDUSTRIES.get(installation_industry())
        summary["industry"] = industry.label if industry else None
    return summary
