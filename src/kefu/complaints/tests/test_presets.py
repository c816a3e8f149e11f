"""Each industry preset's complaint time limits, computed by the SLA engine on the
working-day calendar for a complaint (or tip-off) taken on the hotline."""

from datetime import timedelta

import pytest
import time_machine

from kefu.complaints.tests.conftest import at
from kefu.sla.engine import facts_for
from kefu.sla.models import TicketDeadline
from kefu.sla.selectors import new_ticket_deadlines
from kefu.sla.services import clock_event_record, sla_preset_load

pytestmark = pytest.mark.django_db


def limits(case) -> dict:
    return {
        (row.kind, row.label): row.due_at
        for row in TicketDeadline.objects.filter(ticket=case.ticket).order_by("position")
    }


def test_manufacturing_report_opinion_close_and_hard_limit(complaint):
    sla_preset_load(industry="manufacturing")
    accepted = at(2025, 3, 3, 10, 0)  # Monday
    with time_machine.travel(accepted, tick=False):
        case = complaint()
    got = limits(case)
    # CMP-08: 3 days once the investigation ends; CMP-10: 1 day once the result returns
    assert got[("report", "调查报告总经理")] is None
    assert got[("handling_opinion", "综合意见")] is None
    assert got[("resolution", "")] == at(2025, 3, 17, 17, 30)  # 14 days
    _policy, plan = new_ticket_deadlines(
        facts=facts_for(case.ticket), accepted_at=accepted, policy_code=""
    )
    resolution = next(item for item in plan if item.milestone.kind == "resolution")
    assert resolution.hard_deadline.due == at(2025, 3, 24, 17, 30)  # hard limit 21 days


def test_manufacturing_close_limit_moves_past_the_national_day_holiday(complaint):
    sla_preset_load(industry="manufacturing")
    with time_machine.travel(at(2025, 9, 17, 10, 0), tick=False):
        case = complaint()
    due = limits(case)[("resolution", "")]
    # 14 days end on 1 October, a statutory holiday (1–8 October 2025): the next working day
    assert due == at(2025, 10, 9, 17, 30)


def test_quality_system_agreement_report_close_and_same_day_call(org, complaint):
    from kefu.tickets import services as tickets
    from kefu.tickets.states import Action

    sla_preset_load(industry="quality")
    with time_machine.travel(at(2025, 3, 3, 10, 0), tick=False):
        case = complaint()
    got = limits(case)
    assert got[("handling_opinion", "与客户达成初步协议")] == at(2025, 3, 4, 17, 30)  # 1 day
    assert got[("resolution", "")] == at(2025, 3, 10, 17, 30)  # one week
    # CMP-24: the report to the general manager is due 3 days after the investigation
    assert got[("report", "报告总经理")] is None
    clock_event_record(ticket=case.ticket, event="investigation_finished", at=at(2025, 3, 4, 15, 0))
    assert limits(case)[("report", "报告总经理")] == at(2025, 3, 7, 17, 30)
    with time_machine.travel(at(2025, 3, 5, 15, 0), tick=False):
        tickets.ticket_transition(ticket=case.ticket, action=Action.SIGN, actor=org.inspector)
        tickets.ticket_transition(
            ticket=case.ticket, action=Action.RESOLVE, actor=org.inspector, resolution="已处理"
        )
    # the call the same day the handling is finished
    assert limits(case)[("return_visit", "处理完当天电话回访")] == at(2025, 3, 5, 17, 30)


def test_heating_opinion_in_an_hour_and_reply_in_five_working_days(complaint):
    sla_preset_load(industry="heating")
    accepted = at(2025, 9, 30, 10, 0)
    with time_machine.travel(accepted, tick=False):
        case = complaint()
    got = limits(case)
    assert got[("handling_opinion", "")] == accepted + timedelta(hours=1)
    # 1–8 October are holidays, Saturday 11 October a make-up working day:
    # 9, 10, 11, 13, 14 October are the five working days
    assert got[("reply", "")] == at(2025, 10, 14, 17, 30)


def test_heating_tip_off_reply_in_ten_working_days(tip_off):
    sla_preset_load(industry="heating")
    with time_machine.travel(at(2025, 9, 30, 10, 0), tick=False):
        case = tip_off()
    # 9, 10, 11, 13, 14, 15, 16, 17, 20, 21 October
    assert limits(case)[("reply", "")] == at(2025, 10, 21, 17, 30)


def test_property_opinion_close_and_same_day_call(complaint):
    sla_preset_load(industry="property")
    accepted = at(2025, 3, 3, 10, 0)
    with time_machine.travel(accepted, tick=False):
        case = complaint()
    got = limits(case)
    assert got[("handling_opinion", "")] == accepted + timedelta(hours=24)
    assert got[("resolution", "")] == at(2025, 3, 10, 17, 30)  # 5 working days


def test_power_reply_in_five_working_days(complaint):
    sla_preset_load(industry="power")
    with time_machine.travel(at(2025, 3, 3, 10, 0), tick=False):
        case = complaint()
    assert limits(case)[("reply", "")] == at(2025, 3, 10, 17, 30)


def test_telecom_contact_in_four_working_hours_and_close_in_five_working_days(complaint):
    sla_preset_load(industry="telecom")
    with time_machine.travel(at(2025, 3, 3, 10, 0), tick=False):  # Monday
        case = complaint()
    got = limits(case)
    # 10:00–12:00 and 13:30–15:30: four working hours
    assert got[("first_contact", "")] == at(2025, 3, 3, 15, 30)
    assert got[("resolution", "")] == at(2025, 3, 10, 17, 30)


def test_insurance_written_reply_in_five_working_days(complaint):
    sla_preset_load(industry="insurance")
    with time_machine.travel(at(2025, 3, 3, 10, 0), tick=False):
        case = complaint()
    assert limits(case)[("reply", "书面答复")] == at(2025, 3, 10, 17, 30)


@pytest.mark.parametrize("industry", ["power", "property", "manufacturing", "telecom"])
def test_a_tip_off_is_answered_within_ten_working_days(industry, tip_off):
    sla_preset_load(industry=industry)
    with time_machine.travel(at(2025, 3, 3, 10, 0), tick=False):
        case = tip_off()
    # ten working days after Monday 3 March: Monday 17 March
    assert limits(case)[("reply", "")] == at(2025, 3, 17, 17, 30)
