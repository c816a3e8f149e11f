"""In-app notifications about orders, as the people they reach meet them: grouped per order
and kind on the bell's page, read when the order is opened, and mutable by kind for news
about others' work, never for what someone must act on."""

import re

import pytest

from kefu.notify.models import Notification, NotificationKind
from kefu.notify.services import notify_users
from kefu.tickets import services
from kefu.tickets.states import Action
from kefu.tickets.tests.rendered import rendered_form

pytestmark = pytest.mark.django_db


def act(ticket, action, actor, **kwargs):
    return services.ticket_transition(ticket=ticket, action=action, actor=actor, **kwargs)


def handled(new_ticket, org):
    """An order the agent took, dispatched, signed, started and resolved by the handler."""
    ticket = new_ticket(dispatch=True)
    ticket = act(ticket, Action.SIGN, org.handler)
    ticket = act(ticket, Action.START, org.handler)
    return act(ticket, Action.RESOLVE, org.handler, resolution="已更换水管")


def unread(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def test_the_notices_of_one_order_are_grouped_by_kind(client_as, org, new_ticket):
    ticket = handled(new_ticket, org)
    # the time-limit clock reminds the agent of three milestones of the same order
    for name in ("首次联系", "到场", "修复"):
        notify_users(
            [org.agent],
            text=f"{ticket.number} 已超时：“{name}”",
            url=f"/tickets/{ticket.pk}/",
            kind=NotificationKind.SLA_OVERDUE,
            subject=ticket.number,
        )
    assert unread(org.agent) == 5  # resolved, the return visit to make, three overdue
    other = handled(new_ticket, org)
    page = client_as(org.agent).get("/notifications/").content.decode()
    # one line per order: its progress, deadlines and return visit together
    assert len(re.findall(r'data-testid="notification-group"', page)) == 2
    assert f"{ticket.number}：1 条待办任务、3 条超时提醒、1 条工单进展" in page
    assert f"{other.number}：1 条待办任务、1 条工单进展" in page
    # its link leads to what most needs the agent: the return visit to make
    visit = Notification.objects.get(recipient=org.agent, subject=ticket.number, kind="task")
    assert f'href="{visit.url}"' in page
    assert 'hx-trigger="every 30s"' in page  # new ones appear without reloading


def test_opening_the_order_reads_its_notices(client_as, org, new_ticket):
    ticket = handled(new_ticket, org)
    notify_users(
        [org.agent],
        text=f"{ticket.number} 已超时",
        url=f"/tickets/{ticket.pk}/",
        kind=NotificationKind.SLA_OVERDUE,
    )
    other = handled(new_ticket, org)
    assert unread(org.agent) == 5
    page = client_as(org.agent).get(f"/tickets/{ticket.pk}/").content.decode()
    # the order's notices are read, its return visit's too; the bell on the opened page
    # counts only the other order's two
    assert re.search(r'data-testid="bell-count">2<', page)
    assert not Notification.objects.filter(
        recipient=org.agent, subject=ticket.number, read_at__isnull=True
    ).exists()
    assert (
        Notification.objects.filter(
            recipient=org.agent, subject=other.number, read_at__isnull=True
        ).count()
        == 2
    )


def test_mark_all_read_as_rendered(client_as, org, new_ticket):
    handled(new_ticket, org)
    client = client_as(org.agent)
    form = rendered_form(client.get("/notifications/").content.decode(), "mark-all-read")
    assert client.post(form.action, form.fields).status_code == 302
    assert unread(org.agent) == 0


def test_a_muted_kind_is_not_written_and_a_task_still_is(client_as, org, new_ticket):
    handled(new_ticket, org)
    assert unread(org.agent) == 2  # resolved (progress), the return visit (a task)
    for person in (org.agent, org.handler):
        client = client_as(person)
        page = client.get("/notifications/settings/").content.decode()
        form = rendered_form(page, "notification-settings-form")
        assert "不可屏蔽" in page
        form.fields["muted"] = NotificationKind.PROGRESS
        assert client.post("/notifications/settings/", form.fields).status_code == 302
    # muting read the progress that was waiting; the task stays
    assert unread(org.agent) == 1
    handler_before = unread(org.handler)
    second = handled(new_ticket, org)
    agent_new = Notification.objects.filter(
        recipient=org.agent, url__in=[f"/tickets/{second.pk}/"], read_at__isnull=True
    )
    assert not agent_new.exists()  # no word of the resolution
    assert unread(org.agent) == 2  # but the second return visit to make
    # the handler muted progress too, yet the order dispatched to him reached him
    assert unread(org.handler) == handler_before + 1
    assert Notification.objects.filter(
        recipient=org.handler, url=f"/tickets/{second.pk}/", kind=NotificationKind.TASK
    ).exists()


def test_what_must_reach_someone_cannot_be_muted(client_as, org):
    client = client_as(org.gm)
    page = client.get("/notifications/settings/").content.decode()
    assert f'value="{NotificationKind.MAJOR}"' not in page
    assert f'value="{NotificationKind.ESCALATION}"' not in page
    form = rendered_form(page, "notification-settings-form")
    form.fields["muted"] = NotificationKind.MAJOR
    response = client.post("/notifications/settings/", form.fields)
    assert response.status_code == 200
    assert "有效的选项" in response.content.decode()
    api = client.put(
        "/api/v1/notifications/settings/",
        {"muted": [NotificationKind.MAJOR]},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert api.json()["errors"][0]["code"] == "not_mutable"
    assert api.json()["errors"][0]["field"] == "muted"
