"""A head makes a list of his own (JOURNEYS.md, the daily queues): he narrows the queue
with the rendered filters, sorts it by clicking a column header, saves it as a named view
and later reopens it from its own tab, with the same rows in the same order."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kefu.org import services as org_services
from kefu.tickets import services
from kefu.tickets.models import SavedQueueView
from tests.e2e.conftest import log_in
from tests.e2e.test_queue_journeys import open_work_orders, repair_categories, shown

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Lists-2026-pass"


def test_head_sorts_saves_and_reopens_his_view(page, org):
    org_services.staff_set_password(user=org.head, password=PASSWORD)
    repair, leak, lights = repair_categories(org)
    now = timezone.now()

    def order(category, days_ago):
        return services.ticket_create(
            actor=org.agent,
            category=category,
            channel="hotline",
            title=f"{category.name}{days_ago}天前",
            contact_name="张先生",
            contact_phone="13812345678",
            now=now - timedelta(days=days_ago),
            dispatch=True,
        )

    oldest = order(repair, 9)
    middle = order(leak, 5)
    newest = order(repair, 1)
    order(lights, 3)  # another category: filtered out

    log_in(page, "head", PASSWORD)
    open_work_orders(page)
    expect(page.get_by_test_id("queue-count-all")).to_have_text("4")
    rows = page.get_by_test_id("ticket-table").locator("input[name=ids]")
    page.get_by_test_id("queue-filter").get_by_label("业务分类").select_option(label="水电报修")
    expect(rows).to_have_count(3)

    page.get_by_test_id("sort-created_at").click()
    expect(page.get_by_test_id("sort-created_at").locator("..")).to_have_attribute(
        "aria-sort", "ascending"
    )
    assert shown(page) == [oldest.number, middle.number, newest.number]
    page.get_by_test_id("sort-created_at").click()
    expect(page.get_by_test_id("sort-created_at").locator("..")).to_have_attribute(
        "aria-sort", "descending"
    )
    assert shown(page) == [newest.number, middle.number, oldest.number]

    page.get_by_text("我的保存视图").click()
    page.get_by_label("将当前筛选和排序保存为").fill("水电新单在前")
    page.get_by_role("button", name="保存视图").click()
    expect(page.get_by_text("视图“水电新单在前”已保存。")).to_be_visible()
    assert SavedQueueView.objects.get(owner=org.head).name == "水电新单在前"

    # elsewhere, then back through the view's own tab
    page.get_by_test_id("queue-tab-to_sign").click()
    expect(page.get_by_test_id("queue-tab-to_sign")).to_have_attribute("aria-current", "page")
    page.get_by_test_id("saved-view-tab").filter(has_text="水电新单在前").click()
    expect(page.get_by_test_id("saved-view-tab")).to_have_attribute("aria-current", "page")
    expect(rows).to_have_count(3)
    assert shown(page) == [newest.number, middle.number, oldest.number]
    expect(
        page.get_by_test_id("queue-filter").get_by_label("业务分类").locator("option:checked")
    ).to_have_text("水电报修")
