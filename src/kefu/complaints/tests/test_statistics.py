"""《客户投诉案件统计表》: the month's closed complaints by class, department, validity and
responsibility, on time, with compensation and penalties; trends; Excel and API."""

from datetime import date
from decimal import Decimal as D

import pytest
import time_machine

from kefu.api.testing import field_errors
from kefu.complaints import selectors, services
from kefu.complaints.models import ComplaintCase, ComplaintClass
from kefu.complaints.tests.conftest import at
from kefu.tickets import services as tickets
from kefu.tickets.states import Action

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_signature(db):
    """These figures count allowances, not their signatures: the general manager alone
    signs them here (the chain itself is tested in test_approval_chain.py)."""
    from kefu.complaints.rules import ChainStep
    from kefu.complaints.services.configuration import approval_chain_set

    approval_chain_set(steps=[ChainStep(order=1, role="general_manager", label="总经理")])


QUERIES = 36  # the trend's six months of figures, then what only the month shows


def closed_valid(case, org, *, allowance=None, fine=None, handler=None):
    handler = handler or org.inspector
    if case.ticket.status == "dispatched":
        tickets.ticket_transition(ticket=case.ticket, action=Action.SIGN, actor=handler)
    services.case_classify(
        case=case, actor=org.inspector, complaint_class=ComplaintClass.objects.get(code="attitude")
    )
    services.case_rule_validity(case=case, actor=org.inspector, valid=True, reason="属实")
    case = services.case_attribute(
        case=case,
        actor=org.inspector,
        facts="x",
        root_cause="y",
        responsibility="at_fault",
        fault_cause="negligence",
        responsible_department=org.repairs,
        responsible_person=org.handler,
    )
    if allowance:
        remedy = services.remedy_request(
            case=case, actor=org.inspector, kind="allowance", amount=allowance, description="折让"
        )
        remedy = services.remedy_decide(remedy=remedy, actor=org.gm, approve=True)
        assert remedy.status == "approved"
    if fine:
        services.penalty_propose(
            case=case, actor=org.inspector, person=org.handler, fine=fine, reason="x"
        )
    tickets.ticket_transition(
        ticket=case.ticket, action=Action.RESOLVE, actor=handler, resolution="已处理"
    )
    tickets.ticket_transition(ticket=case.ticket, action=Action.CLOSE, actor=org.agent)
    return case


def closed_invalid(case, org):
    tickets.ticket_transition(ticket=case.ticket, action=Action.SIGN, actor=org.inspector)
    case = services.case_rule_validity(
        case=case, actor=org.inspector, valid=False, reason="按标准收费"
    )
    services.case_tell_customer(case=case, actor=org.inspector, channel="phone", text="已解释")
    tickets.ticket_transition(
        ticket=case.ticket, action=Action.RESOLVE, actor=org.inspector, resolution="不成立"
    )
    tickets.ticket_transition(ticket=case.ticket, action=Action.CLOSE, actor=org.agent)
    return case


@pytest.fixture
def march(org, complaint):
    with time_machine.travel(at(2025, 2, 20, 10, 0), tick=False):
        closed_valid(complaint(title="二月"), org, allowance="100")
    with time_machine.travel(at(2025, 3, 10, 10, 0), tick=False):
        a = closed_valid(complaint(title="甲"), org, allowance="800", fine="500")
        b = closed_invalid(complaint(title="乙"), org)
        complaint(title="未结")
    return a, b


def test_the_month_counts_what_was_closed_in_it(org, march):
    stats = selectors.complaint_statistics(org.gm, date(2025, 3, 1))
    assert (stats.registered, stats.closed, stats.closed_on_time) == (3, 2, 2)
    assert (stats.valid, stats.invalid) == (1, 1)
    assert stats.allowance_total == D(800)
    assert (stats.penalty_count, stats.fine_total) == (1, D(500))
    assert ("服务态度", 1) in stats.by_class
    assert ("维修部", 1) in stats.by_department
    assert dict(stats.by_validity) == {"投诉成立": 1, "投诉不成立": 1}
    assert stats.review_due == date(2025, 4, 10)
    trend = {row["month"]: row for row in stats.trend}
    assert trend[date(2025, 2, 1)]["closed"] == 1
    assert trend[date(2025, 2, 1)]["compensation"] == D(100)


def test_statistics_are_scoped_and_for_supervisors(org, march, client_as):
    assert client_as(org.agent).get("/complaints/statistics/?month=2025-03").status_code == 403
    assert (
        client_as(org.agent).get("/api/v1/complaints/statistics/?month=2025-03").status_code == 403
    )
    page = client_as(org.gm).get("/complaints/statistics/?month=2025-03")
    assert page.status_code == 200
    body = page.content.decode()
    assert march[0].register_no in body and "客户投诉案件统计表" in body
    assert client_as(org.gm).get("/complaints/statistics/?month=2025-03&print=1").status_code == 200
    export = client_as(org.gm).get("/complaints/statistics/?month=2025-03&export=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    api = client_as(org.gm).get("/api/v1/complaints/statistics/?month=2025-03").json()
    assert api["closed"] == 2 and api["cases"] == sorted(
        [march[0].register_no, march[1].register_no]
    )
    bad = client_as(org.gm).get("/api/v1/complaints/statistics/?month=三月")
    assert bad.status_code == 400 and "month" in field_errors(bad)


def test_a_case_with_an_overdue_limit_is_not_on_time(org, complaint):
    from kefu.sla.engine import sla_sweep
    from kefu.sla.services import sla_preset_load

    sla_preset_load(industry="power")
    with time_machine.travel(at(2025, 3, 3, 10, 0), tick=False):
        case = complaint(dispatch=False, dispatch_to=org.repairs)
        tickets.ticket_transition(ticket=case.ticket, action=Action.SIGN, actor=org.handler)
    sla_sweep(now=at(2025, 3, 11, 9, 0))  # the 5-working-day reply went overdue
    with time_machine.travel(at(2025, 3, 12, 10, 0), tick=False):
        from kefu.sla.models import OverdueInvestigation

        for inv in OverdueInvestigation.objects.filter(ticket=case.ticket):
            from kefu.sla.engine import investigation_answer

            investigation_answer(investigation=inv, actor=org.handler, reason="人手不足")
        closed_valid(ComplaintCase.objects.get(pk=case.pk), org, handler=org.handler)
    stats = selectors.complaint_statistics(org.gm, date(2025, 3, 1))
    assert (stats.closed, stats.closed_on_time) == (1, 0)


def test_the_month_and_its_trend_are_counted_once(org, march, django_assert_num_queries):
    """The month is the trend's last row: its figures are read once, not again for the head."""
    with django_assert_num_queries(QUERIES):
        stats = selectors.complaint_statistics(org.gm, date(2025, 3, 1))
    march_row = stats.trend[-1]
    assert march_row["month"] == date(2025, 3, 1)
    assert (march_row["registered"], march_row["closed"], march_row["closed_on_time"]) == (
        stats.registered,
        stats.closed,
        stats.closed_on_time,
    )
    assert march_row["compensation"] == stats.compensation_total + stats.allowance_total


def test_the_list_splits_cases_in_hand_from_closed_ones(org, march, complaint):
    cancelled = complaint(title="撤销")
    tickets.ticket_transition(
        ticket=cancelled.ticket, action=Action.CANCEL, actor=org.agent, reason="重复受理"
    )

    def titles(state):
        rows = selectors.case_list(org.gm, selectors.CaseFilter(state=state))
        return sorted(case.ticket.title for case in rows)

    assert titles("open") == ["未结"]
    assert titles("closed") == sorted(["二月", "甲", "乙"])
    assert titles("") == sorted(["二月", "甲", "乙", "未结", "撤销"])
