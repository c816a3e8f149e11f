"""``/api/v1/presets/``: administrators list the industries, preview and apply one."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kefu.complaints.services import settings_get as complaint_settings
from kefu.site.models import PresetApplication
from kefu.site.presets import settings_snapshot

pytestmark = pytest.mark.django_db
APPLY = "/api/v1/presets/apply/"


def api(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_an_administrator_previews_then_applies_and_lists(org):
    client = api(org.admin)
    before = settings_snapshot()

    preview = client.post(APPLY, {"industry": "telecom", "dry_run": True}, format="json")

    assert preview.status_code == 200
    body = preview.json()
    assert body["dry_run"] is True
    assert {
        "part": "complaints",
        "setting": "提供的投诉分类",
        "before": "所有行业",
        "after": "电信",
    } in body["changes"]
    assert settings_snapshot() == before

    applied = client.post(APPLY, {"industry": "telecom", "company": "co"}, format="json")

    assert applied.status_code == 200
    assert applied.json()["changes"] == body["changes"]
    assert applied.json()["company"] == "co"
    assert complaint_settings().industry == "telecom"
    listed = client.get("/api/v1/presets/").json()
    assert listed["companies"] == {"co": "telecom"}
    telecom = next(i for i in listed["industries"] if i["code"] == "telecom")
    assert telecom["plan_rules"] == [
        "delivery-cycle",
        "holiday-greeting",
        "key-contact-birthday",
        "new-year-a",
    ]


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"industry": "quality"}, "industry", "invalid_choice"),
        ({"industry": "power", "company": "rep"}, "company", "not_a_company"),
        ({"industry": "power", "company": "nowhere"}, "company", "does_not_exist"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(org, payload, field, code):
    before = settings_snapshot()
    response = api(org.admin).post(APPLY, payload, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, code)]
    assert settings_snapshot() == before
    assert PresetApplication.objects.count() == 0


@pytest.mark.parametrize("persona", ["agent", "head", "gm", None])
def test_nobody_else_lists_or_applies(org, persona):
    user = getattr(org, persona) if persona else None
    client = api(user)
    before = settings_snapshot()
    assert client.get("/api/v1/presets/").status_code in {401, 403}
    assert client.post(APPLY, {"industry": "power"}, format="json").status_code in {401, 403}
    assert settings_snapshot() == before
