"""Every API error is JSON in one envelope: ``code``, ``message`` in the user's language and
``errors`` naming each field at fault; never HTML, never a traceback."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError

from kefu.tickets import selectors as ticket_selectors

pytestmark = pytest.mark.django_db


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"code", "message", "errors"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"], body
    for error in body["errors"]:
        assert set(error) == {"field", "code", "message"}, error
    return body


def test_a_missing_field_is_named_with_its_rule_in_chinese(org, api):
    response = api(org.agent).post("/api/v1/tickets/", {"title": "停水"}, format="json")
    body = assert_envelope(response, 400, "invalid")
    assert {"field": "category", "code": "required", "message": "该字段是必填项。"} in body[
        "errors"
    ]
    assert "category" in body["message"] and "channel" in body["message"]


def test_a_service_rule_is_a_field_error_of_the_envelope(org, api):
    client = api(org.admin)
    day = {"calendar": "standard", "date": "2026-05-07", "kind": "holiday", "name": "店庆"}
    assert client.post("/api/v1/calendar-days/", day, format="json").status_code == 201
    duplicate = client.post("/api/v1/calendar-days/", day, format="json")
    body = assert_envelope(duplicate, 400, "invalid")
    [error] = body["errors"]
    assert error["field"] == "date" and "2026-05-07" in error["message"]


def test_a_refused_move_names_the_action_and_a_missing_need_its_rule(org, api, new_ticket):
    ticket = new_ticket()
    client = api(org.agent)

    closed = client.post(f"/api/v1/tickets/{ticket.number}/actions/close/", {}, format="json")
    [error] = assert_envelope(closed, 400, "invalid")["errors"]
    assert error["field"] == "action" and "受理" in error["message"]
    assert error["code"] == "transition_not_allowed"

    returned = client.post(f"/api/v1/tickets/{ticket.number}/actions/cancel/", {}, format="json")
    [error] = assert_envelope(returned, 400, "invalid")["errors"]
    assert error == {"field": "reason", "code": "required", "message": "请填写原因。"}


def test_a_method_a_resource_does_not_take_is_405(org, api):
    assert_envelope(
        api(org.gm).post("/api/v1/complaints/", {}, format="json"), 405, "method_not_allowed"
    )


def test_anonymous_is_told_in_chinese(api):
    body = assert_envelope(api(None).get("/api/v1/staff/"), 401, "not_authenticated")
    assert body == {"code": "not_authenticated", "message": "身份认证信息未提供。", "errors": []}


def test_the_message_follows_the_users_language(org, client_as):
    org.agent.language = "en"
    org.agent.save(update_fields=["language"])
    response = client_as(org.agent).post("/api/v1/tickets/", {}, content_type="application/json")
    body = assert_envelope(response, 400, "invalid")
    assert {"field": "title", "code": "required", "message": "This field is required."} in body[
        "errors"
    ]
    assert body["message"].startswith("Check these fields")


def test_a_wrong_role_is_403(org, api):
    response = api(org.agent).post(
        "/api/v1/categories/", {"code": "x", "name": "x", "ticket_type": "x"}, format="json"
    )
    assert_envelope(response, 403, "permission_denied")


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/v1/no-such-thing/", 404, "not_found"),
        ("get", "/api/v2/tickets/", 404, "not_found"),
        ("get", "/api/v1/tickets/NOPE/", 404, "not_found"),
        ("delete", "/api/v1/tickets/", 405, "method_not_allowed"),
        ("put", "/api/v1/calendar/days/", 405, "method_not_allowed"),
    ],
)
def test_unknown_addresses_and_methods_answer_json(org, api, method, path, status, code):
    response = getattr(api(org.agent), method)(path)
    assert_envelope(response, status, code)


COMPLAINT_ACTIONS = [
    "classify",
    "validity",
    "tell-customer",
    "attribution",
    "capa",
    "capa/1/done",
    "capa/1/verify",
    "remedies",
    "remedies/1/decide",
    "remedies/1/receive",
    "remedies/1/instruct",
    "penalties",
    "resolve",
    "close",
    "reporter",
]


@pytest.mark.parametrize("action", COMPLAINT_ACTIONS)
def test_a_complaint_id_that_is_not_a_number_is_404(org, api, action):
    response = api(org.gm).post(f"/api/v1/complaints/abc/{action}/", {}, format="json")
    assert_envelope(response, 404, "not_found")


@pytest.mark.parametrize("year", ["0.0", "0", "99999", "-1", "2026.5"])
def test_a_calendar_day_year_out_of_range_is_400(org, api, year):
    response = api(org.agent).get(f"/api/v1/calendar-days/?year={year}")
    body = assert_envelope(response, 400, "invalid")
    assert [e["field"] for e in body["errors"]] == ["year"]


def test_a_calendar_day_year_in_range_filters(org, api):
    response = api(org.agent).get("/api/v1/calendar-days/?year=2026")
    assert response.status_code == 200
    assert {row["date"][:4] for row in response.json()["results"]} <= {"2026"}


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
    ],
    ids=["operational", "interface"],
)
def test_a_dropped_database_connection_is_a_retryable_503(org, api, error):
    client = api(org.agent)
    with mock.patch.object(ticket_selectors, "queue", side_effect=error):
        response = client.get("/api/v1/tickets/")
    assert_envelope(response, 503, "database_busy")
    assert response["Retry-After"] == "5"


def test_an_unexpected_error_is_a_json_500_without_a_traceback(org, api):
    client = api(org.agent)
    client.raise_request_exception = False
    with mock.patch.object(ticket_selectors, "queue", side_effect=RuntimeError("boom")):
        response = client.get("/api/v1/tickets/")
    body = assert_envelope(response, 500, "server_error")
    assert "boom" not in response.content.decode() and "Traceback" not in body["message"]


def test_a_page_outside_the_api_keeps_its_html_404(org, client_as):
    response = client_as(org.agent).get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.fixture
def small_uploads(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000


def test_an_oversized_json_body_is_413(org, api, small_uploads):
    body = {"category": "x", "channel": "phone", "title": "t", "description": "水" * 5_000}
    response = api(org.agent).post("/api/v1/tickets/", body, format="json")
    assert_envelope(response, 413, "request_too_large")


def test_an_oversized_form_body_is_413(org, api, small_uploads):
    body = {"category": "x", "channel": "phone", "title": "t", "description": "x" * 5_000}
    response = api(org.agent).post("/api/v1/tickets/", body)
    assert_envelope(response, 413, "request_too_large")


def test_a_dropped_connection_before_the_view_is_a_json_503_too(org, client_as):
    """The session is read by a middleware, before DRF's view: Django's error view answers."""
    from django.contrib.sessions.backends.db import SessionStore

    client = client_as(org.agent)
    client.raise_request_exception = False
    closed = OperationalError("server closed the connection unexpectedly")
    with mock.patch.object(SessionStore, "load", side_effect=closed):
        response = client.get("/api/v1/tickets/")
    assert_envelope(response, 503, "database_busy")
    assert response["Retry-After"] == "5"


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1999-12", "2101-01"])
def test_a_complaint_statistics_month_outside_the_years_kefu_counts_is_400(org, api, month):
    response = api(org.gm).get(f"/api/v1/complaints/statistics/?month={month}")
    body = assert_envelope(response, 400, "invalid")
    assert body["errors"][0]["field"] == "month"
    assert "2000" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "query", ["start=0001-01-01&end=0001-01-02", "start=9999-12-30&end=9999-12-31"]
)
def test_satisfaction_dates_outside_the_years_kefu_counts_are_400(org, api, query):
    response = api(org.gm).get(f"/api/v1/satisfaction/?{query}")
    body = assert_envelope(response, 400, "invalid")
    assert body["errors"][0]["message"] == "请选择 2000 年至 2100 年之间的日期。"


@pytest.mark.parametrize(
    "path",
    [
        "/complaints/statistics/?month=9999-12",
        "/followups/report/?start=0001-01-01&end=0001-01-02",
        "/customers/visits/weekly/all/?week=9999-12-31",
    ],
)
def test_pages_with_dates_outside_the_years_kefu_counts_answer_without_an_error(
    org, client_as, path
):
    client = client_as(org.gm)
    client.raise_request_exception = False
    assert client.get(path).status_code in {200, 400}


@pytest.mark.parametrize(
    "path", ["/api/v1/tickets/GD-NONE/", "/api/v1/calendar/days/?year=0.0", "/api/v1/tickets/"]
)
def test_a_browser_asking_for_html_still_gets_json(org, client, path):
    response = client.get(path, HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert response.status_code >= 400
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"code", "message", "errors"}


def test_a_missing_object_is_named_in_the_users_language_not_by_its_model(org, api):
    body = assert_envelope(api(org.admin).get("/api/v1/calendars/nope/"), 404, "not_found")
    assert "WorkCalendar" not in body["message"]


def test_a_rule_of_a_service_keeps_its_code(org, api, new_ticket):
    ticket = new_ticket()
    client = api(org.agent)

    supervised = client.post(
        f"/api/v1/tickets/{ticket.number}/actions/supervise/", {}, format="json"
    )
    [error] = assert_envelope(supervised, 400, "invalid")["errors"]
    assert error == {"field": "due", "code": "required", "message": "请填写督办期限。"}
