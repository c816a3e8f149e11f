"""Major matters (重大事项, FRA-04) and work liaison slips (工作联系单, FRA-05): through the
services, the order page as rendered, and the API."""

from datetime import datetime, timedelta

import pytest
from conftest import make_staff
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from kefu.api.testing import field_errors
from kefu.notify.models import Notification, OutboundMessage
from kefu.org import services as org_services
from kefu.org.roles import RoleCode
from kefu.tickets.models import EventKind, LiaisonSlip, Ticket, TicketEvent
from kefu.tickets.services import majors
from kefu.tickets.tests.rendered import rendered_form

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.get_fixed_timezone(8 * 60))


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {org_services.token_regenerate(user=user).key}")
    return client


@pytest.fixture
def deputy_gm(org):
    """A second general manager, reachable by SMS and email."""
    return make_staff(
        "gm2",
        org.company,
        [RoleCode.GENERAL_MANAGER],
        employee_no="HQ003",
        phone="13900000001",
        email="gm2@example.com",
    )


# ---------------------------------------------------------------- major matters


def test_flagging_an_order_major_tells_every_general_manager_at_once(
    org, new_ticket, deputy_gm, django_capture_on_commit_callbacks
):
    ticket = new_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        majors.ticket_flag_major(
            ticket=ticket, actor=org.agent, reason="整栋楼停水，涉及300户", now=NOW
        )

    ticket.refresh_from_db()
    assert (ticket.major, ticket.major_reason, ticket.major_by, ticket.major_at) == (
        True,
        "整栋楼停水，涉及300户",
        org.agent,
        NOW,
    )
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.MAJOR)
    assert (event.actor, event.note, event.created_at) == (org.agent, "整栋楼停水，涉及300户", NOW)
    told = Notification.objects.filter(text__contains=ticket.number, text__startswith="重大事项")
    assert sorted(n.recipient.username for n in told) == ["gm", "gm2"]
    assert all(n.url == f"/tickets/{ticket.pk}/" for n in told)
    assert not Notification.objects.filter(recipient=org.head, text__startswith="重大事项").exists()
    # the general manager with a phone and an address gets an SMS and an email too
    sent = OutboundMessage.objects.filter(template_code="major_matter")
    assert sorted((m.channel, m.to) for m in sent) == [
        ("email", "gm2@example.com"),
        ("sms", "13900000001"),
    ]


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_a_major_matter_needs_its_reason_and_nothing_changes_without(org, new_ticket, reason):
    ticket = new_ticket()
    with pytest.raises(ValidationError) as caught:
        majors.ticket_flag_major(ticket=ticket, actor=org.agent, reason=reason)
    assert caught.value.error_dict["reason"][0].code == "required"
    ticket.refresh_from_db()
    assert not ticket.major
    assert not TicketEvent.objects.filter(kind=EventKind.MAJOR).exists()
    assert not Notification.objects.filter(recipient=org.gm).exists()


def test_an_order_is_flagged_major_once(org, new_ticket):
    ticket = new_ticket()
    majors.ticket_flag_major(ticket=ticket, actor=org.agent, reason="停水")
    with pytest.raises(ValidationError) as caught:
        majors.ticket_flag_major(ticket=ticket, actor=org.handler, reason="再报一次")
    assert caught.value.error_dict["reason"][0].code == "already_major"
    assert Notification.objects.filter(recipient=org.gm).count() == 1


def test_only_a_head_or_general_manager_clears_the_flag_with_a_reason(org, new_ticket):
    ticket = new_ticket()
    majors.ticket_flag_major(ticket=ticket, actor=org.agent, reason="停水", now=NOW)
    with pytest.raises(PermissionDenied):
        majors.ticket_clear_major(ticket=ticket, actor=org.agent, reason="已恢复")
    with pytest.raises(ValidationError) as caught:
        majors.ticket_clear_major(ticket=ticket, actor=org.gm, reason="")
    assert caught.value.error_dict["reason"][0].code == "required"
    ticket.refresh_from_db()
    assert ticket.major

    majors.ticket_clear_major(ticket=ticket, actor=org.gm, reason="已恢复供水，影响可控")
    ticket.refresh_from_db()
    assert not ticket.major
    cleared = TicketEvent.objects.get(ticket=ticket, kind=EventKind.MAJOR_CLEARED)
    assert (cleared.actor, cleared.note) == (org.gm, "已恢复供水，影响可控")
    with pytest.raises(ValidationError) as caught:
        majors.ticket_clear_major(ticket=ticket, actor=org.gm, reason="再清一次")
    assert caught.value.error_dict["reason"][0].code == "not_major"


def test_agent_flags_major_on_the_order_page_and_it_shows_in_the_major_queue(
    client_as, org, new_ticket
):
    ticket = new_ticket()
    other = new_ticket(title="门锁坏了")
    agent = client_as(org.agent)
    page = agent.get(f"/tickets/{ticket.pk}/").content.decode()
    form = rendered_form(page, "flag-major-form")
    assert "reason" in form.required
    response = agent.post(form.action, {**form.fields, "reason": "燃气泄漏，整栋楼疏散"})
    assert response.status_code == 302

    ticket.refresh_from_db()
    assert ticket.major and ticket.major_reason == "燃气泄漏，整栋楼疏散"
    page = agent.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="major-flag"' in page
    assert "燃气泄漏，整栋楼疏散" in page
    # the agent may not clear it: no form is offered
    assert 'data-testid="clear-major-form"' not in page

    gm = client_as(org.gm)
    queue = gm.get("/tickets/?queue=major").content.decode()
    assert ticket.number in queue and other.number not in queue
    assert 'data-testid="major-badge"' in queue
    assert "重大事项" in gm.get("/tickets/?queue=all").content.decode()


def test_empty_reason_on_the_page_is_refused_in_chinese(client_as, org, new_ticket):
    ticket = new_ticket()
    agent = client_as(org.agent)
    form = rendered_form(agent.get(f"/tickets/{ticket.pk}/").content.decode(), "flag-major-form")
    page = agent.post(form.action, form.fields, follow=True).content.decode()
    assert "请说明为何是重大事项" in page
    ticket.refresh_from_db()
    assert not ticket.major


def test_head_clears_the_flag_on_the_order_page(client_as, org, new_ticket):
    ticket = new_ticket(dispatch=True)
    majors.ticket_flag_major(ticket=ticket, actor=org.agent, reason="停水")
    head = client_as(org.head)
    form = rendered_form(head.get(f"/tickets/{ticket.pk}/").content.decode(), "clear-major-form")
    head.post(form.action, {**form.fields, "reason": "已确认为一般报修"})
    ticket.refresh_from_db()
    assert not ticket.major


def test_api_flags_and_clears_a_major_matter(org, new_ticket):
    ticket = new_ticket()
    empty = api(org.agent).post(f"/api/v1/tickets/{ticket.number}/major/", {"reason": ""})
    assert empty.status_code == 400
    assert list(field_errors(empty)) == ["reason"]

    response = api(org.agent).post(
        f"/api/v1/tickets/{ticket.number}/major/", {"reason": "停电影响医院"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["major"], body["major_reason"]) == (True, "停电影响医院")
    assert api(org.gm).get(f"/api/v1/tickets/{ticket.number}/").json()["major"] is True
    listed = api(org.gm).get("/api/v1/tickets/?queue=major").json()["results"]
    assert [t["number"] for t in listed] == [ticket.number]

    clear = f"/api/v1/tickets/{ticket.number}/major/clear/"
    refused = api(org.agent).post(clear, {"reason": "好了"})
    assert refused.status_code == 403
    cleared = api(org.gm).post(clear, {"reason": "好了"})
    assert cleared.status_code == 200
    assert cleared.json()["major"] is False


def test_api_does_not_flag_an_order_out_of_sight(org, new_ticket):
    ticket = new_ticket()
    stranger = make_staff("stranger", org.quality, [RoleCode.HANDLER], employee_no="PZ009")
    response = api(stranger).post(f"/api/v1/tickets/{ticket.number}/major/", {"reason": "x"})
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert not ticket.major


# ---------------------------------------------------------------- liaison slips


def slip_fields(org, **overrides):
    fields = {
        "actor": org.handler,
        "content": "夜间抢修主水管爆裂",
        "started_at": NOW - timedelta(hours=14),
        "finished_at": NOW - timedelta(hours=11),
        "people": "王师傅、李师傅",
        "department": org.repairs_team,
        "late_reason": "夜间紧急抢修，先处理后补单",
        "now": NOW,
    }
    fields.update(overrides)
    return fields


def test_a_liaison_slip_keeps_the_real_times_and_tells_the_order(org, new_ticket):
    ticket = new_ticket()
    slip = majors.liaison_slip_register(**slip_fields(org, ticket=ticket))

    slip.refresh_from_db()
    assert slip.number == "LX2026120001"
    assert (slip.started_at, slip.finished_at, slip.registered_at) == (
        NOW - timedelta(hours=14),
        NOW - timedelta(hours=11),
        NOW,
    )
    assert slip.ticket == ticket
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.LIAISON)
    assert event.created_at == NOW
    assert event.data["slip"] == "LX2026120001"
    assert "2026-12-02 20:00" in event.note and "2026-12-02 23:00" in event.note


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        (
            {"finished_at": NOW - timedelta(hours=15)},
            "finished_at",
            "liaison_finish_before_start",
        ),
        ({"finished_at": NOW - timedelta(hours=14)}, "finished_at", "liaison_finish_before_start"),
        ({"finished_at": NOW + timedelta(minutes=5)}, "finished_at", "liaison_time_in_future"),
        (
            {"started_at": NOW + timedelta(hours=1), "finished_at": NOW + timedelta(hours=2)},
            "started_at",
            "liaison_time_in_future",
        ),
        ({"late_reason": " "}, "late_reason", "required"),
        ({"people": ""}, "people", "required"),
        ({"content": ""}, "content", "required"),
        ({"department": None}, "department", "required"),
    ],
    ids=[
        "finish-before-start",
        "finish-equals-start",
        "finish-in-future",
        "start-in-future",
        "no-late-reason",
        "no-people",
        "no-content",
        "no-department",
    ],
)
def test_a_liaison_slip_with_bad_times_or_missing_facts_is_refused(
    org, new_ticket, overrides, field, code
):
    ticket = new_ticket()
    with pytest.raises(ValidationError) as caught:
        majors.liaison_slip_register(**slip_fields(org, ticket=ticket, **overrides))
    assert caught.value.error_dict[field][0].code == code
    assert not LiaisonSlip.objects.exists()
    assert not TicketEvent.objects.filter(kind=EventKind.LIAISON).exists()


def test_a_liaison_slip_opens_a_new_order_when_asked(org, catalog):
    fields = slip_fields(org, actor=org.agent, category=catalog.repair)
    slip = majors.liaison_slip_register(**fields)
    order = slip.ticket
    assert order is not None
    assert (order.category, order.first_responder, order.description) == (
        catalog.repair,
        org.agent,
        "夜间抢修主水管爆裂",
    )
    assert TicketEvent.objects.filter(ticket=order, kind=EventKind.LIAISON).exists()


def local(moment: datetime) -> str:
    """A time as a datetime-local input holds it."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_registering_a_slip_on_the_page_as_rendered(client_as, org, new_ticket):
    ticket = new_ticket(dispatch=True)
    head = client_as(org.head)
    order_page = head.get(f"/tickets/{ticket.pk}/").content.decode()
    assert f"/tickets/liaison/new/?ticket={ticket.pk}" in order_page

    url = f"/tickets/liaison/new/?ticket={ticket.pk}"
    form = rendered_form(head.get(url).content.decode(), "liaison-form")
    assert form.fields["ticket_number"] == ticket.number
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=14)
    finish = start + timedelta(hours=3)
    # the finish before the start is refused, naming the rule, and nothing is written
    bad = {
        **form.fields,
        "content": "夜间抢修主水管爆裂",
        "started_at": local(finish),
        "finished_at": local(start),
        "people": "王师傅",
        "department": str(org.repairs_team.pk),
        "late_reason": "夜间抢修",
    }
    page = head.post(form.action or url, bad)
    assert page.status_code == 200
    assert "结束时间必须晚于开始时间" in page.content.decode()
    assert not LiaisonSlip.objects.exists()

    response = head.post(
        form.action or url, {**bad, "started_at": local(start), "finished_at": local(finish)}
    )
    assert response.status_code == 302

    slip = LiaisonSlip.objects.get()
    assert (slip.ticket, slip.started_at, slip.finished_at) == (ticket, start, finish)
    listing = head.get("/tickets/liaison/").content.decode()
    assert slip.number in listing and ticket.number in listing
    assert slip.number in head.get(f"/tickets/{ticket.pk}/").content.decode()


def test_api_registers_and_lists_liaison_slips_in_scope(org, new_ticket):
    ticket = new_ticket(dispatch=True)
    now = timezone.now()
    body = {
        "content": "抢修",
        "started_at": (now - timedelta(hours=1)).isoformat(),
        "finished_at": (now + timedelta(hours=1)).isoformat(),
        "people": "王师傅",
        "department": org.repairs_team.code,
        "late_reason": "先处理后补单",
        "ticket": ticket.number,
    }
    future = api(org.head).post("/api/v1/liaison-slips/", body, format="json")
    assert future.status_code == 400, future.content
    assert list(field_errors(future)) == ["finished_at"]
    assert not LiaisonSlip.objects.exists()
    body["finished_at"] = (now - timedelta(minutes=5)).isoformat()
    created = api(org.head).post("/api/v1/liaison-slips/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["ticket"] == ticket.number
    number = created.json()["number"]
    assert [s["number"] for s in api(org.head).get("/api/v1/liaison-slips/").json()["results"]] == [
        number
    ]
    outsider = make_staff("qa2", org.quality, [RoleCode.HANDLER], employee_no="PZ008")
    assert api(outsider).get("/api/v1/liaison-slips/").json()["results"] == []
    assert Ticket.objects.get(pk=ticket.pk).liaison_slips.count() == 1
