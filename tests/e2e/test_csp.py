"""With the production Content-Security-Policy on, kefu's pages work and the browser
reports no violation: no inline code, no inline <style> without the page's nonce."""

import re

import pytest
from playwright.sync_api import expect

from kefu.customers import services as customer_services
from kefu.org import services
from tests.e2e.conftest import WATCH_VIOLATIONS, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Hotline-2026-pass"


def test_pages_work_under_the_production_policy(enforced_csp, page, org):
    customer_services.customer_create(
        actor=org.account_manager,
        account_manager=org.account_manager,
        name="李大爷",
        id_type="resident_id",
        id_number="440304199003074510",
        contacts=[customer_services.ContactData(name="李大爷", is_key=True, mobile="13900001111")],
    )
    services.staff_set_password(user=org.agent, password=PASSWORD)
    console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.add_init_script(WATCH_VIOLATIONS)
    headers = {}
    page.on(
        "response",
        lambda response: headers.setdefault(
            response.url, response.headers.get("content-security-policy", "")
        ),
    )

    log_in(page, "agent", PASSWORD)
    expect(page.get_by_role("heading", name="我的工作台")).to_be_visible()
    visited = [page.url]

    # the screen pop: the caller panel (htmx) takes the caller's only customer file at once
    page.goto(page.base_url + "/tickets/new/?calling_number=13900001111")
    expect(page.get_by_test_id("chosen-customer")).to_have_text("客户档案：李大爷")
    visited.append(page.url)

    # the queue's "tick all" box
    page.goto(page.base_url + "/tickets/?queue=all")
    visited.append(page.url)
    expect(page.get_by_label("全选")).to_be_visible()

    # own page: create an API token (shown once)
    page.get_by_test_id("current-user").click()
    page.get_by_role("button", name="创建令牌").click()
    expect(page.get_by_test_id("new-token")).to_be_visible()
    visited.append(page.url)

    # the language switch submits itself
    page.get_by_label("语言").select_option("en")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    visited.append(page.url)

    violations = page.evaluate("window.__cspViolations")
    assert violations == []
    assert not [line for line in console if re.search("Content.Security.Policy", line, re.I)]
    for url in visited:
        policy = headers.get(url.split("#")[0], "")
        # every page was served under the policy (a nonce is added where a page uses one)
        assert "script-src 'self'" in policy and "default-src 'self'" in policy, url
