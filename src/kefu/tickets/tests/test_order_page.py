"""The order page puts the person's next likely move first, the other actions behind one
click and the destructive ones (return, cancel, merge) apart, each confirmed; canned
replies (常用语) per category are offered to the note and reply boxes."""

import json
import re

import pytest
from rest_framework.test import APIClient

from kefu.api.testing import field_errors
from kefu.tickets import services
from kefu.tickets.models import CannedReply, Ticket
from kefu.tickets.states import Action, Status, next_action
from kefu.tickets.tests.rendered import rendered_form

A = Action


@pytest.mark.parametrize(
    ("status", "permitted", "settle_first", "expected"),
    [
        (Status.RECEIVED, {A.DISPATCH, A.SETTLE, A.CANCEL}, False, A.DISPATCH),
        (Status.RECEIVED, {A.DISPATCH, A.SETTLE, A.CANCEL}, True, A.SETTLE),
        (Status.RECEIVED, {A.CANCEL}, False, None),
        (Status.DISPATCHED, {A.SIGN, A.RETURN, A.CANCEL}, False, A.SIGN),
        (Status.DISPATCHED, {A.CANCEL}, False, None),
        (Status.SIGNED, {A.START, A.RESOLVE, A.RETURN}, False, A.START),
        (Status.SIGNED, {A.TRANSFER, A.SUSPEND}, False, None),
        (Status.IN_PROGRESS, {A.RESOLVE, A.SUSPEND}, False, A.RESOLVE),
        (Status.SUSPENDED, {A.RESUME, A.CANCEL}, False, A.RESUME),
        (Status.RETURNED, {A.DISPATCH, A.CANCEL}, False, A.DISPATCH),
        (Status.REOPENED, {A.START, A.DISPATCH}, False, A.START),
        (Status.REOPENED, {A.DISPATCH, A.CANCEL}, False, A.DISPATCH),
        (Status.ARBITRATION, {A.RULE}, False, A.RULE),
        (Status.RESOLVED, {A.CLOSE, A.REQUEST_VISIT, A.REOPEN}, False, A.CLOSE),
        (Status.AWAITING_VISIT, {A.CLOSE, A.REOPEN}, False, A.CLOSE),
        (Status.CLOSED, {A.REOPEN}, False, None),
    ],
    ids=lambda v: str(v) if not isinstance(v, set) else "+".join(sorted(v)),
)
def test_the_next_likely_move(status, permitted, settle_first, expected):
    assert next_action(status, permitted, settle_first=settle_first) == expected


pytestmark_db = pytest.mark.django_db


def section(html: str, testid: str) -> str:
    """The element with ``data-testid=testid`` up to the next section of the aside."""
    start = html.index(f'data-testid="{testid}"')
    ends = [
        html.find(f'data-testid="{other}"', start + 1)
        for other in (
            "next-action",
            "note-form",
            "more-actions",
            "danger-actions",
            "shortcuts-help",
        )
    ]
    ends = [end for end in ends if end > start]
    return html[start : min(ends) if ends else len(html)]


def forms_in(html: str) -> list[str]:
    return re.findall(r'data-testid="(action-\w+|claim-form|urge-form|merge-form)"', html)


@pytestmark_db
def test_the_head_signs_first_and_return_and_cancel_stand_apart(client_as, org, new_ticket):
    ticket = new_ticket(dispatch=True)
    html = client_as(org.head).get(f"/tickets/{ticket.pk}/").content.decode()
    assert forms_in(section(html, "next-action")) == ["action-sign"]
    assert forms_in(section(html, "danger-actions")) == [
        "action-return",
        "action-cancel",
        "merge-form",
    ]
    assert "action-return" not in section(html, "more-actions")
    # the order of the page: next step, notes, more, then the destructive ones
    positions = [
        html.index(f'data-testid="{name}"')
        for name in ("next-action", "note-form", "more-actions", "danger-actions")
    ]
    assert positions == sorted(positions)
    assert 'accesskey="a"' in section(html, "next-action")


@pytestmark_db
def test_the_handler_starts_work_and_the_agent_who_took_it_dispatches(client_as, org, new_ticket):
    signed = new_ticket(dispatch=True)
    signed = services.ticket_transition(
        ticket=signed, action=Action.SIGN, actor=org.head, owner=org.handler
    )
    html = client_as(org.handler).get(f"/tickets/{signed.pk}/").content.decode()
    assert forms_in(section(html, "next-action")) == ["action-start"]
    received = new_ticket()
    html = client_as(org.agent).get(f"/tickets/{received.pk}/").content.decode()
    assert forms_in(section(html, "next-action")) == ["action-dispatch"]


@pytestmark_db
def test_a_settle_category_offers_settling_first(client_as, org, new_ticket, catalog):
    received = new_ticket(category=catalog.consult)
    html = client_as(org.agent).get(f"/tickets/{received.pk}/").content.decode()
    assert forms_in(section(html, "next-action")) == ["action-settle"]


@pytestmark_db
def test_submitting_the_next_step_as_rendered_signs_the_order(client_as, org, new_ticket):
    ticket = new_ticket(dispatch=True)
    head = client_as(org.head)
    form = rendered_form(head.get(f"/tickets/{ticket.pk}/").content.decode(), "action-sign")
    head.post(form.action, form.fields)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.SIGNED


@pytestmark_db
def test_return_is_refused_unless_confirmed(client_as, org, new_ticket):
    ticket = new_ticket(dispatch=True)
    head = client_as(org.head)
    form = rendered_form(head.get(f"/tickets/{ticket.pk}/").content.decode(), "action-return")
    assert "confirm" in form.required
    form.fields["reason"] = "不属于本部门业务"
    unticked = {k: v for k, v in form.fields.items() if k != "confirm"}
    page = head.post(form.action, unticked, follow=True).content.decode()
    assert "请勾选确认框后再退单" in page
    assert Ticket.objects.get(pk=ticket.pk).status == Status.DISPATCHED

    head.post(form.action, form.fields)  # ticked
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RETURNED


@pytestmark_db
def test_merge_is_refused_unless_confirmed(client_as, org, new_ticket):
    survivor, duplicate = new_ticket(), new_ticket()
    agent = client_as(org.agent)
    form = rendered_form(agent.get(f"/tickets/{duplicate.pk}/").content.decode(), "merge-form")
    form.fields["into"] = survivor.number
    unticked = {k: v for k, v in form.fields.items() if k != "confirm"}
    page = agent.post(form.action, unticked, follow=True).content.decode()
    assert "请勾选确认框后再合并工单" in page
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id is None
    agent.post(form.action, form.fields)
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id == survivor.pk


# ---------------------------------------------------------------- canned replies


@pytestmark_db
def test_an_administrator_adds_a_canned_reply_on_the_settings_page(client_as, org, catalog):
    admin = client_as(org.admin)
    assert 'data-testid="canned-replies"' in admin.get("/tickets/config/").content.decode()
    form = rendered_form(admin.get("/tickets/config/canned/new/").content.decode(), "config-form")
    form.fields.update(
        title="已派维修", text="已安排维修人员上门。", category=str(catalog.repair.pk)
    )
    form.fields["is_active"] = "on"  # left ticked: a browser sends "on"
    admin.post(form.action or "/tickets/config/canned/new/", form.fields)
    reply = CannedReply.objects.get()
    assert (reply.title, reply.category, reply.is_active) == ("已派维修", catalog.repair, True)
    assert "已派维修" in admin.get("/tickets/config/").content.decode()


@pytestmark_db
def test_a_canned_reply_without_a_title_is_refused_with_the_field_named(client_as, org):
    admin = client_as(org.admin)
    form = rendered_form(admin.get("/tickets/config/canned/new/").content.decode(), "config-form")
    form.fields.update(title="", text="已受理。")
    page = admin.post("/tickets/config/canned/new/", form.fields).content.decode()
    assert "该字段是必填项" in page
    assert not CannedReply.objects.exists()


@pytestmark_db
def test_the_order_page_offers_its_categorys_and_the_general_replies(
    client_as, org, new_ticket, catalog
):
    CannedReply.objects.create(title="已受理", text="工单{number}已受理，工号{agent_no}。")
    CannedReply.objects.create(title="已派维修", text="已安排上门。", category=catalog.repair)
    CannedReply.objects.create(title="漏水关阀", text="请先关闭总阀。", category=catalog.leak)
    CannedReply.objects.create(title="政策解答", text="已解答。", category=catalog.consult)
    CannedReply.objects.create(title="旧话术", text="停用的。", is_active=False)
    ticket = new_ticket(category=catalog.leak, extra={"floor": "3"})
    html = client_as(org.agent).get(f"/tickets/{ticket.pk}/").content.decode()
    (data,) = re.findall(
        r'<script id="canned-replies" type="application/json">(.*?)</script>', html
    )
    offered = json.loads(data)
    assert [reply["title"] for reply in offered] == ["已派维修", "漏水关阀", "已受理"]
    assert offered[2]["text"] == f"工单{ticket.number}已受理，工号{org.agent.employee_no}。"
    assert 'data-canned accesskey="w"' in html


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytestmark_db
def test_the_api_manages_canned_replies_for_administrators_only(org, catalog):
    created = api(org.admin).post(
        "/api/v1/canned-replies/",
        {"title": "已派维修", "text": "已安排上门。", "category": catalog.repair.code},
        format="json",
    )
    assert created.status_code == 201, created.content
    CannedReply.objects.create(title="已受理", text="已受理。")
    CannedReply.objects.create(title="政策解答", text="已解答。", category=catalog.consult)
    listed = api(org.agent).get(f"/api/v1/canned-replies/?category={catalog.repair.code}")
    assert [r["title"] for r in listed.json()["results"]] == ["已派维修", "已受理"]

    refused = api(org.agent).post("/api/v1/canned-replies/", {"title": "x", "text": "y"})
    assert refused.status_code == 403
    blank = api(org.admin).post("/api/v1/canned-replies/", {"title": "", "text": "y"})
    assert blank.status_code == 400
    assert list(field_errors(blank)) == ["title"]
    assert CannedReply.objects.count() == 3
