"""The customer API: scope, masking, lookup, create/update with field errors, visits."""

import pytest
from rest_framework.test import APIClient

from kefu.api.testing import field_errors
from kefu.customers.models import Contact, Customer, VisitPlan, VisitRecord
from kefu.customers.tests.conftest import new_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def as_user(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return as_user


def test_anonymous_callers_get_nothing(api, customer):
    assert api(None).get("/api/v1/customers/").status_code in (401, 403)
    response = api(None).post("/api/v1/customers/", {"name": "x"}, format="json")
    assert response.status_code in (401, 403)
    assert Customer.objects.count() == 1


def test_list_is_scoped_and_masked(api, org, customer, second_manager):
    mine = api(org.account_manager).get("/api/v1/customers/").json()["results"]
    assert [c["code"] for c in mine] == [customer.code]
    assert mine[0]["contacts"][0]["mobile"] == "13812345678"
    assert mine[0]["grade"] == "" and mine[0]["service_tier"] == ""
    other = api(second_manager).get("/api/v1/customers/").json()["results"]
    assert other[0]["contacts"][0]["mobile"] == "138****5678"
    assert other[0]["id_number"] == "913501********0Y43"
    assert api(org.handler).get("/api/v1/customers/").json()["results"] == []
    assert api(org.handler).get(f"/api/v1/customers/{customer.pk}/").status_code == 404


@pytest.mark.parametrize(
    "params",
    [{"phone": "138-1234-5678"}, {"account": "DL0012345678"}, {"q": "锦城"}],
    ids=["phone", "account", "name"],
)
def test_lookup_for_the_hotline(api, org, customer, params):
    response = api(org.agent).get("/api/v1/customers/lookup/", params)
    assert response.status_code == 200
    assert [c["code"] for c in response.json()] == [customer.code]
    assert response.json()[0]["contacts"][0]["mobile"] == "138****5678"


def test_lookup_by_phone_ignores_account_matches(api, org, customer):
    response = api(org.agent).get("/api/v1/customers/lookup/", {"phone": "0012345678"})
    assert response.json() == []


def test_create_with_contacts_and_accounts(api, org):
    response = api(org.account_manager).post(
        "/api/v1/customers/",
        {
            "name": "API客户",
            "kind": "individual",
            "account_manager": org.account_manager.pk,
            "grade": "A",
            "contacts": [{"name": "API客户", "is_key": True, "mobile": "13511112222"}],
            "accounts": [{"number": "api-1", "kind": "power"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["grade"], body["grade_is_temporary"], body["accounts"][0]["number"]) == (
        "A",
        True,
        "API-1",
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"contacts": [{"name": "甲", "mobile": "123"}]}, "contact_mobile"),
        ({"id_type": "resident_id", "id_number": "440304199003074511"}, "id_number"),
        ({"grade": "E"}, "grade"),
        ({"accounts": [{"number": "DL0012345678"}]}, "account_number"),
    ],
    ids=["phone", "id-number", "grade", "duplicate-account"],
)
def test_create_refuses_bad_fields_and_saves_nothing(api, org, customer, payload, field):
    response = api(org.account_manager).post(
        "/api/v1/customers/",
        {
            "name": "坏数据",
            "kind": "individual",
            "account_manager": org.account_manager.pk,
            **payload,
        },
        format="json",
    )
    assert response.status_code == 400
    assert field in field_errors(response)
    assert not Customer.objects.filter(name="坏数据").exists()


def test_unknown_manager_is_refused(api, org):
    response = api(org.cm_supervisor).post(
        "/api/v1/customers/",
        {"name": "无经理", "kind": "individual", "account_manager": org.handler.pk},
        format="json",
    )
    assert response.status_code == 400 and "account_manager" in field_errors(response)
    assert not Customer.objects.filter(name="无经理").exists()


def test_agent_cannot_create_or_update(api, org, customer):
    client = api(org.agent)
    assert client.post("/api/v1/customers/", {"name": "x"}, format="json").status_code == 403
    response = client.patch(f"/api/v1/customers/{customer.pk}/", {"name": "x"}, format="json")
    assert response.status_code in (403, 404)
    customer.refresh_from_db()
    assert customer.name == "成都锦城物业有限公司"


def test_update_and_contact_endpoints(api, org, customer):
    client = api(org.account_manager)
    response = client.patch(
        f"/api/v1/customers/{customer.pk}/", {"address": "锦城大道2号"}, format="json"
    )
    assert response.status_code == 200 and response.json()["address"] == "锦城大道2号"
    response = client.post(
        "/api/v1/contacts/",
        {"customer": customer.pk, "name": "赵出纳", "mobile": "13322224444"},
        format="json",
    )
    assert response.status_code == 201, response.content
    bad = client.post(
        "/api/v1/contacts/", {"customer": customer.pk, "name": "坏", "mobile": "1"}, format="json"
    )
    assert bad.status_code == 400 and "mobile" in field_errors(bad)
    assert Contact.objects.filter(customer=customer).count() == 3


def test_visit_plans_and_records(api, org, customer):
    client = api(org.account_manager)
    response = client.post(
        "/api/v1/visit-plans/",
        {"customer": customer.pk, "purpose": "回访", "planned_start": "2030-01-02T10:00:00+08:00"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["status"] == "submitted"
    response = client.post(
        "/api/v1/visits/",
        {"customer": customer.pk, "visited_at": "2026-01-02T10:00:00+08:00", "discussed": "需求"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert VisitPlan.objects.count() == 1 and VisitRecord.objects.count() == 1
    assert api(org.handler).get("/api/v1/visits/").json()["results"] == []


def test_schema_documents_the_customer_endpoints(api, org):
    schema = api(org.admin).get("/api/v1/schema/?format=json").json()
    for path in [
        "/api/v1/customers/",
        "/api/v1/customers/lookup/",
        "/api/v1/contacts/",
        "/api/v1/visits/",
        "/api/v1/visit-plans/",
    ]:
        assert path in schema["paths"]


def test_other_team_cannot_add_contacts(api, org, customer):
    outsider = new_customer(org.account_manager)
    response = api(org.handler).post(
        "/api/v1/contacts/", {"customer": outsider.pk, "name": "x"}, format="json"
    )
    assert response.status_code in (400, 403, 404)
    assert not Contact.objects.filter(name="x").exists()
