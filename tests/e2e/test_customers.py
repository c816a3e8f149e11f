"""An agent finds the caller's customer file by any key while the phone rings, opens the
360 page with the numbers masked, and unmasks them with a reason."""

import re

import pytest
from playwright.sync_api import expect

from kefu.customers import services as customer_services
from kefu.customers.models import PiiAccess
from kefu.org import services
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Hotline-2026-pass"


def test_agent_finds_a_customer_by_any_key_and_unmasks_with_a_reason(page, org):
    customer = customer_services.customer_create(
        actor=org.account_manager,
        account_manager=org.account_manager,
        name="成都锦城物业有限公司",
        kind="organisation",
        id_type="credit_code",
        id_number="91350100M000100Y43",
        contacts=[
            customer_services.ContactData(name="王主任", is_key=True, mobile="13812345678"),
            customer_services.ContactData(name="李会计", title="会计", phone="028-87654321"),
        ],
        accounts=[customer_services.AccountData(number="DL0012345678", kind="power")],
    )
    customer_services.customer_create(
        actor=org.account_manager,
        account_manager=org.account_manager,
        name="李大爷",
        id_type="resident_id",
        id_number="440304199003074510",
        contacts=[customer_services.ContactData(name="李大爷", is_key=True, mobile="13900001111")],
    )
    services.staff_set_password(user=org.agent, password=PASSWORD)
    log_in(page, "agent", PASSWORD)

    page.get_by_role("link", name=re.compile("^客户档案")).click()
    expect(page.get_by_role("heading", name="客户查找")).to_be_visible()
    box = page.get_by_label("电话、户号、客户编号、证件号码或名称")
    results = page.get_by_test_id("lookup-results")
    # every key the caller may give: any contact's phone (typed any way), the account
    # number (or its start), part of the name, a contact's name, the document and file number
    for query, shown in [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("028-8765 4321", "028****4321"),
        ("DL0012345678", "DL0012345678"),
        ("dl00123", "DL0012345678"),
        ("锦城物业", "成都锦城物业有限公司"),
        ("成都锦城", "成都锦城物业有限公司"),
        ("李会计", "李会计"),
        ("91350100M000100Y43", "913501********0Y43"),
        (customer.code, customer.code),
    ]:
        box.fill("")  # the results go away first, so the next ones are this query's
        expect(results).to_have_count(0)
        box.fill(query)
        expect(results).to_contain_text("成都锦城物业有限公司")
        expect(results).to_contain_text(shown)
        expect(results).not_to_contain_text("李大爷")
        expect(results).not_to_contain_text("13812345678")
    box.fill("440304199003074510")
    expect(results).to_contain_text("李大爷")
    expect(page).to_have_url(re.compile(r"q=440304199003074510"))

    box.fill("13812345678")
    expect(results).to_contain_text("成都锦城物业有限公司")
    results.get_by_role("link", name="成都锦城物业有限公司").click()
    expect(page.get_by_test_id("customer-name")).to_contain_text("成都锦城物业有限公司")
    contacts = page.get_by_test_id("contacts")
    expect(contacts).to_contain_text("138****5678")
    expect(contacts).not_to_contain_text("13812345678")

    page.get_by_label("查看完整信息的原因").fill("客户要求回拨")
    page.get_by_role("button", name="查看完整号码（将记录）").click()
    expect(page.get_by_test_id("contacts")).to_contain_text("13812345678")
    access = PiiAccess.objects.get()
    assert (access.user_id, access.reason) == (org.agent.pk, "客户要求回拨")
