"""A handler in the field works from his phone (390 px wide): his queue, the order page,
signing for it, recording his arrival on site with a photo, the number to call as a
``tel:`` link and the printable work order — and no page scrolls sideways."""

import base64
import re

import pytest
from playwright.sync_api import expect

from kefu.org import services as org_services
from kefu.sla import services as sla_services
from kefu.tickets import services
from kefu.tickets.models import TicketType
from tests.e2e.conftest import WATCH_VIOLATIONS, log_in, open_more_actions

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Field-2026-pass"
# a 1×1 transparent PNG: the photo taken on site
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def assert_fits(page, width=390):
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide on a {width} px screen"


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    context.set_default_timeout(30_000)
    context.set_default_navigation_timeout(60_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def test_a_handler_works_an_order_from_his_phone(phone, org, tmp_path):
    page = phone
    org_services.staff_set_password(user=org.handler, password=PASSWORD)
    sla_services.sla_preset_load(industry="property")  # repairs: on site within 2 h
    category = services.category_create(
        name="水电报修",
        code="repair-water",
        ticket_type=TicketType.objects.get(code="repair"),
        lead_department=org.repairs,
        extra_fields=[{"name": "meter_no", "label": "表号", "required": False}],
    )
    ticket = services.ticket_create(
        actor=org.agent,
        category=category,
        channel="hotline",
        title="卫生间水管漏水，已关总阀，请尽快上门",
        description="住户称卫生间墙内水管漏水，楼下邻居天花板已经渗水，需要带管件和切割工具。",
        contact_name="张先生",
        contact_phone="13812345678",
        address="城东区幸福小区3栋2单元1102室（物业服务中心东侧入口进）",
        extra={"meter_no": "SB-2026-000123456"},
        dispatch_to=org.repairs_team,
    )

    log_in(page, "handler", PASSWORD)
    assert_fits(page)

    # his queue
    page.goto(page.base_url + "/tickets/?queue=to_sign")
    link = page.get_by_role("link", name=ticket.number)
    expect(link).to_be_visible()
    assert_fits(page)

    # the order: the customer's number dials with a tap
    link.click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已派单")
    expect(page.get_by_test_id("contact-phone")).to_have_attribute("href", "tel:13812345678")
    assert_fits(page)

    # he signs for it
    next_step = page.get_by_test_id("next-action")
    next_step.get_by_role("button", name="签收", exact=True).click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已签收")
    assert_fits(page)

    # on site: he records his arrival
    page.get_by_test_id("milestone-reached-arrival").get_by_role("button").click()
    expect(
        page.get_by_test_id("ticket-deadlines").locator("tr[data-kind=arrival]")
    ).to_contain_text("已达成")
    assert_fits(page)

    # and adds a photo through the order's attachment box
    photo = tmp_path / "现场.png"
    photo.write_bytes(PNG)
    open_more_actions(page)
    upload = page.locator("form", has=page.locator("input[type=file]"))
    upload.locator("input[type=file]").set_input_files(str(photo))
    upload.get_by_role("button", name="上传").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("现场.png")
    assert_fits(page)

    # the printable work order fits too, on screen, in both forms
    page.get_by_test_id("print-order").click()
    expect(page.get_by_test_id("wo-number")).to_have_text(ticket.number)
    expect(page.get_by_test_id("wo-phone").get_by_role("link")).to_have_attribute(
        "href", "tel:13812345678"
    )
    assert_fits(page)
    page.get_by_test_id("paper-receipt").click()
    expect(page.get_by_test_id("work-order")).to_have_attribute("data-paper", "receipt")
    assert_fits(page)


def test_the_print_button_opens_the_print_dialogue(enforced_csp, page, org):
    # under the production Content-Security-Policy: no inline code on the page
    org_services.staff_set_password(user=org.handler, password=PASSWORD)
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
        title="水管漏水",
        contact_name="张先生",
        contact_phone="13812345678",
        dispatch_to=org.repairs_team,
    )
    page.add_init_script(WATCH_VIOLATIONS)
    page.add_init_script(
        "window.__printed = 0; window.print = function () { window.__printed++; };"
    )
    log_in(page, "handler", PASSWORD)
    page.goto(page.base_url + f"/tickets/{ticket.pk}/print/")
    page.get_by_role("button", name="打印").click()
    page.wait_for_function("window.__printed === 1")
    assert page.evaluate("window.__cspViolations") == []
    # on paper only the sheet: the menu and the buttons are left off
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.get_by_test_id("print-button")).to_be_hidden()
    expect(page.get_by_test_id("work-order")).to_be_visible()
    assert re.search(r"\S", page.get_by_test_id("work-order").inner_text())
