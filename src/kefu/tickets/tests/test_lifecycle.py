"""The declared lifecycle: its participants, in the settings' order, with their named
steps; what blocks an action, refused by the service and shown by the page and the API."""

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from rest_framework.test import APIClient

from kefu.org import services as org_services
from kefu.tickets import lifecycle, services
from kefu.tickets.models import Ticket, TicketEvent
from kefu.tickets.states import Action, Status
from kefu.tickets.tests import participants
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


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {org_services.token_regenerate(user=user).key}")
    return client


# ---------------------------------------------------------------- participants


def test_participants_come_from_the_settings_in_their_order(settings):
    assert [type(p).__module__ + "." + type(p).__name__ for p in lifecycle.participants()] == [
        "kefu.sla.lifecycle.SlaParticipant",
        "kefu.complaints.lifecycle.ComplaintsParticipant",
        "kefu.followups.lifecycle.FollowupsParticipant",
    ]
    assert all(isinstance(p, lifecycle.Participant) for p in lifecycle.participants())


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("kefu.tickets.tests.participants.Nowhere", "cannot import"),
        ("kefu.tickets.tests.participants.Incomplete", "lacks a step"),
    ],
)
def test_a_wrong_participant_stops_with_its_name(settings, path, problem):
    settings.KEFU_TICKET_LIFECYCLE = [path]
    with pytest.raises(ImproperlyConfigured, match=problem) as stopped:
        lifecycle.participants()
    assert path in str(stopped.value)


def test_each_step_runs_when_the_contract_says(settings, org, new_ticket):
    settings.KEFU_TICKET_LIFECYCLE = ["kefu.tickets.tests.participants.Recording"]
    participants.seen.clear()

    new_ticket(dispatch=True, title="漏水")

    # prepared before the order was written, reacted to once it was, with what it prepared;
    # the dispatch at intake is a move like any other
    assert participants.seen == [
        ("prepare", "漏水"),
        ("created", "漏水", False, True),
        ("blockers", Action.DISPATCH),
        ("moved", Action.DISPATCH, Status.RECEIVED, Status.DISPATCHED),
    ]


def test_a_blocker_refuses_the_action_with_its_code_and_changes_nothing(settings, org, new_ticket):
    settings.KEFU_TICKET_LIFECYCLE = ["kefu.tickets.tests.participants.Recording"]
    ticket = new_ticket(dispatch=True, title="blocked")
    before = snapshot(ticket)
    participants.seen.clear()

    with pytest.raises(ValidationError) as refused:
        services.ticket_transition(
            ticket=ticket, action=Action.CANCEL, actor=org.agent, reason="重复"
        )

    assert refused.value.error_dict["action"][0].code == "test_blocked"
    assert refused.value.message_dict == {"action": ["blocked by the test"]}
    assert participants.seen == [("blockers", Action.CANCEL)]  # no reaction ran
    assert snapshot(ticket) == before


def test_the_page_and_the_api_show_why_an_action_is_unavailable(
    settings, client_as, org, new_ticket
):
    settings.KEFU_TICKET_LIFECYCLE = ["kefu.tickets.tests.participants.Recording"]
    ticket = new_ticket(dispatch=True, title="blocked")

    page = client_as(org.agent).get(f"/tickets/{ticket.pk}/").content.decode()
    cancel = rendered_form(page, "action-cancel")
    assert (cancel.buttons, cancel.disabled_buttons) == (1, 1)
    assert "blocked by the test" in page
    assert 'name="reason"' not in page.split('data-testid="action-cancel"')[1].split("</form>")[0]

    listed = api(org.agent).get(f"/api/v1/tickets/{ticket.number}/actions/").json()
    assert listed == [
        {
            "action": "cancel",
            "label": "撤销",
            "required": ["reason"],
            "optional": [],
            "blockers": [{"code": "test_blocked", "message": "blocked by the test"}],
        }
    ]
