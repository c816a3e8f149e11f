"""The bell and the notifications API: the count refreshes itself without keeping the person
signed in, the API groups, marks read and mutes as the pages do."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.utils import timezone
from rest_framework.test import APIClient

from kefu.api.tests.conftest import api_token
from kefu.notify.models import Notification, NotificationKind
from kefu.notify.services import notify_users

pytestmark = pytest.mark.django_db


def overdue(user, number="GD20261203-00034", pk=7, n=3):
    for i in range(n):
        notify_users(
            [user],
            text=f"{number} 已超时：第 {i + 1} 个节点",
            url=f"/tickets/{pk}/",
            kind=NotificationKind.SLA_OVERDUE,
            subject=number,
        )


def test_every_page_polls_the_bell_every_30_seconds(client_as, org):
    overdue(org.agent)
    page = client_as(org.agent).get("/").content.decode()
    assert 'hx-get="/notifications/bell/"' in page
    assert 'hx-trigger="every 30s"' in page
    assert 'data-testid="bell-count">3<' in page


def test_the_bell_shows_new_notices_and_does_not_keep_the_session_awake(client_as, org):
    client = client_as(org.agent)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get("/")
        key = client.session.session_key
        expiry = Session.objects.get(session_key=key).expire_date
    overdue(org.agent, n=2)
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        bell = client.get("/notifications/bell/", headers={"HX-Request": "true"})
    assert 'data-testid="bell-count">2<' in bell.content.decode()
    # the polling did not push the idle timeout forward
    assert Session.objects.get(session_key=key).expire_date == expiry
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        client.get("/notifications/")
    assert Session.objects.get(session_key=key).expire_date > expiry


def test_the_unread_list_refreshes_itself(client_as, org):
    client = client_as(org.agent)
    overdue(org.agent, n=2)
    part = client.get(
        "/notifications/", headers={"HX-Request": "true", "HX-Target": "unread-groups"}
    ).content.decode()
    assert part.lstrip().startswith('<section class="card" id="unread-groups"')
    assert "GD20261203-00034：2 条超时提醒" in part
    assert "<html" not in part


def test_the_api_groups_marks_read_and_mutes(org):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(org.agent)}")
    overdue(org.agent)
    overdue(org.agent, number="GD20261203-00035", pk=8, n=1)
    groups = client.get("/api/v1/notifications/groups/").json()
    assert [(g["subject"], g["count"]) for g in groups] == [
        ("GD20261203-00035", 1),
        ("GD20261203-00034", 3),
    ]
    assert groups[1]["title"] == "GD20261203-00034：3 条超时提醒"
    unread = client.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]
    assert len(unread) == 4
    assert unread[0]["subject"] == "GD20261203-00035"  # newest first

    marked = client.post("/api/v1/notifications/read/", {"url": "/tickets/7/"}, format="json")
    assert marked.json() == {"marked": 3, "unread": 1}

    settings = client.put(
        "/api/v1/notifications/settings/",
        {"muted": [NotificationKind.SLA_OVERDUE]},
        format="json",
    ).json()
    assert settings["muted"] == [NotificationKind.SLA_OVERDUE]
    assert NotificationKind.MAJOR not in settings["mutable"]
    # muting read the one left, and no new one of that kind is written
    assert client.get("/api/v1/notifications/groups/").json() == []
    overdue(org.agent, n=1)
    assert not Notification.objects.filter(recipient=org.agent, read_at__isnull=True).exists()
    # another person's notices are not in anyone else's list
    overdue(org.handler, n=1)
    assert len(client.get("/api/v1/notifications/").json()["results"]) == 4


def test_a_major_matter_reaches_the_general_manager_whatever_he_muted(org):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(org.gm)}")
    refused = client.put(
        "/api/v1/notifications/settings/", {"muted": ["major", "progress"]}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "not_mutable"
    assert "重大事项" in refused.json()["errors"][0]["message"]
    assert client.get("/api/v1/notifications/settings/").json()["muted"] == []
    notify_users([org.gm], text="重大投诉 261231", url="/complaints/1/", kind="major")
    assert Notification.objects.filter(recipient=org.gm, kind="major").count() == 1
