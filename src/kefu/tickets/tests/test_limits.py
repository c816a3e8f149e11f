"""Size limits of a work order (settings ``KEFU_TICKET_*_MAX_*``): the description, the
timeline notes and the category fields are refused over their limits on every way in —
the staff form, the public form, the API — with an error naming the field and the rule in
Chinese; an email is never refused for its length: the order is taken with the text cut
and the timeline says so."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from kefu.api.testing import field_errors
from kefu.tickets import mail
from kefu.tickets.models import EventKind, Ticket, TicketEvent
from kefu.tickets.tests.test_mail import utf8_message

pytestmark = pytest.mark.django_db

LONG = "长" * 2001


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def intake(catalog, **extra):
    return {
        "category": catalog.repair.code,
        "channel": "sms",
        "title": "楼道灯坏了",
        "contact_phone": "13912345678",
        **extra,
    }


def test_the_api_takes_a_description_of_exactly_the_limit(org, catalog):
    response = api(org.agent).post(
        "/api/v1/tickets/", intake(catalog, description="长" * 2000), format="json"
    )
    assert response.status_code == 201
    assert len(Ticket.objects.get().description) == 2000


def test_the_api_refuses_a_description_over_the_limit_naming_field_and_rule(org, catalog):
    response = api(org.agent).post(
        "/api/v1/tickets/", intake(catalog, description=LONG), format="json"
    )
    assert response.status_code == 400
    assert field_errors(response)["description"] == [
        "问题描述过长：最多 2000 个字符，现有 2001 个。"
    ]
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        (
            {f"k{i}": "x" for i in range(51)},
            "extra",
            "分类附加字段：最多 50 项，现有 51 项。",
        ),
        (
            {f"k{i}": "长" * 300 for i in range(10)},
            "extra",
            "分类附加字段：合计最多 8192 字节，现有 9100 字节。",
        ),
        (
            {"meter_no": "9" * 501},
            "extra_meter_no",
            "表号过长：最多 500 个字符，现有 501 个。",
        ),
        ({"note": {"deep": ["x" * 600]}}, "extra_note", "note过长：最多 500 个字符，现有 614 个。"),
    ],
    ids=["too-many-fields", "too-many-bytes", "value-too-long", "nested-value-too-long"],
)
def test_the_api_refuses_category_fields_over_the_limits(org, catalog, extra, field, message):
    response = api(org.agent).post("/api/v1/tickets/", intake(catalog, extra=extra), format="json")
    assert response.status_code == 400
    assert field_errors(response)[field] == [message]
    assert Ticket.objects.count() == 0


def test_the_api_refuses_a_comment_and_a_reason_over_the_limit(org, new_ticket):
    ticket = new_ticket()
    client = api(org.agent)
    comment = client.post(
        f"/api/v1/tickets/{ticket.number}/actions/comment/", {"note": LONG}, format="json"
    )
    assert comment.status_code == 400
    assert field_errors(comment)["note"] == ["备注过长：最多 2000 个字符，现有 2001 个。"]
    cancel = client.post(
        f"/api/v1/tickets/{ticket.number}/actions/cancel/", {"reason": LONG}, format="json"
    )
    assert cancel.status_code == 400
    assert field_errors(cancel)["reason"] == ["原因过长：最多 2000 个字符，现有 2001 个。"]
    ticket.refresh_from_db()
    assert ticket.status == "received"
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1  # its creation only


def test_the_staff_form_holds_the_description_to_the_limit(client_as, org, catalog):
    client = client_as(org.agent)
    page = client.get("/tickets/new/").content.decode()
    assert 'maxlength="2000"' in page
    response = client.post(
        "/tickets/new/",
        {
            "channel": "hotline",
            "contact_phone": "13812345678",
            "category": catalog.repair.pk,
            "title": "水管爆裂",
            "description": LONG,
            "extra_meter_no": "9" * 501,
            "submit": "save",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["description"] == ["问题描述过长：最多 2000 个字符，现有 2001 个。"]
    assert errors["extra_meter_no"] == ["表号过长：最多 500 个字符，现有 501 个。"]
    assert Ticket.objects.count() == 0


def test_the_public_form_holds_the_description_to_the_limit(client, catalog):
    with time_machine.travel(timezone.now() - timedelta(seconds=30)):
        page = client.get("/public/report/")
    assert 'maxlength="2000"' in page.content.decode()
    response = client.post(
        "/public/report/",
        {
            "category": catalog.consult.pk,
            "title": "楼上漏水",
            "description": LONG,
            "contact_name": "王女士",
            "contact_phone": "13700001111",
            "started": page.context["form"]["started"].value(),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["description"] == [
        "详细描述过长：最多 2000 个字符，现有 2001 个。"
    ]
    assert Ticket.objects.count() == 0


def test_a_long_email_is_taken_cut_to_the_limit_with_a_note(catalog):
    """Refusing the email would lose the customer's message: the order is kept."""
    body = "幸福小区门口的路灯坏了。" * 300  # 3,600 characters
    email = mail.parse_message(utf8_message(message_id="<long@example.cn>", body=body))
    outcome, _row = mail.inbound_email_take(email=email, mailbox="INBOX", category=catalog.repair)
    assert outcome == mail.Outcome.NEW
    ticket = Ticket.objects.get()
    assert len(ticket.description) == 2000
    assert ticket.description.startswith("幸福小区门口的路灯坏了。")
    assert ticket.description.endswith("…[已截断：邮件更长]")
    note = TicketEvent.objects.get(ticket=ticket, kind=EventKind.NOTE)
    assert note.note == (
        f"邮件共 {len(email.body.strip())} 个字符，问题描述保留前 2000 个；"
        "邮件全文仍在邮箱中（Message-ID <long@example.cn>）。"
    )


def test_a_long_email_reply_is_kept_cut_to_the_note_limit(catalog, new_ticket):
    ticket = new_ticket()
    body = "还是没有修好。" * 400
    raw = utf8_message(
        message_id="<reply-long@example.cn>", subject=f"Re: {ticket.number}", body=body
    )
    outcome, _row = mail.inbound_email_take(
        email=mail.parse_message(raw), mailbox="INBOX", category=catalog.repair
    )
    assert outcome == mail.Outcome.REPLY
    note = TicketEvent.objects.get(ticket=ticket, kind=EventKind.NOTE)
    assert len(note.note) == 2000
    assert note.note.endswith("…[已截断：邮件更长]")
