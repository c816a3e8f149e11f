"""Checks of customer data shared by the archive and the Excel import.

Each ``*_error`` function answers the error for a bad value (its message names the field,
its ``code`` the rule broken), or ``None`` when the value is fine; :func:`raise_if_any`
raises the collected errors, keyed by field.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kefu.customers import rules
from kefu.customers.models import (
    Customer,
    IdType,
    ServiceAccount,
)
from kefu.customers.policy import CustomerPolicy
from kefu.org.models import User
from kefu.org.roles import RoleCode


def field_label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def phone_error(label: str, value: str) -> ValidationError | None:
    """The message for a bad phone number, naming the field; None when it is valid."""
    if not value or rules.phone_is_valid(value):
        return None
    return ValidationError(
        _(
            "%(field)s “%(value)s” is not a valid phone number: enter an 11-digit mobile "
            "number starting with 1, or a landline with its area code such as 028-87654321."
        )
        % {"field": label, "value": value},
        code="invalid_phone",
    )


def id_number_error(id_type: str, value: str, *, today: date) -> ValidationError | None:
    """The message for a bad document number, naming the field; None when it is valid."""
    if not value:
        return None
    label = field_label(Customer, "id_number")
    if id_type == IdType.RESIDENT_ID:
        problem = rules.id_number_problem(value, today=today)
        if problem == "format":
            return ValidationError(
                _(
                    "%(field)s “%(value)s” is not an 18-digit resident ID number "
                    "(17 digits followed by a digit or X)."
                )
                % {"field": label, "value": value},
                code="invalid_id_number",
            )
        if problem == "birthdate":
            return ValidationError(
                _("%(field)s “%(value)s” contains an impossible birth date.")
                % {"field": label, "value": value},
                code="id_number_birth_date",
            )
        if problem == "checksum":
            return ValidationError(
                _("%(field)s “%(value)s” fails the check digit; please check it for typing errors.")
                % {"field": label, "value": value},
                code="id_number_check_digit",
            )
    elif id_type == IdType.CREDIT_CODE:
        problem = rules.credit_code_problem(value)
        if problem:
            return ValidationError(
                _("%(field)s “%(value)s” is not a valid 18-character unified social credit code.")
                % {"field": label, "value": value},
                code="invalid_credit_code",
            )
    elif not id_type:
        return ValidationError(
            _("%(field)s: choose the document type first.")
            % {"field": field_label(Customer, "id_type")},
            code="id_type_required",
        )
    return None


def grade_error(grade: str, policy: CustomerPolicy) -> ValidationError | None:
    if not grade or grade in policy.grade_codes:
        return None
    return ValidationError(
        _("%(field)s “%(value)s” is not one of the configured grades: %(allowed)s.")
        % {
            "field": field_label(Customer, "grade"),
            "value": grade,
            "allowed": "、".join(policy.grade_codes),
        },
        code="unknown_grade",
    )


def tier_error(tier: str, policy: CustomerPolicy) -> ValidationError | None:
    if not tier or tier in policy.tier_codes:
        return None
    return ValidationError(
        _("%(field)s “%(value)s” is not one of the configured service tiers: %(allowed)s.")
        % {
            "field": field_label(Customer, "service_tier"),
            "value": tier,
            "allowed": "、".join(f"{t.code}（{t.label}）" for t in policy.service_tiers),
        },
        code="unknown_service_tier",
    )


def manager_error(manager: User | None) -> ValidationError | None:
    if manager is None:
        return None
    if not manager.is_active or not manager.has_role(RoleCode.CUSTOMER_MANAGER):
        return ValidationError(
            _("%(field)s: %(name)s is not an active account manager (customer manager role).")
            % {"field": field_label(Customer, "account_manager"), "name": manager},
            code="not_account_manager",
        )
    return None


def account_number_error(number: str, *, exclude_pk: int | None = None) -> ValidationError | None:
    if not number:
        return ValidationError(
            _("%(field)s is required.") % {"field": field_label(ServiceAccount, "number")},
            code="required",
        )
    existing = ServiceAccount.objects.filter(number=number)
    if exclude_pk:
        existing = existing.exclude(pk=exclude_pk)
    owner = existing.select_related("customer").first()
    if owner:
        return ValidationError(
            _("%(field)s %(number)s already belongs to customer %(customer)s.")
            % {
                "field": field_label(ServiceAccount, "number"),
                "number": number,
                "customer": owner.customer,
            },
            code="account_number_taken",
        )
    return None


def raise_if_any(errors: dict[str, list[ValidationError]]) -> None:
    """Raise the errors of the fields that have any, keyed by field."""
    errors = {key: value for key, value in errors.items() if value}
    if errors:
        raise ValidationError(errors)


def prefixed(exc: ValidationError, prefix: str) -> ValidationError:
    """*exc* (from ``full_clean``) with its fields named ``<prefix><field>``, codes kept."""
    return ValidationError({f"{prefix}{key}": value for key, value in exc.error_dict.items()})
