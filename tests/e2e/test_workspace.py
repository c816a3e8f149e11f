"""An agent logs in in Chinese and finds the workspace; an administrator builds the
organisation in the browser."""

import re

import pytest
from playwright.sync_api import expect

from kefu.org import services
from kefu.org.models import Department, User
from tests.e2e.conftest import log_in, press_key

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Hotline-2026-pass"


def test_agent_logs_in_in_chinese_and_sees_the_workspace(page, org):
    services.staff_set_password(user=org.agent, password=PASSWORD)

    page.goto(page.base_url + "/")
    expect(page).to_have_title(re.compile("登录"))
    log_in(page, "agent", "wrong-password")
    expect(page.get_by_test_id("login-error")).to_contain_text("登录名或密码错误")

    log_in(page, "agent", PASSWORD)
    expect(page.get_by_role("heading", name="我的工作台")).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_contain_text("李坐席（KF001）")
    expect(page.get_by_test_id("current-user")).to_contain_text("坐席")
    expect(page.get_by_test_id("current-user")).to_contain_text("热线班")
    expect(page.get_by_test_id("workspace-profile")).to_contain_text("本部门及下级部门")

    # keyboard: Alt+6 opens the staff list, "/" jumps to its search box, results as you type
    press_key(page, "Alt+6")
    expect(page.get_by_role("heading", name="员工")).to_be_visible()
    press_key(page, "/")
    expect(page.locator("#id_q")).to_be_focused()
    page.keyboard.type("KF001")
    expect(page.get_by_test_id("staff-table")).to_contain_text("李坐席")
    expect(page.get_by_text("共 1 名员工")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=KF001"))

    # the agent cannot open another department's staff member
    response = page.goto(page.base_url + f"/org/staff/{org.handler.pk}/")
    assert response.status == 404


def test_admin_builds_the_organisation_in_the_browser(page, org):
    services.staff_set_password(user=org.admin, password=PASSWORD)
    log_in(page, "admin", PASSWORD)

    page.get_by_role("link", name=re.compile("^部门")).first.click()
    page.get_by_role("link", name="新建部门").click()
    page.get_by_label("名称").fill("热力抢修班")
    page.get_by_label("编码").fill("rep-heat")
    page.get_by_label("类型").select_option(label="班组")
    page.get_by_label("上级部门").select_option(label="　维修部")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("部门“热力抢修班”已创建。")).to_be_visible()

    page.get_by_role("link", name="新建员工").click()
    page.get_by_label("姓名").fill("赵抢修")
    page.get_by_label("登录名").fill("zhaoqx")
    page.get_by_label("工号").fill("WX010")
    page.get_by_label("电话").fill("1380013")  # too short: refused with the rule
    page.get_by_label("处理人", exact=True).check()
    page.get_by_label("初始密码").fill("Repair-2026-pass")
    page.get_by_label("再次输入密码").fill("Repair-2026-pass")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("请输入大陆手机号")).to_be_visible()
    assert not User.objects.filter(username="zhaoqx").exists()

    page.get_by_label("电话").fill("13800138000")
    page.get_by_label("初始密码").fill("Repair-2026-pass")
    page.get_by_label("再次输入密码").fill("Repair-2026-pass")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("员工“赵抢修”已创建。")).to_be_visible()
    person = User.objects.get(username="zhaoqx")
    assert person.department == Department.objects.get(code="rep-heat")
    assert person.has_role("handler")

    # the new colleague's record: deactivated, the sign-in refused, the change in the history
    page.get_by_role("link", name=re.compile("^员工")).first.click()
    page.get_by_label(re.compile("姓名|搜索|查找")).first.fill("WX010")
    page.keyboard.press("Enter")
    page.get_by_role("link", name=re.compile("赵抢修")).first.click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="停用").click()
    expect(page.get_by_role("heading", name=re.compile("赵抢修"))).to_contain_text("已停用")
    history = page.locator("#history")
    expect(history).to_contain_text("admin")
    expect(history).to_contain_text("在用：是 → 否")
    expect(history).to_contain_text("已创建")
    expect(history).not_to_contain_text("创建时间")
    person.refresh_from_db()
    assert not person.is_active
    page.get_by_role("button", name="退出登录").click()
    log_in(page, "zhaoqx", "Repair-2026-pass")
    expect(page).to_have_url(re.compile("/accounts/login/"))
