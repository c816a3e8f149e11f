"""A customer's contacts and service accounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.customers import rules
from kefu.customers.models import (
    AccountKind,
    Contact,
    Customer,
    ServiceAccount,
)
from kefu.customers.services.checks import (
    account_number_error,
    field_label,
    phone_error,
    prefixed,
    raise_if_any,
)
from kefu.customers.services.keys import customer_keys_rebuild


@dataclass
class ContactData:
    name: str
    title: str = ""
    is_key: bool = False
    decides: bool = False
    mobile: str = ""
    phone: str = ""
    email: str = ""
    im_handle: str = ""
    birthday: date | None = None
    notes: str = ""


@dataclass
class AccountData:
    number: str
    kind: str = AccountKind.OTHER
    premises_address: str = ""
    industry: str = ""
    attributes: dict = field(default_factory=dict)
    opened_on: date | None = None


def contact_errors(data: ContactData, prefix: str) -> dict[str, list[ValidationError]]:
    errors: dict[str, list[ValidationError]] = {}
    for name in ("mobile", "phone"):
        error = phone_error(field_label(Contact, name), getattr(data, name))
        if error:
            errors[f"{prefix}{name}"] = [error]
    if data.mobile and rules.normalise_phone(data.mobile)[:1] == "0":
        errors[f"{prefix}mobile"] = [
            ValidationError(
                _("%(field)s “%(value)s” is a landline; put it under %(other)s.")
                % {
                    "field": field_label(Contact, "mobile"),
                    "value": data.mobile,
                    "other": field_label(Contact, "phone"),
                },
                code="landline_as_mobile",
            )
        ]
    return errors


def clean_contact(contact: Contact, prefix: str) -> None:
    try:
        contact.full_clean(exclude=["customer"])
    except ValidationError as exc:
        raise prefixed(exc, prefix) from None


def normalised_contact(data: ContactData) -> ContactData:
    data.mobile = rules.phone_lookup_value(data.mobile) if data.mobile else ""
    data.phone = rules.normalise_phone(data.phone) if data.phone else ""
    return data


@transaction.atomic
def contact_save(
    *, customer: Customer, data: ContactData, contact: Contact | None = None
) -> Contact:
    """Add a contact, or change one. Making a contact the key contact demotes the previous one."""
    data = normalised_contact(data)
    raise_if_any(contact_errors(data, ""))
    if contact is None:
        contact = Contact(customer=customer)
    elif contact.customer_id != customer.pk:
        raise ValidationError(
            _("This contact belongs to another customer."), code="other_customers_contact"
        )
    for name, value in data.__dict__.items():
        setattr(contact, name, value)
    contact.full_clean(exclude=["customer"])
    if contact.is_key:
        Contact.objects.filter(customer=customer, is_key=True).exclude(pk=contact.pk).update(
            is_key=False
        )
    contact.save()
    customer_keys_rebuild(customer=customer)
    return contact


@transaction.atomic
def contact_remove(*, contact: Contact) -> None:
    """Contacts are deactivated, not deleted, so past visits still name them."""
    contact.is_active = False
    contact.is_key = False
    contact.save(update_fields=["is_active", "is_key"])
    customer_keys_rebuild(customer=contact.customer)


@transaction.atomic
def account_save(
    *,
    customer: Customer,
    data: AccountData,
    account: ServiceAccount | None = None,
    is_active: bool = True,
) -> ServiceAccount:
    """Add a service account, or change one (an account is deactivated, never deleted)."""
    number = rules.normalise_key(data.number)
    error = account_number_error(number, exclude_pk=account.pk if account else None)
    if error:
        raise ValidationError({"number": error})
    account = account or ServiceAccount(customer=customer)
    for name, value in {**data.__dict__, "number": number}.items():
        setattr(account, name, value)
    account.is_active = is_active
    account.full_clean(exclude=["customer"])
    account.save()
    customer_keys_rebuild(customer=customer)
    return account
