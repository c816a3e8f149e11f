"""Logging in, throttling, idle timeout, CSRF and password change."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from kefu.org import services
from kefu.org.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "Hotline-2026-pass"


@pytest.fixture
def agent(org):
    return services.staff_set_password(user=org.agent, password=PASSWORD)


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_with_password_lands_on_the_workspace(client, agent):
    response = login(client, "agent", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert "我的工作台" in client.get("/").content.decode()


def test_wrong_password_is_explained_in_chinese(client, agent):
    response = login(client, "agent", "wrong-password")
    assert response.status_code == 200
    assert "登录名或密码错误" in response.content.decode()


def test_deactivated_account_cannot_log_in(client, agent, org):
    services.staff_set_active(user=agent, active=False, actor=org.admin)
    response = login(client, "agent", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, agent, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "agent", "wrong-password")
    response = login(client, "agent", PASSWORD)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # other users, from another address, are not locked out by someone else's failures
    assert login(Client(REMOTE_ADDR="198.51.100.9"), "admin", "wrong-password").status_code == 200


def test_failures_across_many_user_names_lock_the_address(agent, org, settings):
    """Password spraying: one wrong password per user name, all from one address."""
    sprayer = "203.0.113.7"
    names = ["gm", "admin", "head", "handler", "inspector", "shift_leader", "cm_supervisor"]
    for name in names[: settings.AXES_FAILURE_LIMIT]:
        login(Client(REMOTE_ADDR=sprayer), name, "wrong-password")
    # the next attempt from that address is refused, even with a right password
    response = login(Client(REMOTE_ADDR=sprayer), "agent", PASSWORD)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    # the same account from another address still logs in
    assert login(Client(REMOTE_ADDR="198.51.100.9"), "agent", PASSWORD).status_code == 302


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(agent, settings):
    """Behind the TLS proxy every request comes from the proxy: the lock must not be on it."""
    settings.BEHIND_TLS_PROXY = True
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sprayer = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")
        login(sprayer, "admin", "wrong-password")
    # a forged left-most entry does not get the sprayer out of the lock
    forged = Client(**proxy, HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.7")
    assert login(forged, "agent", PASSWORD).status_code == 429
    # someone else behind the same proxy still logs in
    colleague = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert login(colleague, "agent", PASSWORD).status_code == 302


def test_lockout_ends_after_the_cool_off(client, agent, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "agent", "wrong-password")
    later = timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert login(client, "agent", PASSWORD).status_code == 302


def test_idle_session_expires(client, agent, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login(client, "agent", PASSWORD)
    with time_machine.travel(
        start + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60), tick=False
    ):
        assert client.get("/").status_code == 200  # activity slides the expiry forward
    idle_end = start + timedelta(seconds=2 * settings.SESSION_COOKIE_AGE + 60)
    with time_machine.travel(idle_end, tick=False):
        response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_post_without_csrf_token_is_refused(agent, org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.admin)
    response = client.post(f"/org/staff/{agent.pk}/active/", {"active": "0"})
    assert response.status_code == 403
    assert "表单已过期" in response.content.decode()
    assert User.objects.get(pk=agent.pk).is_active


def test_password_change(client, agent):
    login(client, "agent", PASSWORD)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Another-2026-pass",
            "new_password2": "Another-2026-pass",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(pk=agent.pk).check_password("Another-2026-pass")
    assert client.get("/").status_code == 200  # still logged in after the change


def test_password_change_with_wrong_old_password(client, agent):
    login(client, "agent", PASSWORD)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "nope",
            "new_password1": "Another-2026-pass",
            "new_password2": "Another-2026-pass",
        },
    )
    assert "旧密码不正确" in response.content.decode()
    assert User.objects.get(pk=agent.pk).check_password(PASSWORD)


def test_logout_needs_post(client, agent):
    login(client, "agent", PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302
