"""The 工单 menu opens the queue each person works through, never one that is always empty
for their role (an agent handles no orders: "my open orders" is always empty for him)."""

import re

import pytest

from kefu.tickets import services
from kefu.tickets.states import Action

pytestmark = pytest.mark.django_db


def follow_the_menu(client) -> str:
    home = client.get("/").content.decode()
    nav = re.search(r'<nav aria-label="功能模块">(.*?)</nav>', home, re.S).group(1)
    (url,) = re.findall(r'<a href="([^"]+)"[^>]*>工单<', nav)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def current_tab(html: str) -> str:
    (name,) = re.findall(r'aria-current="page" data-testid="queue-tab-([a-z_]+)"', html)
    return name


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("agent", "first_responder"),
        ("handler", "mine"),
        ("shift_leader", "all"),
        ("head", "all"),
        ("inspector", "all"),
        ("account_manager", "all"),
        ("gm", "all"),
        ("admin", "all"),
    ],
)
def test_each_role_opens_its_most_useful_queue(client_as, org, persona, expected):
    assert current_tab(follow_the_menu(client_as(getattr(org, persona)))) == expected


def test_the_agent_and_the_handler_find_their_orders_from_the_menu(client_as, org, new_ticket):
    ticket = new_ticket(dispatch=True)
    services.ticket_transition(ticket=ticket, action=Action.SIGN, actor=org.handler)
    for person in (org.agent, org.handler):
        html = follow_the_menu(client_as(person))
        assert f'aria-label="{ticket.number}"' in html, person.username
