"""The calendar API: answers, bad parameters in Chinese."""

import pytest
from rest_framework.test import APIClient

from kefu.api.testing import field_errors

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("query", "due", "provisional"),
    [
        pytest.param(
            "start=2026-09-30T16:00:00%2B08:00&amount=5&unit=working_days",
            "2026-10-13T17:30:00+08:00",
            False,
            id="working-days",
        ),
        pytest.param(
            "start=2026-09-30T16:00:00 08:00&amount=4&unit=working_hours",
            "2026-10-08T11:00:00+08:00",
            False,
            id="unencoded-plus",
        ),
        pytest.param(
            "start=2026-09-30T08:00:00Z&amount=30&unit=minutes&calendar=24x7",
            "2026-09-30T16:30:00+08:00",
            False,
            id="utc-24x7",
        ),
        pytest.param(
            "start=2026-12-31T10:00:00%2B08:00&amount=2&unit=working_days",
            "2027-01-04T17:30:00+08:00",
            True,
            id="provisional",
        ),
    ],
)
def test_calendar_add(org, standard, query, due, provisional):
    response = api(org.agent).get(f"/api/v1/calendar/add/?{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["due"] == due
    assert body["provisional"] is provisional
    assert body["calendar"] in {"standard", "24x7"}


@pytest.mark.parametrize(
    ("query", "param", "word"),
    [
        pytest.param("amount=1&unit=hours", "start", "start"),
        pytest.param("start=yesterday&amount=1&unit=hours", "start", "ISO 8601"),
        pytest.param("start=2026-05-06T09:00:00&amount=1&unit=hours", "start", "时区"),
        pytest.param("start=2026-05-06T09:00:00Z&amount=-1&unit=hours", "amount", "amount"),
        pytest.param("start=2026-05-06T09:00:00Z&amount=x&unit=hours", "amount", "整数"),
        pytest.param("start=2026-05-06T09:00:00Z&amount=1&unit=weeks", "unit", "working_days"),
        pytest.param(
            "start=2026-05-06T09:00:00Z&amount=1&unit=hours&calendar=mars", "calendar", "mars"
        ),
    ],
)
def test_calendar_add_bad_parameters(org, standard, query, param, word):
    response = api(org.agent).get(f"/api/v1/calendar/add/?{query}")
    assert response.status_code == 400
    message = field_errors(response)[param][0]
    assert param in message and word in message


def test_add_follows_a_local_holiday(org, standard):
    client = api(org.admin)
    query = "start=2026-05-06T09:00:00%2B08:00&amount=1&unit=working_days"
    assert client.get(f"/api/v1/calendar/add/?{query}").json()["due"] == (
        "2026-05-07T17:30:00+08:00"
    )
    created = client.post(
        "/api/v1/calendar-days/",
        {"calendar": "standard", "date": "2026-05-07", "kind": "holiday", "name": "店庆"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["source"] == "local"
    assert client.get(f"/api/v1/calendar/add/?{query}").json()["due"] == (
        "2026-05-08T17:30:00+08:00"
    )
    duplicate = client.post(
        "/api/v1/calendar-days/",
        {"calendar": "standard", "date": "2026-05-07", "kind": "holiday", "name": "店庆"},
        format="json",
    )
    assert duplicate.status_code == 400 and "2026-05-07" in field_errors(duplicate)["date"][0]
    removed = client.delete(f"/api/v1/calendar-days/{created.json()['id']}/")
    assert removed.status_code == 204


def test_calendar_days(org, standard):
    response = api(org.agent).get("/api/v1/calendar/days/?year=2026&calendar=standard")
    assert response.status_code == 200
    body = response.json()
    assert body["loaded"] is True and len(body["days"]) == 365
    by_date = {d["date"]: d for d in body["days"]}
    assert by_date["2026-10-01"] | {} == {
        "date": "2026-10-01",
        "kind": "holiday",
        "kind_display": "节假日",
        "name": "国庆节",
        "source": "statutory",
    }
    assert by_date["2026-10-10"]["kind"] == "makeup_workday"
    assert by_date["2026-10-12"]["kind"] == "workday"
    assert by_date["2026-10-11"]["kind"] == "weekend"
    bad = api(org.agent).get("/api/v1/calendar/days/?year=abc")
    assert bad.status_code == 400 and "year" in field_errors(bad)["year"][0]
    unloaded = api(org.agent).get("/api/v1/calendar/days/?year=2090").json()
    assert unloaded["loaded"] is False


def test_anonymous_is_refused():
    assert APIClient().get("/api/v1/calendar/add/").status_code == 401
