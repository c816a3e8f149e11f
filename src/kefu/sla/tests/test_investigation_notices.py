"""CMP-19: while an order is open and overdue the department that owns the open step is
urged (催办单); when it is closed each department's steps are audited and every
department whose step was late — and only those — gets an investigation notice (查办单)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from conftest import make_staff

from kefu.notify.models import Notification
from kefu.sla import engine
from kefu.sla.models import OverdueInvestigation
from kefu.sla.tests.test_engine import T0, property_preset, rows, sweep  # noqa: F401
from kefu.tickets import services as tickets
from kefu.tickets.states import Action, Status
from kefu.tickets.tests.conftest import catalog, new_ticket  # noqa: F401
from kefu.tickets.tests.rendered import rendered_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketing_head(org):
    return make_staff("mkthead", org.marketing, ["department_head"], employee_no="SC009")


def move(ticket, action, actor, moment, **kwargs):
    with time_machine.travel(moment, tick=False):
        return tickets.ticket_transition(ticket=ticket, action=action, actor=actor, **kwargs)


def told(user, since=None) -> list[str]:
    found = Notification.objects.filter(recipient=user)
    if since is not None:
        found = found.filter(created_at__gte=since)
    return list(found.values_list("text", flat=True))


def test_only_the_second_department_was_late_and_only_it_is_investigated_at_the_closure(
    org,
    new_ticket,  # noqa: F811
    property_preset,  # noqa: F811
    marketing_head,
    django_capture_on_commit_callbacks,
):
    # 维修部 takes the repair call, makes first contact and arrives in time …
    with time_machine.travel(T0, tick=False):
        ticket = new_ticket(dispatch=True)
    ticket = move(ticket, Action.SIGN, org.head, T0 + timedelta(minutes=5), owner=org.handler)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        engine.deadline_record_reached(
            ticket=ticket, position=rows(ticket)["arrival"].position, actor=org.handler
        )
    # … then transfers it to 市场部, which lets the 24-hour resolution run late
    ticket = move(
        ticket,
        Action.TRANSFER,
        org.head,
        T0 + timedelta(hours=2),
        reason="属于市场部职责",
        department=org.marketing,
    )
    ticket = move(ticket, Action.SIGN, marketing_head, T0 + timedelta(hours=3))
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(T0 + timedelta(hours=24, minutes=1))["breaches"] == 1
    # urged while overdue: the department that owns the open step, not the first one
    ticket.refresh_from_db()
    assert ticket.urge_count == 1
    assert any(ticket.number in text for text in told(marketing_head))
    assert told(org.head) == [] and told(org.handler) == []
    assert rows(ticket)["resolution"].department == org.marketing
    # no investigation while the order is open
    assert not OverdueInvestigation.objects.filter(ticket=ticket).exists()

    ticket = move(
        ticket, Action.RESOLVE, marketing_head, T0 + timedelta(hours=26), resolution="已处理"
    )
    Notification.objects.all().delete()
    closed = move(ticket, Action.CLOSE, org.agent, T0 + timedelta(hours=27))
    assert closed.status == Status.CLOSED

    investigation = OverdueInvestigation.objects.get(ticket=ticket)  # exactly one
    assert investigation.department == org.marketing
    assert investigation.deadline == rows(ticket)["resolution"]
    assert investigation.opened_at == T0 + timedelta(hours=27)
    assert any("查办单" in text for text in told(marketing_head))
    assert told(org.head) == []
    note = ticket.events.get(data__investigation_department=org.marketing.pk).note
    assert "市场部" in note and "办结" in note

    # the late department answers it after the closure; the first one may not
    with pytest.raises(engine.PermissionDenied):
        engine.investigation_answer(investigation=investigation, actor=org.head, reason="x")
    engine.investigation_answer(
        investigation=investigation, actor=marketing_head, reason="转派后未及时安排人员"
    )
    investigation.refresh_from_db()
    assert investigation.answered_by == marketing_head


def test_an_order_handed_on_while_overdue_is_urged_at_its_new_department(
    org,
    new_ticket,  # noqa: F811
    property_preset,  # noqa: F811
    marketing_head,
    django_capture_on_commit_callbacks,
    client_as,
):
    """维修部 lets the arrival run late, then transfers the order: 市场部 now owns the open
    overdue step and is urged; at the closure only 维修部 was late."""
    with time_machine.travel(T0, tick=False):
        ticket = new_ticket(dispatch=True)
    ticket = move(ticket, Action.SIGN, org.head, T0 + timedelta(minutes=5), owner=org.handler)
    sweep(T0 + timedelta(hours=2, minutes=1))  # the arrival is overdue in 维修部
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        ticket = move(
            ticket,
            Action.TRANSFER,
            org.head,
            T0 + timedelta(hours=3),
            reason="属于市场部职责",
            department=org.marketing,
        )
    ticket.refresh_from_db()
    assert ticket.urge_count == 2  # at the breach, and at the new department
    urged = ticket.events.filter(kind="urge").order_by("-created_at", "-pk").first()
    assert "市场部" in urged.note
    assert any("催办" in text for text in told(marketing_head))

    ticket = move(ticket, Action.SIGN, marketing_head, T0 + timedelta(hours=4))
    ticket = move(
        ticket, Action.RESOLVE, marketing_head, T0 + timedelta(hours=5), resolution="已处理"
    )
    move(ticket, Action.CLOSE, org.agent, T0 + timedelta(hours=6))
    assert list(
        OverdueInvestigation.objects.filter(ticket=ticket).values_list("department", flat=True)
    ) == [org.repairs.pk]

    # 维修部's head finds it on the workspace and answers it from the department's list
    client = client_as(org.head)
    assert "待答复的查办单" in client.get("/").content.decode()
    page = client.get("/sla/investigations/").content.decode()
    investigation = OverdueInvestigation.objects.get(ticket=ticket)
    form = rendered_form(page, f"investigation-answer-{investigation.pk}")
    form.fields["reason"] = "到场前等待配件"
    assert client.post(form.action, form.fields).status_code == 302
    investigation.refresh_from_db()
    assert (investigation.reason, investigation.answered_by) == ("到场前等待配件", org.head)
    assert ticket.number not in client.get("/sla/investigations/").content.decode()
    # 市场部 was not late: nothing for it to answer
    assert client_as(marketing_head).get("/sla/investigations/").status_code == 200
    assert not OverdueInvestigation.objects.filter(department=org.marketing).exists()


def test_a_head_who_muted_overdue_reminders_still_gets_the_handover_urge_and_the_notice(
    org,
    new_ticket,  # noqa: F811
    property_preset,  # noqa: F811
    marketing_head,
    django_capture_on_commit_callbacks,
):
    """The urge of an order handed on while overdue and the closure's investigation notice
    ask the department to act: muting news about others' work does not silence them."""
    from kefu.notify.models import NotificationKind
    from kefu.notify.services import notification_mutes_set

    notification_mutes_set(user=marketing_head, kinds=[NotificationKind.SLA_OVERDUE])
    with time_machine.travel(T0, tick=False):
        ticket = new_ticket(dispatch=True)
    ticket = move(ticket, Action.SIGN, org.head, T0 + timedelta(minutes=5), owner=org.handler)
    ticket = move(
        ticket,
        Action.TRANSFER,
        org.head,
        T0 + timedelta(hours=1),
        reason="属于市场部职责",
        department=org.marketing,
    )
    ticket = move(ticket, Action.SIGN, marketing_head, T0 + timedelta(hours=1, minutes=5))
    sweep(T0 + timedelta(hours=2, minutes=1))  # the arrival is overdue in 市场部
    ticket = move(
        ticket,
        Action.TRANSFER,
        marketing_head,
        T0 + timedelta(hours=3),
        reason="退回维修部",
        department=org.repairs,
    )
    handed_on = Notification.objects.filter(recipient=org.head, kind=NotificationKind.URGE)
    assert any("维修部" in n.text for n in handed_on)

    ticket = move(ticket, Action.SIGN, org.head, T0 + timedelta(hours=4), owner=org.handler)
    ticket = move(ticket, Action.RESOLVE, org.handler, T0 + timedelta(hours=5), resolution="好")
    with django_capture_on_commit_callbacks(execute=True):
        move(ticket, Action.CLOSE, org.agent, T0 + timedelta(hours=6))
    notice = Notification.objects.get(recipient=marketing_head, text__contains="查办单")
    assert notice.kind == NotificationKind.TASK
