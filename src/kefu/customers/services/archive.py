"""Recording customers and changing their own data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.calendars import workcal
from kefu.customers import calendars, rules
from kefu.customers.models import (
    ChangeKind,
    ChangeStatus,
    Contact,
    Customer,
    CustomerKind,
    GradeKind,
    GradeRecord,
    InfoFile,
    Interaction,
    ManagerChange,
    RelationshipStage,
    ServiceAccount,
    Tag,
)
from kefu.customers.policy import CustomerPolicy
from kefu.customers.services.checks import (
    account_number_error,
    field_label,
    grade_error,
    id_number_error,
    manager_error,
    prefixed,
    raise_if_any,
    tier_error,
)
from kefu.customers.services.contacts import (
    AccountData,
    ContactData,
    clean_contact,
    contact_errors,
    normalised_contact,
)
from kefu.customers.services.duplicates import find_earlier_records, owner_of
from kefu.customers.services.info_files import info_file_enter
from kefu.customers.services.keys import customer_keys_rebuild
from kefu.customers.services.numbering import customer_code, next_numbers
from kefu.customers.services.policy import current_policy
from kefu.org.models import Department, User


def _tags(names: Iterable[str]) -> list[Tag]:
    tags = []
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        tag, _created = Tag.objects.get_or_create(name=name[:30])
        tags.append(tag)
    return tags


def _temporary_grade_due(customer: Customer, policy: CustomerPolicy, today: date) -> date:
    start = customer.cooperation_started_on or today
    return rules.temporary_grade_due(start, policy.temporary_grade_months)


# Longer than the usual limit only because its keyword-only signature names every field of a
# new customer; the body is a sequence of the named steps below.
@transaction.atomic
def customer_create(
    *,
    actor: User | None,
    name: str,
    kind: str = CustomerKind.INDIVIDUAL,
    account_manager: User | None = None,
    department: Department | None = None,
    id_type: str = "",
    id_number: str = "",
    industry: str = "",
    address: str = "",
    source_channel: str = "",
    credit_rating: str = "",
    relationship_stage: str = RelationshipStage.PROSPECT,
    grade: str = "",
    service_tier: str = "",
    cooperation_started_on: date | None = None,
    tags: Iterable[str] = (),
    notes: str = "",
    contacts: Sequence[ContactData] = (),
    accounts: Sequence[AccountData] = (),
    captured_at: datetime | None = None,
    info_file: InfoFile | None = None,
    calendar: workcal.Calendar | None = None,
) -> Customer:
    """Record a new customer with its contacts and accounts.

    The department is the account manager's. A grade given now is a temporary grade,
    formally evaluated after the configured months. When the same customer was recorded
    before (same document number, or same name and phone), the new record is kept but
    linked as a duplicate of the earliest one, which keeps ownership (ARC-04).
    """
    now = timezone.now()
    policy = current_policy()
    id_number = rules.normalise_id_number(id_number)
    contacts = [normalised_contact(c) for c in contacts]
    errors = _creation_errors(
        account_manager=account_manager,
        department=department,
        id_type=id_type,
        id_number=id_number,
        grade=grade,
        service_tier=service_tier,
        captured_at=captured_at,
        contacts=contacts,
        accounts=accounts,
        policy=policy,
        now=now,
    )
    raise_if_any(errors)
    if account_manager is not None:
        department = account_manager.department

    customer = Customer(
        code="KH-PENDING",
        kind=kind,
        name=name.strip(),
        id_type=id_type,
        id_number=id_number,
        industry=industry,
        address=address,
        source_channel=source_channel,
        credit_rating=credit_rating,
        relationship_stage=relationship_stage,
        grade=grade,
        service_tier=service_tier,
        grade_is_temporary=bool(grade),
        cooperation_started_on=cooperation_started_on,
        notes=notes,
        department=department,
        account_manager=account_manager,
        created_by=actor,
        created_at=now,
    )
    _start_clocks(customer, policy, now)
    customer.full_clean(exclude=["code"])
    _link_to_earlier_record(customer, contacts)
    customer.code = customer_code(next_numbers("customer")[0])
    customer.save()
    customer.tags.set(_tags(tags))
    _save_contacts_and_accounts(customer, contacts, accounts)
    customer_keys_rebuild(customer=customer)
    _record_first_history(customer, actor=actor, now=now)
    _record_info_file(
        customer,
        actor=actor,
        info_file=info_file,
        captured_at=captured_at,
        calendar=calendar,
        policy=policy,
        now=now,
    )
    return customer


def _creation_errors(
    *,
    account_manager: User | None,
    department: Department | None,
    id_type: str,
    id_number: str,
    grade: str,
    service_tier: str,
    captured_at: datetime | None,
    contacts: Sequence[ContactData],
    accounts: Sequence[AccountData],
    policy: CustomerPolicy,
    now: datetime,
) -> dict[str, list[ValidationError]]:
    """What is wrong with a new customer's data, by field (empty: nothing)."""
    errors: dict[str, list[ValidationError]] = {}

    def err(key: str, error: ValidationError | None) -> None:
        if error:
            errors.setdefault(key, []).append(error)

    err("account_manager", manager_error(account_manager))
    if account_manager is not None and not errors.get("account_manager"):
        department = account_manager.department
    if department is None and not errors.get("account_manager"):
        err(
            "account_manager",
            ValidationError(
                _("%(field)s is required (or the customer's department).")
                % {"field": field_label(Customer, "account_manager")},
                code="required",
            ),
        )
    err("id_number", id_number_error(id_type, id_number, today=timezone.localdate(now)))
    err("grade", grade_error(grade, policy))
    err("service_tier", tier_error(service_tier, policy))
    if service_tier and not grade:
        err(
            "grade",
            ValidationError(
                _("Give a grade together with the service tier."), code="grade_required_with_tier"
            ),
        )
    if captured_at is not None and captured_at > now:
        err(
            "captured_at",
            ValidationError(_("The capture time cannot be in the future."), code="in_future"),
        )
    if sum(1 for c in contacts if c.is_key) > 1:
        err(
            "contacts",
            ValidationError(_("A customer has one key contact only."), code="one_key_contact"),
        )
    for index, contact in enumerate(contacts):
        errors.update(contact_errors(contact, "contact_" if index == 0 else f"contact{index}_"))
    numbers = [rules.normalise_key(a.number) for a in accounts]
    for index, number in enumerate(numbers):
        key = "account_number" if index == 0 else f"account{index}_number"
        err(key, account_number_error(number))
        if number and numbers.index(number) != index:
            err(
                key,
                ValidationError(
                    _("Account number %(number)s is given twice.") % {"number": number},
                    code="account_number_repeated",
                ),
            )
    return errors


def _start_clocks(customer: Customer, policy: CustomerPolicy, now: datetime) -> None:
    """The temporary grade's evaluation date and the first-contact deadline."""
    if customer.grade:
        customer.grade_due_on = _temporary_grade_due(customer, policy, timezone.localdate(now))
    if customer.account_manager is not None:
        customer.assigned_at = now
        customer.first_contact_due_at = rules.first_contact_due(now, policy.first_contact_days)


def _link_to_earlier_record(customer: Customer, contacts: Sequence[ContactData]) -> None:
    """Link a new record of a customer recorded before to the owner of the earlier ones."""
    earlier = find_earlier_records(
        name=customer.name,
        id_number=customer.id_number,
        phones=[n for c in contacts for n in (c.mobile, c.phone)],
    )
    if earlier:
        owner = owner_of(earlier)
        customer.duplicate_of = owner
        customer.duplicate_note = _("Recorded earlier as %(customer)s") % {"customer": owner}
        customer.first_contact_due_at = None


def _save_contacts_and_accounts(
    customer: Customer, contacts: Sequence[ContactData], accounts: Sequence[AccountData]
) -> None:
    for index, data in enumerate(contacts):
        contact = Contact(customer=customer, **data.__dict__)
        clean_contact(contact, "contact_" if index == 0 else f"contact{index}_")
        contact.save()
    for index, account_data in enumerate(accounts):
        account = ServiceAccount(
            customer=customer,
            **{**account_data.__dict__, "number": rules.normalise_key(account_data.number)},
        )
        try:
            account.full_clean(exclude=["customer"])
        except ValidationError as exc:
            raise prefixed(exc, "account_" if index == 0 else f"account{index}_") from None
        account.save()


def _record_first_history(customer: Customer, *, actor: User | None, now: datetime) -> None:
    """The first manager assignment and the temporary grade, as the history's first lines."""
    if customer.account_manager is not None:
        ManagerChange.objects.create(
            customer=customer,
            kind=ChangeKind.INITIAL,
            to_manager=customer.account_manager,
            status=ChangeStatus.FINAL,
            requested_by=actor,
            requested_at=now,
            finalized_at=now,
            notice_channel="",
        )
    if customer.grade:
        GradeRecord.objects.create(
            customer=customer,
            kind=GradeKind.TEMPORARY,
            grade=customer.grade,
            service_tier=customer.service_tier,
            credit_rating=customer.credit_rating,
            due_on=customer.grade_due_on,
            decided_by=actor,
            decided_at=now,
            reason=_("Temporary grade of a new customer"),
        )


def _record_info_file(
    customer: Customer,
    *,
    actor: User | None,
    info_file: InfoFile | None,
    captured_at: datetime | None,
    calendar: workcal.Calendar | None,
    policy: CustomerPolicy,
    now: datetime,
) -> None:
    """Mark the registered file entered, or record the one captured at *captured_at*."""
    if info_file is not None:
        info_file_enter(info_file=info_file, customer=customer)
    elif captured_at is not None:
        calendar = calendar or calendars.calendar_for(captured_at)
        captured_by = actor or customer.account_manager
        if captured_by is None:
            raise ValueError("a captured file needs an actor or an account manager as its capturer")
        InfoFile.objects.create(
            customer_name=customer.name,
            department=customer.department,
            captured_by=captured_by,
            captured_at=captured_at,
            entry_due_at=rules.entry_due(captured_at, calendar, policy.entry_working_days),
            entered_at=now,
            customer=customer,
        )


CUSTOMER_EDITABLE = (
    "kind",
    "name",
    "id_type",
    "id_number",
    "industry",
    "address",
    "source_channel",
    "credit_rating",
    "relationship_stage",
    "cooperation_started_on",
    "notes",
)


@transaction.atomic
def customer_update(*, customer: Customer, tags: Iterable[str] | None = None, **fields) -> Customer:
    """Change a customer's own data (not its grade or manager, which have their own flows)."""
    unknown = set(fields) - set(CUSTOMER_EDITABLE)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if "id_number" in fields:
        fields["id_number"] = rules.normalise_id_number(fields["id_number"])
    for name, value in fields.items():
        setattr(customer, name, value)
    error = id_number_error(customer.id_type, customer.id_number, today=timezone.localdate())
    if error:
        raise ValidationError({"id_number": error})
    customer.full_clean()
    customer.save()
    if tags is not None:
        customer.tags.set(_tags(tags))
    customer_keys_rebuild(customer=customer)
    return customer


@transaction.atomic
def interaction_record(
    *,
    customer: Customer,
    staff: User,
    channel: str,
    summary: str,
    happened_at: datetime | None = None,
    contact: Contact | None = None,
) -> Interaction:
    """Record a contact with the customer. The first one ends the lead's first-contact clock."""
    happened_at = happened_at or timezone.now()
    if happened_at > timezone.now():
        raise ValidationError(
            {
                "happened_at": ValidationError(
                    _("A contact cannot be recorded in the future."), code="in_future"
                )
            }
        )
    interaction = Interaction(
        customer=customer,
        contact=contact,
        channel=channel,
        happened_at=happened_at,
        staff=staff,
        summary=summary,
    )
    interaction.full_clean()
    interaction.save()
    Customer.objects.filter(pk=customer.pk).filter(
        Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=happened_at)
    ).update(last_contact_at=happened_at)
    customer.refresh_from_db(fields=["last_contact_at"])
    return interaction
