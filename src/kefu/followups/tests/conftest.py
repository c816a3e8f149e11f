from datetime import date

import pytest

from kefu.tickets.tests.conftest import catalog, new_ticket  # noqa: F401  (shared fixtures)


@pytest.fixture
def customer_a(org):
    """An A-grade organisation whose key contact has a birthday on record."""
    from kefu.customers import services

    return services.customer_create(
        actor=org.account_manager,
        account_manager=org.account_manager,
        name="锦城置业有限公司",
        kind="organisation",
        grade="A",
        contacts=[
            services.ContactData(
                name="赵总", is_key=True, mobile="13911112222", birthday=date(1970, 12, 12)
            )
        ],
    )
