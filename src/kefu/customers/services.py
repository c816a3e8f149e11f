"""Writes to the customer archive.

Every function is keyword-only, runs in one transaction, validates before saving and keeps
the lookup keys (``CustomerKey``) in step with what it changed. Error messages name the
field they concern; nothing is saved when one is raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.calendars import workcal
from kefu.customers import calendars, permissions, rules
from kefu.customers.models import (
    AccountKind,
    ChangeKind,
    ChangeStatus,
    Contact,
    CreditRating,
    Customer,
    CustomerKey,
    CustomerKind,
    CustomerPolicyConfig,
    GradeKind,
    GradeProposal,
    GradeRecord,
    GradingRound,
    IdType,
    InfoFile,
    Interaction,
    InteractionChannel,
    KeyKind,
    ManagerChange,
    NoticeChannel,
    PiiAccess,
    PiiField,
    RelationshipStage,
    RoundStatus,
    ServiceAccount,
    Tag,
    TripLog,
    VisitPlan,
    VisitRecord,
    VisitStatus,
    WeeklySummary,
)
from kefu.customers.models import (
    Sequence as CounterRow,
)
from kefu.customers.policy import DEFAULT_PRESET, PRESETS, CustomerPolicy
from kefu.org.models import Department, User
from kefu.org.roles import RoleCode

# ---------------------------------------------------------------------------- policy


def current_policy() -> CustomerPolicy:
    """The policy in force: the stored configuration, or the default preset."""
    config = CustomerPolicyConfig.objects.order_by("pk").first()
    return config.to_policy() if config else PRESETS[DEFAULT_PRESET]


@transaction.atomic
def policy_apply_preset(*, preset: str) -> CustomerPolicyConfig:
    """Reset the configuration to an industry preset (administrators then adjust it)."""
    if preset not in PRESETS:
        raise ValidationError({"preset": _("Unknown preset: %(code)s") % {"code": preset}})
    values = PRESETS[preset]
    config = CustomerPolicyConfig.objects.select_for_update().order_by("pk").first()
    config = config or CustomerPolicyConfig()
    config.preset = preset
    config.grades = []
    config.service_tiers = []
    config.grading_window_start_month, config.grading_window_start_day = values.grading_window_start
    config.grading_window_end_month, config.grading_window_end_day = values.grading_window_end
    config.temporary_grade_months = values.temporary_grade_months
    config.first_contact_days = values.first_contact_days
    config.entry_working_days = values.entry_working_days
    config.weekly_summary_weekday = values.weekly_summary_weekday
    config.weekly_summary_time = values.weekly_summary_time
    config.pii_roles = list(values.pii_roles)
    config.directory_roles = list(values.directory_roles)
    config.full_clean()
    config.save()
    return config


# ---------------------------------------------------------------------------- numbering


def next_numbers(name: str, count: int = 1) -> range:
    """Reserve *count* consecutive numbers of the counter *name* in the caller's transaction.

    The UPDATE takes the row lock first, so concurrent callers never get the same numbers.
    """
    CounterRow.objects.get_or_create(name=name)
    CounterRow.objects.filter(name=name).update(value=F("value") + count)
    last = CounterRow.objects.values_list("value", flat=True).get(name=name)
    return range(last - count + 1, last + 1)


def customer_code(number: int) -> str:
    return f"KH{number:08d}"


# ---------------------------------------------------------------------------- validation


def _field_label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def phone_error(label: str, value: str) -> str | None:
    """The message for a bad phone number, naming the field; None when it is valid."""
    if not value or rules.phone_is_valid(value):
        return None
    return _(
        "%(field)s “%(value)s” is not a valid phone number: enter an 11-digit mobile "
        "number starting with 1, or a landline with its area code such as 028-87654321."
    ) % {"field": label, "value": value}


def id_number_error(id_type: str, value: str, *, today: date) -> str | None:
    """The message for a bad document number, naming the field; None when it is valid."""
    if not value:
        return None
    label = _field_label(Customer, "id_number")
    if id_type == IdType.RESIDENT_ID:
        problem = rules.id_number_problem(value, today=today)
        if problem == "format":
            return _(
                "%(field)s “%(value)s” is not an 18-digit resident ID number "
                "(17 digits followed by a digit or X)."
            ) % {"field": label, "value": value}
        if problem == "birthdate":
            return _("%(field)s “%(value)s” contains an impossible birth date.") % {
                "field": label,
                "value": value,
            }
        if problem == "checksum":
            return _(
                "%(field)s “%(value)s” fails the check digit; please check it for typing errors."
            ) % {"field": label, "value": value}
    elif id_type == IdType.CREDIT_CODE:
        problem = rules.credit_code_problem(value)
        if problem:
            return _(
                "%(field)s “%(value)s” is not a valid 18-character unified social credit code."
            ) % {"field": label, "value": value}
    elif not id_type:
        return _("%(field)s: choose the document type first.") % {
            "field": _field_label(Customer, "id_type")
        }
    return None


def grade_error(grade: str, policy: CustomerPolicy) -> str | None:
    if not grade or grade in policy.grade_codes:
        return None
    return _("%(field)s “%(value)s” is not one of the configured grades: %(allowed)s.") % {
        "field": _field_label(Customer, "grade"),
        "value": grade,
        "allowed": "、".join(policy.grade_codes),
    }


def tier_error(tier: str, policy: CustomerPolicy) -> str | None:
    if not tier or tier in policy.tier_codes:
        return None
    return _("%(field)s “%(value)s” is not one of the configured service tiers: %(allowed)s.") % {
        "field": _field_label(Customer, "service_tier"),
        "value": tier,
        "allowed": "、".join(f"{t.code}（{t.label}）" for t in policy.service_tiers),
    }


def manager_error(manager: User | None) -> str | None:
    if manager is None:
        return None
    if not manager.is_active or not manager.has_role(RoleCode.CUSTOMER_MANAGER):
        return _(
            "%(field)s: %(name)s is not an active account manager (customer manager role)."
        ) % {"field": _field_label(Customer, "account_manager"), "name": manager}
    return None


def account_number_error(number: str, *, exclude_pk: int | None = None) -> str | None:
    if not number:
        return _("%(field)s is required.") % {"field": _field_label(ServiceAccount, "number")}
    existing = ServiceAccount.objects.filter(number=number)
    if exclude_pk:
        existing = existing.exclude(pk=exclude_pk)
    owner = existing.select_related("customer").first()
    if owner:
        return _("%(field)s %(number)s already belongs to customer %(customer)s.") % {
            "field": _field_label(ServiceAccount, "number"),
            "number": number,
            "customer": owner.customer,
        }
    return None


def _raise(errors: dict[str, list[str]]) -> None:
    errors = {key: value for key, value in errors.items() if value}
    if errors:
        raise ValidationError(errors)


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


def _contact_errors(data: ContactData, prefix: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in ("mobile", "phone"):
        message = phone_error(_field_label(Contact, name), getattr(data, name))
        if message:
            errors[f"{prefix}{name}"] = [message]
    if data.mobile and rules.normalise_phone(data.mobile)[:1] == "0":
        errors[f"{prefix}mobile"] = [
            _("%(field)s “%(value)s” is a landline; put it under %(other)s.")
            % {
                "field": _field_label(Contact, "mobile"),
                "value": data.mobile,
                "other": _field_label(Contact, "phone"),
            }
        ]
    return errors


def _clean_contact(contact: Contact, prefix: str) -> None:
    try:
        contact.full_clean(exclude=["customer"])
    except ValidationError as exc:
        raise ValidationError(
            {f"{prefix}{key}": value for key, value in exc.message_dict.items()}
        ) from None


def _normalised_contact(data: ContactData) -> ContactData:
    data.mobile = rules.phone_lookup_value(data.mobile) if data.mobile else ""
    data.phone = rules.normalise_phone(data.phone) if data.phone else ""
    return data


# ---------------------------------------------------------------------------- keys


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


# ---------------------------------------------------------------------------- duplicates


def find_earlier_records(
    *, name: str, id_number: str, phones: Sequence[str], exclude_pk: int | None = None
) -> list[Customer]:
    """Masters that look like the same customer: same document number, or same name and a
    shared phone number."""
    q = Q(pk__in=[])
    if id_number:
        q |= Q(keys__kind=KeyKind.ID_NUMBER, keys__value=rules.normalise_id_number(id_number))
    values = [rules.phone_lookup_value(p) for p in phones if p]
    if values:
        same_name = Customer.objects.filter(
            keys__kind=KeyKind.NAME, keys__value=rules.normalise_key(name)
        ).values("pk")
        q |= Q(pk__in=same_name, keys__kind=KeyKind.PHONE, keys__value__in=values)
    found = Customer.objects.filter(q, duplicate_of__isnull=True, is_active=True)
    if exclude_pk:
        found = found.exclude(pk=exclude_pk)
    return list(found.distinct().order_by("created_at", "id"))


def _owner_of(candidates: Sequence[Customer]) -> Customer:
    owner = rules.resolve_ownership(
        rules.Record(id=c.pk, created_at=c.created_at, owner_id=c.account_manager_id)
        for c in candidates
    )
    return next(c for c in candidates if c.pk == owner.id)


# ---------------------------------------------------------------------------- customers


def _tags(names: Iterable[str]) -> list[Tag]:
    tags = []
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        tag, _created = Tag.objects.get_or_create(name=name[:30])
        tags.append(tag)
    return tags


def _temporary_grade_due(customer: Customer, policy: CustomerPolicy, today: date) -> date:
    start = customer.cooperation_started_on or today
    return rules.temporary_grade_due(start, policy.temporary_grade_months)


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
    contacts = [_normalised_contact(c) for c in contacts]
    errors: dict[str, list[str]] = {}

    def err(key: str, message: str | None) -> None:
        if message:
            errors.setdefault(key, []).append(message)

    err("account_manager", manager_error(account_manager))
    if account_manager is not None and not errors.get("account_manager"):
        department = account_manager.department
    if department is None and not errors.get("account_manager"):
        err(
            "account_manager",
            _("%(field)s is required (or the customer's department).")
            % {"field": _field_label(Customer, "account_manager")},
        )
    err("id_number", id_number_error(id_type, id_number, today=timezone.localdate(now)))
    err("grade", grade_error(grade, policy))
    err("service_tier", tier_error(service_tier, policy))
    if service_tier and not grade:
        err("grade", _("Give a grade together with the service tier."))
    if captured_at is not None and captured_at > now:
        err("captured_at", _("The capture time cannot be in the future."))
    if sum(1 for c in contacts if c.is_key) > 1:
        err("contacts", _("A customer has one key contact only."))
    for index, contact in enumerate(contacts):
        errors.update(_contact_errors(contact, "contact_" if index == 0 else f"contact{index}_"))
    numbers = [rules.normalise_key(a.number) for a in accounts]
    for index, number in enumerate(numbers):
        key = "account_number" if index == 0 else f"account{index}_number"
        err(key, account_number_error(number))
        if number and numbers.index(number) != index:
            err(key, _("Account number %(number)s is given twice.") % {"number": number})
    _raise(errors)

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
    if grade:
        customer.grade_due_on = _temporary_grade_due(customer, policy, timezone.localdate(now))
    if account_manager is not None:
        customer.assigned_at = now
        customer.first_contact_due_at = rules.first_contact_due(now, policy.first_contact_days)
    customer.full_clean(exclude=["code"])

    earlier = find_earlier_records(
        name=customer.name,
        id_number=id_number,
        phones=[n for c in contacts for n in (c.mobile, c.phone)],
    )
    if earlier:
        owner = _owner_of(earlier)
        customer.duplicate_of = owner
        customer.duplicate_note = _("Recorded earlier as %(customer)s") % {"customer": owner}
        customer.first_contact_due_at = None

    customer.code = customer_code(next_numbers("customer")[0])
    customer.save()
    customer.tags.set(_tags(tags))

    saved_contacts = []
    for index, data in enumerate(contacts):
        contact = Contact(customer=customer, **data.__dict__)
        _clean_contact(contact, "contact_" if index == 0 else f"contact{index}_")
        contact.save()
        saved_contacts.append(contact)
    for index, data in enumerate(accounts):
        account = ServiceAccount(
            customer=customer, **{**data.__dict__, "number": rules.normalise_key(data.number)}
        )
        try:
            account.full_clean(exclude=["customer"])
        except ValidationError as exc:
            prefix = "account_" if index == 0 else f"account{index}_"
            raise ValidationError(
                {f"{prefix}{k}": v for k, v in exc.message_dict.items()}
            ) from None
        account.save()
    customer_keys_rebuild(customer=customer)

    if account_manager is not None:
        ManagerChange.objects.create(
            customer=customer,
            kind=ChangeKind.INITIAL,
            to_manager=account_manager,
            status=ChangeStatus.FINAL,
            requested_by=actor,
            requested_at=now,
            finalized_at=now,
            notice_channel="",
        )
    if grade:
        GradeRecord.objects.create(
            customer=customer,
            kind=GradeKind.TEMPORARY,
            grade=grade,
            service_tier=service_tier,
            credit_rating=credit_rating,
            due_on=customer.grade_due_on,
            decided_by=actor,
            decided_at=now,
            reason=_("Temporary grade of a new customer"),
        )
    if info_file is not None:
        info_file_enter(info_file=info_file, customer=customer)
    elif captured_at is not None:
        calendar = calendar or calendars.calendar_for(captured_at)
        InfoFile.objects.create(
            customer_name=customer.name,
            department=department,
            captured_by=actor or account_manager,
            captured_at=captured_at,
            entry_due_at=rules.entry_due(captured_at, calendar, policy.entry_working_days),
            entered_at=now,
            customer=customer,
        )
    return customer


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
    message = id_number_error(customer.id_type, customer.id_number, today=timezone.localdate())
    if message:
        raise ValidationError({"id_number": message})
    customer.full_clean()
    customer.save()
    if tags is not None:
        customer.tags.set(_tags(tags))
    customer_keys_rebuild(customer=customer)
    return customer


@transaction.atomic
def contact_save(
    *, customer: Customer, data: ContactData, contact: Contact | None = None
) -> Contact:
    """Add a contact, or change one. Making a contact the key contact demotes the previous one."""
    data = _normalised_contact(data)
    _raise(_contact_errors(data, ""))
    if contact is None:
        contact = Contact(customer=customer)
    elif contact.customer_id != customer.pk:
        raise ValidationError(_("This contact belongs to another customer."))
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
    message = account_number_error(number, exclude_pk=account.pk if account else None)
    if message:
        raise ValidationError({"number": message})
    account = account or ServiceAccount(customer=customer)
    for name, value in {**data.__dict__, "number": number}.items():
        setattr(account, name, value)
    account.is_active = is_active
    account.full_clean(exclude=["customer"])
    account.save()
    customer_keys_rebuild(customer=customer)
    return account


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
        raise ValidationError({"happened_at": _("A contact cannot be recorded in the future.")})
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


# ---------------------------------------------------------------------------- privacy


@transaction.atomic
def pii_unmask(
    *, customer: Customer, user: User, field: str = PiiField.ALL, reason: str
) -> PiiAccess:
    """Record that *user* unmasks *customer*'s personal data, and why (§17)."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Say why you need to see the full data.")})
    access = PiiAccess(customer=customer, user=user, field=field, reason=reason, at=timezone.now())
    access.full_clean()
    access.save()
    return access


def pii_export_record(*, user: User, count: int, reason: str) -> PiiAccess:
    """Record an export that contains unmasked personal data of *count* customers."""
    return PiiAccess.objects.create(
        customer=None,
        user=user,
        field=PiiField.ALL,
        reason=reason,
        is_export=True,
        record_count=count,
        at=timezone.now(),
    )


# ---------------------------------------------------------------------------- managers


def manager_loads(department: Department) -> dict[int, int]:
    """Active account managers of *department*'s subtree and how many customers each has."""
    managers = (
        User.objects.filter(
            is_active=True,
            roles__code=RoleCode.CUSTOMER_MANAGER,
            department__path__startswith=department.path,
        )
        .annotate(
            load=Count(
                "managed_customers",
                filter=Q(
                    managed_customers__is_active=True,
                    managed_customers__duplicate_of__isnull=True,
                ),
            )
        )
        .values_list("pk", "load")
    )
    return dict(managers)


def manager_suggest(*, department: Department, exclude: User | None = None) -> User | None:
    """The account manager of the team with the fewest customers (ARC-05)."""
    loads = manager_loads(department)
    if exclude is not None:
        loads.pop(exclude.pk, None)
    chosen = rules.least_loaded(loads)
    return User.objects.get(pk=chosen) if chosen else None


def _notice_text(customer: Customer, manager: User) -> str:
    return _(
        "Dear customer, your account manager is now %(name)s, phone %(phone)s. "
        "We look forward to serving you."
    ) % {"name": manager.display_name, "phone": manager.phone or "—"}


@transaction.atomic
def manager_change_request(
    *, customer: Customer, to_manager: User, actor: User, reason: str
) -> ManagerChange:
    """Start a change of account manager. It becomes final once the key contact has been
    told (``manager_change_confirm_notice``); with no key contact on file it is final at once.
    """
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    errors: dict[str, list[str]] = {}
    message = manager_error(to_manager)
    if message:
        errors["to_manager"] = [message]
    elif to_manager.pk == customer.account_manager_id:
        errors["to_manager"] = [_("This is already the customer's account manager.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason for the change.")]
    if customer.manager_changes.filter(status=ChangeStatus.PENDING).exists():
        errors["to_manager"] = [
            _("A change of manager is already waiting for the key contact to be notified.")
        ]
    _raise(errors)
    now = timezone.now()
    key_contact = customer.contacts.filter(is_key=True, is_active=True).first()
    change = ManagerChange(
        customer=customer,
        kind=ChangeKind.REASSIGNMENT if customer.account_manager_id else ChangeKind.INITIAL,
        from_manager=customer.account_manager,
        to_manager=to_manager,
        status=ChangeStatus.PENDING,
        reason=reason.strip(),
        requested_by=actor,
        requested_at=now,
        notice_contact=key_contact,
        notice_text=_notice_text(customer, to_manager) if key_contact else "",
    )
    change.full_clean()
    change.save()
    if key_contact is None:
        change = _manager_change_finalize(
            change=change, channel=NoticeChannel.NONE, note="", actor=actor, now=now
        )
    return change


def _manager_change_finalize(
    *, change: ManagerChange, channel: str, note: str, actor: User, now: datetime
) -> ManagerChange:
    customer = change.customer
    policy = current_policy()
    change.status = ChangeStatus.FINAL
    change.notice_channel = channel
    change.notice_note = note
    change.notified_by = actor if channel != NoticeChannel.NONE else None
    change.notified_at = now if channel != NoticeChannel.NONE else None
    change.finalized_at = now
    change.save()
    customer.account_manager = change.to_manager
    customer.department = change.to_manager.department or customer.department
    customer.assigned_at = now
    customer.first_contact_due_at = (
        rules.first_contact_due(now, policy.first_contact_days)
        if customer.last_contact_at is None
        else None
    )
    customer.save()
    return change


@transaction.atomic
def manager_change_confirm_notice(
    *, change: ManagerChange, actor: User, channel: str, note: str = ""
) -> ManagerChange:
    """Record that the key contact was told by SMS or phone; the change becomes final."""
    change = ManagerChange.objects.select_for_update().select_related("customer").get(pk=change.pk)
    if change.status != ChangeStatus.PENDING:
        raise ValidationError(_("This change is no longer waiting for a notice."))
    if channel not in (NoticeChannel.SMS, NoticeChannel.PHONE):
        raise ValidationError({"channel": _("Choose how the key contact was notified.")})
    return _manager_change_finalize(
        change=change, channel=channel, note=note.strip(), actor=actor, now=timezone.now()
    )


@transaction.atomic
def manager_change_cancel(*, change: ManagerChange, actor: User) -> ManagerChange:
    change = ManagerChange.objects.select_for_update().get(pk=change.pk)
    if change.status != ChangeStatus.PENDING:
        raise ValidationError(_("Only a pending change can be cancelled."))
    change.status = ChangeStatus.CANCELLED
    change.notice_note = _("Cancelled by %(name)s") % {"name": actor.display_name}
    change.save()
    return change


@transaction.atomic
def duplicate_override(*, duplicate: Customer, actor: User, reason: str) -> Customer:
    """The supervisor decides the later record owns the customer: it becomes the master and
    the earlier one (with its other duplicates) is linked to it."""
    duplicate = Customer.objects.select_for_update().get(pk=duplicate.pk)
    if duplicate.duplicate_of_id is None:
        raise ValidationError(_("This record is not linked as a duplicate."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the decision.")})
    master = Customer.objects.select_for_update().get(pk=duplicate.duplicate_of_id)
    note = _("Ownership given to %(customer)s by %(name)s: %(reason)s") % {
        "customer": duplicate.code,
        "name": actor.display_name,
        "reason": reason.strip(),
    }
    Customer.objects.filter(duplicate_of=master).exclude(pk=duplicate.pk).update(
        duplicate_of=duplicate
    )
    duplicate.duplicate_of = None
    duplicate.duplicate_note = note[:200]
    duplicate.save()
    master.duplicate_of = duplicate
    master.duplicate_note = note[:200]
    master.first_contact_due_at = None
    master.save()
    if duplicate.account_manager_id and duplicate.account_manager_id != master.account_manager_id:
        now = timezone.now()
        ManagerChange.objects.create(
            customer=duplicate,
            kind=ChangeKind.DUPLICATE,
            from_manager=master.account_manager,
            to_manager=duplicate.account_manager,
            status=ChangeStatus.FINAL,
            reason=reason.strip()[:200],
            requested_by=actor,
            requested_at=now,
            finalized_at=now,
        )
    return duplicate


@transaction.atomic
def duplicate_unlink(*, customer: Customer, actor: User, reason: str) -> Customer:
    """The supervisor decides a linked record is a different customer after all."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.duplicate_of_id is None:
        raise ValidationError(_("This record is not linked as a duplicate."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the decision.")})
    customer.duplicate_of = None
    customer.duplicate_note = (
        _("Not a duplicate (%(name)s): %(reason)s")
        % {"name": actor.display_name, "reason": reason.strip()}
    )[:200]
    customer.save()
    return customer


# ---------------------------------------------------------------------------- data entry


@transaction.atomic
def info_file_register(
    *,
    actor: User,
    customer_name: str,
    captured_at: datetime,
    notes: str = "",
    calendar: workcal.Calendar | None = None,
) -> InfoFile:
    """Register a file captured on paper or in the field; it must be entered in time."""
    if captured_at > timezone.now():
        raise ValidationError({"captured_at": _("The capture time cannot be in the future.")})
    if actor.department_id is None:
        raise ValidationError(_("You need a department to register customer files."))
    calendar = calendar or calendars.calendar_for(captured_at)
    info = InfoFile(
        customer_name=customer_name.strip(),
        department=actor.department,
        captured_by=actor,
        captured_at=captured_at,
        entry_due_at=rules.entry_due(captured_at, calendar, current_policy().entry_working_days),
        notes=notes,
    )
    info.full_clean()
    info.save()
    return info


@transaction.atomic
def info_file_enter(*, info_file: InfoFile, customer: Customer) -> InfoFile:
    info = InfoFile.objects.select_for_update().get(pk=info_file.pk)
    if info.entered_at is not None:
        raise ValidationError(_("This file has already been entered."))
    info.customer = customer
    info.entered_at = timezone.now()
    info.save()
    return info


# ---------------------------------------------------------------------------- grading


@transaction.atomic
def grading_round_open(*, department: Department, year: int, actor: User) -> GradingRound:
    """Open the annual grading of *department*'s customers with the configured window."""
    if GradingRound.objects.filter(department=department, year=year).exists():
        raise ValidationError(
            {
                "year": _("The %(year)d grading round of this department exists already.")
                % {"year": year}
            }
        )
    window = _window(current_policy())
    start, end = window.dates(year)
    grading_round = GradingRound(
        department=department, year=year, window_start=start, window_end=end, opened_by=actor
    )
    grading_round.full_clean()
    grading_round.save()
    return grading_round


def _window(policy: CustomerPolicy) -> rules.Window:
    return rules.Window(policy.grading_window_start, policy.grading_window_end)


@transaction.atomic
def grade_propose(
    *,
    grading_round: GradingRound,
    customer: Customer,
    grade: str,
    actor: User,
    service_tier: str = "",
    credit_rating: str = "",
    reason: str = "",
) -> GradeProposal:
    """A preliminary grade by the customer's manager (or a supervisor), inside the window."""
    policy = current_policy()
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if grading_round.status != RoundStatus.OPEN:
        errors["grade"] = [_("This grading round is closed.")]
    elif not (grading_round.window_start <= today <= grading_round.window_end):
        errors["grade"] = [
            _("Preliminary grades are given from %(start)s to %(end)s.")
            % {"start": grading_round.window_start, "end": grading_round.window_end}
        ]
    if not grade:
        errors.setdefault("grade", []).append(_("Choose a grade."))
    for key, message in (
        ("grade", grade_error(grade, policy)),
        ("service_tier", tier_error(service_tier, policy)),
    ):
        if message:
            errors.setdefault(key, []).append(message)
    if credit_rating and credit_rating not in CreditRating.values:
        errors["credit_rating"] = [_("Unknown credit rating.")]
    if not customer.department.path.startswith(grading_round.department.path):
        errors["customer"] = [_("The customer does not belong to this round's department.")]
    if customer.account_manager_id != actor.pk and not permissions.is_supervisor(actor):
        errors["customer"] = [_("Only the customer's account manager gives its preliminary grade.")]
    _raise(errors)
    proposal, _created = GradeProposal.objects.update_or_create(
        round=grading_round,
        customer=customer,
        defaults={
            "grade": grade,
            "service_tier": service_tier,
            "credit_rating": credit_rating,
            "reason": reason,
            "proposed_by": actor,
            "proposed_at": timezone.now(),
        },
    )
    return proposal


@dataclass(frozen=True)
class Decision:
    grade: str
    service_tier: str = ""
    credit_rating: str = ""


@transaction.atomic
def grading_round_close(
    *,
    grading_round: GradingRound,
    actor: User,
    meeting_on: date,
    notes: str,
    decisions: Mapping[int, Decision] | None = None,
) -> int:
    """Record the review meeting's result: each proposal, or the meeting's own decision
    (``decisions`` by customer id), becomes the customer's formal grade until the next
    window closes. Returns how many customers were graded."""
    grading_round = GradingRound.objects.select_for_update().get(pk=grading_round.pk)
    if grading_round.status != RoundStatus.OPEN:
        raise ValidationError(_("This grading round is closed."))
    if meeting_on < grading_round.window_start:
        raise ValidationError(
            {"meeting_on": _("The review meeting follows the preliminary grading.")}
        )
    policy = current_policy()
    decisions = dict(decisions or {})
    for decision in decisions.values():
        message = grade_error(decision.grade, policy) or tier_error(decision.service_tier, policy)
        if message or not decision.grade:
            raise ValidationError({"grade": message or _("Choose a grade.")})
    for proposal in grading_round.proposals.all():
        decisions.setdefault(
            proposal.customer_id,
            Decision(proposal.grade, proposal.service_tier, proposal.credit_rating),
        )
    now = timezone.now()
    expires = rules.formal_grade_expires(meeting_on, _window(policy))
    customers = Customer.objects.select_for_update().filter(
        pk__in=decisions, department__path__startswith=grading_round.department.path
    )
    graded = 0
    for customer in customers:
        decision = decisions[customer.pk]
        customer.grade = decision.grade
        customer.service_tier = decision.service_tier
        if decision.credit_rating:
            customer.credit_rating = decision.credit_rating
        customer.grade_is_temporary = False
        customer.grade_due_on = expires
        customer.save()
        GradeRecord.objects.create(
            customer=customer,
            kind=GradeKind.FORMAL,
            grade=decision.grade,
            service_tier=decision.service_tier,
            credit_rating=decision.credit_rating,
            round=grading_round,
            due_on=expires,
            decided_by=actor,
            decided_at=now,
            reason=_("Annual grading %(year)d") % {"year": grading_round.year},
        )
        graded += 1
    grading_round.status = RoundStatus.CLOSED
    grading_round.meeting_on = meeting_on
    grading_round.meeting_notes = notes
    grading_round.closed_by = actor
    grading_round.closed_at = now
    grading_round.save()
    return graded


@transaction.atomic
def grade_adjust(
    *,
    customer: Customer,
    actor: User,
    grade: str,
    reason: str,
    service_tier: str = "",
    credit_rating: str = "",
) -> GradeRecord:
    """A supervisor's grade decision between rounds (e.g. a new customer's formal
    evaluation after six months). It holds until the next window closes."""
    policy = current_policy()
    errors: dict[str, list[str]] = {}
    for key, message in (
        ("grade", grade_error(grade, policy) or (None if grade else _("Choose a grade."))),
        ("service_tier", tier_error(service_tier, policy)),
        ("reason", None if (reason or "").strip() else _("Give the reason for the decision.")),
    ):
        if message:
            errors[key] = [message]
    if not permissions.is_supervisor(actor):
        errors.setdefault("grade", []).append(_("Only a supervisor decides grades."))
    _raise(errors)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    today = timezone.localdate()
    customer.grade = grade
    customer.service_tier = service_tier
    if credit_rating:
        customer.credit_rating = credit_rating
    customer.grade_is_temporary = False
    customer.grade_due_on = rules.formal_grade_expires(today, _window(policy))
    customer.save()
    return GradeRecord.objects.create(
        customer=customer,
        kind=GradeKind.ADJUSTMENT,
        grade=grade,
        service_tier=service_tier,
        credit_rating=credit_rating,
        due_on=customer.grade_due_on,
        decided_by=actor,
        decided_at=timezone.now(),
        reason=reason.strip()[:255],
    )


# ---------------------------------------------------------------------------- visits


@transaction.atomic
def visit_plan_submit(
    *,
    customer: Customer,
    manager: User,
    purpose: str,
    planned_start: datetime,
    objectives: str = "",
    planned_end: datetime | None = None,
    contact: Contact | None = None,
) -> VisitPlan:
    """Fill in the visit form (客户走访单); it waits for the supervisor's approval."""
    if contact is not None and contact.customer_id != customer.pk:
        raise ValidationError({"contact": _("This contact belongs to another customer.")})
    plan = VisitPlan(
        customer=customer,
        contact=contact,
        manager=manager,
        purpose=purpose,
        objectives=objectives,
        planned_start=planned_start,
        planned_end=planned_end,
        created_at=timezone.now(),
    )
    if planned_end is not None and planned_end < planned_start:
        raise ValidationError({"planned_end": _("The visit cannot end before it starts.")})
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def visit_plan_decide(*, plan: VisitPlan, actor: User, approve: bool, note: str = "") -> VisitPlan:
    plan = VisitPlan.objects.select_for_update().get(pk=plan.pk)
    if not permissions.is_supervisor(actor) or actor.pk == plan.manager_id:
        raise ValidationError(_("Visit plans are approved by the supervisor."))
    if plan.status != VisitStatus.SUBMITTED:
        raise ValidationError(_("This visit plan has already been decided."))
    if not approve and not note.strip():
        raise ValidationError({"note": _("Say why the plan is rejected.")})
    plan.status = VisitStatus.APPROVED if approve else VisitStatus.REJECTED
    plan.decided_by = actor
    plan.decided_at = timezone.now()
    plan.decision_note = note.strip()
    plan.save()
    return plan


@transaction.atomic
def visit_record_create(
    *,
    customer: Customer,
    manager: User,
    visited_at: datetime,
    discussed: str,
    plan: VisitPlan | None = None,
    contact: Contact | None = None,
    receptionist: str = "",
    receptionist_decides: bool = False,
    needs_found: str = "",
    next_steps: str = "",
) -> VisitRecord:
    """Write up a visit. A planned visit must have been approved first."""
    if plan is not None:
        plan = VisitPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != VisitStatus.APPROVED:
            raise ValidationError({"plan": _("The visit plan has not been approved.")})
        if plan.customer_id != customer.pk:
            raise ValidationError({"plan": _("The visit plan is for another customer.")})
    if visited_at > timezone.now():
        raise ValidationError({"visited_at": _("A visit cannot be recorded before it happens.")})
    record = VisitRecord(
        plan=plan,
        customer=customer,
        contact=contact,
        manager=manager,
        visited_at=visited_at,
        receptionist=receptionist,
        receptionist_decides=receptionist_decides,
        discussed=discussed,
        needs_found=needs_found,
        next_steps=next_steps,
        created_at=timezone.now(),
    )
    record.full_clean()
    record.save()
    if plan is not None:
        plan.status = VisitStatus.DONE
        plan.save(update_fields=["status"])
    interaction_record(
        customer=customer,
        staff=manager,
        channel=InteractionChannel.VISIT,
        summary=discussed,
        happened_at=visited_at,
        contact=contact,
    )
    return record


@transaction.atomic
def trip_log_create(
    *,
    manager: User,
    trip_date: date,
    depart_at,
    destination: str,
    purpose: str,
    return_at=None,
    customer: Customer | None = None,
    plan: VisitPlan | None = None,
    transport: str = "",
) -> TripLog:
    trip = TripLog(
        manager=manager,
        trip_date=trip_date,
        depart_at=depart_at,
        return_at=return_at,
        destination=destination,
        customer=customer or (plan.customer if plan else None),
        plan=plan,
        purpose=purpose,
        transport=transport,
        created_at=timezone.now(),
    )
    if return_at is not None and return_at < depart_at:
        raise ValidationError({"return_at": _("The return cannot be before the departure.")})
    trip.full_clean()
    trip.save()
    return trip


def summary_due(monday: date, policy: CustomerPolicy) -> datetime:
    return rules.weekly_summary_due(
        monday,
        weekday=policy.weekly_summary_weekday,
        at=policy.weekly_summary_time,
        zone=timezone.get_current_timezone(),
    )


@transaction.atomic
def weekly_summary_submit(*, manager: User, week_start: date, **content) -> WeeklySummary:
    """Submit (or resubmit) a manager's weekly progress summary; the first submission time
    decides whether it was late."""
    monday = rules.week_start(week_start)
    summary = WeeklySummary.objects.select_for_update().filter(
        manager=manager, week_start=monday
    ).first() or WeeklySummary(
        manager=manager, week_start=monday, due_at=summary_due(monday, current_policy())
    )
    for name, value in content.items():
        setattr(summary, name, value)
    summary.submitted_at = summary.submitted_at or timezone.now()
    summary.full_clean()
    summary.save()
    return summary
