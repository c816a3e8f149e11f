"""Every list of the API answers with the same number of queries whatever the page size.

A serializer that reads a column or a relation the list's selector did not load costs one
query per row: 454 queries for a page of 25 orders once. Each list route is read at page
size 2 and page size 10 over the same rows; the number of queries must be equal.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from kefu.tickets.tests.conftest import catalog, new_ticket  # noqa: F401  (shared fixtures)

ROWS = 10
_serial = itertools.count(1)


def _customers(org, n):
    from kefu.customers.tests.conftest import new_customer

    return [
        new_customer(org.account_manager, name=f"查询客户{next(_serial)}", tags=["重点"])
        for _ in range(n)
    ]


def _tickets(org, catalog, new_ticket, n):  # noqa: F811
    from kefu.tickets.models import Ticket

    tickets = [new_ticket(title=f"报修{i}", extra={"meter_no": f"M-{i}"}) for i in range(n)]
    # every relation the body names filled, as on a worked order
    for ticket in tickets[1:]:
        Ticket.objects.filter(pk=ticket.pk).update(
            department=org.repairs, owner=org.handler, parent=tickets[0]
        )
    return tickets


def build_departments(org, catalog, new_ticket):  # noqa: F811
    from conftest import make_department

    from kefu.org.models import DepartmentKind

    for i in range(4):
        make_department(f"班组{i}", f"team-{i}", DepartmentKind.TEAM, org.repairs)


def build_staff(org, catalog, new_ticket):  # noqa: F811
    from conftest import make_staff

    for i in range(3):
        make_staff(f"extra{i}", org.repairs_team, ["handler"], employee_no=f"EX{i:03d}")


def build_customers(org, catalog, new_ticket):  # noqa: F811
    _customers(org, ROWS)


def build_contacts(org, catalog, new_ticket):  # noqa: F811
    _customers(org, ROWS)


def build_visits(org, catalog, new_ticket):  # noqa: F811
    from kefu.customers.models import VisitRecord

    now = timezone.now()
    for customer in _customers(org, ROWS):
        VisitRecord.objects.create(
            customer=customer,
            manager=org.account_manager,
            contact=customer.contacts.first(),
            visited_at=now,
            discussed="年度合作",
            created_at=now,
        )


def build_visit_plans(org, catalog, new_ticket):  # noqa: F811
    from kefu.customers.models import VisitPlan

    now = timezone.now()
    for customer in _customers(org, ROWS):
        VisitPlan.objects.create(
            customer=customer,
            manager=org.account_manager,
            contact=customer.contacts.first(),
            purpose="走访",
            planned_start=now,
            created_at=now,
        )


def build_tickets(org, catalog, new_ticket):  # noqa: F811
    _tickets(org, catalog, new_ticket, ROWS)


def build_categories(org, catalog, new_ticket):  # noqa: F811
    from kefu.tickets import services
    from kefu.tickets.models import TicketType

    kind = TicketType.objects.get(code="repair")
    for i in range(ROWS):
        services.category_create(
            name=f"分类{i}",
            code=f"cat-{i}",
            ticket_type=kind,
            parent=catalog.repair,
            lead_department=org.repairs,
        )


def build_routing_rules(org, catalog, new_ticket):  # noqa: F811
    from kefu.tickets.models import RoutingRule

    for i in range(ROWS):
        RoutingRule.objects.create(
            order=i, category=catalog.repair, area=f"区{i}", department=org.repairs
        )


def build_canned_replies(org, catalog, new_ticket):  # noqa: F811
    from kefu.tickets.models import CannedReply

    for i in range(ROWS):
        CannedReply.objects.create(title=f"常用语{i}", text="已受理。", category=catalog.repair)


def _return_visits(org, catalog, new_ticket, n):  # noqa: F811
    from kefu.followups.models import ReturnVisit

    now = timezone.now()
    return [
        ReturnVisit.objects.create(
            ticket=ticket,
            category=catalog.repair,
            department=org.front_office,
            assignee=org.agent,
            handler=org.handler,
            due_at=now + timedelta(days=1),
            created_at=now,
        )
        for ticket in _tickets(org, catalog, new_ticket, n)
    ]


def build_return_visits(org, catalog, new_ticket):  # noqa: F811
    _return_visits(org, catalog, new_ticket, ROWS)


def build_surveys(org, catalog, new_ticket):  # noqa: F811
    from kefu.followups.models import Question, Questionnaire

    for i in range(ROWS):
        questionnaire = Questionnaire.objects.create(code=f"q-{i}", title=f"问卷{i}")
        Question.objects.create(
            questionnaire=questionnaire, position=1, kind="scale", text="满意吗"
        )


def build_survey_responses(org, catalog, new_ticket):  # noqa: F811
    from kefu.followups.models import Questionnaire, SurveyResponse

    questionnaire = Questionnaire.objects.create(code="q-resp", title="回访问卷")
    customers = _customers(org, ROWS)
    now = timezone.now()
    for visit, customer in zip(
        _return_visits(org, catalog, new_ticket, ROWS), customers, strict=True
    ):
        SurveyResponse.objects.create(
            questionnaire=questionnaire,
            visit=visit,
            customer=customer,
            channel="phone",
            answers={},
            submitted_at=now,
        )


def build_return_visit_plans(org, catalog, new_ticket):  # noqa: F811
    from kefu.followups.models import PlannedVisit, PlanRule

    rule = PlanRule.objects.create(code="rule-q", name="季度回访", kind="periodic")
    today = timezone.localdate()
    for customer in _customers(org, ROWS):
        PlannedVisit.objects.create(
            key=f"k-{customer.pk}",
            customer=customer,
            rule=rule,
            title="季度回访",
            due_on=today + timedelta(days=3),
            department=org.managers_team,
            assignee=org.account_manager,
            contact=customer.contacts.first(),
            created_at=timezone.now(),
        )


def build_complaints(org, catalog, new_ticket):  # noqa: F811
    for i in range(ROWS):
        new_ticket(category=catalog.complaint, title=f"投诉{i}", dispatch=True)


def build_calendar_days(org, catalog, new_ticket):  # noqa: F811
    from kefu.calendars.models import CalendarDay, WorkCalendar

    calendar = WorkCalendar.objects.get(code="standard")
    start = date(2031, 1, 1)
    for i in range(ROWS):
        CalendarDay.objects.create(
            calendar=calendar, date=start + timedelta(days=i), kind="holiday", name="测试"
        )


def build_sla_policies(org, catalog, new_ticket):  # noqa: F811
    from kefu.sla import services

    for i in range(ROWS):
        services.sla_policy_create(code=f"pol-{i}", name=f"时限{i}")


def build_sla_milestones(org, catalog, new_ticket):  # noqa: F811
    from kefu.calendars.models import WorkCalendar
    from kefu.sla.models import SlaMilestone, SlaPolicy

    calendar = WorkCalendar.objects.get(code="standard")
    for i in range(ROWS):
        policy = SlaPolicy.objects.create(code=f"ms-{i}", name=f"时限{i}")
        SlaMilestone.objects.create(
            policy=policy, kind="resolve", amount=2, unit="days", calendar=calendar
        )


# route, query string, how to make at least ROWS rows of it
LISTS = [
    ("departments", "", build_departments),
    ("staff", "", build_staff),
    ("customers", "status=all", build_customers),
    ("contacts", "", build_contacts),
    ("visits", "", build_visits),
    ("visit-plans", "", build_visit_plans),
    ("tickets", "", build_tickets),
    ("categories", "", build_categories),
    ("routing-rules", "", build_routing_rules),
    ("canned-replies", "", build_canned_replies),
    ("return-visits", "queue=all", build_return_visits),
    ("surveys", "", build_surveys),
    ("survey-responses", "", build_survey_responses),
    ("return-visit-plans", "list=upcoming", build_return_visit_plans),
    ("complaints", "", build_complaints),
    ("calendar-days", "", build_calendar_days),
    ("sla-policies", "", build_sla_policies),
    ("sla-milestones", "", build_sla_milestones),
]


def _read(client, route, query, size):
    url = f"/api/v1/{route}/?page_size={size}" + (f"&{query}" if query else "")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    return len(ctx.captured_queries), len(body["results"]), ctx


@pytest.mark.parametrize(("route", "query", "build"), LISTS, ids=[row[0] for row in LISTS])
@pytest.mark.parametrize("persona", ["admin", "agent"])
def test_a_list_costs_the_same_queries_at_any_page_size(
    org,
    catalog,  # noqa: F811
    new_ticket,  # noqa: F811
    route,
    query,
    build,
    persona,
):
    build(org, catalog, new_ticket)
    client = APIClient()
    client.force_authenticate(getattr(org, persona))
    _read(client, route, query, 1)  # per-process copies of the configuration filled
    small, small_rows, _ = _read(client, route, query, 2)
    large, large_rows, ctx = _read(client, route, query, ROWS)
    if persona == "admin":  # sees every row: the test means something
        assert (small_rows, large_rows) == (2, ROWS)
    assert large == small, "\n".join(q["sql"][:200] for q in ctx.captured_queries)


def test_the_calendars_cost_the_same_queries_for_two_or_ten(org):
    """The calendars are not paged: two calendars and ten cost the same."""
    from kefu.calendars import services
    from kefu.calendars.models import WorkCalendar

    client = APIClient()
    client.force_authenticate(org.admin)

    def read():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/calendars/")
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json())

    while WorkCalendar.objects.count() < 2:
        services.work_calendar_create(code=f"cal-{next(_serial)}", name="日历")
    few = read()
    for i in range(8):
        services.work_calendar_create(code=f"more-{i}", name=f"日历{i}")
    many = read()
    assert many[1] >= few[1] + 8
    assert many[0] == few[0]
