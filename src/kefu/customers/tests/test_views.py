"""The customer pages per persona: lookup, the 360 page, masking and the unmask log,
scope (404 outside it), forms with Chinese errors, supervision and exports."""

from io import BytesIO

import pytest
from django.template import engines
from openpyxl import load_workbook

from kefu.customers import services
from kefu.customers.models import Customer, ManagerChange, PiiAccess
from kefu.customers.panels import Panel, register_panel, unregister_panel
from kefu.customers.tests.conftest import new_customer

pytestmark = pytest.mark.django_db


def test_pages_require_login(client, customer):
    for url in [
        "/customers/",
        "/customers/list/",
        f"/customers/{customer.pk}/",
        "/customers/board/",
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("query", "matched"),
    [
        pytest.param("13812345678", "电话", id="key-contact-mobile"),
        pytest.param("028-87654321", "电话", id="other-contact-landline"),
        pytest.param("DL0012345678", "户号", id="account-number"),
        pytest.param("dl00123", "户号", id="account-prefix-any-case"),
        pytest.param("91350100M000100Y43", "证件号码", id="credit-code"),
        pytest.param("锦城物业", "名称", id="name-inside"),
        pytest.param("成都锦城", "名称", id="name-prefix"),
        pytest.param("王主任", "联系人", id="contact-name"),
    ],
)
def test_agent_finds_the_customer_by_any_key(client_as, org, customer, query, matched):
    response = client_as(org.agent).get("/customers/", {"q": query}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<html" not in page
    assert "成都锦城物业有限公司" in page
    assert customer.code in page
    assert matched in page
    # the agent does not need the numbers: they are masked
    assert "13812345678" not in page and "02887654321" not in page


def test_lookup_finds_nothing_for_an_unknown_number(client_as, org, customer):
    page = client_as(org.agent).get("/customers/?q=13999999999").content.decode()
    assert "没有匹配的客户" in page
    assert "成都锦城物业有限公司" not in page


def test_handler_in_another_department_cannot_find_or_open_the_customer(client_as, org, customer):
    client = client_as(org.handler)
    page = client.get("/customers/?q=13812345678").content.decode()
    assert "成都锦城物业有限公司" not in page
    response = client.get(f"/customers/{customer.pk}/")
    assert response.status_code == 404
    assert "成都锦城物业有限公司" not in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "unmasked"),
    [
        pytest.param("account_manager", True, id="own-account-manager"),
        pytest.param("cm_supervisor", True, id="supervisor"),
        pytest.param("agent", False, id="agent"),
        pytest.param("gm", False, id="general-manager"),
    ],
)
def test_phones_and_document_numbers_are_masked_for_roles_that_do_not_need_them(
    client_as, org, customer, persona, unmasked
):
    page = client_as(getattr(org, persona)).get(f"/customers/{customer.pk}/").content.decode()
    assert ("13812345678" in page) is unmasked
    assert ("91350100M000100Y43" in page) is unmasked
    assert ("138****5678" in page) is not unmasked
    assert ("913501********0Y43" in page) is not unmasked
    assert PiiAccess.objects.count() == 0


def test_another_account_manager_sees_masked_data(client_as, org, second_manager, customer):
    page = client_as(second_manager).get(f"/customers/{customer.pk}/").content.decode()
    assert "138****5678" in page and "13812345678" not in page


def test_unmasking_is_logged_with_who_when_and_why(client_as, org, customer):
    client = client_as(org.agent)
    refused = client.post(f"/customers/{customer.pk}/unmask/", {"field": "all", "reason": ""})
    assert "13812345678" not in refused.content.decode()
    assert PiiAccess.objects.count() == 0

    response = client.post(
        f"/customers/{customer.pk}/unmask/", {"field": "phone", "reason": "客户来电要求回拨"}
    )
    page = response.content.decode()
    assert "13812345678" in page
    access = PiiAccess.objects.get()
    assert (access.user, access.customer, access.field, access.reason) == (
        org.agent,
        customer,
        "phone",
        "客户来电要求回拨",
    )
    # a plain reload is masked again
    assert "13812345678" not in client.get(f"/customers/{customer.pk}/").content.decode()
    # the supervisor sees the log on the customer page
    supervisor_page = client_as(org.cm_supervisor).get(f"/customers/{customer.pk}/")
    assert "客户来电要求回拨" in supervisor_page.content.decode()


def test_customer_360_shows_contacts_accounts_history_and_registered_panels(
    client_as, org, customer
):
    register_panel(
        Panel(
            key="test-orders",
            title="工单",
            template=engines["django"].from_string("{{ count }} 张工单"),
            context=lambda request, c: {"count": 3},
            order=10,
        )
    )
    try:
        page = client_as(org.account_manager).get(f"/customers/{customer.pk}/").content.decode()
    finally:
        unregister_panel("test-orders")
    for text in [
        "王主任",
        "李会计",
        "DL0012345678",
        "锦城大道1号",
        "首次分配",
        "客户经理变更记录",
        "等级历史",
        'data-testid="panel-test-orders"',
        "3 张工单",
    ]:
        assert text in page


def test_account_manager_records_a_customer_in_the_browser_form(client_as, org):
    response = client_as(org.account_manager).post(
        "/customers/new/",
        {
            "kind": "individual",
            "name": "刘大海",
            "id_type": "resident_id",
            "id_number": "440304199003074510",
            "relationship_stage": "prospect",
            "account_manager": org.account_manager.pk,
            "grade": "B",
            "contact_name": "刘大海",
            "contact_mobile": "13655556666",
            "account_kind": "power",
            "account_number": "dl 9988",
            "tags": "新开户、重点",
        },
    )
    customer = Customer.objects.get(name="刘大海")
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert customer.accounts.get().number == "DL9988"
    assert sorted(t.name for t in customer.tags.all()) == ["新开户", "重点"]
    assert customer.grade_is_temporary


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        pytest.param(
            "contact_mobile", "1365555666", "手机“1365555666”不是有效的电话号码", id="phone"
        ),
        pytest.param("id_number", "440304199003074511", "末位校验码不符", id="id-checksum"),
        pytest.param("grade", "Z", "选择一个有效的选项", id="grade-not-offered"),
    ],
)
def test_bad_input_in_the_form_is_explained_in_chinese_and_nothing_is_saved(
    client_as, org, field, value, message
):
    data = {
        "kind": "individual",
        "name": "错误客户",
        "id_type": "resident_id",
        "id_number": "440304199003074510",
        "relationship_stage": "prospect",
        "account_manager": org.account_manager.pk,
        "contact_name": "错误客户",
        "contact_mobile": "13655556666",
        field: value,
    }
    response = client_as(org.account_manager).post("/customers/new/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Customer.objects.filter(name="错误客户").exists()


def test_agent_cannot_record_or_edit_customers(client_as, org, customer):
    client = client_as(org.agent)
    assert client.get("/customers/new/").status_code == 403
    response = client.post(f"/customers/{customer.pk}/edit/", {"name": "改名"})
    assert response.status_code in (403, 404)
    customer.refresh_from_db()
    assert customer.name == "成都锦城物业有限公司"


def test_manager_change_through_the_pages(client_as, org, customer, second_manager):
    client = client_as(org.cm_supervisor)
    response = client.post(
        f"/customers/{customer.pk}/manager/",
        {"to_manager": second_manager.pk, "reason": "调整分工"},
    )
    assert response.status_code == 302
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="pending-change"' in page
    change = ManagerChange.objects.get(status="pending")
    # the account manager may not finalise it
    denied = client_as(org.account_manager).post(
        f"/customers/manager-changes/{change.pk}/notice/", {"channel": "sms"}
    )
    assert denied.status_code == 403
    client = client_as(org.cm_supervisor)
    client.post(
        f"/customers/manager-changes/{change.pk}/notice/",
        {"channel": "phone", "note": "已电话告知"},
    )
    customer.refresh_from_db()
    assert customer.account_manager == second_manager


def test_supervision_board_lists_reassignable_leads_and_duplicates(client_as, org, second_manager):
    first = new_customer(
        org.account_manager, name="重复客户", id_type="resident_id", id_number="11010519491231002X"
    )
    new_customer(
        second_manager, name="重复客户", id_type="resident_id", id_number="11010519491231002X"
    )
    page = client_as(org.cm_supervisor).get("/customers/board/").content.decode()
    assert first.code in page
    assert "重复档案" in page


def test_customer_list_export_is_scoped_and_masked_for_managers_of_other_customers(
    client_as, org, customer, second_manager
):
    other = new_customer(second_manager, name="钱经理的客户")
    response = client_as(org.account_manager).get("/customers/list/?export=xlsx")
    workbook = load_workbook(BytesIO(response.content))
    rows = list(workbook["客户"].iter_rows(values_only=True))
    assert rows[0][:3] == ("导入编号", "客户类型", "客户名称")
    names = {row[2] for row in rows[1:]}
    assert {customer.name, other.name} <= names  # same team: the subtree scope
    by_name = {row[2]: row for row in rows[1:]}
    assert by_name[customer.name][16] == "138****5678"  # masked: no PII role
    assert PiiAccess.objects.count() == 0
    contacts = list(workbook["联系人"].iter_rows(values_only=True))
    assert "李会计" in {row[1] for row in contacts[1:]}


def test_supervisor_export_is_whole_and_logged(client_as, org, customer):
    response = client_as(org.cm_supervisor).get("/customers/list/?export=xlsx")
    rows = list(load_workbook(BytesIO(response.content))["客户"].iter_rows(values_only=True))
    assert rows[1][16] == "13812345678"
    access = PiiAccess.objects.get()
    assert (access.is_export, access.record_count, access.user) == (True, 1, org.cm_supervisor)


def test_agent_sees_nothing_in_the_scoped_list(client_as, org, customer):
    response = client_as(org.agent).get("/customers/list/")
    assert response.context["page"].paginator.count == 0


def test_lookup_query_count_is_constant(client_as, org, customer, django_assert_max_num_queries):
    for _ in range(5):
        new_customer(org.account_manager, name="成都锦城分店")
    client = client_as(org.agent)
    client.get("/customers/?q=成都锦城", HTTP_HX_REQUEST="true")
    with django_assert_max_num_queries(12):
        response = client.get("/customers/?q=成都锦城", HTTP_HX_REQUEST="true")
    assert response.content.decode().count("成都锦城") >= 6


def test_visits_flow_through_the_pages(client_as, org, customer):
    manager = client_as(org.account_manager)
    manager.post(
        f"/customers/{customer.pk}/visit-plans/new/",
        {"purpose": "年度回顾", "planned_start": "2030-05-06T10:00"},
    )
    plan = customer.visit_plans.get()
    assert plan.status == "submitted"
    supervisor = client_as(org.cm_supervisor)
    assert "年度回顾" in supervisor.get("/customers/visits/").content.decode()
    supervisor.post(f"/customers/visits/plans/{plan.pk}/decide/", {"approve": "1"})
    plan.refresh_from_db()
    assert (plan.status, plan.decided_by) == ("approved", org.cm_supervisor)


def test_policy_command_switches_preset(org):
    from django.core.management import call_command

    call_command("customer_policy", preset="property")
    assert services.current_policy().tier_codes[0] == "5star"


def test_customer_export_keeps_a_formula_like_name_as_text(client_as, org, second_manager):
    attack = '=HYPERLINK("http://evil.example/x","客户详情")'
    new_customer(org.account_manager, name=attack)
    response = client_as(org.cm_supervisor).get("/customers/list/?export=xlsx")
    sheet = load_workbook(BytesIO(response.content))["客户"]
    names = {row[2].value: row[2] for row in sheet.iter_rows(min_row=2)}
    assert names[attack].data_type == "s" and names[attack].quotePrefix
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
