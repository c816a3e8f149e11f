"""The channels orders come in by are a list the administrator keeps: added, renamed and
deactivated on the order settings page and through the API; intake offers the active ones
and an order keeps showing the name of the channel it came in by."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from kefu.org import services as org_services
from kefu.tickets.models import IntakeChannel, Ticket
from kefu.tickets.tests.rendered import rendered_form

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {org_services.token_regenerate(user=user).key}")
    return client


def test_every_installation_starts_with_todays_channels_and_superior_transfer():
    assert list(IntakeChannel.objects.values_list("code", flat=True)) == [
        "hotline",
        "counter",
        "web",
        "email",
        "sms",
        "wechat",
        "internal",
        "superior_transfer",
    ]
    assert IntakeChannel.objects.get(code="superior_transfer").name == "上级转办"


def test_the_administrator_adds_and_retires_a_channel_on_the_settings_page(
    client_as, org, catalog, new_ticket
):
    admin = client_as(org.admin)
    settings_page = admin.get("/tickets/config/").content.decode()
    assert 'data-testid="channels"' in settings_page and "上级转办" in settings_page
    form = rendered_form(admin.get("/tickets/config/channels/new/").content.decode(), "config-form")
    data = {**form.fields, "name": "12345市民热线", "code": "citizen-hotline", "sort_order": "9"}
    data["is_active"] = "on"
    assert admin.post("/tickets/config/channels/new/", data).status_code == 302
    channel = IntakeChannel.objects.get(code="citizen-hotline")

    intake = client_as(org.agent).get("/tickets/new/").content.decode()
    assert 'value="citizen-hotline"' in intake and "12345市民热线" in intake
    ticket = new_ticket(channel="citizen-hotline")

    admin = client_as(org.admin)
    form = rendered_form(
        admin.get(f"/tickets/config/channels/{channel.pk}/").content.decode(), "config-form"
    )
    data = {k: v for k, v in form.fields.items() if k != "is_active"}  # unticked
    assert admin.post(f"/tickets/config/channels/{channel.pk}/", data).status_code == 302
    channel.refresh_from_db()
    assert (channel.code, channel.is_active) == ("citizen-hotline", False)

    intake = client_as(org.agent).get("/tickets/new/").content.decode()
    assert 'value="citizen-hotline"' not in intake
    with pytest.raises(ValidationError) as refused:
        new_ticket(channel="citizen-hotline")
    assert "channel" in refused.value.message_dict
    detail = client_as(org.gm).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "12345市民热线" in detail
    queue = client_as(org.gm).get("/tickets/?queue=all&channel=citizen-hotline").content.decode()
    assert ticket.number in queue


def test_channels_through_the_api(org, catalog):
    listed = api(org.agent).get("/api/v1/channels/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert "superior_transfer" in [row["code"] for row in rows]
    assert (
        api(org.agent).post("/api/v1/channels/", {"code": "fax", "name": "传真"}).status_code == 403
    )
    created = api(org.admin).post(
        "/api/v1/channels/", {"code": "fax", "name": "传真"}, format="json"
    )
    assert created.status_code == 201
    renamed = api(org.admin).patch("/api/v1/channels/fax/", {"code": "fax2"}, format="json")
    assert renamed.status_code == 400
    assert IntakeChannel.objects.filter(code="fax").exists()
    order = api(org.agent).post(
        "/api/v1/tickets/",
        {
            "category": catalog.repair.code,
            "channel": "superior_transfer",
            "title": "集团转来的报修",
            "contact_name": "调度室",
            "contact_phone": "13800005555",
        },
        format="json",
    )
    assert order.status_code == 201, order.content
    assert Ticket.objects.get().channel == "superior_transfer"
