"""Visits: approval before the visit, records end the lead clock, trip logs, weekly
summaries due Friday 17:30 and the supervisor's consolidated checks."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kefu.customers import selectors, services
from kefu.customers.models import VisitRecord

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 3, 9)


def test_a_visit_needs_the_supervisors_approval(org, customer):
    plan = services.visit_plan_submit(
        customer=customer,
        manager=org.account_manager,
        purpose="了解增容需求",
        planned_start=datetime(2026, 3, 10, 10, 0, tzinfo=SH),
    )
    with pytest.raises(ValidationError):
        services.visit_plan_decide(plan=plan, actor=org.account_manager, approve=True)
    with pytest.raises(ValidationError):
        services.visit_plan_decide(plan=plan, actor=org.cm_supervisor, approve=False)
    with pytest.raises(ValidationError), time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=SH)):
        services.visit_record_create(
            customer=customer,
            manager=org.account_manager,
            plan=plan,
            visited_at=datetime(2026, 3, 10, 10, 0, tzinfo=SH),
            discussed="x",
        )
    assert VisitRecord.objects.count() == 0
    services.visit_plan_decide(plan=plan, actor=org.cm_supervisor, approve=True)
    with time_machine.travel(datetime(2026, 3, 10, 12, 0, tzinfo=SH), tick=False):
        record = services.visit_record_create(
            customer=customer,
            manager=org.account_manager,
            plan=plan,
            visited_at=datetime(2026, 3, 10, 10, 0, tzinfo=SH),
            discussed="介绍增容流程",
            needs_found="年内增容 500kVA",
            next_steps="提交增容申请资料",
        )
    plan.refresh_from_db()
    customer.refresh_from_db()
    assert plan.status == "done" and record.plan == plan
    assert customer.last_contact_at == datetime(2026, 3, 10, 10, 0, tzinfo=SH)
    assert customer.interactions.get().channel == "visit"


def test_weekly_summary_is_late_after_friday_1730(org, second_manager):
    with time_machine.travel(datetime(2026, 3, 13, 17, 29, tzinfo=SH), tick=False):
        on_time = services.weekly_summary_submit(
            manager=org.account_manager, week_start=MONDAY, reported_visits=0, conclusions="无"
        )
    with time_machine.travel(datetime(2026, 3, 13, 17, 31, tzinfo=SH), tick=False):
        late = services.weekly_summary_submit(
            manager=second_manager,
            week_start=date(2026, 3, 11),
            reported_visits=0,
            conclusions="无",
        )
    assert late.week_start == MONDAY
    assert late.due_at == datetime(2026, 3, 13, 17, 30, tzinfo=SH)
    assert not on_time.is_late(late.submitted_at) and late.is_late(late.submitted_at)


def test_consolidated_view_flags_late_missing_and_disagreeing_records(
    org, customer, second_manager
):
    other = customer
    with time_machine.travel(datetime(2026, 3, 11, 18, 0, tzinfo=SH), tick=False):
        services.trip_log_create(
            manager=org.account_manager,
            trip_date=date(2026, 3, 11),
            depart_at=time(9, 0),
            return_at=time(12, 0),
            destination="锦城大道1号",
            purpose="走访",
            customer=other,
        )
        services.visit_record_create(
            customer=other,
            manager=org.account_manager,
            visited_at=datetime(2026, 3, 11, 10, 0, tzinfo=SH),
            discussed="年度回顾",
        )
        services.visit_record_create(
            customer=other,
            manager=org.account_manager,
            visited_at=datetime(2026, 3, 10, 10, 0, tzinfo=SH),
            discussed="补充走访，没有出行记录",
        )
    with time_machine.travel(datetime(2026, 3, 13, 17, 0, tzinfo=SH), tick=False):
        services.weekly_summary_submit(
            manager=org.account_manager, week_start=MONDAY, reported_visits=3, conclusions="正常"
        )
    with time_machine.travel(datetime(2026, 3, 13, 18, 0, tzinfo=SH), tick=False):
        rows = {r.manager: r for r in selectors.weekly_consolidation(org.cm_supervisor, MONDAY)}
        page = selectors.weekly_consolidation(org.account_manager, MONDAY)
    mine = rows[org.account_manager]
    assert (mine.late, mine.visits, mine.trips) == (False, 2, 1)
    assert [d.code for d in mine.discrepancies] == ["visit_without_trip", "count_mismatch"]
    missing = rows[second_manager]
    assert (missing.summary, missing.late) == (None, True)
    assert [r.manager for r in page] == [org.account_manager, second_manager]
    assert selectors.weekly_consolidation(org.agent, MONDAY) == []


def test_trip_cannot_end_before_it_starts(org):
    with pytest.raises(ValidationError):
        services.trip_log_create(
            manager=org.account_manager,
            trip_date=date(2026, 3, 11),
            depart_at=time(14, 0),
            return_at=time(9, 0),
            destination="x",
            purpose="x",
        )
