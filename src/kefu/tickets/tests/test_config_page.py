"""The order settings page lists what an administrator configures there: ticket types and
their numbering, automatic assignment, and the texts of the messages sent to customers,
each with a link to its form."""

import re

import pytest

from kefu.notify.models import MessageTemplate
from kefu.tickets.models import TicketType
from kefu.tickets.tests.rendered import rendered_form

pytestmark = pytest.mark.django_db


def test_the_settings_page_lists_ticket_types_and_message_templates(client_as, org):
    html = client_as(org.admin).get("/tickets/config/").content.decode()
    for ticket_type in TicketType.objects.all():
        assert f'href="/tickets/config/types/{ticket_type.pk}/"' in html
        assert ticket_type.name in html
    received = MessageTemplate.objects.get(code="ticket_received")
    assert f'href="/tickets/config/templates/{received.pk}/"' in html
    assert received.name in html


def test_an_sms_template_is_edited_from_the_settings_page(client_as, org):
    client = client_as(org.admin)
    html = client.get("/tickets/config/").content.decode()
    link = re.search(r'href="(/tickets/config/templates/\d+/)">受理通知<', html)
    assert link, "no link to the acceptance SMS template"
    page = client.get(link.group(1)).content.decode()
    form = rendered_form(page, "config-form")
    assert "{number}" in form.fields["text"]
    new_text = "您的诉求已受理，工单号{number}。"
    form.fields["text"] = new_text
    response = client.post(link.group(1), form.fields)
    assert response.status_code == 302
    assert MessageTemplate.objects.get(code="ticket_received").text == new_text
    assert new_text in client.get("/tickets/config/").content.decode()
