"""A complaint in the browser: taken on the hotline, ruled valid, attributed to a
department and a person, an allowance signed through its approval chain and a corrective action
done and verified, resolved and closed — and then counted in the month's statistics."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kefu.complaints.models import ComplaintCase
from kefu.org import services as org_services
from kefu.tickets import services
from kefu.tickets.models import TicketType
from kefu.tickets.states import Action
from tests.e2e.conftest import log_in, log_out, press_key

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Complaint-2026-pass"


def open_case(page, case):
    page.goto(f"{page.base_url}/complaints/{case.pk}/")
    expect(page.get_by_test_id("register-no")).to_have_text(case.register_no)


def test_complaint_filed_ruled_attributed_remedied_closed_and_counted(page, org):
    for person in (org.agent, org.inspector, org.head, org.gm):
        org_services.staff_set_password(user=person, password=PASSWORD)
    services.category_create(
        name="服务态度投诉",
        code="complaint-attitude",
        ticket_type=TicketType.objects.get(code="complaint"),
        lead_department=org.quality,
    )

    # the agent takes the complaint on the hotline and dispatches it to the quality department
    log_in(page, "agent", PASSWORD)
    page.goto(page.base_url + "/tickets/new/?calling_number=13900001111")
    page.get_by_label("联系人").fill("王女士")
    page.get_by_label("业务分类").select_option(label="服务态度投诉")
    page.get_by_label("标题").fill("维修师傅上门时态度恶劣")
    page.get_by_role("button", name="受理并派单").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已派单")
    case = ComplaintCase.objects.get()
    assert re.fullmatch(r"\d{6}", case.register_no) and case.register_no.endswith("01")
    log_out(page)
    services.ticket_transition(ticket=case.ticket, action=Action.SIGN, actor=org.inspector)

    # the quality inspector finds it from the menu (Alt+8), rules it valid and attributes it
    log_in(page, "inspector", PASSWORD)
    expect(page.get_by_test_id("current-user")).to_contain_text("inspector")
    expect(page.locator("a[accesskey='8']")).to_have_attribute("href", "/complaints/")
    press_key(page, "Alt+8")
    expect(page).to_have_url(re.compile("/complaints/"))
    page.get_by_role("link", name=case.register_no).click()
    validity = page.get_by_test_id("validity-form")
    validity.get_by_label("成立", exact=True).check()
    validity.get_by_label("理由").fill("通话录音证实维修师傅与客户争吵")
    validity.get_by_role("button", name="登记认定").click()
    expect(page.get_by_test_id("case-validity")).to_contain_text("投诉成立")

    attribute = page.get_by_test_id("attribute-form")
    attribute.get_by_label("调查事实").fill("师傅上门迟到且与客户争吵")
    attribute.get_by_label("根本原因").fill("未按服务规范沟通")
    attribute.get_by_label("责任归属").select_option(label="有责")
    attribute.get_by_label("责任部门").select_option(label="维修部")
    attribute.get_by_label("责任人").select_option(label="handler（WX001）")
    attribute.get_by_label("过错原因").select_option(label="人为疏忽")
    attribute.get_by_role("button", name="登记责任归属").click()
    expect(page.get_by_test_id("case-responsibility")).to_contain_text("维修部")
    expect(page.get_by_test_id("case-responsibility")).to_contain_text("handler")

    remedy = page.get_by_test_id("remedy-form")
    remedy.get_by_label("补救措施").select_option(label="销货折让")
    remedy.get_by_label("金额（元）").fill("800")
    remedy.get_by_label("理由及依据").fill("当月服务费折让 800 元")
    remedy.get_by_role("button", name="提交核准").click()
    expect(page.get_by_test_id("remedy-status")).to_contain_text("待核准")

    action = page.get_by_test_id("action-form")
    action.get_by_label("类型").select_option(label="纠正措施")
    action.get_by_label("措施").fill("组织维修班服务规范培训")
    action.get_by_label("负责人").select_option(label="head（WX002）")
    due = timezone.localdate() + timedelta(days=7)
    action.get_by_label("完成期限").fill(due.isoformat())
    action.get_by_role("button", name="添加措施").click()
    expect(page.get_by_test_id("action-status")).to_have_text("待完成")
    expect(page.get_by_test_id("close-blockers")).to_contain_text("纠正预防措施未验证")
    log_out(page)

    # the head of the responsible department signs the allowance first, then reports the
    # action done; the general manager signs last and the certificate is issued (CMP-21)
    log_in(page, "head", PASSWORD)
    open_case(page, case)
    page.get_by_role("button", name="登记审批").click()
    expect(page.get_by_test_id("remedy-status")).to_contain_text("待核准")
    expect(page.get_by_test_id("remedy-next-level")).to_contain_text("（副）总经理")
    page.get_by_label("完成情况").fill("已于周例会组织培训并考试")
    page.get_by_role("button", name="报告完成").click()
    expect(page.get_by_test_id("action-status")).to_have_text("已完成待验证")
    log_out(page)

    log_in(page, "gm", PASSWORD)
    open_case(page, case)
    page.get_by_role("button", name="登记审批").click()
    expect(page.get_by_test_id("remedy-status")).to_contain_text("已核准")
    expect(page.get_by_test_id("certificate-link")).to_be_visible()
    log_out(page)

    # the inspector verifies it and resolves the complaint
    log_in(page, "inspector", PASSWORD)
    open_case(page, case)
    page.get_by_label("验证方式及结论").fill("抽查三通上门录音，均符合规范")
    page.get_by_role("button", name="登记验证").click()
    expect(page.get_by_test_id("action-status")).to_have_text("已验证")
    resolve = page.get_by_test_id("resolve-form")
    resolve.get_by_label("处理结果").fill("已向客户致歉并折让 800 元")
    resolve.get_by_role("button", name="办结").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已办结")
    log_out(page)

    # the first responder closes it
    log_in(page, "agent", PASSWORD)
    open_case(page, case)
    page.get_by_test_id("close-button").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已关闭")
    log_out(page)

    # the month's statistics count it
    log_in(page, "gm", PASSWORD)
    page.goto(page.base_url + "/complaints/statistics/")
    expect(page.get_by_test_id("stat-closed")).to_have_text("1")
    expect(page.get_by_test_id("stat-allowance")).to_have_text("800.00")
    expect(page.get_by_test_id("stats-cases")).to_contain_text(case.register_no)
    expect(page.get_by_test_id("by-department")).to_contain_text("维修部")
