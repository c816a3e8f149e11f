"""Charts in the browser: with ECharts installed (npm at install time), the satisfaction
report and the time-limit compliance page draw their figures as charts, from kefu's own
static files."""

import os

import pytest
from conftest import make_department, make_staff
from playwright.sync_api import expect

from kefu.core.templatetags.charts import echarts_installed
from kefu.followups import services as followups
from kefu.followups.models import FollowupSettings, ReturnVisit
from kefu.org import services as org_services
from kefu.org.models import DepartmentKind
from kefu.sla import services as sla
from kefu.tickets import services
from kefu.tickets.models import TicketType
from kefu.tickets.states import Action
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Charts-2026"


@pytest.fixture
def echarts():
    if not echarts_installed():
        message = (
            "chart tests need ECharts in src/kefu/core/static/vendor/echarts/ "
            "(installed by scripts/test when npm is available)"
        )
        if os.environ.get("KEFU_REQUIRE_SERVICES"):
            pytest.fail(message)
        print(message)
        pytest.skip(message)


def test_report_and_compliance_draw_charts(echarts, page, org):
    sla.sla_preset_load(industry="property")
    team = make_department("回访组", "fo-rv", DepartmentKind.TEAM, org.front_office)
    visitor = make_staff("visitor", team, ["agent"], employee_no="HF001", full_name="王回访")
    FollowupSettings.objects.update_or_create(pk=1, defaults={"team": team})
    org_services.staff_set_password(user=org.gm, password=PASSWORD)
    category = services.category_create(
        name="水电报修",
        code="repair-water",
        ticket_type=TicketType.objects.get(code="repair"),
        lead_department=org.repairs,
    )
    ticket = services.ticket_create(
        actor=org.agent,
        category=category,
        channel="hotline",
        title="厨房水管爆裂",
        contact_name="张先生",
        contact_phone="13812345678",
        dispatch=True,
    )
    services.ticket_transition(ticket=ticket, action=Action.SIGN, actor=org.handler)
    services.ticket_transition(
        ticket=ticket, action=Action.RESOLVE, actor=org.handler, resolution="已更换水管"
    )
    followups.return_visit_record(
        visit=ReturnVisit.objects.get(ticket=ticket),
        actor=visitor,
        reached=True,
        resolved=True,
        satisfaction=5,
        customer_words="",
    )
    failed = []
    # a load cut short by the next navigation (net::ERR_ABORTED, the favicon often) is not
    # a failure; any other failed request is
    page.on(
        "requestfailed",
        lambda request: (
            None if "ERR_ABORTED" in (request.failure or "") else failed.append(request.url)
        ),
    )

    log_in(page, "gm", PASSWORD)
    page.goto(page.base_url + "/followups/report/")
    for name in ("satisfaction-department", "satisfaction-month"):
        chart = page.get_by_test_id(f"chart-{name}")
        expect(chart.locator("svg").first).to_be_visible()
    department = page.get_by_test_id("chart-satisfaction-department")
    expect(department.locator("svg text", has_text="维修部").first).to_be_attached()
    expect(department.locator("svg text", has_text="100%").first).to_be_attached()
    expect(page.get_by_test_id("rate-维修部")).to_have_text("100.0%")

    page.goto(page.base_url + "/sla/compliance/")
    chart = page.get_by_test_id("chart-sla-on-time")
    expect(chart.locator("svg").first).to_be_visible()
    expect(chart.locator("svg text", has_text="维修部").first).to_be_attached()
    expect(page.get_by_test_id("compliance-table")).to_contain_text("维修部")
    assert failed == []  # every script came from kefu itself
