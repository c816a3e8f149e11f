"""The lookup keys (``CustomerKey``) by which a customer is found."""

from __future__ import annotations

from collections.abc import Iterable

from kefu.customers import rules
from kefu.customers.models import (
    Contact,
    Customer,
    CustomerKey,
    KeyKind,
    ServiceAccount,
)


def key_values(
    customer: Customer, contacts: Iterable[Contact], accounts: Iterable[ServiceAccount]
) -> list[tuple[str, str, Contact | None]]:
    """The lookup keys of a customer as ``(kind, value, contact)``, without duplicates."""
    seen = set()
    keys = []

    def add(kind: str, value: str, contact: Contact | None = None) -> None:
        if not value:
            return
        marker = (kind, value, id(contact) if contact is not None else None)
        if marker in seen:
            return
        seen.add(marker)
        keys.append((kind, value, contact))

    add(KeyKind.CODE, customer.code)
    add(KeyKind.NAME, rules.normalise_key(customer.name))
    add(KeyKind.ID_NUMBER, rules.normalise_id_number(customer.id_number))
    for contact in contacts:
        if not contact.is_active:
            continue
        if contact.name != customer.name:
            add(KeyKind.CONTACT_NAME, rules.normalise_key(contact.name), contact)
        for number in (contact.mobile, contact.phone):
            add(KeyKind.PHONE, rules.phone_lookup_value(number) if number else "", contact)
    for account in accounts:
        add(KeyKind.ACCOUNT, rules.normalise_key(account.number))
    return keys


def keys_for(customer: Customer, contacts: Iterable[Contact], accounts: Iterable[ServiceAccount]):
    """The lookup keys of a customer (unsaved ``CustomerKey`` rows)."""
    return [
        CustomerKey(customer=customer, contact=contact, kind=kind, value=value)
        for kind, value, contact in key_values(customer, contacts, accounts)
    ]


def customer_keys_rebuild(*, customer: Customer) -> None:
    """Replace a customer's lookup keys with those of its current data."""
    CustomerKey.objects.filter(customer=customer).delete()
    CustomerKey.objects.bulk_create(
        keys_for(customer, customer.contacts.all(), customer.accounts.all())
    )
