"""Customers made through the real services, for the persona organisation of /conftest.py."""

from __future__ import annotations

import itertools

import pytest

_serial = itertools.count(1)


def new_customer(manager, *, actor=None, contacts=None, accounts=None, **fields):
    """A customer of *manager* with a key contact and one account unless told otherwise."""
    from kefu.customers import services

    serial = next(_serial)
    if contacts is None:
        contacts = [
            services.ContactData(
                name=fields.get("name", "客户") + "本人",
                is_key=True,
                mobile=f"139{serial:08d}",
            )
        ]
    if accounts is None:
        accounts = [services.AccountData(number=f"HH{serial:08d}", kind="household")]
    fields.setdefault("name", f"测试客户{serial}")
    return services.customer_create(
        actor=actor or manager,
        account_manager=manager,
        contacts=contacts,
        accounts=accounts,
        **fields,
    )


@pytest.fixture
def second_manager(org):
    from conftest import make_staff

    return make_staff(
        "cm2",
        org.managers_team,
        ["customer_manager"],
        employee_no="SC003",
        full_name="钱经理",
        phone="13900001111",
    )


@pytest.fixture
def customer(org):
    from kefu.customers import services

    return services.customer_create(
        actor=org.account_manager,
        account_manager=org.account_manager,
        name="成都锦城物业有限公司",
        kind="organisation",
        id_type="credit_code",
        id_number="91350100M000100Y43",
        contacts=[
            services.ContactData(
                name="王主任", title="办公室主任", is_key=True, mobile="13812345678"
            ),
            services.ContactData(name="李会计", title="会计", phone="028-87654321"),
        ],
        accounts=[
            services.AccountData(
                number="DL0012345678", kind="power", premises_address="锦城大道1号"
            )
        ],
    )
