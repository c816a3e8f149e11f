"""The customer archive: customers, contacts, service accounts, lookup keys, grading,
account-manager changes, data-entry discipline, visits and imports.

Only ``kefu.customers.services`` (and the importer it calls) writes these tables.
"""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from kefu.customers import policy as policy_module
from kefu.customers import rules


class CustomerKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    ORGANISATION = "organisation", _("Organisation (group / government & enterprise)")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card")
    CREDIT_CODE = "credit_code", _("Unified social credit code")
    PASSPORT = "passport", _("Passport")
    OTHER = "other", _("Other document")


class SourceChannel(models.TextChoices):
    """Where the customer's data came from (ARC-02), plus the service channels."""

    EXHIBITION = "exhibition", _("Trade exhibition")
    TRADE_PRESS = "trade_press", _("Trade press")
    INTERNET = "internet", _("Internet")
    ASSOCIATION = "association", _("Industry association referral")
    MALL_LIST = "mall_list", _("Brand list from shopping malls")
    PARTNER = "partner", _("Partner referral")
    MARKETING_EVENT = "marketing_event", _("Marketing event")
    HOTLINE = "hotline", _("Hotline")
    COUNTER = "counter", _("Service counter")
    OTHER = "other", _("Other")


class CreditRating(models.TextChoices):
    AAA = "AAA", _("AAA · excellent")
    AA = "AA", _("AA · good")
    A = "A", _("A · fair")
    B = "B", _("B · watch")
    C = "C", _("C · bad credit (blacklist)")


class RelationshipStage(models.TextChoices):
    """Payne's relationship ladder (GRD-13)."""

    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    CLIENT = "client", _("Client")
    SUPPORTER = "supporter", _("Supporter")
    ADVOCATE = "advocate", _("Advocate")
    PARTNER = "partner", _("Partner")


def default_pii_roles() -> list[str]:
    return list(policy_module.PRESETS[policy_module.DEFAULT_PRESET].pii_roles)


def default_directory_roles() -> list[str]:
    return list(policy_module.PRESETS[policy_module.DEFAULT_PRESET].directory_roles)


class Sequence(models.Model):
    """A named counter (``kefu.core.counters``): numbers are taken in the caller's
    transaction."""

    key = models.CharField(max_length=40, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class CustomerPolicyConfig(models.Model):
    """The customer-archive policy in force (one row), started from an industry preset."""

    preset = models.CharField(
        _("preset"),
        max_length=20,
        choices=list(policy_module.PRESET_LABELS.items()),
        default=policy_module.DEFAULT_PRESET,
    )
    grades = models.JSONField(
        _("grades"),
        default=list,
        blank=True,
        help_text=_('Empty: the preset\'s. Else a list like [["A", "A", "criteria"], …].'),
    )
    service_tiers = models.JSONField(
        _("service tiers"),
        default=list,
        blank=True,
        help_text=_('Empty: the preset\'s. Else a list like [["gold", "金卡"], …].'),
    )
    grading_window_start_month = models.PositiveSmallIntegerField(default=3)
    grading_window_start_day = models.PositiveSmallIntegerField(default=25)
    grading_window_end_month = models.PositiveSmallIntegerField(default=3)
    grading_window_end_day = models.PositiveSmallIntegerField(default=30)
    temporary_grade_months = models.PositiveSmallIntegerField(
        _("months until a temporary grade is evaluated"), default=6
    )
    first_contact_days = models.PositiveSmallIntegerField(
        _("days to contact a new lead"), default=7
    )
    entry_working_days = models.PositiveSmallIntegerField(
        _("working days to enter a captured file"), default=2
    )
    weekly_summary_weekday = models.PositiveSmallIntegerField(
        _("weekly summary due weekday (Monday = 0)"), default=4
    )
    weekly_summary_time = models.TimeField(_("weekly summary due time"), default=time(17, 30))
    pii_roles = models.JSONField(
        _("roles that see personal data unmasked"), default=default_pii_roles, blank=True
    )
    directory_roles = models.JSONField(
        _("roles that may look up any customer"), default=default_directory_roles, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer archive policy")
        verbose_name_plural = _("customer archive policy")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekly_summary_weekday__lte=6), name="customers_policy_weekday"
            ),
            models.CheckConstraint(
                condition=Q(grading_window_start_month__gte=1)
                & Q(grading_window_start_month__lte=12)
                & Q(grading_window_end_month__gte=1)
                & Q(grading_window_end_month__lte=12),
                name="customers_policy_window_months",
            ),
        ]

    def __str__(self) -> str:
        return str(policy_module.PRESET_LABELS.get(self.preset, self.preset))

    def to_policy(self) -> policy_module.CustomerPolicy:
        base = policy_module.preset(self.preset)
        grades = tuple(policy_module.Option(*item) for item in self.grades) or base.grades
        tiers = tuple(policy_module.Option(*item) for item in self.service_tiers) or (
            base.service_tiers
        )
        return policy_module.with_overrides(
            base,
            grades=grades,
            service_tiers=tiers,
            grading_window_start=(self.grading_window_start_month, self.grading_window_start_day),
            grading_window_end=(self.grading_window_end_month, self.grading_window_end_day),
            temporary_grade_months=self.temporary_grade_months,
            first_contact_days=self.first_contact_days,
            entry_working_days=self.entry_working_days,
            weekly_summary_weekday=self.weekly_summary_weekday,
            weekly_summary_time=self.weekly_summary_time,
            pii_roles=tuple(self.pii_roles),
            directory_roles=tuple(self.directory_roles),
        )


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomerQuerySet(models.QuerySet):
    def active(self) -> CustomerQuerySet:
        return self.filter(is_active=True, duplicate_of__isnull=True)

    def reassignable(self, now) -> CustomerQuerySet:
        """Leads whose first-contact deadline has passed with no contact logged."""
        return self.active().filter(first_contact_due_at__lt=now, last_contact_at__isnull=True)


class Customer(models.Model):
    """One customer's file (客户档案). ``grade`` and ``service_tier`` are read by queues and
    SLAs as plain codes."""

    code = models.CharField(_("customer number"), max_length=20, unique=True, editable=False)
    kind = models.CharField(
        _("customer type"),
        max_length=20,
        choices=CustomerKind.choices,
        default=CustomerKind.INDIVIDUAL,
    )
    name = models.CharField(_("customer name"), max_length=200)
    id_type = models.CharField(
        _("document type"), max_length=20, choices=IdType.choices, blank=True
    )
    id_number = models.CharField(_("document number"), max_length=40, blank=True)
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    source_channel = models.CharField(
        _("source channel"), max_length=20, choices=SourceChannel.choices, blank=True
    )
    credit_rating = models.CharField(
        _("credit rating"), max_length=3, choices=CreditRating.choices, blank=True
    )
    relationship_stage = models.CharField(
        _("relationship stage"),
        max_length=20,
        choices=RelationshipStage.choices,
        default=RelationshipStage.PROSPECT,
    )
    grade = models.CharField(_("customer grade"), max_length=10, blank=True)
    service_tier = models.CharField(_("service tier"), max_length=20, blank=True)
    grade_is_temporary = models.BooleanField(_("temporary grade"), default=False)
    grade_due_on = models.DateField(
        _("grade evaluation due"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("A temporary grade's formal evaluation, or a formal grade's expiry."),
    )
    cooperation_started_on = models.DateField(_("cooperation started"), null=True, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")
    notes = models.TextField(_("notes"), blank=True)
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="customers",
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_customers",
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    first_contact_due_at = models.DateTimeField(
        _("first contact due"), null=True, blank=True, db_index=True
    )
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    duplicate_note = models.CharField(_("duplicate note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # History rows are read by customer id only: the copies of this table's indexes would
    # triple the cost of a bulk import for no query (see docs/customers.md, "Import").
    history = HistoricalRecords(
        excluded_fields=["updated_at", "last_contact_at"],
        no_db_index=[
            "code",
            "grade",
            "service_tier",
            "grade_due_on",
            "first_contact_due_at",
            "created_at",
            "department",
            "account_manager",
            "created_by",
            "duplicate_of",
        ],
        user_db_constraint=False,
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(duplicate_of=models.F("id")), name="customers_not_own_duplicate"
            ),
            models.CheckConstraint(
                condition=Q(grade_is_temporary=False) | ~Q(grade=""),
                name="customers_temporary_grade_has_grade",
            ),
        ]
        # Meta indexes rather than db_index: PostgreSQL then gets no second
        # varchar_pattern_ops index per column, which no query here uses.
        indexes = [
            models.Index(fields=["id_number"], name="customers_id_number"),
            models.Index(fields=["grade"], name="customers_grade"),
            models.Index(fields=["service_tier"], name="customers_service_tier"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def is_reassignable(self, now) -> bool:
        return rules.is_reassignable(
            due=self.first_contact_due_at, contacted=self.last_contact_at is not None, now=now
        )


class Contact(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("contact name"), max_length=50)
    title = models.CharField(pgettext_lazy("job title", "position"), max_length=50, blank=True)
    is_key = models.BooleanField(_("key contact"), default=False)
    decides = models.BooleanField(_("decides on cooperation"), default=False)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    phone = models.CharField(_("landline"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    im_handle = models.CharField(_("QQ / WeChat"), max_length=60, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(no_db_index=["customer"], user_db_constraint=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_key", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_key=True),
                name="customers_one_key_contact",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AccountKind(models.TextChoices):
    HOUSEHOLD = "household", _("Household number")
    ROOM = "room", _("Room number")
    POWER = "power", _("Electricity account number")
    POLICY = "policy", _("Insurance policy number")
    CONTRACT = "contract", _("Contract number")
    OTHER = "other", _("Other account")


class ServiceAccount(models.Model):
    """An account number the customer's bills and orders hang on (户号/房号/保单号…)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="accounts"
    )
    kind = models.CharField(_("account type"), max_length=20, choices=AccountKind.choices)
    number = models.CharField(_("account number"), max_length=40, unique=True)
    premises_address = models.CharField(_("premises address"), max_length=255, blank=True)
    industry = models.CharField(_("industry category"), max_length=60, blank=True)
    attributes = models.JSONField(
        _("industry data"),
        default=dict,
        blank=True,
        help_text=_("e.g. voltage level, tariff class, meter-reading segment, area."),
    )
    opened_on = models.DateField(_("opened"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(no_db_index=["customer", "number"], user_db_constraint=False)

    class Meta:
        verbose_name = _("service account")
        verbose_name_plural = _("service accounts")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class KeyKind(models.TextChoices):
    NAME = "name", _("Customer name")
    CONTACT_NAME = "contact", _("Contact name")
    PHONE = "phone", _("Phone number")
    ID_NUMBER = "id_number", _("Document number")
    ACCOUNT = "account", _("Account number")
    CODE = "code", _("Customer number")


class CustomerKey(models.Model):
    """A normalised value a customer can be found by; kept by the services.

    One indexed column holds every lookup key, so the agent's single search box is one
    prefix query (``value LIKE 'q%'``) whatever was typed.
    """

    # A derived search index, rebuilt from the customer by ``customer_keys_rebuild``: its
    # foreign keys carry no database constraint, because checking one per key row is a
    # quarter of a bulk import's time on PostgreSQL. Deletion still cascades (Django
    # collects the keys); a key whose customer is gone matches no customer in a lookup.
    # (customer, kind) below serves the customer's own keys: no single-column index.
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="keys",
        db_index=False,
        db_constraint=False,
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    kind = models.CharField(max_length=10, choices=KeyKind.choices)
    value = models.CharField(max_length=200)

    class Meta:
        # value is COLLATE "C" on PostgreSQL (migration 0002): the plain b-tree answers
        # prefix ranges, so no varchar_pattern_ops twin is needed.
        indexes = [
            models.Index(fields=["customer", "kind"], name="customers_key_customer"),
            models.Index(fields=["value"], name="customers_key_value"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class PiiField(models.TextChoices):
    PHONE = "phone", _("Phone numbers")
    ID_NUMBER = "id_number", _("Document number")
    ALL = "all", _("All personal data")


class PiiAccess(models.Model):
    """One unmasking of a customer's personal data: who, when, why (§17, ARCH-07)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="pii_accesses"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(_("data"), max_length=20, choices=PiiField.choices)
    reason = models.CharField(_("reason"), max_length=200)
    is_export = models.BooleanField(_("export"), default=False)
    record_count = models.PositiveIntegerField(default=1)
    at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.field} {self.at:%Y-%m-%d %H:%M}"


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting notice to the key contact")
    FINAL = "final", _("Final")
    CANCELLED = "cancelled", _("Cancelled")


class ChangeKind(models.TextChoices):
    INITIAL = "initial", _("First assignment")
    REASSIGNMENT = "reassignment", _("Reassignment")
    DUPLICATE = "duplicate", _("Duplicate record ownership")


class NoticeChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone call")
    NONE = "none", _("No key contact to notify")


class ManagerChange(models.Model):
    """A change of account manager. A reassignment becomes final only once the customer's
    key contact has been told (MGR-13); every change stays on record."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="manager_changes")
    kind = models.CharField(_("kind"), max_length=20, choices=ChangeKind.choices)
    from_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("previous manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("new manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=20, choices=ChangeStatus.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"))
    notice_contact = models.ForeignKey(
        Contact,
        verbose_name=_("notified contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    notice_text = models.TextField(_("notice"), blank=True)
    notice_channel = models.CharField(
        _("notified by"), max_length=10, choices=NoticeChannel.choices, blank=True
    )
    notice_note = models.CharField(_("notice result"), max_length=200, blank=True)
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("notified by (staff)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("final"), null=True, blank=True)

    class Meta:
        verbose_name = _("account manager change")
        verbose_name_plural = _("account manager changes")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status="pending"),
                name="customers_one_pending_change",
            ),
            models.CheckConstraint(
                condition=~Q(status="final") | Q(finalized_at__isnull=False),
                name="customers_final_change_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_manager_id} → {self.to_manager_id}"


class InfoFile(models.Model):
    """A customer information file captured on paper or in the field, to be entered within
    the configured working days (ARC-01)."""

    customer_name = models.CharField(_("customer name"), max_length=200)
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    captured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("captured by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    captured_at = models.DateTimeField(_("captured"))
    entry_due_at = models.DateTimeField(_("entry due"), db_index=True)
    entered_at = models.DateTimeField(_("entered"), null=True, blank=True)
    customer = models.OneToOneField(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="info_file",
    )
    notes = models.CharField(_("notes"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("customer information file")
        verbose_name_plural = _("customer information files")
        ordering = ["entry_due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(entered_at__isnull=True) | Q(customer__isnull=False),
                name="customers_entered_file_has_customer",
            )
        ]

    def __str__(self) -> str:
        return self.customer_name

    def is_late(self, now) -> bool:
        return rules.entry_is_late(due=self.entry_due_at, entered_at=self.entered_at, now=now)


class InteractionChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    VISIT = "visit", _("Visit")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat / QQ")
    MEETING = "meeting", _("Meeting / event")
    COUNTER = "counter", _("Counter")
    OTHER = "other", _("Other")


class Interaction(models.Model):
    """One contact with the customer, from any channel (ARC-14)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="interactions")
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.SET_NULL, null=True, blank=True
    )
    channel = models.CharField(_("channel"), max_length=20, choices=InteractionChannel.choices)
    happened_at = models.DateTimeField(_("time"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff"), on_delete=models.PROTECT
    )
    summary = models.TextField(_("summary"))

    class Meta:
        verbose_name = _("customer contact")
        verbose_name_plural = _("customer contacts")
        ordering = ["-happened_at", "-id"]
        indexes = [models.Index(fields=["customer", "-happened_at"], name="customers_inter_cust")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.happened_at:%Y-%m-%d}"


# ---------------------------------------------------------------------------- grading


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Preliminary grading")
    CLOSED = "closed", _("Closed (review meeting held)")


class GradingRound(models.Model):
    """The annual grading of one department's customers (GRD-03): managers propose
    preliminary grades in the window, then the review meeting decides."""

    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    window_start = models.DateField(_("window opens"))
    window_end = models.DateField(_("window closes"))
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    meeting_on = models.DateField(_("review meeting"), null=True, blank=True)
    meeting_notes = models.TextField(_("meeting result"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("grading round")
        verbose_name_plural = _("grading rounds")
        ordering = ["-year", "department__path"]
        constraints = [
            models.UniqueConstraint(fields=["department", "year"], name="customers_one_round"),
            models.CheckConstraint(
                condition=Q(window_end__gte=models.F("window_start")),
                name="customers_round_window_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.department}"


class GradeProposal(models.Model):
    round = models.ForeignKey(GradingRound, on_delete=models.CASCADE, related_name="proposals")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    grade = models.CharField(_("preliminary grade"), max_length=10)
    service_tier = models.CharField(_("service tier"), max_length=20, blank=True)
    credit_rating = models.CharField(
        _("credit rating"), max_length=3, choices=CreditRating.choices, blank=True
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "customer"], name="customers_one_proposal")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.grade}"


class GradeKind(models.TextChoices):
    TEMPORARY = "temporary", _("Temporary grade (new customer)")
    FORMAL = "formal", _("Annual review result")
    ADJUSTMENT = "adjustment", _("Adjustment")


class GradeRecord(models.Model):
    """One grade decision; the customer's grade history."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="grade_records")
    kind = models.CharField(_("kind"), max_length=20, choices=GradeKind.choices)
    grade = models.CharField(_("customer grade"), max_length=10)
    service_tier = models.CharField(_("service tier"), max_length=20, blank=True)
    credit_rating = models.CharField(
        _("credit rating"), max_length=3, choices=CreditRating.choices, blank=True
    )
    round = models.ForeignKey(
        GradingRound, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(_("next evaluation"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"))

    class Meta:
        verbose_name = _("grade record")
        verbose_name_plural = _("grade records")
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.grade}"


# ---------------------------------------------------------------------------- visits


class VisitStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DONE = "done", _("Visited")
    CANCELLED = "cancelled", _("Cancelled")


class VisitPlan(models.Model):
    """客户走访单: a planned visit, approved by the supervisor before the manager leaves."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="visit_plans"
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.SET_NULL, null=True, blank=True
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        related_name="visit_plans",
    )
    purpose = models.CharField(_("purpose"), max_length=200)
    objectives = models.TextField(_("objectives"), blank=True)
    planned_start = models.DateTimeField(_("planned time"))
    planned_end = models.DateTimeField(_("planned end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=VisitStatus.choices, default=VisitStatus.SUBMITTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("approval note"), max_length=200, blank=True)
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        ordering = ["-planned_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True)
                | Q(planned_end__gte=models.F("planned_start")),
                name="customers_visit_plan_order",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "cancelled"]) | Q(decided_by__isnull=False),
                name="customers_visit_plan_decided",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer.name} {self.planned_start:%Y-%m-%d}"


class VisitRecord(models.Model):
    """What happened on a visit: who received the manager, what was discussed, needs, next steps."""

    plan = models.OneToOneField(
        VisitPlan,
        verbose_name=_("visit plan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="record",
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="visits"
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.SET_NULL, null=True, blank=True
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        related_name="visit_records",
    )
    visited_at = models.DateTimeField(_("visited"), db_index=True)
    receptionist = models.CharField(_("received by (name and title)"), max_length=100, blank=True)
    receptionist_decides = models.BooleanField(
        _("receptionist decides on cooperation"), default=False
    )
    discussed = models.TextField(_("discussed"))
    needs_found = models.TextField(_("needs found"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("visit record")
        verbose_name_plural = _("visit records")
        ordering = ["-visited_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.visited_at:%Y-%m-%d}"


class TripLog(models.Model):
    """出行记录: one trip out of the office, filled before leaving."""

    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        related_name="trip_logs",
    )
    trip_date = models.DateField(_("date"), db_index=True)
    depart_at = models.TimeField(_("departure"))
    return_at = models.TimeField(_("return"), null=True, blank=True)
    destination = models.CharField(_("destination"), max_length=200)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trips",
    )
    plan = models.ForeignKey(
        VisitPlan, verbose_name=_("visit plan"), on_delete=models.SET_NULL, null=True, blank=True
    )
    purpose = models.CharField(_("purpose"), max_length=200)
    transport = models.CharField(_("transport"), max_length=50, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("trip log")
        verbose_name_plural = _("trip logs")
        ordering = ["-trip_date", "-depart_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(return_at__isnull=True) | Q(return_at__gte=models.F("depart_at")),
                name="customers_trip_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.trip_date} {self.destination}"


class WeeklySummary(models.Model):
    """每周工作进度汇总表: due Friday 17:30 (configurable) to the supervisor."""

    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        related_name="weekly_summaries",
    )
    week_start = models.DateField(_("week (Monday)"))
    due_at = models.DateTimeField(_("due"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reported_visits = models.PositiveSmallIntegerField(_("visits this week"), default=0)
    marketing_responses = models.TextField(_("responses to marketing programmes"), blank=True)
    customer_needs = models.TextField(_("customers' proactive needs"), blank=True)
    consumption = models.TextField(_("consumption behaviour"), blank=True)
    service_problems = models.TextField(_("service problems"), blank=True)
    conclusions = models.TextField(_("conclusions and suggestions"), blank=True)

    class Meta:
        verbose_name = _("weekly progress summary")
        verbose_name_plural = _("weekly progress summaries")
        ordering = ["-week_start", "manager_id"]
        constraints = [
            models.UniqueConstraint(fields=["manager", "week_start"], name="customers_one_summary")
        ]

    def __str__(self) -> str:
        return f"{self.manager} {self.week_start}"

    def is_late(self, now) -> bool:
        return rules.summary_is_late(due=self.due_at, submitted_at=self.submitted_at, now=now)


# ---------------------------------------------------------------------------- import


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all", _("Import nothing if any row is bad")
    GOOD_ROWS = "good", _("Import the good rows; download the bad ones")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    VALIDATING = "validating", _("Checking rows")
    IMPORTING = "importing", _("Writing")
    DONE = "done", _("Finished")
    REJECTED = "rejected", _("Rejected: errors found, nothing imported")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    file = models.FileField(upload_to="customer-imports/")
    original_name = models.CharField(_("file"), max_length=200)
    mode = models.CharField(_("mode"), max_length=10, choices=ImportMode.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    error_file = models.FileField(upload_to="customer-imports/", blank=True)
    message = models.CharField(max_length=255, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0 if self.status not in (ImportStatus.DONE, ImportStatus.REJECTED) else 100
        return min(100, self.processed_rows * 100 // self.total_rows)

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED)
