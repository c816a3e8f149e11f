"""The SLA API, and writes to the calendar and SLA API per persona."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from kefu.api.testing import field_errors
from kefu.calendars.models import CalendarDay
from kefu.sla import services
from kefu.sla.models import SlaMilestone, SlaPolicy

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("persona", ["agent", "head", "gm"])
def test_non_administrators_write_nothing(org, standard, persona):
    services.sla_preset_load(industry="property")
    client = api(getattr(org, persona))
    policy = SlaPolicy.objects.get(code="property-repair")
    milestone = policy.milestones.first()
    day = CalendarDay.objects.get(calendar=standard, date=date(2026, 10, 1))
    counts = (CalendarDay.objects.count(), SlaPolicy.objects.count(), SlaMilestone.objects.count())
    responses = [
        client.post(
            "/api/v1/calendar-days/",
            {"calendar": "standard", "date": "2026-05-07", "kind": "holiday", "name": "x"},
            format="json",
        ),
        client.delete(f"/api/v1/calendar-days/{day.pk}/"),
        client.post("/api/v1/sla-policies/", {"code": "x", "name": "x"}, format="json"),
        client.patch(f"/api/v1/sla-policies/{policy.pk}/", {"name": "x"}, format="json"),
        client.patch(f"/api/v1/sla-milestones/{milestone.pk}/", {"amount": 1}, format="json"),
        client.delete(f"/api/v1/sla-milestones/{milestone.pk}/"),
    ]
    assert [r.status_code for r in responses] == [403] * 6
    assert "管理员" in responses[0].json()["message"]
    assert counts == (
        CalendarDay.objects.count(),
        SlaPolicy.objects.count(),
        SlaMilestone.objects.count(),
    )
    assert client.get("/api/v1/sla-policies/").status_code == 200
    assert client.get("/api/v1/calendars/standard/").json()["loaded_years"][-1] >= 2026


def test_admin_writes_policies_through_the_api(org, standard):
    client = api(org.admin)
    created = client.post(
        "/api/v1/sla-policies/",
        {
            "code": "vip",
            "name": "VIP 投诉",
            "order": 1,
            "ticket_types": ["complaint"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    policy_id = created.json()["id"]
    milestone = client.post(
        "/api/v1/sla-milestones/",
        {
            "policy": policy_id,
            "kind": "reply",
            "amount": 2,
            "unit": "working_hours",
            "calendar": "standard",
        },
        format="json",
    )
    assert milestone.status_code == 201, milestone.content
    assert milestone.json()["position"] == 1
    assert milestone.json()["warning_thresholds"] == [50, 80]
    bad = client.post(
        "/api/v1/sla-milestones/",
        {
            "policy": policy_id,
            "kind": "reply",
            "amount": 2,
            "unit": "working_hours",
            "calendar": "standard",
            "warning_thresholds": [90, 10],
        },
        format="json",
    )
    assert bad.status_code == 400 and "warning_thresholds" in field_errors(bad)
    patched = client.patch(
        f"/api/v1/sla-policies/{policy_id}/", {"is_active": False}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["is_active"] is False
    listed = client.get("/api/v1/sla-policies/?code=vip").json()["results"]
    assert listed[0]["milestones"][0]["calendar"] == "standard"


def test_schema_documents_the_parameters(org, standard):
    schema = api(org.admin).get("/api/v1/schema/?format=json").json()
    add = schema["paths"]["/api/v1/calendar/add/"]["get"]
    assert {p["name"] for p in add["parameters"]} == {"start", "amount", "unit", "calendar"}
    assert "/api/v1/calendar/days/" in schema["paths"]
    assert "/api/v1/sla-policies/" in schema["paths"]
