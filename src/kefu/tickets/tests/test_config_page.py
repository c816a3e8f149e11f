"""The order settings page lists what an administrator configures there: ticket types and
their numbering, automatic assignment, and the texts of the messages sent to customers,
each with a link to its form."""

import re

import pytest

from kefu.notify.models import MessageTemplate
from kefu.tickets.models import Category, TicketType
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


def test_category_fields_are_written_one_a_line_not_as_json(client_as, org):
    client = client_as(org.admin)
    page = client.get("/tickets/config/categories/new/").content.decode()
    form = rendered_form(page, "config-form")
    repair = TicketType.objects.get(code="repair")
    form.fields.update(
        name="水表故障",
        code="repair-meter",
        ticket_type=str(repair.pk),
        extra_fields="meter_no | 表号 | 必填\nfloor | 楼层",
    )
    assert client.post("/tickets/config/categories/new/", form.fields).status_code == 302
    category = Category.objects.get(code="repair-meter")
    assert category.extra_fields == [
        {"name": "meter_no", "label": "表号", "required": True},
        {"name": "floor", "label": "楼层", "required": False},
    ]
    # the edit page shows them the same way, and saving it as rendered keeps them
    url = f"/tickets/config/categories/{category.pk}/"
    edit = rendered_form(client.get(url).content.decode(), "config-form")
    # (a browser drops the newline that opens a textarea)
    assert edit.fields["extra_fields"].lstrip("\n") == "meter_no | 表号 | 必填\nfloor | 楼层 | 选填"
    edit.fields["is_active"] = "on"
    assert client.post(url, edit.fields).status_code == 302
    category.refresh_from_db()
    assert [spec["name"] for spec in category.extra_fields] == ["meter_no", "floor"]


def test_a_bad_category_field_line_is_named_and_nothing_changes(client_as, org):
    client = client_as(org.admin)
    page = client.get("/tickets/config/categories/new/").content.decode()
    form = rendered_form(page, "config-form")
    form.fields.update(
        name="水表故障",
        code="repair-meter",
        ticket_type=str(TicketType.objects.get(code="repair").pk),
        extra_fields="meter_no | 表号\n表 号 | 楼层",
    )
    response = client.post("/tickets/config/categories/new/", form.fields)
    html = response.content.decode()
    assert response.status_code == 200
    assert "第 2 行" in html and "表 号" in html
    assert not Category.objects.filter(code="repair-meter").exists()
