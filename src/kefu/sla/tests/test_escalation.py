"""Overdue orders: the escalation ladder (head → service centre → general manager), the
first responder's delay notice to the customer, and the compliance figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from openpyxl import load_workbook

from kefu.api.testing import field_errors
from kefu.notify.models import Notification
from kefu.sla import engine, selectors, services
from kefu.sla.models import DelayNotice, SlaPolicy, TicketDeadline
from kefu.tickets import services as tickets
from kefu.tickets.states import Action
from kefu.tickets.tests.conftest import catalog, new_ticket  # noqa: F401

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=SH)  # a Monday
ARRIVAL_DUE = T0 + timedelta(hours=2)  # property repair: on site within 2 h, 24×7


@pytest.fixture
def signed(org, new_ticket):  # noqa: F811
    services.sla_preset_load(industry="property")
    with time_machine.travel(T0, tick=False):
        ticket = new_ticket(dispatch=True)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        ticket = tickets.ticket_transition(
            ticket=ticket, action=Action.SIGN, actor=org.head, owner=org.handler
        )
    # the moves tell the department and the handler; the tests count what the clock tells
    Notification.objects.all().delete()
    return ticket


def sweep(moment: datetime) -> dict[str, int]:
    with time_machine.travel(moment, tick=False):
        return engine.sla_sweep()


def arrival(ticket) -> TicketDeadline:
    return TicketDeadline.objects.get(ticket=ticket, kind="arrival")


def told(user, ticket) -> int:
    return Notification.objects.filter(recipient=user, text__contains=ticket.number).count()


# ---------------------------------------------------------------------------- ladder


def test_overdue_order_climbs_to_the_centre_then_the_general_manager(org, signed):
    sweep(ARRIVAL_DUE + timedelta(minutes=1))
    assert told(org.head, signed) == 1  # the department head at once
    assert told(org.shift_leader, signed) == 0
    assert told(org.gm, signed) == 0

    # 240 minutes after the due instant: the service centre of the first responder
    assert sweep(ARRIVAL_DUE + timedelta(minutes=239))["escalations"] == 0
    assert sweep(ARRIVAL_DUE + timedelta(minutes=240))["escalations"] == 1
    assert told(org.shift_leader, signed) == 1
    assert told(org.gm, signed) == 0
    row = arrival(signed)
    assert row.escalated_levels == 1
    assert row.next_event_at == ARRIVAL_DUE + timedelta(minutes=900)

    # 900 minutes after the due instant: the general manager; then nothing more
    assert sweep(ARRIVAL_DUE + timedelta(minutes=900))["escalations"] == 1
    assert sweep(ARRIVAL_DUE + timedelta(hours=20))["escalations"] == 0
    assert told(org.gm, signed) == 1
    assert told(org.shift_leader, signed) == 1
    events = signed.events.filter(kind="sla_escalated").order_by("created_at")
    assert [e.data["level"] for e in events] == ["centre", "general_manager"]
    assert events[0].data["recipients"] == [org.shift_leader.pk]
    # those it was escalated to may open the order
    assert set(signed.participants.all()) >= {org.shift_leader, org.gm}
    assert arrival(signed).next_event_at is None


def test_a_late_sweep_fires_every_rung_it_passed_once(org, signed):
    sweep(ARRIVAL_DUE + timedelta(minutes=1))
    assert sweep(ARRIVAL_DUE + timedelta(hours=20))["escalations"] == 2
    assert told(org.shift_leader, signed) == 1
    assert told(org.gm, signed) == 1


def test_escalation_on_a_working_day_calendar_counts_working_minutes(org, catalog):  # noqa: F811
    """A complaint received on a Monday is due 5 working days later, Monday 17:30; it goes
    to the centre 240 working minutes after that: Tuesday 14:00 (08:30–12:00 is 210 min,
    then 13:30 + 30 min)."""
    services.sla_preset_load(industry="property")
    due = datetime(2026, 3, 9, 17, 30, tzinfo=SH)
    with time_machine.travel(T0, tick=False):
        ticket = tickets.ticket_create(
            actor=org.agent,
            category=catalog.complaint,
            channel="hotline",
            title="维修工态度差",
            contact_phone="13812345678",
            dispatch=True,
        )
    row = TicketDeadline.objects.get(ticket=ticket, kind="resolution")
    assert row.due_at == due
    sweep(due + timedelta(minutes=1))
    row.refresh_from_db()
    assert row.breached_at is not None
    assert row.next_event_at == datetime(2026, 3, 10, 14, 0, tzinfo=SH)


def test_resolving_the_order_stops_the_ladder(org, signed):
    sweep(ARRIVAL_DUE + timedelta(minutes=1))
    with time_machine.travel(ARRIVAL_DUE + timedelta(hours=1), tick=False):
        tickets.ticket_transition(
            ticket=signed, action=Action.RESOLVE, actor=org.handler, resolution="已修复"
        )
    assert arrival(signed).next_event_at is None
    assert sweep(ARRIVAL_DUE + timedelta(days=2))["escalations"] == 0
    assert told(org.shift_leader, signed) == 0
    assert told(org.gm, signed) == 0


def test_a_policy_without_a_centre_delay_stops_at_the_head(org, signed):
    policy = SlaPolicy.objects.get(code=signed.sla_policy_code)
    services.sla_policy_update(policy=policy, escalate_centre_after=None)
    sweep(ARRIVAL_DUE + timedelta(minutes=1))
    assert arrival(signed).escalate_at == []
    assert sweep(ARRIVAL_DUE + timedelta(days=2))["escalations"] == 0


def test_escalation_delays_must_climb(org, signed):
    policy = SlaPolicy.objects.get(code=signed.sla_policy_code)
    with pytest.raises(ValidationError) as refused:
        services.sla_policy_update(policy=policy, escalate_centre_after=600, escalate_gm_after=300)
    assert "escalate_gm_after" in refused.value.message_dict
    policy.refresh_from_db()
    assert (policy.escalate_centre_after, policy.escalate_gm_after) == (240, 900)


def test_policy_api_sets_the_escalation_delays(client_as, org, signed):
    policy = SlaPolicy.objects.get(code=signed.sla_policy_code)
    url = f"/api/v1/sla-policies/{policy.pk}/"
    bad = client_as(org.admin).patch(
        url, {"escalate_gm_after": 10}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert "escalate_gm_after" in field_errors(bad)
    good = client_as(org.admin).patch(
        url,
        {"escalate_centre_after": 60, "escalate_gm_after": 120},
        content_type="application/json",
    )
    assert good.status_code == 200
    policy.refresh_from_db()
    assert (policy.escalate_centre_after, policy.escalate_gm_after) == (60, 120)


# ---------------------------------------------------------------------------- delay notice


def test_breach_gives_the_first_responder_a_delay_notice_to_give(org, signed):
    sweep(ARRIVAL_DUE + timedelta(minutes=1))
    notice = DelayNotice.objects.get(ticket=signed)
    assert notice.assignee == org.agent
    assert notice.done_at is None
    assert told(org.agent, signed) == 1
    assert list(selectors.delay_notices_open(org.agent)) == [notice]
    assert list(selectors.delay_notices_open(org.handler)) == []


def test_recording_the_delay_notice_checks_fields_and_role(org, signed):
    sweep(ARRIVAL_DUE + timedelta(minutes=1))
    notice = DelayNotice.objects.get(ticket=signed)
    now = ARRIVAL_DUE + timedelta(minutes=30)
    later = now + timedelta(hours=3)

    with pytest.raises(ValidationError) as refused:
        engine.delay_notice_record(
            notice=notice, actor=org.agent, channel="fax", reason=" ", expected_at=now, now=now
        )
    assert set(refused.value.message_dict) == {"channel", "reason", "expected_at"}
    with pytest.raises(PermissionDenied):
        engine.delay_notice_record(
            notice=notice,
            actor=org.inspector,
            channel="phone",
            reason="配件缺货",
            expected_at=later,
            now=now,
        )
    notice.refresh_from_db()
    assert notice.done_at is None
    assert not signed.events.filter(kind="delay_notice").exists()

    engine.delay_notice_record(
        notice=notice,
        actor=org.agent,
        channel="phone",
        reason="配件缺货",
        expected_at=later,
        now=now,
    )
    notice.refresh_from_db()
    assert (notice.done_by, notice.channel, notice.expected_at) == (org.agent, "phone", later)
    event = signed.events.get(kind="delay_notice")
    assert event.public  # the customer sees it in the progress lookup
    assert "配件缺货" in event.note
    assert list(selectors.delay_notices_open(org.agent)) == []


def test_delay_notice_through_the_api_and_the_page(client_as, org, signed):
    sweep(ARRIVAL_DUE + timedelta(minutes=1))
    position = arrival(signed).position
    api = f"/api/v1/tickets/{signed.number}/deadlines/{position}/delay-notice/"
    page = f"/sla/tickets/{signed.pk}/deadlines/{position}/delay-notice/"

    assert client_as(org.inspector).post(api, {}).status_code in {403, 404}
    bad = client_as(org.agent).post(
        api, {"channel": "phone", "reason": "", "expected_at": "不是时间"}
    )
    assert bad.status_code == 400
    assert "expected_at" in field_errors(bad)
    assert DelayNotice.objects.get(ticket=signed).done_at is None

    shown = client_as(org.agent).get(f"/tickets/{signed.pk}/").text
    assert 'data-testid="delay-notice-form"' in shown
    response = client_as(org.agent).post(
        page, {"channel": "sms", "reason": "材料缺货", "expected_at": "2099-03-02T18:00"}
    )
    assert response.status_code == 302
    notice = DelayNotice.objects.get(ticket=signed)
    assert notice.reason == "材料缺货"
    assert notice.expected_at == datetime(2099, 3, 2, 18, 0, tzinfo=SH)
    listed = client_as(org.agent).get(f"/api/v1/tickets/{signed.number}/deadlines/").json()
    row = next(r for r in listed if r["kind"] == "arrival")
    assert row["delay_notice"]["reason"] == "材料缺货"
    assert row["escalation_level"] == "department_head"


# ---------------------------------------------------------------------------- compliance


@pytest.fixture
def month_of_orders(org, new_ticket):  # noqa: F811
    """March 2026: three repairs. #1 resolved in time; #2 resolved 1 h after its on-site
    limit; #3 never signed: its first contact (30 min) and on-site (2 h) limits overdue."""
    services.sla_preset_load(industry="property")
    made = []
    for n in range(3):
        with time_machine.travel(T0 + timedelta(minutes=n), tick=False):
            made.append(new_ticket(dispatch=True, title=f"报修 {n}"))
    for ticket in made[:2]:
        with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
            tickets.ticket_transition(
                ticket=ticket, action=Action.SIGN, actor=org.head, owner=org.handler
            )
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        tickets.ticket_transition(
            ticket=made[0], action=Action.RESOLVE, actor=org.handler, resolution="已修复"
        )
    sweep(T0 + timedelta(hours=2, minutes=2))  # #2's arrival overdue; #3's first contact
    with time_machine.travel(T0 + timedelta(hours=3, minutes=1), tick=False):
        tickets.ticket_transition(
            ticket=made[1], action=Action.RESOLVE, actor=org.handler, resolution="已修复"
        )
    return made


def test_compliance_counts_on_time_late_and_overdue_hours(org, month_of_orders):
    now = T0 + timedelta(hours=4, minutes=2)
    rows = selectors.compliance(
        org.gm, month=T0.date().replace(day=1), group_by="department", now=now
    )

    assert [r.department for r in rows] == ["维修部", ""]
    repairs, total = rows
    assert (repairs.resolved, repairs.resolved_on_time, repairs.resolution_on_time_rate) == (
        2,
        2,
        100.0,
    )
    # every milestone due by now, met or not: #1's first contact and on site, #2's first
    # contact on time; #2's on site late; #3's first contact and on site unmet
    assert (repairs.due, repairs.due_on_time, repairs.on_time_rate) == (6, 3, 50.0)
    assert (repairs.first_contact, repairs.first_contact_on_time) == (2, 2)
    # #2 on site due 12:01, met 13:01 (1 h); #3 first contact due 10:32 and on site due
    # 12:02, both open until now 14:02 (3.5 h + 2 h)
    assert repairs.overdue == 3
    assert repairs.overdue_hours == 6.5
    assert repairs.overdue_hours_average == 2.2
    assert total.resolved == 2 and total.overdue == 3

    assert selectors.compliance(org.gm, month=T0.date().replace(month=4, day=1), now=now) == []


def test_compliance_is_scoped_to_the_orders_one_may_see(org, month_of_orders):
    now = T0 + timedelta(hours=5)
    month = T0.date().replace(day=1)
    assert selectors.compliance(org.account_manager, month=month, now=now) == []
    by_category = selectors.compliance(org.head, month=month, group_by="category", now=now)
    assert [(r.department, r.category) for r in by_category] == [("", "水电报修"), ("", "")]


def test_compliance_api_page_and_export(client_as, org, month_of_orders):
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        response = client_as(org.gm).get("/api/v1/sla/compliance/?month=2026-03&by=department")
        assert response.status_code == 200
        body = response.json()
        assert body[0]["department"] == "维修部"
        assert body[0]["resolution_on_time_rate"] == 100.0
        assert (body[0]["due"], body[0]["due_on_time"], body[0]["on_time_rate"]) == (6, 3, 50.0)
        assert body[-1]["total"] is True

        bad = client_as(org.gm).get("/api/v1/sla/compliance/?month=2026-13")
        assert bad.status_code == 400
        assert "month" in field_errors(bad)
        assert client_as(org.gm).get("/api/v1/sla/compliance/?by=nothing").status_code == 400
        assert Client().get("/api/v1/sla/compliance/").status_code in {401, 403}

        page = client_as(org.gm).get("/sla/compliance/?month=2026-03&by=department_category")
        assert page.status_code == 200
        assert 'data-testid="compliance-total"' in page.text
        assert "水电报修" in page.text

        export = client_as(org.gm).get("/sla/compliance/?month=2026-03&export=xlsx")
        sheet = load_workbook(BytesIO(export.content)).active
        rows = list(sheet.values)
        assert rows[1][0] == "维修部"
        assert rows[1][2:8] == (6, 3, 50.0, 2, 2, 100.0)  # due, on time, rate; resolved …


def test_workspace_shows_the_rate_to_supervisors_and_the_notice_to_the_agent(
    client_as, org, month_of_orders
):
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        head = client_as(org.head).get("/").text
        agent = client_as(org.agent).get("/").text
    assert "本月按时率" in head
    assert "50.0%" in head  # 3 of the 6 milestones due so far were met in time
    assert "待告知客户延期" in agent
    assert "待告知客户延期" not in head


# ---------------------------------------------------------------------------- calendar edits


def test_a_local_holiday_added_or_removed_moves_running_limits(
    org,
    catalog,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """A complaint received Monday 2 March is due 5 working days later, Monday 9 March
    17:30. A local holiday on Wednesday 4 March pushes it to Tuesday 10 March; removing
    the holiday brings it back. Orders already finished do not move."""
    from kefu.calendars import services as calendar_services
    from kefu.calendars.models import WorkCalendar

    services.sla_preset_load(industry="property")
    with time_machine.travel(T0, tick=False):
        ticket = tickets.ticket_create(
            actor=org.agent,
            category=catalog.complaint,
            channel="hotline",
            title="物业费争议",
            contact_phone="13812345678",
            dispatch=True,
        )
        done = tickets.ticket_create(
            actor=org.agent,
            category=catalog.complaint,
            channel="hotline",
            title="已撤销",
            contact_phone="13812345679",
            dispatch=True,
        )
        tickets.ticket_transition(ticket=done, action=Action.CANCEL, actor=org.gm, reason="重复")
    resolution = TicketDeadline.objects.get(ticket=ticket, kind="resolution")
    untouched = TicketDeadline.objects.get(ticket=done, kind="resolution")
    assert resolution.due_at == datetime(2026, 3, 9, 17, 30, tzinfo=SH)
    standard = WorkCalendar.objects.get(code="standard")

    with (
        time_machine.travel(T0 + timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        day = calendar_services.calendar_day_add(
            calendar=standard, date=date(2026, 3, 4), kind="holiday", name="地方节日"
        )
    resolution.refresh_from_db()
    assert resolution.due_at == datetime(2026, 3, 10, 17, 30, tzinfo=SH)
    assert ticket.events.filter(kind="note", note__contains="2026-03-10 17:30").exists()
    ticket.refresh_from_db()
    assert ticket.next_due_at <= resolution.due_at
    assert TicketDeadline.objects.get(pk=untouched.pk).due_at == untouched.due_at

    with (
        time_machine.travel(T0 + timedelta(hours=2), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        calendar_services.calendar_day_remove(day=day)
    resolution.refresh_from_db()
    assert resolution.due_at == datetime(2026, 3, 9, 17, 30, tzinfo=SH)


def test_compliance_counts_a_late_milestone_even_if_no_sweep_saw_it(org, new_ticket):  # noqa: F811
    """The figures come from the due and met instants: a first contact met 10 minutes late
    while no worker ran is overdue, and is stamped overdue since its due instant."""
    services.sla_preset_load(industry="property")
    with time_machine.travel(T0, tick=False):
        ticket = new_ticket(dispatch=True)
    with time_machine.travel(T0 + timedelta(minutes=40), tick=False):
        tickets.ticket_transition(
            ticket=ticket, action=Action.SIGN, actor=org.head, owner=org.handler
        )
    first_contact = TicketDeadline.objects.get(ticket=ticket, kind="first_contact")
    assert first_contact.breached_at == first_contact.due_at

    (repairs, _total) = selectors.compliance(
        org.gm, month=T0.date().replace(day=1), now=T0 + timedelta(minutes=45)
    )
    assert (repairs.first_contact, repairs.first_contact_on_time) == (1, 0)
    assert repairs.overdue == 1
    assert repairs.overdue_hours == 0.2  # 10 minutes


# ---------------------------------------------------------------------------- hard limit


def test_a_target_with_a_hard_limit_reaches_the_general_manager_at_the_hard_limit(
    org,
    catalog,  # noqa: F811
    client_as,
):
    """Manufacturing: a complaint is closed in 14 days, 21 at the most (CMP-18). With no
    delay for the general manager in the policy, the order still reaches them when the
    21 days are up — and the hard limit is on the order page and in the API."""
    services.sla_preset_load(industry="manufacturing")
    policy = SlaPolicy.objects.get(code="manufacturing-complaint")
    services.sla_policy_update(policy=policy, escalate_gm_after=None)
    with time_machine.travel(T0, tick=False):
        ticket = tickets.ticket_create(
            actor=org.agent,
            category=catalog.complaint,
            channel="hotline",
            title="产品批量开裂",
            contact_phone="13812345678",
            dispatch=True,
        )
    row = TicketDeadline.objects.get(ticket=ticket, kind="resolution")
    # received Monday 2 March: day 14 is Monday 16 March, day 21 Monday 23 March (17:30)
    assert row.due_at == datetime(2026, 3, 16, 17, 30, tzinfo=SH)
    assert row.hard_due_at == datetime(2026, 3, 23, 17, 30, tzinfo=SH)

    sweep(row.due_at + timedelta(minutes=1))
    row.refresh_from_db()
    assert [datetime.fromisoformat(v) for v in row.escalate_at] == [
        datetime(2026, 3, 17, 14, 0, tzinfo=SH),  # the centre: 240 working minutes
        row.hard_due_at,  # the general manager: at the hard limit
    ]

    def rungs():
        return [
            e.data["level"]
            for e in ticket.events.filter(kind="sla_escalated").order_by("created_at", "pk")
            if e.data["position"] == row.position
        ]

    sweep(row.hard_due_at - timedelta(minutes=1))
    assert rungs() == ["centre"]
    sweep(row.hard_due_at)
    assert rungs() == ["centre", "general_manager"]
    gm_event = ticket.events.filter(kind="sla_escalated", data__level="general_manager").get(
        data__position=row.position
    )
    assert "2026-03-23 17:30" in gm_event.note
    assert told(org.gm, ticket) == 1

    shown = client_as(org.gm).get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="hard-limit"' in shown
    listed = client_as(org.gm).get(f"/api/v1/tickets/{ticket.number}/deadlines/").json()
    resolution = next(r for r in listed if r["kind"] == "resolution")
    assert resolution["hard_due"].startswith("2026-03-23T17:30")


def test_the_workspace_reads_the_month_figures_once_in_five_minutes(
    client_as, org, month_of_orders
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def deadline_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client_as(org.head).get("/").status_code == 200
        return sum("sla_ticketdeadline" in q["sql"] for q in captured.captured_queries)

    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        assert deadline_queries() == 4
        assert deadline_queries() == 0  # kept
    with time_machine.travel(T0 + timedelta(hours=5, minutes=6), tick=False):
        assert deadline_queries() == 4  # recomputed after five minutes
