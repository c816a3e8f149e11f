"""Every error of the customer archive carries a stable code: the API answers it next to
the field at fault (``errors[*].code``)."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kefu.customers.errors import CODES
from kefu.customers.models import Contact, Customer, VisitPlan, VisitRecord
from kefu.customers.tests.conftest import new_customer

APP = Path(__file__).resolve().parent.parent


def field_codes(response) -> set[tuple[str | None, str]]:
    """``(field, code)`` of each error in an API error body."""
    return {(error["field"], error["code"]) for error in response.json()["errors"]}


def _is_validation_error(node: ast.AST) -> bool:
    func = node.func if isinstance(node, ast.Call) else None
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name == "ValidationError"


# Every ValidationError of every app carries a code: kefu/api/tests/test_error_codes_in_source.py
# scans the whole source. Here: the codes this app uses are listed with their meaning.


def test_the_codes_are_listed_with_a_description():
    used = set()
    for path in APP.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _is_validation_error(node):
                used |= {
                    k.value.value
                    for k in node.keywords
                    if k.arg == "code" and isinstance(k.value, ast.Constant)
                }
    assert used - set(CODES) == set()
    assert all(str(description) for description in CODES.values())


# ---------------------------------------------------------------------------- the API


@pytest.fixture
def client(org):
    client = APIClient()
    client.force_authenticate(org.account_manager)
    return client


def _new_customer_payload(org, **fields):
    return {
        "name": "坏数据",
        "kind": "individual",
        "account_manager": org.account_manager.pk,
        **fields,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"name": ""}, ("name", "blank")),
        ({"contacts": [{"name": "甲", "mobile": "123"}]}, ("contact_mobile", "invalid_phone")),
        (
            {"contacts": [{"name": "甲", "mobile": "02887654321"}]},
            ("contact_mobile", "landline_as_mobile"),
        ),
        (
            {"id_type": "resident_id", "id_number": "440304199003074511"},
            ("id_number", "id_number_check_digit"),
        ),
        ({"id_number": "440304199003074511"}, ("id_number", "id_type_required")),
        ({"grade": "E"}, ("grade", "unknown_grade")),
        ({"service_tier": "gold"}, ("service_tier", "unknown_service_tier")),
        ({"accounts": [{"number": "DL0012345678"}]}, ("account_number", "account_number_taken")),
        (
            {"accounts": [{"number": "X-1"}, {"number": "x-1"}]},
            ("account1_number", "account_number_repeated"),
        ),
        (
            {"contacts": [{"name": "甲", "is_key": True}, {"name": "乙", "is_key": True}]},
            ("contacts", "one_key_contact"),
        ),
    ],
    ids=[
        "blank-name",
        "phone",
        "landline",
        "check-digit",
        "no-id-type",
        "grade",
        "tier",
        "taken-account",
        "repeated-account",
        "two-key-contacts",
    ],
)
def test_creating_a_customer_answers_the_field_and_code(client, org, customer, payload, expected):
    response = client.post(
        "/api/v1/customers/", _new_customer_payload(org, **payload), format="json"
    )
    assert response.status_code == 400, response.content
    assert expected in field_codes(response)
    assert response.json()["code"] == "invalid"
    assert not Customer.objects.filter(name="坏数据").exists()


@pytest.mark.django_db
def test_a_manager_who_is_none_answers_not_account_manager(org):
    client = APIClient()
    client.force_authenticate(org.cm_supervisor)
    response = client.post(
        "/api/v1/customers/",
        {"name": "无经理", "kind": "individual", "account_manager": org.handler.pk},
        format="json",
    )
    assert response.status_code == 400
    assert field_codes(response) == {("account_manager", "not_account_manager")}
    assert not Customer.objects.filter(name="无经理").exists()


@pytest.mark.django_db
def test_updating_a_customer_answers_the_field_and_code(client, customer):
    response = client.patch(
        f"/api/v1/customers/{customer.pk}/",
        {"id_type": "resident_id", "id_number": "12345"},
        format="json",
    )
    assert response.status_code == 400
    assert field_codes(response) == {("id_number", "invalid_id_number")}
    customer.refresh_from_db()
    assert customer.id_type == "credit_code"


@pytest.mark.django_db
def test_a_lookup_without_a_key_answers_required(client):
    response = client.get("/api/v1/customers/lookup/")
    assert response.status_code == 400
    assert field_codes(response) == {("q", "required")}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"name": "坏", "mobile": "1"}, ("mobile", "invalid_phone")),
        ({"name": "坏", "mobile": "028-87654321"}, ("mobile", "landline_as_mobile")),
        ({"name": "坏", "phone": "12"}, ("phone", "invalid_phone")),
        ({"mobile": "13322224444"}, ("name", "required")),
    ],
    ids=["mobile", "landline", "phone", "no-name"],
)
def test_adding_a_contact_answers_the_field_and_code(client, customer, payload, expected):
    before = Contact.objects.count()
    response = client.post("/api/v1/contacts/", {"customer": customer.pk, **payload}, format="json")
    assert response.status_code == 400
    assert expected in field_codes(response)
    assert Contact.objects.count() == before


@pytest.mark.django_db
def test_changing_a_contact_answers_the_field_and_code(client, customer):
    contact = customer.contacts.first()
    response = client.patch(f"/api/v1/contacts/{contact.pk}/", {"mobile": "1"}, format="json")
    assert response.status_code == 400
    assert field_codes(response) == {("mobile", "invalid_phone")}
    contact.refresh_from_db()
    assert contact.mobile != "1"


@pytest.mark.django_db
def test_a_visit_plan_answers_the_field_and_code(client, org, customer):
    other = new_customer(org.account_manager)
    response = client.post(
        "/api/v1/visit-plans/",
        {
            "customer": customer.pk,
            "purpose": "回访",
            "planned_start": "2030-01-02T10:00:00+08:00",
            "planned_end": "2030-01-02T09:00:00+08:00",
        },
        format="json",
    )
    assert response.status_code == 400
    assert field_codes(response) == {("planned_end", "end_before_start")}
    response = client.post(
        "/api/v1/visit-plans/",
        {
            "customer": customer.pk,
            "contact": other.contacts.first().pk,
            "purpose": "回访",
            "planned_start": "2030-01-02T10:00:00+08:00",
        },
        format="json",
    )
    assert response.status_code == 400
    assert field_codes(response) == {("contact", "other_customers_contact")}
    assert VisitPlan.objects.count() == 0


@pytest.mark.django_db
def test_a_visit_record_answers_the_field_and_code(client, org, customer):
    from kefu.customers.services.visits import visit_plan_submit

    plan = visit_plan_submit(
        customer=customer,
        manager=org.account_manager,
        purpose="回访",
        planned_start=timezone.now() + timedelta(days=1),
    )
    response = client.post(
        "/api/v1/visits/",
        {
            "customer": customer.pk,
            "visited_at": (timezone.now() + timedelta(days=1)).isoformat(),
            "discussed": "需求",
        },
        format="json",
    )
    assert response.status_code == 400
    assert field_codes(response) == {("visited_at", "in_future")}
    response = client.post(
        "/api/v1/visits/",
        {
            "customer": customer.pk,
            "plan": plan.pk,
            "visited_at": "2026-01-02T10:00:00+08:00",
            "discussed": "需求",
        },
        format="json",
    )
    assert response.status_code == 400
    assert field_codes(response) == {("plan", "plan_not_approved")}
    assert VisitRecord.objects.count() == 0
