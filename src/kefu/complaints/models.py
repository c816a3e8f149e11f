"""The complaint case file (投诉案件) attached to a work order of type 投诉 or 举报.

The work order carries the lifecycle, the handling department, the deadlines and the
timeline; the case file carries what only a complaint has (docs/adr/0003).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from kefu.complaints.rules import (
    ActionKind,
    ActionStatus,
    Anomaly,
    FaultCause,
    Overflow,
    PenaltyStatus,
    RemedyKind,
    RemedyStatus,
    Responsibility,
    Sanction,
    Series,
    Severity,
    TellChannel,
    Validity,
)
from kefu.org.roles import RoleCode

MONEY = {"max_digits": 12, "decimal_places": 2}


class ComplaintSettings(models.Model):
    """One row (pk=1) an administrator edits on the settings page."""

    industry = models.CharField(
        _("industry"),
        max_length=30,
        blank=True,
        help_text=_("Complaint classes of this industry are offered (empty: every class)."),
    )
    number_width = models.PositiveSmallIntegerField(
        _("serial digits in the register number"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
        help_text=_("YYMM followed by this many digits: 2 gives 250301."),
    )
    number_overflow = models.CharField(
        _("when a month's serials run out"),
        max_length=10,
        choices=Overflow.choices,
        default=Overflow.WIDEN,
    )
    complaint_prefix = models.CharField(_("complaint number prefix"), max_length=6, blank=True)
    tip_off_prefix = models.CharField(_("tip-off number prefix"), max_length=6, default="JB")
    fine_min = models.DecimalField(_("lowest fine per case (yuan)"), default=200, **MONEY)
    fine_max = models.DecimalField(_("highest fine per case (yuan)"), default=1500, **MONEY)
    return_tolerance_percent = models.DecimalField(
        _("return tolerance (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(5),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_(
            "Returned goods above the approved quantity by more than this share need a "
            "head's instruction before they are booked."
        ),
    )
    invalid_reply_template = models.TextField(
        _("reply to a complaint found not valid"),
        default=(
            "{customer}您好，感谢您对我们工作的关心。关于您反映的“{title}”（编号{number}），"
            "我们已认真核实：{reason}。如您仍有疑问，欢迎随时来电，我们将继续为您解释说明。"
        ),
        help_text=_("Placeholders: {customer}, {title}, {number}, {reason}."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("complaint settings")
        verbose_name_plural = _("complaint settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fine_min__lte=models.F("fine_max")),
                name="complaints_settings_fine_band",
                violation_error_code="fine_band_inverted",
            ),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class ComplaintClass(models.Model):
    """A complaint class (投诉分类), per industry: for power supply service, business,
    outage/restoration, power quality, grid construction …"""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    industry = models.CharField(
        _("industry"), max_length=30, blank=True, help_text=_("Empty: offered in every industry.")
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("complaint class")
        verbose_name_plural = _("complaint classes")
        ordering = ["industry", "sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class AuthorityLimit(models.Model):
    """Approval authority (核决权限): holders of a role approve remedies up to an amount."""

    role = models.CharField(_("role"), max_length=30, choices=RoleCode.choices, unique=True)
    label = models.CharField(_("level"), max_length=30)
    max_amount = models.DecimalField(
        _("up to (yuan)"), null=True, blank=True, help_text=_("Empty: no upper limit."), **MONEY
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("approval authority")
        verbose_name_plural = _("approval authorities")
        ordering = [models.F("max_amount").asc(nulls_last=True), "id"]

    def __str__(self) -> str:
        return self.label


class ApprovalStep(models.Model):
    """One level of the sales-allowance certificate's approval chain (审批链, CMP-21): a
    holder of the role signs, in order, every allowance whose amount lies in the range."""

    order = models.PositiveSmallIntegerField(_("order"), unique=True)
    role = models.CharField(_("role"), max_length=30, choices=RoleCode.choices)
    label = models.CharField(_("level"), max_length=30)
    min_amount = models.DecimalField(
        _("from (yuan)"), null=True, blank=True, help_text=_("Empty: from any amount."), **MONEY
    )
    max_amount = models.DecimalField(
        _("up to (yuan)"), null=True, blank=True, help_text=_("Empty: no upper limit."), **MONEY
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("approval chain level")
        verbose_name_plural = _("approval chain levels")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_amount__isnull=True)
                | models.Q(max_amount__isnull=True)
                | models.Q(max_amount__gte=models.F("min_amount")),
                name="complaints_step_range_ordered",
                violation_error_code="step_range_reversed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.label}"


class RegisterCounter(models.Model):
    """The last serial issued in a series and month (e.g. "complaint:2025-03")."""

    key = models.CharField(max_length=40, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class ComplaintCaseQuerySet(models.QuerySet):
    def complaints(self):
        return self.filter(series=Series.COMPLAINT)

    def tip_offs(self):
        return self.filter(series=Series.TIP_OFF)


class ComplaintCase(models.Model):
    """The case file of one complaint (or tip-off) work order."""

    ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        related_name="complaint_case",
    )
    series = models.CharField(_("series"), max_length=10, choices=Series.choices)
    register_no = models.CharField(_("register number"), max_length=20, unique=True)
    month = models.DateField(_("register month"))
    serial = models.PositiveIntegerField(_("serial"))

    # classification
    complaint_class = models.ForeignKey(
        ComplaintClass,
        verbose_name=_("complaint class"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    anomaly = models.CharField(_("anomaly"), max_length=12, choices=Anomaly.choices, blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.GENERAL
    )
    customer_demand = models.TextField(_("customer's demand"), blank=True)
    order_no = models.CharField(_("order number"), max_length=40, blank=True)
    part_no = models.CharField(_("part number"), max_length=40, blank=True)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    defective_quantity = models.DecimalField(
        _("defective quantity"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    major_notified_at = models.DateTimeField(_("general manager told at"), null=True, blank=True)

    # validity (投诉成立 / 不成立)
    validity = models.CharField(
        _("validity"), max_length=10, choices=Validity.choices, default=Validity.PENDING
    )
    validity_reason = models.TextField(_("reasons"), blank=True)
    validity_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    validity_at = models.DateTimeField(null=True, blank=True)
    reply_text = models.TextField(_("reply to the customer"), blank=True)
    customer_told_at = models.DateTimeField(_("customer told at"), null=True, blank=True)
    customer_told_channel = models.CharField(
        _("how"), max_length=10, choices=TellChannel.choices, blank=True
    )
    customer_told_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # investigation and responsibility (责任归属)
    facts = models.TextField(_("facts found"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    fault_cause = models.CharField(
        _("cause of the fault"), max_length=12, choices=FaultCause.choices, blank=True
    )
    responsibility = models.CharField(
        _("responsibility"),
        max_length=15,
        choices=Responsibility.choices,
        default=Responsibility.PENDING,
    )
    responsible_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("responsible department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaint_responsibilities",
    )
    external_party = models.CharField(_("outside party or supplier"), max_length=100, blank=True)
    attributed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attributed_at = models.DateTimeField(null=True, blank=True)

    # the outcome the salesperson negotiated with the customer, returned to the office
    # (CMP-10: the combined opinion is due one day later)
    negotiation_result = models.TextField(_("negotiated result"), blank=True)
    negotiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    negotiated_at = models.DateTimeField(_("result returned at"), null=True, blank=True)

    created_at = models.DateTimeField(_("registered at"), db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = ComplaintCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint case")
        verbose_name_plural = _("complaint cases")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "month", "serial"], name="complaints_case_unique_serial"
            ),
            models.CheckConstraint(
                condition=models.Q(validity__in=Validity.values),
                name="complaints_case_validity_known",
                violation_error_code="invalid_choice",
            ),
        ]
        indexes = [models.Index(fields=["series", "month"], name="complaints_case_month_idx")]

    def __str__(self) -> str:
        return self.register_no

    @property
    def is_tip_off(self) -> bool:
        return self.series == Series.TIP_OFF

    @property
    def register_month(self) -> date:
        return self.month


class ReporterIdentity(models.Model):
    """A tip-off reporter's identity, sealed (kefu.complaints.crypto); only the
    confidential handlers read it, and every reading is logged (IdentityAccess)."""

    case = models.OneToOneField(
        ComplaintCase, on_delete=models.CASCADE, related_name="reporter_identity"
    )
    anonymous = models.BooleanField(
        _("anonymous"), default=False, help_text=_("The reporter gave no name or number.")
    )
    sealed = models.TextField(editable=False, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("reporter identity")
        verbose_name_plural = _("reporter identities")

    def __str__(self) -> str:
        return f"{self.case_id}"


class IdentityAccessKind(models.TextChoices):
    SEALED = "sealed", _("Sealed at intake")
    VIEWED = "viewed", _("Viewed")
    CHANGED = "changed", _("Changed")
    REFUSED = "refused", _("Refused (no right)")


class IdentityAccess(models.Model):
    """One access to a reporter's identity; never changed or deleted."""

    case = models.ForeignKey(ComplaintCase, on_delete=models.PROTECT, related_name="identity_log")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("access"), max_length=10, choices=IdentityAccessKind.choices)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    channel = models.CharField(_("through"), max_length=10, blank=True)  # page / api / intake
    address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("identity access")
        verbose_name_plural = _("identity accesses")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class CorrectiveAction(models.Model):
    """A corrective or preventive action (纠正预防措施) with an owner, a due date and a
    verification. The case cannot be closed while one is not verified."""

    case = models.ForeignKey(
        ComplaintCase, on_delete=models.CASCADE, related_name="corrective_actions"
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=ActionKind.choices, default=ActionKind.CORRECTIVE
    )
    description = models.TextField(_("action"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="complaint_actions",
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("state"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_note = models.TextField(_("what was done"), blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    verification = models.TextField(_("verification"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    from_finding = models.BooleanField(
        _("improvement tracking"),
        default=False,
        help_text=_("Opened by the responsibility finding (CMP-11)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("corrective or preventive action")
        verbose_name_plural = _("corrective and preventive actions")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["case", "status"], name="complaints_action_open_idx")]

    def __str__(self) -> str:
        return self.description[:40]

    @property
    def is_open(self) -> bool:
        return self.status != ActionStatus.VERIFIED


class Remedy(models.Model):
    """Compensation, a sales allowance (折让) or a goods return (退货), approved within the
    approver's authority; a return is reconciled with the quantity actually received."""

    case = models.ForeignKey(ComplaintCase, on_delete=models.CASCADE, related_name="remedies")
    kind = models.CharField(_("kind"), max_length=15, choices=RemedyKind.choices)
    amount = models.DecimalField(_("amount (yuan)"), null=True, blank=True, **MONEY)
    quantity = models.DecimalField(
        _("approved quantity"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    description = models.TextField(_("reason and basis"))
    status = models.CharField(
        _("state"), max_length=10, choices=RemedyStatus.choices, default=RemedyStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_level = models.CharField(_("approved at level"), max_length=30, blank=True)
    decision_note = models.TextField(_("approval note"), blank=True)
    # goods returns: what the warehouse received and what finance books
    actual_quantity = models.DecimalField(
        _("quantity received"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    booked_quantity = models.DecimalField(
        _("quantity booked"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    received_at = models.DateTimeField(null=True, blank=True)
    instruction = models.TextField(_("head's instruction"), blank=True)
    instructed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # the sales-allowance certificate (销货折让证明单), issued once its chain is signed
    certificate_no = models.CharField(_("certificate number"), max_length=20, blank=True)
    certificate_issued_at = models.DateTimeField(_("certificate issued at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("remedy")
        verbose_name_plural = _("remedies")
        ordering = ["requested_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True) | models.Q(amount__gt=0),
                name="complaints_remedy_amount_positive",
                violation_error_code="amount_not_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__isnull=True) | models.Q(quantity__gt=0),
                name="complaints_remedy_quantity_positive",
                violation_error_code="amount_not_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount or self.quantity}"

    @property
    def awaits_instruction(self) -> bool:
        return (
            self.kind == RemedyKind.GOODS_RETURN
            and self.actual_quantity is not None
            and self.booked_quantity is None
        )


class RemedySignature(models.Model):
    """One signature of a remedy's approval chain: the level, who signed, when, and whether
    they approved (a refusal ends the chain, with its reason)."""

    remedy = models.ForeignKey(Remedy, on_delete=models.CASCADE, related_name="signatures")
    step_order = models.PositiveSmallIntegerField(_("order"))
    label = models.CharField(_("level"), max_length=30)
    role = models.CharField(_("role"), max_length=30, choices=RoleCode.choices)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed at"))
    approved = models.BooleanField(_("approved"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("approval signature")
        verbose_name_plural = _("approval signatures")
        ordering = ["step_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["remedy", "step_order"],
                name="complaints_signature_once_per_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.remedy_id} {self.label} {self.signed_by_id}"


class Penalty(models.Model):
    """A fine within the configured band and/or an administrative sanction for the
    responsible person or department; the month's penalties are reviewed by the 10th."""

    case = models.ForeignKey(ComplaintCase, on_delete=models.CASCADE, related_name="penalties")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("penalised person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaint_penalties",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("penalised department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    fine = models.DecimalField(_("fine (yuan)"), null=True, blank=True, **MONEY)
    sanction = models.CharField(
        _("administrative sanction"), max_length=15, choices=Sanction.choices, blank=True
    )
    reason = models.TextField(_("reason"))
    month = models.DateField(_("review month"))
    status = models.CharField(
        _("state"), max_length=10, choices=PenaltyStatus.choices, default=PenaltyStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("review note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        ordering = ["proposed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | models.Q(department__isnull=False),
                name="complaints_penalty_has_target",
                violation_error_code="penalty_needs_target",
            ),
            models.CheckConstraint(
                condition=models.Q(fine__isnull=False) | ~models.Q(sanction=""),
                name="complaints_penalty_has_content",
                violation_error_code="penalty_needs_content",
            ),
        ]
        indexes = [models.Index(fields=["month", "status"], name="complaints_penalty_month_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.fine or ''} {self.sanction}"

    @property
    def target_name(self) -> str:
        if self.person_id:
            return str(self.person)
        return str(self.department)


class PenaltyReview(models.Model):
    """The month's penalty review (by the 10th of the next month)."""

    month = models.DateField(_("month"), unique=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"))
    late = models.BooleanField(_("after the 10th"), default=False)
    note = models.TextField(pgettext_lazy("penalty review", "note"), blank=True)

    class Meta:
        verbose_name = _("penalty review")
        verbose_name_plural = _("penalty reviews")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
