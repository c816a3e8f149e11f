"""Orders that come in without a staff member (web form, email, SMS) wait in the customer
service centre's claim queue (待认领): its agents, shift leaders and heads see them, with a
count on the tab; whoever claims one becomes its first responder and it leaves the queue
(TESTING.md: every open order reaches some non-administrator's queue)."""

from datetime import timedelta

import pytest
import time_machine
from conftest import make_department, make_staff
from django.utils import timezone

from kefu.org.models import DepartmentKind
from kefu.tickets import services
from kefu.tickets.models import Ticket
from kefu.tickets.selectors import queue, tickets_visible
from kefu.tickets.tests.rendered import rendered_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def centres(org):
    """A head of the customer service centre, and a branch with a centre of its own."""
    branch = make_department("城东分公司", "cd", DepartmentKind.CENTRE, org.company)
    branch_centre = make_department("城东客服站", "cd-kf", DepartmentKind.FRONT_OFFICE, branch)
    return {
        "centre_head": make_staff("kfhead", org.front_office, ["department_head"]),
        "branch": branch,
        "branch_centre": branch_centre,
        "branch_agent": make_staff("cdagent", branch_centre, ["agent"]),
        "branch_head": make_staff("cdhead", branch, ["department_head"]),
    }


def unowned(catalog, channel, **more):
    return services.ticket_create(
        actor=None,
        category=catalog.repair,
        channel=channel,
        title="楼道灯不亮",
        contact_name="王女士",
        contact_phone="13700001111",
        **more,
    )


@pytest.mark.parametrize("channel", ["web", "email", "sms"])
def test_an_unowned_order_lands_in_the_default_centre_claim_queue(org, catalog, channel):
    ticket = unowned(catalog, channel)
    assert (ticket.first_responder, ticket.department) == (None, None)
    assert ticket.claim_department == org.front_office


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("agent", True),  # in a team of the centre
        ("shift_leader", True),
        ("centre_head", True),
        ("handler", False),
        ("head", False),  # head of 维修部
        ("inspector", False),
        ("account_manager", False),
        ("cm_supervisor", False),
        ("branch_agent", False),  # another centre's agent
        ("branch_head", False),
    ],
)
@pytest.mark.parametrize("channel", ["web", "email", "sms"])
def test_who_sees_the_claim_queue(org, catalog, centres, channel, who, sees):
    person = centres.get(who) or getattr(org, who)
    ticket = unowned(catalog, channel)
    in_queue = queue(person, "unclaimed").filter(pk=ticket.pk).exists()
    assert in_queue is sees
    assert tickets_visible(person).filter(pk=ticket.pk).exists() is sees


def test_the_channel_names_its_centre(org, catalog, centres, settings):
    settings.CLAIM_DEPARTMENTS = {"email": "cd-kf"}
    by_email = unowned(catalog, "email")
    by_web = unowned(catalog, "web")
    assert by_email.claim_department == centres["branch_centre"]
    assert by_web.claim_department == org.front_office
    assert list(queue(centres["branch_agent"], "unclaimed")) == [by_email]
    # the head of the branch answers for the centres under it
    assert list(queue(centres["branch_head"], "unclaimed")) == [by_email]
    assert list(queue(org.agent, "unclaimed")) == [by_web]


def test_a_centre_named_for_a_channel_that_is_no_centre_falls_back(org, catalog, settings):
    settings.CLAIM_DEPARTMENTS = {"web": "rep"}  # 维修部 is no customer service centre
    assert unowned(catalog, "web").claim_department == org.front_office


def test_an_order_taken_by_staff_waits_in_no_claim_queue(org, new_ticket):
    ticket = new_ticket()
    assert (ticket.first_responder, ticket.claim_department) == (org.agent, None)
    assert not queue(org.shift_leader, "unclaimed").exists()


def test_every_open_order_reaches_some_non_administrator(org, catalog, centres, new_ticket):
    made = [
        unowned(catalog, "web"),
        unowned(catalog, "email", dispatch=True),
        unowned(catalog, "sms"),
        new_ticket(),
        new_ticket(dispatch=True),
    ]
    people = [
        *(p for name, p in org.personas().items() if name not in {"gm", "admin"}),
        centres["centre_head"],
        centres["branch_agent"],
    ]
    for ticket in made:
        assert any(queue(person, "all").filter(pk=ticket.pk).exists() for person in people), (
            ticket.channel
        )


def test_agent_claims_a_public_form_order_from_the_page(client, client_as, org, catalog):
    # the customer fills in the public form as rendered
    with time_machine.travel(timezone.now() - timedelta(seconds=30)):
        form = rendered_form(client.get("/public/report/").content.decode(), "public-report-form")
    client.post(
        "/public/report/",
        {
            **form.fields,
            "category": str(catalog.consult.pk),
            "title": "楼道灯不亮",
            "description": "三楼楼道灯一直不亮",
            "contact_name": "王女士",
            "contact_phone": "13700001111",
        },
    )
    ticket = Ticket.objects.get()
    assert ticket.channel == "web"

    agent = client_as(org.agent)
    page = agent.get("/tickets/?queue=unclaimed").content.decode()
    assert 'data-testid="unclaimed-count">1<' in page
    assert f'aria-label="{ticket.number}"' in page

    detail = agent.get(f"/tickets/{ticket.pk}/").content.decode()
    claim = rendered_form(detail, "claim-form")
    agent.post(claim.action, claim.fields)
    ticket.refresh_from_db()
    assert ticket.first_responder == org.agent

    page = agent.get("/tickets/?queue=unclaimed").content.decode()
    assert 'data-testid="unclaimed-count">0<' in page
    assert f'aria-label="{ticket.number}"' not in page
    mine = agent.get("/tickets/?queue=first_responder").content.decode()
    assert f'aria-label="{ticket.number}"' in mine
    # and the shift leader no longer finds it waiting
    assert not queue(org.shift_leader, "unclaimed").exists()
