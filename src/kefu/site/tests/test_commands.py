"""The kefu command line: demo data, createadmin, serve's arguments."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kefu.core.demodata import DEMO_PASSWORD
from kefu.org.demo import DEMO_LOGINS
from kefu.org.models import Department, Role, User

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        sorted(Department.objects.values_list("code", "name", "path")),
        sorted(User.objects.values_list("username", "full_name", "phone", "employee_no")),
    )


def test_demo_loads_once_and_reruns_change_nothing(capsys):
    call_command("demo", no_serve=True)
    output = capsys.readouterr().out
    first = snapshot()
    assert len(first[0]) == 17 and len(first[1]) == 52
    assert "http://127.0.0.1:8000/" in output
    for username, *_ in DEMO_LOGINS:
        assert username in output
    counts = row_counts()
    call_command("demo", no_serve=True)
    assert snapshot() == first
    assert row_counts() == counts  # every table: the rerun adds nothing, tip-offs included


def row_counts() -> dict[str, int]:
    from django.apps import apps

    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_demo_never_overwrites_what_users_changed():
    from kefu.org import services

    call_command("demo", no_serve=True)
    agent = User.objects.get(username="agent")
    services.staff_update(user=agent, full_name="改过的名字", phone="13700000000")
    services.staff_set_password(user=agent, password="Changed-2026-pass")
    call_command("demo", no_serve=True)
    agent.refresh_from_db()
    assert (agent.full_name, agent.phone) == ("改过的名字", "13700000000")
    assert agent.check_password("Changed-2026-pass")


def test_demo_logins_work_with_the_printed_password(client):
    call_command("demo", no_serve=True)
    roles_seen = set()
    for username, *_rest, roles in DEMO_LOGINS:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        roles_seen.update(roles)
    assert roles_seen == set(Role.objects.values_list("code", flat=True))
    response = client.post("/accounts/login/", {"username": "agent", "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_createadmin(capsys):
    call_command("createadmin", "root2", password="Admin-2026-strong")
    user = User.objects.get(username="root2")
    assert user.is_superuser and user.has_role("administrator")
    with pytest.raises(CommandError, match="already exists"):
        call_command("createadmin", "root2", password="Admin-2026-strong")


def test_createadmin_refuses_a_weak_password():
    with pytest.raises(CommandError, match="password"):
        call_command("createadmin", "root3", password="123")
    assert not User.objects.filter(username="root3").exists()


@pytest.mark.parametrize("bind", ["8000", "localhost:", ":8000", "localhost:99999", "host:http"])
def test_serve_refuses_a_bad_bind(bind):
    with pytest.raises(CommandError, match="HOST:PORT"):
        call_command("serve", bind=bind)


def test_demo_history_lies_in_the_past():
    """No demo order, timeline line or time limit starts in the future."""
    from django.utils import timezone

    from kefu.sla.models import TicketDeadline
    from kefu.tickets.models import Ticket, TicketEvent

    call_command("demo", no_serve=True)
    now = timezone.now()
    assert Ticket.objects.exists()
    assert not Ticket.objects.filter(created_at__gt=now).exists()
    assert not TicketEvent.objects.filter(created_at__gt=now).exists()
    assert not TicketDeadline.objects.filter(started_at__gt=now).exists()


def test_createadmin_without_a_terminal_asks_for_the_password_option(monkeypatch):
    import io

    monkeypatch.delenv("KEFU_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="give --password or set KEFU_ADMIN_PASSWORD"):
        call_command("createadmin", "root4")
    assert not User.objects.filter(username="root4").exists()
