"""Work orders and the customer archive: screen pop, the archive's grade, linking later,
and the order list on the customer 360 page."""

import pytest

from kefu.customers.tests.conftest import new_customer
from kefu.tickets import services
from kefu.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def known_caller(org):
    return new_customer(org.account_manager, name="张三", grade="A")


def test_screen_pop_shows_the_callers_file(client_as, org, catalog, known_caller):
    phone = known_caller.contacts.get().mobile
    page = client_as(org.gm).get(f"/tickets/new/caller/?calling_number={phone}").content.decode()
    assert "张三" in page
    assert f'data-customer="{known_caller.pk}"' in page
    unknown = (
        client_as(org.gm).get("/tickets/new/caller/?calling_number=13700000000").content.decode()
    )
    assert 'data-testid="caller-unknown"' in unknown


def test_intake_for_a_known_customer_takes_the_archive_grade(client_as, org, catalog, known_caller):
    client_as(org.gm).post(
        "/tickets/new/",
        {
            "channel": "hotline",
            "calling_number": "13812345678",
            "category": catalog.repair.pk,
            "title": "停电",
            "customer_grade": "C",
            "customer": known_caller.pk,
            "submit": "save",
        },
    )
    ticket = Ticket.objects.get()
    assert (ticket.customer, ticket.customer_grade, ticket.contact_name) == (
        known_caller,
        "A",
        "张三",
    )


def test_a_customer_outside_the_scope_is_not_linked(client_as, org, catalog, known_caller):
    # the handler cannot find the account manager's customers
    client_as(org.handler).post(
        "/tickets/new/",
        {
            "channel": "hotline",
            "category": catalog.repair.pk,
            "title": "停电",
            "contact_phone": "13812345678",
            "customer": known_caller.pk,
            "submit": "save",
        },
    )
    assert Ticket.objects.get().customer is None


def test_link_later_and_the_360_panel(client_as, org, new_ticket, known_caller):
    ticket = new_ticket(dispatch=True)
    services.ticket_link_customer(ticket=ticket, customer=known_caller, actor=org.agent)
    ticket.refresh_from_db()
    assert (ticket.customer, ticket.customer_grade, ticket.grade_rank) == (known_caller, "A", 0)
    page = client_as(org.gm).get(f"/customers/{known_caller.pk}/").content.decode()
    assert ticket.number in page


def test_link_customer_from_the_order_page(client_as, org, new_ticket, known_caller):
    ticket = new_ticket(contact_phone=known_caller.contacts.get().mobile, calling_number="")
    client = client_as(org.gm)
    assert f'value="{known_caller.pk}"' in client.get(f"/tickets/{ticket.pk}/").content.decode()
    client.post(f"/tickets/{ticket.pk}/customer/", {"customer": known_caller.pk})
    ticket.refresh_from_db()
    assert ticket.customer == known_caller
    before = Ticket.objects.get(pk=ticket.pk).customer_id
    client_as(org.handler).post(f"/tickets/{ticket.pk}/customer/", {"customer": 999999})
    assert Ticket.objects.get(pk=ticket.pk).customer_id == before


def test_a_tip_off_is_never_linked_to_a_customer_file(org, catalog, known_caller):
    from django.core.exceptions import ValidationError

    from kefu.tickets.models import TicketType

    category = services.category_create(
        name="违规收费举报",
        code="tipoff-fees",
        ticket_type=TicketType.objects.get(code="tip_off"),
        lead_department=catalog.office,
    )
    ticket = services.ticket_create(
        actor=org.agent,
        category=category,
        channel="hotline",
        title="物业乱收费",
        contact_name="",
        contact_phone="",
    )
    events = ticket.events.count()
    with pytest.raises(ValidationError) as refused:
        services.ticket_link_customer(ticket=ticket, customer=known_caller, actor=org.gm)
    assert "customer" in refused.value.message_dict
    ticket.refresh_from_db()
    assert ticket.customer_id is None
    assert ticket.events.count() == events
