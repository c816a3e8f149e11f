"""A department head's rights over orders, by where the order sits (TESTING.md: a permission
table written by hand, never computed by the code under test).

The head of 维修部 answers for his department and every team under it: he urges, supervises,
suspends and reassigns (transfers) their orders. He has no say over his parent company's
orders, a sibling department's or orders that sit nowhere; nor has the head of a team over
the department above it.
"""

from datetime import date, timedelta

import pytest
from conftest import make_department, make_staff
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kefu.org.models import DepartmentKind
from kefu.tickets import services
from kefu.tickets.models import Ticket
from kefu.tickets.permissions import may_supervise, may_take
from kefu.tickets.states import Action, Status
from kefu.tickets.tests.rendered import rendered_form

pytestmark = pytest.mark.django_db

HEAD_ACTIONS = (Action.SUSPEND, Action.TRANSFER)


@pytest.fixture
def layout(org):
    """维修部 with two teams; a head of the 水电班 team; a head of 品质部 (a sibling)."""
    rush = make_department("抢修班", "rep-qx", DepartmentKind.TEAM, org.repairs)
    team_head = make_staff("teamhead", org.repairs_team, ["department_head"], employee_no="WX009")
    quality_head = make_staff("qahead", org.quality, ["department_head"], employee_no="PZ009")
    return {
        "own department": org.repairs,
        "sub-team": org.repairs_team,
        "other sub-team": rush,
        "parent": org.company,
        "elsewhere": org.marketing,
        "no department": None,
        "team_head": team_head,
        "quality_head": quality_head,
    }


def _order_in(department) -> Ticket:
    """An unsaved signed order sitting in *department* (the permission rule reads no more)."""
    return Ticket(status=Status.SIGNED, department=department, first_responder_id=None)


@pytest.mark.parametrize(
    ("where", "allowed"),
    [
        ("own department", True),
        ("sub-team", True),
        ("other sub-team", True),
        ("parent", False),
        ("elsewhere", False),
        ("no department", False),
    ],
)
def test_head_of_the_department(org, layout, where, allowed):
    ticket = _order_in(layout[where])
    assert may_supervise(org.head, ticket) is allowed
    for action in HEAD_ACTIONS:
        assert may_take(org.head, ticket, action) is allowed, action


@pytest.mark.parametrize(
    ("where", "allowed"),
    [
        ("own department", False),  # 维修部 sits above the team
        ("sub-team", True),  # the team's own orders
        ("other sub-team", False),
        ("parent", False),
        ("elsewhere", False),
        ("no department", False),
    ],
)
def test_head_of_a_team(layout, where, allowed):
    ticket = _order_in(layout[where])
    head = layout["team_head"]
    assert may_supervise(head, ticket) is allowed
    for action in HEAD_ACTIONS:
        assert may_take(head, ticket, action) is allowed, action


@pytest.mark.parametrize(
    ("where", "allowed"),
    [
        ("own department", False),
        ("sub-team", False),
        ("parent", False),
        ("no department", False),
    ],
)
def test_head_of_a_sibling_department(layout, where, allowed):
    ticket = _order_in(layout[where])
    head = layout["quality_head"]
    assert may_supervise(head, ticket) is allowed
    for action in HEAD_ACTIONS:
        assert may_take(head, ticket, action) is allowed, action


# ---------------------------------------------------------------- through the order page


@pytest.fixture
def team_order(org, new_ticket):
    """An order of the 水电班 team, signed by its handler."""
    ticket = services.ticket_create(
        actor=org.agent,
        category=new_ticket().category,
        channel="hotline",
        title="楼道灯不亮",
        contact_name="张先生",
        contact_phone="13812345678",
        dispatch_to=org.repairs_team,
    )
    return services.ticket_transition(ticket=ticket, action=Action.SIGN, actor=org.handler)


def _submit(client, page_html, testid, **changes):
    form = rendered_form(page_html, testid)
    return client.post(form.action, {**form.fields, **changes})


def test_head_urges_supervises_suspends_and_reassigns_a_team_order_from_the_page(
    client_as, org, layout, team_order
):
    client = client_as(org.head)
    url = f"/tickets/{team_order.pk}/"

    page = client.get(url).content.decode()
    for testid in ("urge-form", "supervise-form", "action-suspend", "action-transfer"):
        assert f'data-testid="{testid}"' in page, testid

    _submit(client, page, "urge-form", note="请今天处理")
    due = timezone.localdate() + timedelta(days=3)
    _submit(client, client.get(url).content.decode(), "supervise-form", due=due.isoformat())
    _submit(client, client.get(url).content.decode(), "action-suspend", reason="等配件")
    team_order.refresh_from_db()
    assert (team_order.urge_count, team_order.supervised, team_order.supervision_due) == (
        1,
        True,
        due,
    )
    assert team_order.status == Status.SUSPENDED

    services.ticket_transition(ticket=team_order, action=Action.RESUME, actor=org.handler)
    page = client.get(url).content.decode()
    _submit(
        client,
        page,
        "action-transfer",
        department=str(layout["other sub-team"].pk),
        reason="抢修班有空",
    )
    team_order.refresh_from_db()
    assert (team_order.status, team_order.department) == (
        Status.DISPATCHED,
        layout["other sub-team"],
    )


def test_head_of_a_sibling_department_is_refused(client_as, org, layout, team_order):
    head = layout["quality_head"]
    client = client_as(head)
    url = f"/tickets/{team_order.pk}/"
    assert client.get(url).status_code == 404
    before = Ticket.objects.filter(pk=team_order.pk).values().get()
    for path, data in (
        ("urge/", {"note": "x"}),
        ("supervise/", {"due": "2030-01-01"}),
        ("act/", {"action": "suspend", "reason": "x"}),
        ("act/", {"action": "transfer", "reason": "x", "department": org.marketing.pk}),
    ):
        assert client.post(url + path, data).status_code == 404, path
    assert Ticket.objects.filter(pk=team_order.pk).values().get() == before
    # the services refuse him too, whatever interface asks
    with pytest.raises(PermissionDenied):
        services.ticket_supervise(ticket=team_order, actor=head, due=date(2030, 1, 1))
    with pytest.raises(PermissionDenied):
        services.ticket_transition(ticket=team_order, action=Action.SUSPEND, actor=head, reason="x")
