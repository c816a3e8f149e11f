"""The REST API for departments and staff: authentication, scopes, schema."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from kefu.org import services

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {services.token_regenerate(user=user).key}")
    return client


def test_anonymous_gets_401_in_chinese():
    response = APIClient().get("/api/v1/staff/")
    assert response.status_code == 401
    assert response.json()["message"] == "身份认证信息未提供。"


def test_bad_token_is_refused(org):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/staff/").status_code == 401


def test_token_lists_only_the_scope(org):
    response = token_client(org.head).get("/api/v1/staff/")
    assert response.status_code == 200
    assert {row["username"] for row in response.json()["results"]} == {"head", "handler"}
    handler = next(r for r in response.json()["results"] if r["username"] == "handler")
    assert handler["roles"] == [{"code": "handler", "name": "处理人", "data_scope": "subtree"}]
    assert handler["department_name"] == "水电班"


def test_detail_outside_scope_is_404(org):
    client = token_client(org.agent)
    assert client.get(f"/api/v1/staff/{org.handler.pk}/").status_code == 404
    assert client.get(f"/api/v1/departments/{org.repairs.pk}/").status_code == 404
    assert client.get(f"/api/v1/staff/{org.agent.pk}/").status_code == 200


def test_departments_for_gm_and_filters(org):
    client = token_client(org.gm)
    everything = client.get("/api/v1/departments/").json()["results"]
    assert len(everything) == 8
    teams = client.get("/api/v1/departments/?kind=team").json()["results"]
    assert {d["code"] for d in teams} == {"fo-hot", "rep-sd", "mkt-cm"}


def test_staff_filters(org):
    client = token_client(org.admin)
    handlers = client.get("/api/v1/staff/?role=handler").json()["results"]
    assert [r["username"] for r in handlers] == ["handler"]
    found = client.get("/api/v1/staff/?q=KF00").json()["results"]
    assert {r["username"] for r in found} == {"agent", "shiftlead"}


def test_keyset_pagination(org):
    client = token_client(org.admin)
    first = client.get("/api/v1/staff/?page_size=4").json()
    second = client.get(first["next"]).json()
    assert len(first["results"]) == 4
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert "cursor=" in first["next"]


def test_api_is_read_only_for_org(org):
    client = token_client(org.admin)
    response = client.post("/api/v1/departments/", {"name": "X", "code": "x", "kind": "team"})
    assert response.status_code == 405
    from kefu.org.models import Department

    assert not Department.objects.filter(code="x").exists()


def test_revoked_token_stops_working(org):
    client = token_client(org.agent)
    assert client.get("/api/v1/staff/").status_code == 200
    services.token_revoke(user=org.agent)
    assert client.get("/api/v1/staff/").status_code == 401
    assert not AuthToken.objects.filter(user=org.agent).exists()


def test_session_auth_works_for_logged_in_browsers(client_as, org):
    response = client_as(org.agent).get("/api/v1/departments/")
    assert [d["code"] for d in response.json()["results"]] == ["fo-hot"]


def test_schema_and_local_docs(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/staff/" in paths and "/api/v1/departments/{id}/" in paths
    docs = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower() and "//unpkg" not in docs
