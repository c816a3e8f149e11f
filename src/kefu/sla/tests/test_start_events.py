"""Clocks that start at a named event of the order or of its complaint: CMP-08's report is
due 3 days after the investigation ends, CMP-10's combined opinion 1 day after the
negotiated result comes back; the policy editor offers the events by name."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.complaints import services as complaints
from kefu.complaints.tests.conftest import complaint  # noqa: F401
from kefu.sla import services
from kefu.sla.models import SlaPolicy, TicketDeadline
from kefu.tickets import services as tickets
from kefu.tickets.states import Action
from kefu.tickets.tests.conftest import catalog, new_ticket  # noqa: F401
from kefu.tickets.tests.rendered import rendered_form

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=SH)  # a Monday


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def manufacturing(db):
    services.sla_preset_load(industry="manufacturing")


def rows(ticket) -> dict[str, TicketDeadline]:
    return {d.kind: d for d in TicketDeadline.objects.filter(ticket=ticket)}


@pytest.fixture
def received(org, complaint, manufacturing):  # noqa: F811
    """A product complaint accepted at T0 and signed for by quality at T0 + 5 min."""
    with time_machine.travel(T0, tick=False):
        case = complaint()
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        tickets.ticket_transition(
            ticket=case.ticket, action=Action.SIGN, actor=org.inspector, owner=org.inspector
        )
        complaints.case_rule_validity(case=case, actor=org.inspector, valid=True, reason="抽检属实")
    return case


def finish_investigation(case, org):
    return complaints.case_attribute(
        case=case,
        actor=org.inspector,
        facts="批次 B12 焊点虚焊",
        root_cause="回流焊温度曲线漂移",
        responsibility="at_fault",
        fault_cause="quality",
        responsible_department=org.repairs,
    )


def test_the_report_is_due_3_days_after_the_investigation_ends_not_after_acceptance(org, received):
    got = rows(received.ticket)
    assert got["report"].started_at is None and got["report"].due_at is None
    assert got["resolution"].due_at is not None  # CMP-18 still counts from acceptance

    # the investigation ends on Wednesday afternoon, two days after acceptance
    with time_machine.travel(at(2026, 3, 4, 15, 0), tick=False):
        finish_investigation(received, org)
    report = rows(received.ticket)["report"]
    assert report.started_at == at(2026, 3, 4, 15, 0)
    # three calendar days end on Saturday: the close of business of the next working day
    # (counted from acceptance it would have been Thursday 5 March)
    assert report.due_at == at(2026, 3, 9, 17, 30)
    received.ticket.refresh_from_db()
    note = received.ticket.events.filter(data__event="investigation_finished").get().note
    assert "投诉调查结束" in note and "调查报告总经理" in note

    # recording the findings again does not move the clock
    with time_machine.travel(at(2026, 3, 5, 9, 0), tick=False):
        finish_investigation(received, org)
    assert rows(received.ticket)["report"].started_at == at(2026, 3, 4, 15, 0)


def test_the_combined_opinion_is_due_1_day_after_the_negotiated_result_returns(org, received):
    with time_machine.travel(at(2026, 3, 4, 15, 0), tick=False):
        finish_investigation(received, org)
    opinion = rows(received.ticket)["handling_opinion"]
    assert opinion.started_at is None  # the report does not start it

    with time_machine.travel(at(2026, 3, 9, 11, 0), tick=False):
        complaints.case_result_return(
            case=received, actor=org.inspector, result="客户同意换货并接受 5% 折让"
        )
    opinion = rows(received.ticket)["handling_opinion"]
    assert opinion.started_at == at(2026, 3, 9, 11, 0)
    assert opinion.due_at == at(2026, 3, 10, 17, 30)
    received.refresh_from_db()
    assert received.negotiation_result == "客户同意换货并接受 5% 折让"
    assert received.negotiated_at == at(2026, 3, 9, 11, 0)


def test_the_negotiated_result_is_returned_from_the_case_page(org, received, client_as):
    client = client_as(org.inspector)
    page = client.get(f"/complaints/{received.pk}/").content.decode()
    form = rendered_form(page, "result-form")
    form.fields["result-result"] = "客户接受返修"
    with time_machine.travel(at(2026, 3, 9, 11, 0), tick=False):
        response = client.post(form.action, form.fields)
        assert response.status_code == 302
        assert rows(received.ticket)["handling_opinion"].started_at == at(2026, 3, 9, 11, 0)
        # an empty result is refused, naming the field, and changes nothing
        form.fields["result-result"] = " "
        response = client.post(form.action, form.fields)
    assert response.status_code == 400
    assert "请填写" in response.content.decode() or "必填" in response.content.decode()
    received.refresh_from_db()
    assert received.negotiation_result == "客户接受返修"


def test_the_negotiated_result_through_the_api(org, received, client_as):
    client = client_as(org.inspector)
    with time_machine.travel(at(2026, 3, 9, 11, 0), tick=False):
        response = client.post(
            f"/api/v1/complaints/{received.pk}/negotiated-result/",
            {"result": "客户接受返修"},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    assert response.json()["negotiation_result"] == "客户接受返修"
    assert rows(received.ticket)["handling_opinion"].started_at == at(2026, 3, 9, 11, 0)


def _options(page: str, name: str) -> dict[str, str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select {name}"
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1)))


def test_the_editor_offers_the_start_events_by_name(org, client_as, manufacturing):
    policy = SlaPolicy.objects.get(code="manufacturing-complaint")
    report = policy.milestones.get(kind="report")
    client = client_as(org.admin)
    page = client.get(f"/sla/milestones/{report.pk}/edit/").content.decode()
    options = _options(page, "starts_at")
    assert options["acceptance"] == "受理"
    assert options["investigation_finished"] == "投诉调查结束"
    assert options["result_returned"] == "协商结果返回"
    assert options["met:report"] == "“报告”达成"
    form = rendered_form(page, "milestone-form")
    assert form.fields["starts_at"] == "investigation_finished"  # the preset's event

    form.fields["starts_at"] = "result_returned"
    response = client.post(f"/sla/milestones/{report.pk}/edit/", form.fields)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.starts_at == "result_returned"
    detail = client.get(f"/sla/policies/{policy.pk}/").content.decode()
    assert "协商结果返回" in detail

    # an event nobody declared, or a milestone the policy lacks, is refused by name
    form.fields["starts_at"] = "contract_signed"
    response = client.post(f"/sla/milestones/{report.pk}/edit/", form.fields)
    assert response.status_code == 200
    form.fields["starts_at"] = "met:arrival"
    response = client.post(f"/sla/milestones/{report.pk}/edit/", form.fields)
    assert response.status_code == 200
    assert "没有其他该类时限" in response.content.decode()
    report.refresh_from_db()
    assert report.starts_at == "result_returned"


@pytest.fixture
def reply_after_report(manufacturing):
    """The manufacturing policy with a reply due 2 working days after the report."""
    policy = SlaPolicy.objects.get(code="manufacturing-complaint")
    services.sla_milestone_create(
        policy=policy,
        kind="reply",
        label="回复客户",
        amount=2,
        unit="working_days",
        calendar=policy.milestones.get(kind="resolution").calendar,
        starts_at="met:report",
    )


def test_the_api_lists_the_start_events_and_takes_their_codes(org, client_as, manufacturing):
    client = client_as(org.admin)
    listed = {e["code"]: e["label"] for e in client.get("/api/v1/sla/start-events/").json()}
    assert listed["investigation_finished"] == "投诉调查结束"
    report = SlaPolicy.objects.get(code="manufacturing-complaint").milestones.get(kind="report")
    url = f"/api/v1/sla-milestones/{report.pk}/"
    refused = client.patch(url, {"starts_at": "contract_signed"}, content_type="application/json")
    assert refused.status_code == 400
    report.refresh_from_db()
    assert report.starts_at == "investigation_finished"
    done = client.patch(url, {"starts_at": "met:handling_opinion"}, content_type="application/json")
    assert done.status_code == 200, done.content
    report.refresh_from_db()
    assert report.starts_at == "met:handling_opinion"


def test_a_milestone_starts_when_another_kind_is_reached(org, reply_after_report, received):
    """``met:report``: a clock that waits for the report, wherever it sits in the policy."""
    from kefu.sla import engine

    ticket = received.ticket
    assert rows(ticket)["reply"].started_at is None
    with time_machine.travel(at(2026, 3, 3, 9, 0), tick=False):
        finish_investigation(received, org)
    assert rows(ticket)["reply"].started_at is None
    report = rows(ticket)["report"]
    with time_machine.travel(at(2026, 3, 4, 10, 0), tick=False):
        engine.deadline_record_reached(ticket=ticket, position=report.position, actor=org.inspector)
    assert rows(ticket)["reply"].started_at == at(2026, 3, 4, 10, 0)
