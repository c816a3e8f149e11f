"""The outbound message log for administrators: a page with filters and an Excel export,
and ``GET /api/v1/messages/``, both showing each message's delivery state and attempts."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from kefu.notify import views
from kefu.notify.models import MessageStatus, OutboundMessage

pytestmark = pytest.mark.django_db


def make(n: int, **fields) -> list[OutboundMessage]:
    return OutboundMessage.objects.bulk_create(
        OutboundMessage(
            channel=fields.get("channel", "sms"),
            to=f"1380013{i:04d}",
            text=f"通知{i}",
            status=fields.get("status", MessageStatus.SENT),
            attempts=fields.get("attempts", 1),
        )
        for i in range(n)
    )


def test_the_page_shows_state_and_attempts_and_filters(org, client_as):
    make(2)
    [unknown] = make(1, status=MessageStatus.UNKNOWN, attempts=2)
    page = client_as(org.admin).get("/notifications/messages/", {"status": "unknown"})
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [m.pk for m in rows] == [unknown.pk]
    assert "结果未知" in page.text and "<td>2</td>" in page.text


def test_export_equals_the_page(org, client_as):
    make(3)
    make(2, status=MessageStatus.FAILED)
    client = client_as(org.admin)
    page = client.get("/notifications/messages/", {"status": "failed"})
    export = client.get("/notifications/messages/", {"status": "failed", "export": "xlsx"})
    sheet = load_workbook(BytesIO(export.content)).active
    ids = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert ids == [m.pk for m in page.context["rows"]]
    assert [c.value for c in sheet[1]][6:8] == ["状态", "尝试次数"]


@pytest.mark.parametrize("persona", ["agent", "shift_leader", "head", "gm"])
def test_only_administrators_see_the_log(org, client_as, persona):
    make(1)
    assert client_as(getattr(org, persona)).get("/notifications/messages/").status_code == 403
    assert client_as(getattr(org, persona)).get("/api/v1/messages/").status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    assert client.get("/notifications/messages/").status_code == 302
    assert client.get("/api/v1/messages/").status_code in (401, 403)


@pytest.mark.parametrize("size", [2, 10])
def test_the_page_reads_a_constant_number_of_queries(
    org, client_as, monkeypatch, django_assert_num_queries, size
):
    monkeypatch.setattr(views, "PAGE_SIZE", size)
    make(12)
    client = client_as(org.admin)
    client.get("/notifications/messages/")  # warm the session and caches
    # session, user, roles ×2, the page of messages, the bell's count, the session saved
    with django_assert_num_queries(9):
        assert len(client.get("/notifications/messages/").context["rows"]) == size


def test_the_api_lists_messages_with_their_delivery_state(org, client_as):
    [message] = make(1, status=MessageStatus.UNKNOWN, attempts=2)
    body = client_as(org.admin).get("/api/v1/messages/", {"status": "unknown"}).json()
    [item] = body["results"]
    assert item["id"] == message.pk
    assert (item["status"], item["attempts"], item["ticket"]) == ("unknown", 2, None)


@pytest.mark.parametrize("size", [2, 10])
def test_the_api_reads_a_constant_number_of_queries(
    org, client_as, django_assert_num_queries, size
):
    make(12)
    client = client_as(org.admin)
    client.get("/api/v1/messages/")
    with django_assert_num_queries(7):  # session, user, roles, the page, the session saved
        assert len(client.get("/api/v1/messages/", {"page_size": size}).json()["results"]) == size


def test_the_api_is_in_the_schema(org, client_as):
    schema = client_as(org.admin).get("/api/v1/schema/", {"format": "json"}).json()
    assert set(schema["paths"]["/api/v1/messages/"]) == {"get"}
    assert "/api/v1/messages/{id}/" in schema["paths"]


def test_administrators_reach_the_log_from_the_notifications_page(org, client_as):
    assert 'href="/notifications/messages/"' in client_as(org.admin).get("/notifications/").text
    assert "/notifications/messages/" not in client_as(org.agent).get("/notifications/").text
