"""A major matter in the browser (FRA-04, FRA-05): the agent flags an order as a major
matter from its page, the general manager finds it in the 重大事项 queue and the bell, and
the urgent work solved first is registered afterwards on a work liaison slip."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kefu.org import services as org_services
from kefu.tickets import services
from kefu.tickets.models import LiaisonSlip, TicketType
from tests.e2e.conftest import log_in, log_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Major-2026-pass"


def test_agent_flags_a_major_matter_and_the_general_manager_finds_it(page, org):
    for person in (org.agent, org.gm):
        org_services.staff_set_password(user=person, password=PASSWORD)
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
        title="整栋楼停水",
        contact_phone="13812345678",
    )

    # the agent opens the order from the queue and flags it
    log_in(page, "agent", PASSWORD)
    page.locator("a[accesskey='3']").click()  # 工单
    page.get_by_role("link", name=ticket.number).click()
    panel = page.get_by_test_id("major-panel")
    panel.get_by_test_id("flag-major").locator("summary").click()  # folded: rarely needed
    panel.get_by_label("重大事项原因").fill("整栋楼停水，涉及300户居民")
    panel.get_by_role("button", name="标记为重大事项并报告总经理").click()
    expect(page.get_by_test_id("major-flag")).to_contain_text("已通知总经理")

    # the urgent repair was done last night: the slip is registered with its real times
    page.get_by_test_id("liaison-new-link").click()
    start = timezone.localtime() - timedelta(hours=10)
    form = page.get_by_test_id("liaison-form")
    form.get_by_label("工作内容").fill("连夜抢修主水管")
    form.get_by_label("开始时间").fill(start.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("结束时间").fill((start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("处理人员").fill("王师傅、李师傅")
    form.get_by_label("部门").select_option(label="维修部")
    form.get_by_label("补登原因").fill("夜间紧急抢修，先处理后补单")
    form.get_by_role("button", name="登记").click()
    expect(page.get_by_test_id("ticket-liaison-slips")).to_contain_text("王师傅、李师傅")
    assert LiaisonSlip.objects.get().ticket_id == ticket.pk
    log_out(page)

    # the general manager is told at once and finds it in the major-matter queue
    log_in(page, "gm", PASSWORD)
    expect(page.get_by_test_id("bell").locator(".count")).not_to_have_class(re.compile("zero"))
    page.locator("a[accesskey='3']").click()  # 工单
    page.get_by_test_id("queue-tab-major").click()
    row = page.get_by_test_id("ticket-table").locator("tr", has_text=ticket.number)
    expect(row.get_by_test_id("major-badge")).to_have_text("重大事项")
