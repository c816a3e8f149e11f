"""Every operation that takes a body answers bad input with a 400 in the error envelope,
whose codes are all among those the schema publishes (``ErrorCode``, from
``kefu.<app>.errors.CODES``, DRF's and Django's own).

Each operation is sent, as a persona allowed to call it, either nothing of what it requires
or (when it requires nothing) a value of the wrong type for every field it takes. The
records the paths name come from the demo data, loaded once for the module."""

from __future__ import annotations

from functools import cache

import pytest
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator

from kefu.api.tests.test_errors import assert_envelope

BODY_METHODS = ("post", "put", "patch")


@cache
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def body_operations() -> list[tuple[str, str, str]]:
    """(operation id, method, path) of every operation with a request body."""
    found = []
    for path, operations in schema()["paths"].items():
        for method, operation in operations.items():
            if method in BODY_METHODS and operation.get("requestBody"):
                found.append((operation["operationId"], method, path))
    return sorted(found)


def resolve(node: dict) -> dict:
    while "$ref" in node:
        node = schema()["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in node and len(node["allOf"]) == 1:
        return resolve(node["allOf"][0])
    return node


def wrong_value(node: dict):
    """A value *node*'s type refuses."""
    node = resolve(node)
    kind = node.get("type")
    if "enum" in node or node.get("format") in ("date", "date-time", "uri", "email"):
        return "not-one-of-these"
    if kind in ("integer", "number"):
        return "not a number"
    if kind == "boolean":
        return "not a boolean"
    if kind == "array":
        return "not a list"
    if kind == "object":
        return "not an object"
    return {"not": ["a", "text"]}


def bad_body(operation: dict) -> dict:
    request = resolve(operation["requestBody"]["content"]["application/json"]["schema"])
    if request.get("required"):
        return {}
    return {
        name: wrong_value(field)
        for name, field in request.get("properties", {}).items()
        if not field.get("readOnly")
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data, for the module's tests; rolled back after them."""
    from kefu.core.demodata import load_all
    from kefu.sla import engine

    with django_db_blocker.unblock(), transaction.atomic():
        load_all(progress=lambda line: None)
        engine.sla_sweep()  # the overdue orders' delay notices
        yield
        transaction.set_rollback(True)


def user(username: str):
    from kefu.org.models import User

    return User.objects.get(username=username)


def path_and_persona(path: str):
    """*path* with its parameters filled from the demo data, and who calls it."""
    from kefu.complaints.models import ComplaintCase
    from kefu.followups.models import ReturnVisit
    from kefu.sla.models import DelayNotice, OverdueInvestigation, TicketDeadline
    from kefu.tickets.models import Category, IntakeChannel, Ticket

    admin = user("admin")
    values: dict[str, object] = {}
    persona = admin
    if path.startswith("/api/v1/tickets/{number}/deadlines/"):
        if path.endswith("/delay-notice/"):
            notice = DelayNotice.objects.select_related("ticket", "deadline").first()
            if notice is None:  # the demo keeps most work on time: open one as the sweep does
                deadline = (
                    TicketDeadline.objects.filter(met_at__isnull=True, ticket__owner__isnull=False)
                    .select_related("ticket")
                    .first()
                )
                notice = DelayNotice.objects.create(
                    ticket=deadline.ticket,
                    deadline=deadline,
                    assignee=deadline.ticket.first_responder,
                    opened_at=deadline.due_at or deadline.ticket.created_at,
                )
            values = {"number": notice.ticket.number, "position": notice.deadline.position}
            persona = notice.ticket.first_responder or admin
        elif path.endswith("/investigation/"):
            investigation = OverdueInvestigation.objects.select_related("ticket", "deadline")
            investigation = investigation.first()
            if investigation is None:  # opened when a late order is closed: open one so
                deadline = TicketDeadline.objects.select_related("ticket").first()
                investigation = OverdueInvestigation.objects.create(
                    ticket=deadline.ticket,
                    deadline=deadline,
                    department=deadline.ticket.department,
                    opened_at=deadline.ticket.created_at,
                )
            values = {
                "number": investigation.ticket.number,
                "position": investigation.deadline.position,
            }
        else:
            deadline = TicketDeadline.objects.select_related("ticket").first()
            values = {"number": deadline.ticket.number, "position": deadline.position}
    elif path.startswith("/api/v1/tickets/{number}/"):
        values = {"number": Ticket.objects.order_by("pk").first().number, "action_name": "transfer"}
    elif path.startswith("/api/v1/categories/{code}/"):
        values = {"code": Category.objects.order_by("pk").first().code}
    elif path.startswith("/api/v1/channels/{code}/"):
        values = {"code": IntakeChannel.objects.order_by("pk").first().code}
    elif path.startswith("/api/v1/new-year-campaigns/{code}/"):
        from kefu.followups.selectors import new_year_rules

        values = {"code": new_year_rules().order_by("pk").first().code}
    elif path.startswith("/api/v1/complaints/{id}/"):
        complaint = ComplaintCase.objects.order_by("pk").first()
        values = {"id": complaint.pk, "item": 1}
    elif path.startswith("/api/v1/return-visits/{id}/"):
        # a visit still to make (the viewset lists those by default)
        visit = ReturnVisit.objects.filter(status="pending").order_by("pk").first()
        values = {"id": visit.pk}
    elif path.startswith("/api/v1/saved-views/{id}/"):
        from kefu.tickets.models import SavedQueueView

        view, _ = SavedQueueView.objects.get_or_create(
            owner=admin, name="维修待办", defaults={"query": "queue=all"}
        )
        values = {"id": view.pk}
    elif "{id}" in path:
        from kefu.customers.models import Contact, Customer
        from kefu.sla.models import SlaMilestone, SlaPolicy
        from kefu.tickets.models import CannedReply, RoutingRule

        model = {
            "canned-replies": CannedReply,
            "contacts": Contact,
            "customers": Customer,
            "routing-rules": RoutingRule,
            "sla-milestones": SlaMilestone,
            "sla-policies": SlaPolicy,
        }[path.split("/")[3]]
        values = {"id": model.objects.order_by("pk").first().pk}
    elif "{token}" in path:
        values = {"token": "no-such-token"}  # the answers are checked before the token
    return path.format(**values), persona


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [pytest.param(method, path, id=op) for op, method, path in body_operations()],
)
def test_bad_input_is_a_400_with_published_codes(demo, api, method, path):
    operation = schema()["paths"][path][method]
    published = set(resolve({"$ref": "#/components/schemas/ErrorCode"})["enum"])
    url, persona = path_and_persona(path)

    response = getattr(api(persona), method)(url, bad_body(operation), format="json")

    body = assert_envelope(response, 400, "invalid")
    assert body["errors"], body
    assert {error["code"] for error in body["errors"]} <= published, body


def test_every_4xx_response_is_the_error_envelope():
    envelope = {"$ref": "#/components/schemas/Error"}
    answers = {
        f"{method.upper()} {path} {status}": response["content"]["application/json"]["schema"]
        for path, operations in schema()["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if str(status).startswith("4")
    }

    assert answers
    assert {where: ref for where, ref in answers.items() if ref != envelope} == {}


def test_the_envelope_codes_list_every_apps_codes_with_their_meaning():
    from kefu.api.errors import CODES as API_CODES
    from kefu.org.errors import CODES as ORG_CODES
    from kefu.sla.errors import CODES as SLA_CODES
    from kefu.tickets.errors import CODES as TICKET_CODES

    components = schema()["components"]["schemas"]
    codes = components["ErrorCode"]

    assert {*API_CODES, *ORG_CODES, *SLA_CODES, *TICKET_CODES} <= set(codes["enum"])
    # DRF's exceptions and field rules, Django's validators
    assert {"invalid", "required", "not_authenticated", "throttled", "max_length", "unique"} <= set(
        codes["enum"]
    )
    assert "* `ticket_finished`: " in codes["description"]
    for name in ("Error", "FieldError"):
        assert components[name]["properties"]["code"]["allOf"] == [
            {"$ref": "#/components/schemas/ErrorCode"}
        ]


def test_each_apps_codes_are_snake_case_with_a_meaning():
    from kefu.api.schema import error_codes

    for code, meaning in error_codes().items():
        assert code.replace("_", "").isalnum() and code == code.lower(), code
        assert meaning, code
