"""The SLA engine on work orders: deadlines on receipt, pauses, warnings, breaches."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from kefu.calendars import services as calendar_services
from kefu.calendars.models import CalendarYear, WorkCalendar
from kefu.notify.models import Notification
from kefu.sla import engine, services
from kefu.sla.models import OverdueInvestigation, TicketDeadline
from kefu.tickets import services as tickets
from kefu.tickets.models import Ticket
from kefu.tickets.rules import NO_DEADLINE
from kefu.tickets.states import Action, Status
from kefu.tickets.tests.conftest import catalog, new_ticket  # noqa: F401

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=SH)  # a Monday


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def property_preset(db):
    services.sla_preset_load(industry="property")


@pytest.fixture
def signed(org, new_ticket, property_preset):  # noqa: F811
    """A repair call received at T0, dispatched to 维修部 and signed for by the handler at
    T0 + 5 min (the first contact is met)."""
    with time_machine.travel(T0, tick=False):
        ticket = new_ticket(dispatch=True)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        ticket = tickets.ticket_transition(
            ticket=ticket, action=Action.SIGN, actor=org.head, owner=org.handler
        )
    # the moves tell the department and the handler; the tests count what the clock tells
    Notification.objects.all().delete()
    return ticket


def instants(values) -> list[datetime]:
    return [datetime.fromisoformat(v) for v in values]


def rows(ticket) -> dict[str, TicketDeadline]:
    return {d.kind: d for d in TicketDeadline.objects.filter(ticket=ticket)}


def sweep(moment: datetime) -> dict[str, int]:
    with time_machine.travel(moment, tick=False):
        return engine.sla_sweep()


# ---------------------------------------------------------------------------- on receipt


def test_repair_deadlines_start_at_acceptance_on_the_24x7_calendar(new_ticket, property_preset):  # noqa: F811
    with time_machine.travel(T0, tick=False):
        ticket = new_ticket()

    got = rows(ticket)
    assert sorted(got) == ["arrival", "first_contact", "resolution", "return_visit"]
    assert got["first_contact"].due_at == T0 + timedelta(minutes=30)
    assert got["arrival"].due_at == T0 + timedelta(hours=2)
    assert got["resolution"].due_at == T0 + timedelta(hours=24)
    assert got["return_visit"].due_at is None  # starts at resolution
    assert instants(got["first_contact"].warn_at) == [
        T0 + timedelta(minutes=15),
        T0 + timedelta(minutes=24),
    ]
    assert got["first_contact"].next_event_at == T0 + timedelta(minutes=15)
    assert not any(d.provisional for d in got.values())
    ticket.refresh_from_db()
    assert ticket.sla_policy_code == "property-repair"
    assert ticket.next_due_at == T0 + timedelta(minutes=30)
    assert ticket.due_sort == ticket.next_due_at


def test_new_ticket_deadlines_cost_a_few_queries(
    new_ticket,  # noqa: F811
    property_preset,
    django_assert_max_num_queries,
):
    with time_machine.travel(T0, tick=False):
        new_ticket()  # warm caches (content types, counters)
        with django_assert_max_num_queries(25):
            new_ticket()


def test_complaint_resolution_counts_working_days_across_national_day(
    org,
    catalog,  # noqa: F811
    new_ticket,  # noqa: F811
    property_preset,
):
    accepted = at(2025, 9, 30, 10, 0)
    with time_machine.travel(accepted, tick=False):
        ticket = new_ticket(category=catalog.complaint, title="物业服务态度差")

    got = rows(ticket)
    assert got["handling_opinion"].due_at == accepted + timedelta(hours=24)
    # 1–8 October are holidays, 11 October (Saturday) a make-up working day:
    # 9, 10, 11, 13, 14 October are the five working days.
    assert got["resolution"].due_at == at(2025, 10, 14, 17, 30)
    assert got["resolution"].provisional is False
    ticket.refresh_from_db()
    assert ticket.next_due_at == accepted + timedelta(hours=24)


def test_ticket_without_a_matching_policy_has_no_deadline(new_ticket):  # noqa: F811
    ticket = new_ticket()

    assert not TicketDeadline.objects.filter(ticket=ticket).exists()
    ticket.refresh_from_db()
    assert ticket.next_due_at is None
    assert ticket.due_sort == NO_DEADLINE


# ---------------------------------------------------------------------------- lifecycle


def test_sign_meets_first_contact_and_resolve_starts_the_return_visit(org, signed):
    got = rows(signed)
    assert got["first_contact"].met_at == T0 + timedelta(minutes=5)
    assert got["first_contact"].next_event_at is None
    signed.refresh_from_db()
    assert signed.next_due_at == T0 + timedelta(hours=2)  # arrival

    resolved_at = T0 + timedelta(hours=3)
    with time_machine.travel(resolved_at, tick=False):
        tickets.ticket_transition(
            ticket=signed, action=Action.RESOLVE, actor=org.handler, resolution="已更换水管"
        )

    got = rows(signed)
    assert got["resolution"].met_at == resolved_at
    assert got["arrival"].met_at == resolved_at  # reached at the resolution at the latest
    assert got["return_visit"].started_at == resolved_at
    assert got["return_visit"].due_at == resolved_at + timedelta(hours=48)
    signed.refresh_from_db()
    assert signed.next_due_at == resolved_at + timedelta(hours=48)


def test_reopening_restarts_the_return_visit_at_the_next_resolution(org, signed):
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        tickets.ticket_transition(
            ticket=signed, action=Action.RESOLVE, actor=org.handler, resolution="已修复"
        )
    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        tickets.ticket_transition(
            ticket=signed, action=Action.REOPEN, actor=org.agent, reason="又漏水了"
        )
    assert rows(signed)["return_visit"].due_at is None
    assert sweep(T0 + timedelta(days=3)) == {"warnings": 0, "breaches": 0, "escalations": 0}

    with time_machine.travel(T0 + timedelta(hours=6), tick=False):
        tickets.ticket_transition(ticket=signed, action=Action.START, actor=org.handler)
        tickets.ticket_transition(
            ticket=signed, action=Action.RESOLVE, actor=org.handler, resolution="换了阀门"
        )
    assert rows(signed)["return_visit"].due_at == T0 + timedelta(hours=54)


def test_handler_records_arrival(org, signed):
    with time_machine.travel(T0 + timedelta(minutes=40), tick=False):
        row = engine.deadline_record_reached(
            ticket=signed, position=rows(signed)["arrival"].position, actor=org.handler
        )

    assert row.met_at == T0 + timedelta(minutes=40)
    assert signed.events.filter(kind="sla_met").count() == 1
    signed.refresh_from_db()
    assert signed.next_due_at == T0 + timedelta(hours=24)


def test_suspension_pauses_the_clocks_and_resuming_extends_them(org, signed):
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        tickets.ticket_transition(
            ticket=signed, action=Action.SUSPEND, actor=org.head, reason="等待业主回家"
        )
    paused = rows(signed)
    assert paused["arrival"].paused_at == T0 + timedelta(minutes=10)
    assert paused["arrival"].next_event_at is None
    signed.refresh_from_db()
    assert signed.next_due_at is None
    assert signed.due_sort == NO_DEADLINE
    # nothing fires while paused
    assert sweep(T0 + timedelta(hours=3)) == {"warnings": 0, "breaches": 0, "escalations": 0}

    with time_machine.travel(T0 + timedelta(minutes=70), tick=False):
        tickets.ticket_transition(ticket=signed, action=Action.RESUME, actor=org.handler)

    got = rows(signed)
    assert got["arrival"].paused_at is None
    assert got["arrival"].due_at == T0 + timedelta(hours=3)  # 2 h + 60 min paused
    assert got["resolution"].due_at == T0 + timedelta(hours=25)
    assert instants(got["arrival"].warn_at) == [
        T0 + timedelta(hours=2),
        T0 + timedelta(minutes=156),
    ]
    assert instants(got["arrival"].pause_log[0]) == [
        T0 + timedelta(minutes=10),
        T0 + timedelta(minutes=70),
    ]
    signed.refresh_from_db()
    assert signed.next_due_at == T0 + timedelta(hours=3)
    kinds = list(signed.events.filter(kind__startswith="sla_").values_list("kind", flat=True))
    assert kinds == ["sla_paused", "sla_resumed"]


# ---------------------------------------------------------------------------- sweep


def test_warnings_at_fifty_and_eighty_percent_fire_once_each(org, signed):
    def handler_warnings():
        return Notification.objects.filter(recipient=org.handler).count()

    assert sweep(T0 + timedelta(minutes=59)) == {"warnings": 0, "breaches": 0, "escalations": 0}
    assert sweep(T0 + timedelta(hours=1)) == {
        "warnings": 1,
        "breaches": 0,
        "escalations": 0,
    }  # arrival 50 %
    assert sweep(T0 + timedelta(hours=1, minutes=1)) == {
        "warnings": 0,
        "breaches": 0,
        "escalations": 0,
    }
    assert handler_warnings() == 1
    assert sweep(T0 + timedelta(minutes=96)) == {
        "warnings": 1,
        "breaches": 0,
        "escalations": 0,
    }  # 80 %
    assert sweep(T0 + timedelta(minutes=97)) == {"warnings": 0, "breaches": 0, "escalations": 0}

    arrival = rows(signed)["arrival"]
    assert arrival.warned_levels == 2
    assert arrival.warned_at == T0 + timedelta(minutes=96)
    assert arrival.next_event_at == T0 + timedelta(hours=2)
    assert handler_warnings() == 2
    assert signed.events.filter(kind="sla_warning").count() == 2


def test_a_late_sweep_sends_one_warning_for_thresholds_passed_together(org, signed):
    assert sweep(T0 + timedelta(minutes=100)) == {"warnings": 1, "breaches": 0, "escalations": 0}
    arrival = rows(signed)["arrival"]
    assert arrival.warned_levels == 2
    assert signed.events.get(kind="sla_warning").data["percent"] == 80


def test_breach_urges_the_handler_and_head_and_notes_the_department_late(
    org, signed, django_capture_on_commit_callbacks
):
    breach_at = T0 + timedelta(hours=2, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(breach_at)["breaches"] == 1
    assert sweep(breach_at + timedelta(minutes=1))["breaches"] == 0

    signed.refresh_from_db()
    assert signed.urge_count == 1
    assert signed.events.filter(kind="urge", actor=None).count() == 1
    assert signed.events.filter(kind="sla_breach").count() == 1
    arrival = rows(signed)["arrival"]
    assert arrival.breached_at == T0 + timedelta(hours=2)  # overdue since the due instant
    assert arrival.department == org.repairs  # whose step was late
    # next: the service centre, 4 hours after the due instant (24×7 repair calendar)
    assert arrival.next_event_at == T0 + timedelta(hours=6)
    # the investigation notice (查办单) comes with the closure, not with the breach
    assert not OverdueInvestigation.objects.filter(ticket=signed).exists()
    # the urge (催办单) tells the handler, the breach notice the department head
    assert Notification.objects.filter(recipient=org.handler).count() == 1
    assert (
        Notification.objects.filter(recipient=org.head, text__contains=signed.number).count() == 1
    )
    # the overdue milestone keeps the order at the front of the queue
    assert signed.next_due_at == T0 + timedelta(hours=2)


def closed_after_overdue(signed, org):
    """The arrival runs late; the order is resolved at T0 + 3 h and closed at T0 + 4 h."""
    sweep(T0 + timedelta(hours=2, minutes=1))
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        tickets.ticket_transition(
            ticket=signed, action=Action.RESOLVE, actor=org.handler, resolution="已修复"
        )
    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        return tickets.ticket_transition(ticket=signed, action=Action.CLOSE, actor=org.agent)


def test_closing_an_order_that_ran_late_opens_the_investigation_of_the_late_department(org, signed):
    closed = closed_after_overdue(signed, org)
    assert closed.status == Status.CLOSED  # the investigation does not hold the closure
    assert rows(signed)["return_visit"].met_at == T0 + timedelta(hours=4)
    investigation = OverdueInvestigation.objects.get(ticket=signed)
    assert investigation.department == org.repairs
    assert investigation.deadline == rows(signed)["arrival"]
    assert investigation.opened_at == T0 + timedelta(hours=4)
    assert Notification.objects.filter(recipient=org.head, text__contains="查办").exists()

    with pytest.raises(ValidationError):
        engine.investigation_answer(investigation=investigation, actor=org.head, reason=" ")
    with pytest.raises(PermissionDenied):
        engine.investigation_answer(investigation=investigation, actor=org.inspector, reason="x")
    investigation.refresh_from_db()
    assert investigation.answered_at is None
    engine.investigation_answer(
        investigation=investigation, actor=org.head, reason="材料缺货，次日补到"
    )
    investigation.refresh_from_db()
    assert investigation.reason == "材料缺货，次日补到"
    closed.refresh_from_db()
    assert closed.next_due_at is None


def test_the_order_page_offers_close_and_shows_the_investigation_after_it(client_as, org, signed):
    from kefu.tickets.tests.rendered import rendered_form

    sweep(T0 + timedelta(hours=2, minutes=1))
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        tickets.ticket_transition(
            ticket=signed, action=Action.RESOLVE, actor=org.handler, resolution="已修复"
        )
    page = client_as(org.agent).get(f"/tickets/{signed.pk}/").content.decode()
    close = rendered_form(page, "action-close")
    assert (close.buttons, close.disabled_buttons) == (1, 0)
    assert 'data-testid="investigation"' not in page

    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        tickets.ticket_transition(ticket=signed, action=Action.CLOSE, actor=org.agent)
    page = client_as(org.head).get(f"/tickets/{signed.pk}/").content.decode()
    assert 'data-testid="investigation"' in page and "维修部" in page


def test_cancel_stops_every_clock(org, signed):
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        tickets.ticket_transition(
            ticket=signed, action=Action.CANCEL, actor=org.head, reason="重复工单"
        )

    assert sweep(T0 + timedelta(days=3)) == {"warnings": 0, "breaches": 0, "escalations": 0}
    signed.refresh_from_db()
    assert signed.next_due_at is None


# ---------------------------------------------------------------------------- recompute


def test_loading_a_year_recomputes_provisional_deadlines(
    catalog,  # noqa: F811
    new_ticket,  # noqa: F811
    property_preset,
    django_capture_on_commit_callbacks,
):
    accepted = at(2026, 12, 29, 10, 0)  # five working days reach into 2027
    standard = WorkCalendar.objects.get(code="standard")
    CalendarYear.objects.filter(calendar=standard, year=2027).delete()
    with time_machine.travel(accepted, tick=False):
        ticket = new_ticket(category=catalog.complaint, title="投诉")
    before = rows(ticket)["resolution"]
    assert before.provisional is True

    # 2027: 1 January a holiday and 4 January (Monday) too, as an administrator enters it
    with (
        time_machine.travel(accepted, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        calendar_services.calendar_load_year(
            calendar=standard,
            year=2027,
            days=[
                (at(2027, 1, 1).date(), "holiday", "元旦"),
                (at(2027, 1, 4).date(), "holiday", "元旦"),
            ],
        )

    after = rows(ticket)["resolution"]
    assert after.provisional is False
    assert after.due_at > before.due_at
    ticket.refresh_from_db()
    assert ticket.next_due_at == rows(ticket)["handling_opinion"].due_at


# ---------------------------------------------------------------------------- API and page


def test_deadlines_api_lists_each_milestone(client_as, org, signed):
    response = client_as(org.handler).get(f"/api/v1/tickets/{signed.number}/deadlines/")

    assert response.status_code == 200
    body = response.json()
    assert [d["kind"] for d in body] == ["first_contact", "arrival", "resolution", "return_visit"]
    assert set(body[0]) >= {"kind", "due", "provisional", "warned_at", "met_at", "breached_at"}
    assert body[0]["met_at"] is not None
    assert body[3]["due"] is None


def test_deadlines_api_refuses_anonymous_and_out_of_scope(client, client_as, org, signed):
    url = f"/api/v1/tickets/{signed.number}/deadlines/"
    assert client.get(url).status_code in {401, 403}
    assert client_as(org.account_manager).get(url).status_code == 404


def test_recording_a_milestone_through_the_api_checks_the_department(client_as, org, signed):
    position = rows(signed)["arrival"].position
    url = f"/api/v1/tickets/{signed.number}/deadlines/{position}/reached/"

    assert client_as(org.inspector).post(url).status_code in {403, 404}
    assert rows(signed)["arrival"].met_at is None
    response = client_as(org.handler).post(url)
    assert response.status_code == 200
    assert response.json()["met_at"] is not None


def test_ticket_page_shows_the_deadlines(client_as, org, signed):
    response = client_as(org.handler).get(f"/tickets/{signed.pk}/")

    assert response.status_code == 200
    assert 'data-testid="ticket-deadlines"' in response.text


# ---------------------------------------------------------------------------- two workers

WORKERS_TICKETS = 50


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("several workers sweeping at once is tested on PostgreSQL (DATABASE_URL)")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_breach_each_ticket_exactly_once(postgres_only, org, catalog):  # noqa: F811
    services.sla_preset_load(industry="property")
    with time_machine.travel(T0, tick=False):
        made = [
            tickets.ticket_create(
                actor=org.agent,
                category=catalog.repair,
                channel="hotline",
                title=f"并发 {n}",
                contact_phone="13812345678",
                dispatch=True,
            )
            for n in range(WORKERS_TICKETS)
        ]
    moment = T0 + timedelta(minutes=31)  # first contact overdue on all 50
    barrier = threading.Barrier(2)
    errors: list = []
    reports: list = []

    def work():
        try:
            barrier.wait(timeout=30)
            reports.append(engine.sla_sweep(now=moment, batch=10))
        except Exception as exc:  # collected and reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(r["breaches"] for r in reports) == WORKERS_TICKETS
    ids = [t.pk for t in made]
    assert (
        sorted(Ticket.objects.filter(pk__in=ids).values_list("urge_count", flat=True))
        == [1] * WORKERS_TICKETS
    )
    for ticket in Ticket.objects.filter(pk__in=ids):
        assert ticket.events.filter(kind="sla_breach").count() == 1
    late = TicketDeadline.objects.filter(ticket_id__in=ids, department__isnull=False)
    assert late.count() == WORKERS_TICKETS


def test_answering_the_investigation_through_the_api(client_as, org, signed):
    closed_after_overdue(signed, org)
    position = rows(signed)["arrival"].position
    url = f"/api/v1/tickets/{signed.number}/deadlines/{position}/investigation/"

    assert client_as(org.handler).post(url, {"reason": ""}).status_code == 400
    response = client_as(org.head).post(url, {"reason": "配件缺货"})

    assert response.status_code == 200
    assert response.json()["investigation"]["reason"] == "配件缺货"
    assert OverdueInvestigation.objects.get(ticket=signed).answered_by == org.head


def test_the_ticket_page_records_a_milestone_and_answers_the_investigation(client_as, org, signed):
    sweep(T0 + timedelta(hours=2, minutes=1))  # arrival overdue
    resolution = rows(signed)["resolution"].position
    arrival = rows(signed)["arrival"].position
    page = f"/tickets/{signed.pk}/"

    shown = client_as(org.handler).get(page).text
    assert f"/sla/tickets/{signed.pk}/deadlines/{arrival}/reached/" in shown
    assert f"/sla/tickets/{signed.pk}/deadlines/{resolution}/reached/" not in shown
    assert f"/sla/tickets/{signed.pk}/deadlines/{arrival}/investigation/" not in shown
    # resolution is reached by resolving, not by hand
    client_as(org.handler).post(f"/sla/tickets/{signed.pk}/deadlines/{resolution}/reached/")
    assert rows(signed)["resolution"].met_at is None

    closed_after_overdue(signed, org)
    shown = client_as(org.head).get(page).text
    assert f"/sla/tickets/{signed.pk}/deadlines/{arrival}/investigation/" in shown
    refused = client_as(org.inspector).post(
        f"/sla/tickets/{signed.pk}/deadlines/{arrival}/investigation/", {"reason": "x"}
    )
    assert refused.status_code in {403, 404}
    assert OverdueInvestigation.objects.get(ticket=signed).answered_at is None

    response = client_as(org.head).post(
        f"/sla/tickets/{signed.pk}/deadlines/{arrival}/investigation/", {"reason": "配件缺货"}
    )
    assert response.status_code == 302
    assert OverdueInvestigation.objects.get(ticket=signed).reason == "配件缺货"
