"""An agent's bell counts a new notice without reloading the page, the bell's page shows one
line per order, and opening the order reads its notices."""

import re

import pytest
from playwright.sync_api import expect

from kefu.notify.models import NotificationKind
from kefu.notify.services import notify_users
from kefu.org import services
from kefu.tickets import services as ticket_services
from kefu.tickets.states import Action
from kefu.tickets.tests.conftest import catalog, new_ticket  # noqa: F401  (shared fixtures)
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Hotline-2026-pass"


def test_new_notices_appear_without_reloading_and_opening_reads_them(
    page,
    org,
    new_ticket,  # noqa: F811
):
    services.staff_set_password(user=org.agent, password=PASSWORD)
    page.clock.install()
    log_in(page, "agent", PASSWORD)
    expect(page.get_by_role("heading", name="我的工作台")).to_be_visible()
    expect(page.get_by_test_id("bell-count")).to_be_hidden()  # nothing unread

    # the handler resolves the agent's order: the agent is told, and has its return visit
    ticket = new_ticket(dispatch=True)
    for action, extra in (
        (Action.SIGN, {}),
        (Action.START, {}),
        (Action.RESOLVE, {"resolution": "已更换水管"}),
    ):
        ticket = ticket_services.ticket_transition(
            ticket=ticket, action=action, actor=org.handler, **extra
        )
    # and the time-limit clock finds three of its milestones late
    for name in ("首次联系", "到场", "修复"):
        notify_users(
            [org.agent],
            text=f"{ticket.number} 已超时：“{name}”",
            url=f"/tickets/{ticket.pk}/",
            kind=NotificationKind.SLA_OVERDUE,
            subject=ticket.number,
        )
    page.clock.run_for(31_000)  # the bell asks every 30 seconds
    expect(page.get_by_test_id("bell-count")).to_have_text("5")
    expect(page.get_by_role("heading", name="我的工作台")).to_be_visible()  # same page

    page.get_by_test_id("bell").click()
    group = page.get_by_test_id("notification-group")
    expect(group).to_have_count(1)
    expect(group).to_contain_text(f"{ticket.number}：1 条待办任务、3 条超时提醒、1 条工单进展")
    # the line leads to what most needs the agent, the return visit; opening it reads the
    # order's notices
    group.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/followups/\d+/$"))
    expect(page.get_by_test_id("bell-count")).to_be_hidden()
