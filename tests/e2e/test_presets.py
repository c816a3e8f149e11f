"""An administrator switches the installation to district heating from the 行业预置 page:
previews what will change, applies it, and sees the list of what changed."""

import pytest
from playwright.sync_api import expect

from kefu.complaints.services import settings_get as complaint_settings
from kefu.customers.services import current_policy
from kefu.org import services
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Preset-2026-pass"


def test_admin_previews_and_applies_an_industry(page, org):
    services.staff_set_password(user=org.admin, password=PASSWORD)
    log_in(page, "admin", PASSWORD)

    page.get_by_role("link", name="更改行业").click()  # on the administrator's workspace
    expect(page.get_by_role("heading", name="行业预置")).to_be_visible()
    form = page.get_by_test_id("preset-form")
    form.get_by_label("行业").select_option(label="供热")
    form.get_by_label("公司").select_option(label="示范公司")
    form.get_by_role("button", name="预览").click()

    preview = page.get_by_test_id("preset-preview")
    expect(preview.get_by_role("heading")).to_contain_text("预览：供热")
    expect(preview.get_by_test_id("preset-note").first).to_contain_text("所有单位")
    expect(preview.get_by_test_id("preset-changes")).to_contain_text("heating-complaint")
    assert current_policy().preset == "general"  # a preview saves nothing

    preview.get_by_role("button", name="应用").click()

    expect(page.get_by_text("已应用行业预置。")).to_be_visible()
    applied = page.get_by_test_id("preset-applied")
    expect(applied.get_by_test_id("preset-changes")).to_contain_text("供热投诉")
    expect(page.get_by_test_id("current-industry")).to_contain_text("示范公司：供热")
    assert current_policy().preset == "heating"
    assert complaint_settings().industry == "heating"
