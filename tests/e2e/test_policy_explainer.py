"""Which time-limit policy applies, in the browser: the administrator asks for a leak on
the hotline and sees the policy, the policies checked before it and why, and the 30-minute
arrival; then tries an edited policy with 试算 before saving it, and nothing is saved."""

import pytest
from playwright.sync_api import expect

from kefu.org import services as org_services
from kefu.sla import services as sla_services
from kefu.sla.models import SlaPolicy
from kefu.tickets import services
from kefu.tickets.models import TicketType
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Explain-2026-pass"


def test_administrator_asks_which_policy_applies_and_tries_an_edit_before_saving(page, org):
    org_services.staff_set_password(user=org.admin, password=PASSWORD)
    sla_services.sla_preset_load(industry="property")
    repair = TicketType.objects.get(code="repair")
    parent = services.category_create(
        name="报修", code="bx", ticket_type=repair, lead_department=org.repairs
    )
    services.category_create(
        name="跑冒滴漏", code="leak", ticket_type=repair, parent=parent, default_priority="urgent"
    )
    leak_policy = SlaPolicy.objects.get(code="property-repair-leak")
    before = leak_policy.ticket_types

    log_in(page, "admin", PASSWORD)
    page.goto(page.base_url + "/sla/policies/")
    page.get_by_test_id("explain-link").click()
    page.get_by_label("业务分类").select_option(label="　跑冒滴漏")
    page.get_by_label("渠道").select_option(label="服务热线")
    page.get_by_role("button", name="查看适用策略").click()
    expect(page.get_by_test_id("explain-policy")).to_contain_text("报修·跑冒滴漏")
    checked = page.get_by_test_id("explain-checked")
    expect(checked).to_contain_text("上级转办事项")
    expect(checked).to_contain_text("渠道：本单为 服务热线；策略要求 上级转办")
    expect(page.get_by_test_id("explain-milestones")).to_contain_text("30 分钟")

    # 试算: the leak policy as it would be with the type 投诉 instead of 报修, not saved
    page.goto(page.base_url + f"/sla/policies/{leak_policy.pk}/edit/")
    page.locator('input[name="ticket_types"][value="repair"]').uncheck()
    page.locator('input[name="ticket_types"][value="complaint"]').check()
    with page.context.expect_page() as opened:
        page.get_by_test_id("explain-draft").click()
    trial = opened.value
    trial.wait_for_load_state()
    expect(trial.get_by_test_id("draft-note")).to_contain_text("尚未保存")
    trial.get_by_label("业务分类").select_option(label="　跑冒滴漏")
    trial.get_by_role("button", name="查看适用策略").click()
    expect(trial.get_by_test_id("explain-policy")).to_contain_text("报修·其他")
    expect(trial.get_by_test_id("explain-checked")).to_contain_text(
        "工单类型：本单为 报修；策略要求 投诉"
    )
    # the edit page is still open with the change, and nothing was saved
    expect(page.locator('input[name="ticket_types"][value="complaint"]')).to_be_checked()
    leak_policy.refresh_from_db()
    assert leak_policy.ticket_types == before
