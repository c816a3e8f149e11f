"""Account managers follow the service of the customers in their care: the orders on
those customers' files are theirs to read (JOURNEYS.md, 客户经理 1: the file shows the
customer's orders), and no others are."""

import pytest
from conftest import make_department, make_staff

from kefu.customers import services as customer_services
from kefu.org.models import DepartmentKind
from kefu.tickets.selectors import tickets_visible

pytestmark = pytest.mark.django_db


def customer_of(manager, name):
    return customer_services.customer_create(
        actor=manager,
        account_manager=manager,
        name=name,
        contacts=[customer_services.ContactData(name=name, is_key=True, mobile="13900001111")],
    )


def test_an_account_manager_reads_the_orders_of_his_customers_only(org, new_ticket):
    other_team = make_department("大客户组", "mkt-vip", DepartmentKind.TEAM, org.marketing)
    colleague = make_staff("cm2", other_team, ["customer_manager"], employee_no="SC009")
    mine = new_ticket(customer=customer_of(org.account_manager, "锦城物业"))
    theirs = new_ticket(customer=customer_of(colleague, "天府软件园"))
    nobodys = new_ticket()

    assert set(tickets_visible(org.account_manager)) == {mine}
    assert set(tickets_visible(colleague)) == {theirs}
    # the supervisor of the marketing department follows both teams' customers
    assert set(tickets_visible(org.cm_supervisor)) == {mine, theirs}
    # the first responder keeps all three: nothing of this narrows anyone's scope
    assert set(tickets_visible(org.agent)) == {mine, theirs, nobodys}


def test_the_customer_file_lists_the_orders_to_its_manager(org, new_ticket, client_as):
    customer = customer_of(org.account_manager, "锦城物业")
    ticket = new_ticket(customer=customer, title="配电房渗水")

    page = client_as(org.account_manager).get(f"/customers/{customer.pk}/").content.decode()
    assert ticket.number in page and "配电房渗水" in page
    # and the order opens
    assert client_as(org.account_manager).get(f"/tickets/{ticket.pk}/").status_code == 200
