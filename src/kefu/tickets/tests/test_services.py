"""The work-order lifecycle through its services: allowed moves, refused moves that change
nothing, first-responder accountability, routing, co-handling, repeats, urging."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from kefu.notify.models import Notification, OutboundMessage
from kefu.tickets import services
from kefu.tickets.models import DepartmentQueue, RoutingRule, Ticket, TicketEvent
from kefu.tickets.states import Action, Status

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def act(ticket, action, actor, **kwargs):
    return services.ticket_transition(ticket=ticket, action=action, actor=actor, **kwargs)


def snapshot(ticket):
    fresh = Ticket.objects.get(pk=ticket.pk)
    return (
        fresh.status,
        fresh.department_id,
        fresh.owner_id,
        fresh.return_count,
        TicketEvent.objects.filter(ticket=ticket).count(),
    )


def test_intake_fixes_the_first_responder_and_numbers_the_order(new_ticket, org):
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI), tick=False):
        first = new_ticket()
        second = new_ticket()
    assert first.number == "GD20261123-00001"
    assert second.number == "GD20261123-00002"
    assert first.first_responder == org.agent
    assert first.status == Status.RECEIVED
    assert first.priority == "high"  # the category's default
    event = first.events.get()
    assert (event.kind, event.public, event.actor) == ("created", True, org.agent)


def test_numbers_restart_each_day(new_ticket):
    with time_machine.travel(datetime(2026, 11, 23, 23, 59, tzinfo=SHANGHAI), tick=False):
        assert new_ticket().number == "GD20261123-00001"
    with time_machine.travel(datetime(2026, 11, 24, 0, 1, tzinfo=SHANGHAI), tick=False):
        assert new_ticket().number == "GD20261124-00001"


def test_customer_gets_an_sms_with_the_number_on_acceptance(
    new_ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = new_ticket()
    message = OutboundMessage.objects.get(ticket=ticket, template_code="ticket_received")
    assert message.to == "13812345678"
    assert ticket.number in message.text and "KF001" in message.text
    assert message.status == "logged"
    # the template's values, for a gateway that sends approved templates only
    assert (message.params["number"], message.params["agent_no"]) == (ticket.number, "KF001")


def test_required_category_field_is_enforced(new_ticket, catalog):
    with pytest.raises(ValidationError) as excinfo:
        new_ticket(category=catalog.leak, extra={"floor": " "})
    assert "extra_floor" in excinfo.value.message_dict
    assert Ticket.objects.count() == 0
    ticket = new_ticket(category=catalog.leak, extra={"floor": "5"})
    assert ticket.extra == {"floor": "5"}
    assert ticket.priority == "urgent"


def test_bad_phone_and_grade_are_refused(new_ticket):
    with pytest.raises(ValidationError) as excinfo:
        new_ticket(contact_phone="12345")
    assert "contact_phone" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        new_ticket(customer_grade="D")
    assert "customer_grade" in excinfo.value.message_dict
    assert Ticket.objects.count() == 0


def test_settle_at_first_contact(org, catalog, new_ticket):
    ticket = new_ticket(category=catalog.consult, settle_with="已告知阶梯电价政策")
    assert ticket.status == Status.RESOLVED
    assert ticket.settled_at_first_contact
    assert ticket.department is None
    with pytest.raises(ValidationError, match="不能一次办结"):
        new_ticket(settle_with="不能一次办结")


def test_full_loop_dispatch_sign_start_resolve_close(
    org, new_ticket, django_capture_on_commit_callbacks
):
    ticket = new_ticket(dispatch=True)
    assert ticket.status == Status.DISPATCHED
    assert ticket.department == org.repairs  # the category's lead department
    ticket = act(ticket, Action.SIGN, org.handler)
    assert (ticket.status, ticket.owner) == (Status.SIGNED, org.handler)
    ticket = act(ticket, Action.START, org.handler)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = act(ticket, Action.RESOLVE, org.handler, resolution="已更换水管")
    assert ticket.status == Status.RESOLVED
    assert Notification.objects.filter(recipient=org.agent, text__contains=ticket.number).exists()
    assert OutboundMessage.objects.filter(ticket=ticket, template_code="ticket_resolved").exists()
    ticket = act(ticket, Action.CLOSE, org.agent)
    assert ticket.status == Status.CLOSED
    assert ticket.first_responder == org.agent  # never changes hands
    kinds = list(ticket.events.values_list("to_status", flat=True))
    assert kinds == ["received", "dispatched", "signed", "in_progress", "resolved", "closed"]


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        pytest.param(Action.SIGN, {}, id="sign-before-dispatch"),
        pytest.param(Action.RESOLVE, {"resolution": "x"}, id="resolve-before-sign"),
        pytest.param(Action.CLOSE, {}, id="close-open-order"),
        pytest.param(Action.RESUME, {}, id="resume-not-suspended"),
        pytest.param(Action.RULE, {"reason": "x"}, id="rule-without-arbitration"),
    ],
)
def test_refused_transitions_change_nothing(org, new_ticket, action, kwargs):
    ticket = new_ticket()
    before = snapshot(ticket)
    with pytest.raises(ValidationError) as excinfo:
        act(ticket, action, org.admin, **kwargs)
    assert "action" in excinfo.value.message_dict
    assert snapshot(ticket) == before


def test_only_the_handling_department_signs(org, new_ticket):
    ticket = new_ticket(dispatch=True)
    before = snapshot(ticket)
    with pytest.raises(PermissionDenied):
        act(ticket, Action.SIGN, org.inspector)
    with pytest.raises(PermissionDenied):
        act(ticket, Action.SIGN, org.agent)
    assert snapshot(ticket) == before


@pytest.mark.parametrize("action", [Action.RETURN, Action.SUSPEND, Action.CANCEL])
def test_reason_is_required(org, new_ticket, action):
    ticket = act(new_ticket(dispatch=True), Action.SIGN, org.handler)
    before = snapshot(ticket)
    with pytest.raises(ValidationError) as excinfo:
        act(ticket, action, org.admin, reason="  ")
    assert "reason" in excinfo.value.message_dict
    assert snapshot(ticket) == before


def test_two_returns_go_to_the_office_whose_ruling_binds(org, catalog, new_ticket):
    ticket = new_ticket(dispatch=True)
    ticket = act(ticket, Action.RETURN, org.handler, reason="不属于本部门")
    assert ticket.status == Status.RETURNED
    ticket = act(ticket, Action.DISPATCH, org.agent, department=org.marketing)
    ticket = act(ticket, Action.RETURN, org.cm_supervisor, reason="也不属于市场部")
    assert ticket.status == Status.ARBITRATION
    assert ticket.return_count == 2
    with pytest.raises(PermissionDenied):
        act(ticket, Action.RULE, org.agent, reason="x", department=org.repairs)
    ticket = act(
        ticket, Action.RULE, catalog.officer, reason="属维修部职责", department=org.repairs
    )
    assert (ticket.status, ticket.department, ticket.ruling_binding) == (
        Status.DISPATCHED,
        org.repairs,
        True,
    )
    before = snapshot(ticket)
    with pytest.raises(ValidationError, match="已裁决"):
        act(ticket, Action.RETURN, org.handler, reason="还是不想办")
    assert snapshot(ticket) == before


def test_suspension_needs_the_head(org, new_ticket):
    ticket = act(new_ticket(dispatch=True), Action.SIGN, org.handler)
    with pytest.raises(PermissionDenied):
        act(ticket, Action.SUSPEND, org.handler, reason="等配件")
    ticket = act(ticket, Action.SUSPEND, org.head, reason="等配件")
    assert ticket.status == Status.SUSPENDED
    ticket = act(ticket, Action.RESUME, org.handler)
    assert ticket.status == Status.IN_PROGRESS


def test_parent_cannot_be_resolved_while_a_child_is_open(org, catalog, new_ticket):
    parent = act(new_ticket(dispatch=True), Action.SIGN, org.handler)
    child = services.ticket_create_child(
        parent=parent, actor=org.handler, department=org.marketing, title="协助联系业主"
    )
    assert (child.parent, child.status, child.department) == (
        parent,
        Status.DISPATCHED,
        org.marketing,
    )
    assert child.first_responder == org.agent
    assert child.number != parent.number
    with pytest.raises(ValidationError, match=child.number):
        act(parent, Action.RESOLVE, org.handler, resolution="完成")
    child = act(child, Action.SIGN, org.cm_supervisor)
    act(child, Action.RESOLVE, org.cm_supervisor, resolution="已联系")
    parent = act(parent, Action.RESOLVE, org.handler, resolution="完成")
    assert parent.status == Status.RESOLVED


def test_routing_rule_beats_the_lead_department(org, catalog, new_ticket):
    RoutingRule.objects.create(
        order=1, category=catalog.repair, area="城东", department=org.marketing
    )
    assert new_ticket(dispatch=True).department == org.marketing
    assert new_ticket(dispatch=True, address="城西区").department == org.repairs


def test_round_robin_assignment_inside_the_department(org, catalog, new_ticket):
    DepartmentQueue.objects.create(department=org.repairs, assignment_mode="round_robin")
    owners = [new_ticket(dispatch=True).owner for _ in range(3)]
    assert owners == [org.handler, catalog.handler2, org.handler]


def test_repeat_contact_is_counted_and_urges_the_handler(
    org, new_ticket, django_capture_on_commit_callbacks
):
    ticket = act(new_ticket(dispatch=True), Action.SIGN, org.handler)
    offered = services.open_tickets_for_caller(phone="13812345678", category=ticket.category)
    assert list(offered) == [ticket]
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_link_repeat(
            ticket=ticket, actor=org.agent, channel="hotline", note="又来电催"
        )
    ticket.refresh_from_db()
    assert (ticket.repeat_count, ticket.urge_count) == (1, 1)
    assert Notification.objects.filter(recipient=org.handler, text__contains="又来电催").exists()
    assert Ticket.objects.count() == 1


def test_supervision_by_a_head_only(org, new_ticket):
    ticket = new_ticket(dispatch=True)
    with pytest.raises(PermissionDenied):
        services.ticket_supervise(ticket=ticket, actor=org.agent, due=date(2030, 1, 1))
    with pytest.raises(ValidationError):
        services.ticket_supervise(ticket=ticket, actor=org.head, due=date(2000, 1, 1))
    services.ticket_supervise(ticket=ticket, actor=org.head, due=date(2030, 1, 1), note="限期处理")
    ticket.refresh_from_db()
    assert (ticket.supervised, ticket.supervision_due) == (True, date(2030, 1, 1))


def test_merge_keeps_the_duplicate_timeline(org, new_ticket):
    survivor = new_ticket(dispatch=True)
    duplicate = new_ticket()
    services.ticket_merge(ticket=duplicate, into=survivor, actor=org.agent)
    duplicate.refresh_from_db()
    survivor.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == (Status.CANCELLED, survivor)
    assert duplicate.events.count() == 2
    assert survivor.repeat_count == 1
    assert survivor.events.filter(kind="merge").exists()


def test_claiming_a_web_order_makes_the_first_responder(org, catalog):
    ticket = services.ticket_create(
        actor=None,
        category=catalog.repair,
        channel="web",
        title="路灯不亮",
        contact_phone="13900001111",
    )
    assert ticket.first_responder is None
    services.ticket_claim(ticket=ticket, actor=org.agent)
    ticket.refresh_from_db()
    assert ticket.first_responder == org.agent
    with pytest.raises(ValidationError):
        services.ticket_claim(ticket=ticket, actor=org.shift_leader)


def test_idempotent_creation(org, catalog):
    fields = {
        "category": catalog.repair,
        "channel": "sms",
        "title": "停水",
        "contact_phone": "13900001111",
    }
    first, created = services.ticket_create_idempotent(
        actor=org.agent, key="k1", payload_hash="h", **fields
    )
    again, created_again = services.ticket_create_idempotent(
        actor=org.agent, key="k1", payload_hash="h", **fields
    )
    assert (created, created_again, again.pk) == (True, False, first.pk)
    with pytest.raises(ValidationError):
        services.ticket_create_idempotent(actor=org.agent, key="k1", payload_hash="other", **fields)
    assert Ticket.objects.count() == 1
    # the retries' attempts were rolled back whole: no second acceptance SMS, no timeline
    # event, and no number used up
    assert OutboundMessage.objects.filter(template_code="ticket_received").count() == 1
    assert first.events.count() == 1
    following, _ = services.ticket_create_idempotent(
        actor=org.agent, key="k2", payload_hash="h", **fields
    )
    assert int(following.number[-5:]) == int(first.number[-5:]) + 1


def test_reply_draft_uses_the_category_template(org, new_ticket):
    ticket = act(
        act(new_ticket(dispatch=True), Action.SIGN, org.handler),
        Action.RESOLVE,
        org.handler,
        resolution="已更换水管。",
    )
    assert services.reply_draft(ticket) == f"张先生您好，工单{ticket.number}已处理：已更换水管。"
    services.ticket_reply(ticket=ticket, actor=org.agent, text="张先生您好，已修好。")
    assert ticket.events.filter(kind="reply", public=True).exists()
    assert OutboundMessage.objects.filter(ticket=ticket, template_code="reply").exists()


def test_attachment_limits(org, new_ticket):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = new_ticket()
    with pytest.raises(ValidationError, match=r"\.exe"):
        services.attachment_add(
            ticket=ticket, actor=org.agent, upload=SimpleUploadedFile("a.exe", b"MZ")
        )
    big = SimpleUploadedFile("big.pdf", b"0" * (services.ATTACHMENT_MAX_BYTES + 1))
    with pytest.raises(ValidationError, match="MB"):
        services.attachment_add(ticket=ticket, actor=org.agent, upload=big)
    photo = services.attachment_add(
        ticket=ticket, actor=org.agent, upload=SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff")
    )
    assert (photo.size, photo.content_type) == (3, "image/jpeg")
    assert ticket.attachments.count() == 1


def test_status_is_assigned_only_in_the_transition_service():
    """A status changes in exactly one place (CONVENTIONS.md §6)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\b(ticket|child|parent|survivor)\w*\.status\s*=[^=]", line) or re.search(
                r"Ticket\.objects.*\.update\(.*\bstatus=", line
            ):
                offenders.append(f"{path.relative_to(root)}:{number}")
    assert offenders == ["tickets/services/transitions.py:" + str(_line_of_status_assignment(root))]


def _line_of_status_assignment(root):
    path = root / "tickets" / "services" / "transitions.py"
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if "ticket.status = to_status" in line)


def test_events_are_written_in_the_same_transaction(org, new_ticket, settings):
    ticket = new_ticket()
    # a lifecycle participant whose reaction to the move fails
    settings.KEFU_TICKET_LIFECYCLE = [
        *settings.KEFU_TICKET_LIFECYCLE,
        "kefu.tickets.tests.participants.FailingOnMove",
    ]
    with pytest.raises(RuntimeError):
        act(ticket, Action.DISPATCH, org.agent)
    assert snapshot(ticket)[0] == Status.RECEIVED
    assert ticket.events.count() == 1


def test_counts_for_the_first_responder(org, catalog, new_ticket):
    from kefu.tickets.selectors import first_responder_figures

    new_ticket(category=catalog.consult, settle_with="已答复")
    ticket = new_ticket(dispatch=True)
    services.ticket_link_repeat(ticket=ticket, actor=org.agent, channel="hotline")
    assert first_responder_figures(org.agent) == {
        "taken": 2,
        "settled": 1,
        "repeats": 1,
        "still_open": 2,
    }


def test_timestamps_follow_the_clock(org, new_ticket):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        ticket = new_ticket(dispatch=True)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        ticket = act(ticket, Action.SIGN, org.handler)
    assert ticket.created_at == start
    assert ticket.signed_at == start + timedelta(hours=1)


def test_head_transfers_a_signed_order_to_another_department(org, new_ticket):
    ticket = act(new_ticket(dispatch=True), Action.SIGN, org.head, owner=org.handler)
    with pytest.raises(PermissionDenied):
        act(ticket, Action.TRANSFER, org.handler, reason="应由市场部办理", department=org.marketing)
    with pytest.raises(ValidationError) as excinfo:
        act(ticket, Action.TRANSFER, org.head, reason="x", department=org.repairs)
    assert "department" in excinfo.value.message_dict
    ticket = act(
        ticket, Action.TRANSFER, org.head, reason="应由市场部办理", department=org.marketing
    )
    assert (ticket.status, ticket.department, ticket.owner, ticket.signed_at) == (
        Status.DISPATCHED,
        org.marketing,
        None,
        None,
    )
    assert ticket.participants.filter(pk=org.handler.pk).exists()  # keeps seeing what they handled
    assert ticket.first_responder == org.agent


def test_sign_assigns_only_inside_the_department(org, new_ticket):
    ticket = new_ticket(dispatch=True)
    before = snapshot(ticket)
    with pytest.raises(ValidationError) as excinfo:
        act(ticket, Action.SIGN, org.head, owner=org.agent)
    assert "owner" in excinfo.value.message_dict
    assert snapshot(ticket) == before


def test_in_app_notifications_are_written_with_the_move_not_after_it(org, new_ticket):
    """A worker killed between the commit and an after-commit callback would lose them."""
    ticket = act(
        act(new_ticket(dispatch=True), Action.SIGN, org.handler), Action.START, org.handler
    )
    ticket = act(ticket, Action.RESOLVE, org.handler, resolution="已更换水管")  # no callbacks run
    assert Notification.objects.filter(recipient=org.agent, text__contains=ticket.number).exists()
