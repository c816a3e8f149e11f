"""What each move needs comes from the transition table, and the service, the API and the
order page as rendered refuse alike a move without it."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from kefu.api.testing import field_errors
from kefu.org import services as org_services
from kefu.tickets import services
from kefu.tickets.models import Ticket, TicketEvent
from kefu.tickets.states import Action, Status
from kefu.tickets.tests.rendered import rendered_form

pytestmark = pytest.mark.django_db


def snapshot(ticket):
    fresh = Ticket.objects.get(pk=ticket.pk)
    return (
        fresh.status,
        fresh.department_id,
        fresh.owner_id,
        fresh.dispatched_at,
        TicketEvent.objects.filter(ticket=ticket).count(),
    )


@pytest.fixture
def signed(org, new_ticket):
    """A repair order signed by the head of the repair department for the handler."""
    ticket = new_ticket(dispatch=True)
    return services.ticket_transition(
        ticket=ticket, action=Action.SIGN, actor=org.head, owner=org.handler
    )


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {org_services.token_regenerate(user=user).key}")
    return client


# ---------------------------------------------------------------- transfer needs a reason


def test_the_service_refuses_a_transfer_without_a_reason(org, signed):
    before = snapshot(signed)
    with pytest.raises(ValidationError) as refused:
        services.ticket_transition(
            ticket=signed, action=Action.TRANSFER, actor=org.head, department=org.marketing
        )
    assert refused.value.message_dict == {"reason": ["请填写原因。"]}
    assert snapshot(signed) == before


def test_the_api_refuses_a_transfer_without_a_reason(org, signed):
    before = snapshot(signed)
    response = api(org.head).post(
        f"/api/v1/tickets/{signed.number}/actions/transfer/",
        {"department": org.marketing.code, "reason": "  "},
    )
    assert response.status_code == 400
    assert field_errors(response) == {"reason": ["请填写原因。"]}
    assert snapshot(signed) == before


def test_the_page_as_rendered_refuses_a_transfer_without_a_reason(client_as, org, signed):
    client = client_as(org.head)
    page = client.get(f"/tickets/{signed.pk}/").content.decode()
    form = rendered_form(page, "action-transfer")
    assert form.required == {"reason", "department"}
    before = snapshot(signed)

    # the head chooses the department and leaves the reason empty
    response = client.post(
        form.action, {**form.fields, "department": org.marketing.pk}, follow=True
    )

    assert "请填写原因。" in response.content.decode()
    assert snapshot(signed) == before
    # with a reason it goes through
    client.post(form.action, {**form.fields, "department": org.marketing.pk, "reason": "属市场部"})
    moved = Ticket.objects.get(pk=signed.pk)
    assert (moved.status, moved.department) == (Status.DISPATCHED, org.marketing)


# ---------------------------------------------------------------- every required need

REQUIRED = [
    # (action, the order's state before, the field that is left out, the refusal)
    (Action.SETTLE, "received", "resolution", "请填写办理结果。"),
    (Action.RETURN, "dispatched", "reason", "请填写原因。"),
    (Action.TRANSFER, "signed", "reason", "请填写原因。"),
    (Action.TRANSFER, "signed", "department", "请选择要转派到的部门。"),
    (Action.RESOLVE, "signed", "resolution", "请填写处理结果。"),
    (Action.SUSPEND, "signed", "reason", "请填写原因。"),
    (Action.REOPEN, "resolved", "reason", "请填写原因。"),
    (Action.CANCEL, "dispatched", "reason", "请填写原因。"),
]
GIVEN = {"reason": "原因", "resolution": "结果", "department": None}


@pytest.fixture
def order_in(org, catalog, new_ticket):
    def make(state):
        if state == "received":
            return new_ticket(category=catalog.consult)
        ticket = new_ticket(dispatch=True)
        if state == "dispatched":
            return ticket
        ticket = services.ticket_transition(
            ticket=ticket, action=Action.SIGN, actor=org.head, owner=org.handler
        )
        if state == "signed":
            return ticket
        return services.ticket_transition(
            ticket=ticket, action=Action.RESOLVE, actor=org.handler, resolution="已修好"
        )

    return make


@pytest.mark.parametrize(
    ("action", "state", "left_out", "message"),
    REQUIRED,
    ids=[f"{a.value}-{field}" for a, _s, field, _m in REQUIRED],
)
def test_each_required_need_is_refused_by_service_and_api(
    org, order_in, action, state, left_out, message
):
    ticket = order_in(state)
    actor = org.admin  # the right to act is not what is tested here
    given = {
        **GIVEN,
        "department": org.marketing,
        left_out: "" if left_out != "department" else None,
    }
    before = snapshot(ticket)
    with pytest.raises(ValidationError) as refused:
        services.ticket_transition(ticket=ticket, action=action, actor=actor, **given)
    assert refused.value.message_dict == {left_out: [message]}

    body = {**GIVEN, "department": org.marketing.code}
    body.pop(left_out)
    response = api(actor).post(f"/api/v1/tickets/{ticket.number}/actions/{action.value}/", body)
    assert response.status_code == 400
    assert field_errors(response) == {left_out: [message]}
    assert snapshot(ticket) == before


def test_the_page_marks_what_each_action_needs(client_as, org, signed):
    page = client_as(org.admin).get(f"/tickets/{signed.pk}/").content.decode()
    found = {}
    for action in (Action.TRANSFER, Action.RESOLVE, Action.SUSPEND, Action.CANCEL, Action.START):
        form = rendered_form(page, f"action-{action.value}")
        found[action.value] = (sorted(set(form.fields) - {"csrfmiddlewaretoken"}), form.required)
    assert found == {
        "transfer": (["action", "department", "reason"], {"department", "reason"}),
        "resolve": (["action", "resolution"], {"resolution"}),
        "suspend": (["action", "reason"], {"reason"}),
        "cancel": (["action", "confirm", "reason"], {"confirm", "reason"}),  # confirmed
        "start": (["action", "owner"], set()),
    }


def test_the_schema_says_what_each_action_needs(org):
    schema = api(org.admin).get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/tickets/{number}/actions/{action_name}/"]["post"]
    parameter = next(p for p in operation["parameters"] if p["name"] == "action_name")
    assert (
        "- `transfer`: required `department`, `reason`; optional `owner`"
        in (parameter["description"])
    )
    assert "- `close`: required —" in parameter["description"]
    body = schema["components"]["schemas"]["TransitionRequest"]["properties"]
    assert body["reason"]["description"] == (
        "Required for: return, rule, transfer, suspend, reopen, cancel. "
        "Any other action keeps it on the timeline."
    )
    listed = operation = schema["paths"]["/api/v1/tickets/{number}/actions/"]["get"]
    listed = listed["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed == {"type": "array", "items": {"$ref": "#/components/schemas/AvailableAction"}}
