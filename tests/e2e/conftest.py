"""Browser journeys: Playwright driving Debian's chromium against the live test server."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

expect.set_options(timeout=15_000)

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# for setup are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("KEFU_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("KEFU_REQUIRE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    # An English browser on purpose: kefu must still answer in Chinese by default.
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    # generous: the suite runs the browser beside two test workers on two cores
    context.set_default_timeout(30_000)
    context.set_default_navigation_timeout(60_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def log_in(page, username, password):
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("登录名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


# Collects the Content-Security-Policy violations of a page in window.__cspViolations.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture
def enforced_csp(settings):
    """The production Content-Security-Policy, enforced rather than reported."""
    from kefu.config.settings import _CSP

    settings.CONTENT_SECURITY_POLICY = _CSP
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = None


def log_out(page):
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile("/accounts/login/"))


def press_key(page, key):
    """Press a keyboard shortcut once kefu.js has bound its handlers on this page."""
    expect(page.locator("html[data-keys=ready]")).to_have_count(1)
    page.keyboard.press(key)


def open_more_actions(page):
    """On the order page, open 更多操作 (the actions after the next step) as a person does."""
    more = page.get_by_test_id("more-actions")
    if more.get_attribute("open") is None:
        more.locator("summary").click()
