"""SLA policies and the time limits of each work order; policies keep a change history.

The arithmetic lives in ``kefu.sla.policy``; the working calendars a milestone counts on
are ``kefu.calendars.models.WorkCalendar``. Only ``kefu.sla.services`` and
``kefu.sla.engine`` write these rows.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from kefu.calendars.models import WorkCalendar
from kefu.calendars.workcal import Unit
from kefu.sla import rules
from kefu.sla.events import start_event_label, validate_start_event
from kefu.sla.policy import CONDITION_FIELDS, MilestoneKind, MilestoneSpec, PolicySpec, StartsAt
from kefu.sla.presets import INDUSTRY_CHOICES

# ---------------------------------------------------------------------------- policies


class MilestoneKindChoices(models.TextChoices):
    FIRST_CONTACT = MilestoneKind.FIRST_CONTACT, _("First contact")
    ARRIVAL = MilestoneKind.ARRIVAL, _("Arrival on site")
    HANDLING_OPINION = MilestoneKind.HANDLING_OPINION, _("Handling opinion")
    RESOLUTION = MilestoneKind.RESOLUTION, _("Resolution")
    REPLY = MilestoneKind.REPLY, _("Reply")
    REPORT = MilestoneKind.REPORT, _("Report")
    RETURN_VISIT = MilestoneKind.RETURN_VISIT, _("Return visit")


class UnitChoices(models.TextChoices):
    MINUTES = Unit.MINUTES, _("minutes")
    HOURS = Unit.HOURS, _("hours")
    WORKING_MINUTES = Unit.WORKING_MINUTES, _("working minutes")
    WORKING_HOURS = Unit.WORKING_HOURS, _("working hours")
    WORKING_DAYS = Unit.WORKING_DAYS, _("working days")
    CALENDAR_DAYS = Unit.CALENDAR_DAYS, pgettext_lazy("time unit", "calendar days")


def _default_thresholds() -> list[int]:
    return list(rules.DEFAULT_WARNING_THRESHOLDS)


def validate_code_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValidationError(_("Enter a list of codes."), code="invalid")


class SlaPolicy(models.Model):
    """Time limits for the tickets that match its conditions; the first match wins."""

    code = models.SlugField(
        _("code"),
        max_length=60,
        unique=True,
        help_text=_("Short unique code, letters, digits, hyphens and underscores."),
    )
    name = models.CharField(_("name"), max_length=100)
    industry = models.CharField(
        _("industry preset"), max_length=20, blank=True, choices=INDUSTRY_CHOICES
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(
        _("order"), default=100, help_text=_("Policies are tried from the lowest order up.")
    )
    ticket_types = models.JSONField(
        _("ticket types"), default=list, blank=True, validators=[validate_code_list]
    )
    categories = models.JSONField(
        _("categories"), default=list, blank=True, validators=[validate_code_list]
    )
    priorities = models.JSONField(
        _("priorities"), default=list, blank=True, validators=[validate_code_list]
    )
    customer_grades = models.JSONField(
        _("customer grades"), default=list, blank=True, validators=[validate_code_list]
    )
    service_tiers = models.JSONField(
        _("service tiers"), default=list, blank=True, validators=[validate_code_list]
    )
    channels = models.JSONField(
        _("channels"), default=list, blank=True, validators=[validate_code_list]
    )
    description = models.TextField(_("description"), blank=True)
    # Escalation ladder once a milestone is overdue: the department head at once, then the
    # service centre, then the general manager; minutes of working time on the milestone's
    # calendar after the breach (wall-clock minutes on a 24×7 calendar). Empty = never.
    escalate_centre_after = models.PositiveIntegerField(
        _("escalate to the service centre after (minutes overdue)"),
        null=True,
        blank=True,
        default=240,
        help_text=_("Working minutes on the milestone's calendar; empty = never."),
    )
    escalate_gm_after = models.PositiveIntegerField(
        _("escalate to the general manager after (minutes overdue)"),
        null=True,
        blank=True,
        default=900,
        help_text=_("Working minutes on the milestone's calendar; empty = never."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(escalate_centre_after__isnull=True)
                | models.Q(escalate_gm_after__isnull=True)
                | models.Q(escalate_gm_after__gte=models.F("escalate_centre_after")),
                name="sla_policy_escalation_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        centre, gm = self.escalate_centre_after, self.escalate_gm_after
        if centre is not None and gm is not None and gm < centre:
            raise ValidationError(
                {
                    "escalate_gm_after": ValidationError(
                        _(
                            "The general manager is told after the service centre, not before: "
                            "enter at least %(minutes)d minutes."
                        )
                        % {"minutes": centre},
                        code="escalation_order",
                    )
                }
            )

    def to_spec(self, milestones=None) -> PolicySpec:
        rows = milestones if milestones is not None else self.milestones.all()
        return PolicySpec(
            id=self.pk,
            code=self.code,
            name=self.name,
            order=self.order,
            conditions={name: frozenset(getattr(self, name) or ()) for name in CONDITION_FIELDS},
            milestones=tuple(m.to_spec() for m in rows),
        )


class SlaMilestone(models.Model):
    """One time limit of a policy: amount and unit on a calendar, from a starting event."""

    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="milestones"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    kind = models.CharField(_("milestone"), max_length=20, choices=MilestoneKindChoices.choices)
    label = models.CharField(
        _("label"), max_length=50, blank=True, help_text=_("Optional, e.g. 书面答复.")
    )
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=20, choices=UnitChoices.choices)
    hard_limit_amount = models.PositiveIntegerField(
        _("hard limit"),
        null=True,
        blank=True,
        help_text=_("Optional: the amount is the target and this the hard limit, same unit."),
    )
    calendar = models.ForeignKey(
        WorkCalendar,
        verbose_name=_("calendar"),
        on_delete=models.PROTECT,
        related_name="milestones",
    )
    # the code of a named event (kefu.sla.events): acceptance, met:report,
    # investigation_finished …
    starts_at = models.CharField(
        _("clock starts at"),
        max_length=40,
        default=StartsAt.ACCEPTANCE,
        validators=[validate_start_event],
    )
    pauses = models.BooleanField(
        _("paused while suspended or waiting for the customer"), default=True
    )
    warning_thresholds = models.JSONField(
        _("warning thresholds (%)"), default=_default_thresholds, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SLA milestone")
        verbose_name_plural = _("SLA milestones")
        ordering = ["policy", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="sla_milestone_position"),
            models.CheckConstraint(
                condition=models.Q(hard_limit_amount__isnull=True)
                | models.Q(hard_limit_amount__gte=models.F("amount")),
                name="sla_milestone_hard_limit_gte_amount",
            ),
        ]

    def __str__(self) -> str:
        label = self.label or self.get_kind_display()
        return f"{label} {self.amount} {self.get_unit_display()}"

    @property
    def starts_at_label(self) -> str:
        return start_event_label(self.starts_at)

    def clean(self) -> None:
        errors = {}
        try:
            thresholds = rules.parse_thresholds(self.warning_thresholds or [])
        except (ValueError, TypeError) as exc:
            errors["warning_thresholds"] = ValidationError(str(exc), code="invalid")
        else:
            self.warning_thresholds = list(thresholds)
        if self.hard_limit_amount is not None and self.hard_limit_amount < (self.amount or 0):
            errors["hard_limit_amount"] = ValidationError(
                _("The hard limit cannot be shorter than the target."), code="hard_limit_too_short"
            )
        if errors:
            raise ValidationError(errors)

    def to_spec(self) -> MilestoneSpec:
        return MilestoneSpec(
            id=self.pk,
            kind=self.kind,
            label=self.label,
            amount=self.amount,
            unit=self.unit,
            calendar=self.calendar.code,
            starts_at=self.starts_at,
            pauses=self.pauses,
            warning_thresholds=tuple(self.warning_thresholds or ()),
            hard_limit_amount=self.hard_limit_amount,
            position=self.position,
        )


# ---------------------------------------------------------------------------- per ticket


class TicketDeadline(models.Model):
    """One milestone of one work order: when it is due, and what happened to it.

    The milestone's terms (kind, unit, calendar, pausing, thresholds) are copied from the
    policy when the order is received, so later edits of the policy do not move the limits
    of orders already running. ``next_event_at`` is the next instant the sweep must look
    at (the next warning, else the due instant); NULL once nothing is left to do.
    """

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="deadlines",
    )
    milestone = models.ForeignKey(
        SlaMilestone,
        verbose_name=_("SLA milestone"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("milestone"), max_length=20, choices=MilestoneKindChoices.choices)
    label = models.CharField(_("label"), max_length=50, blank=True)
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=20, choices=UnitChoices.choices)
    # a target with a hard limit (e.g. close in 14 days, 21 at the most): the hard limit's
    # amount in the same unit, and its instant; past it the order goes to the general
    # manager at once
    hard_limit_amount = models.PositiveIntegerField(_("hard limit"), null=True, blank=True)
    hard_due_at = models.DateTimeField(_("hard limit due"), null=True, blank=True)
    calendar_code = models.CharField(_("calendar"), max_length=40)
    starts_at = models.CharField(_("clock starts at"), max_length=40)
    pauses = models.BooleanField(_("paused while suspended"), default=True)
    warning_thresholds = models.JSONField(_("warning thresholds (%)"), default=list, blank=True)
    started_at = models.DateTimeField(_("clock started at"), null=True, blank=True)
    base_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    provisional = models.BooleanField(_("provisional"), default=False)
    # [[paused_from, resumed_at], …] in ISO 8601: replayed when the limit is recomputed.
    pause_log = models.JSONField(default=list, blank=True, editable=False)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    # the warning instants (ISO 8601), one per threshold; ``warned_levels`` have fired
    warn_at = models.JSONField(default=list, blank=True, editable=False)
    warned_levels = models.PositiveSmallIntegerField(default=0)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    # a milestone recorded by hand: when the record was made, and why, if it was made
    # later than the moment it records (补录)
    met_recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    met_backdate_reason = models.CharField(
        _("reason for recording late"), max_length=200, blank=True
    )
    breached_at = models.DateTimeField(_("overdue since"), null=True, blank=True)
    # once overdue: the instants (ISO 8601) of the escalation to the service centre and to
    # the general manager; ``escalated_levels`` of them have fired
    escalate_at = models.JSONField(default=list, blank=True, editable=False)
    escalated_levels = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # once overdue: the department that held the order when the milestone fell due, whose
    # step was late (CMP-19: it gets the investigation notice when the order is closed)
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department late"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    next_event_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = _("work order time limit")
        verbose_name_plural = _("work order time limits")
        ordering = ["ticket", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "position"], name="sla_deadline_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.label or self.get_kind_display()}"

    @property
    def name(self) -> str:
        return self.label or self.get_kind_display()

    @property
    def starts_at_label(self) -> str:
        return start_event_label(self.starts_at)


class OverdueInvestigation(models.Model):
    """查办单 (CMP-19): when an order that ran late is closed, each department whose step was
    late gets one, to find the reason; ``deadline`` is that department's first late step.
    The department answers it with the reason after the closure."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="overdue_investigations",
    )
    deadline = models.OneToOneField(
        TicketDeadline,
        verbose_name=_("time limit"),
        on_delete=models.CASCADE,
        related_name="investigation",
    )
    milestone = models.ForeignKey(
        SlaMilestone,
        verbose_name=_("SLA milestone"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="overdue_investigations",
    )
    opened_at = models.DateTimeField(_("opened at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(_("reason for the delay"), blank=True)

    class Meta:
        verbose_name = _("overdue investigation")
        verbose_name_plural = _("overdue investigations")
        ordering = ["opened_at", "id"]
        indexes = [
            models.Index(
                fields=["ticket"],
                name="sla_investigation_open_idx",
                condition=models.Q(answered_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.deadline}"


class DelayNotice(models.Model):
    """The first responder's task when an order runs late: tell the customer why and when
    it will now be done (首问负责: the customer hears it from the person they first spoke to)."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone call")
        SMS = "sms", _("SMS")
        VISIT = "visit", _("In person")

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="delay_notices",
    )
    deadline = models.OneToOneField(
        TicketDeadline,
        verbose_name=_("time limit"),
        on_delete=models.CASCADE,
        related_name="delay_notice",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first responder"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"))
    done_at = models.DateTimeField(_("customer told at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("told by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(_("how"), max_length=10, choices=Channel.choices, blank=True)
    reason = models.TextField(_("reason given to the customer"), blank=True)
    expected_at = models.DateTimeField(_("new expected time"), null=True, blank=True)

    class Meta:
        verbose_name = _("delay notice to the customer")
        verbose_name_plural = _("delay notices to the customer")
        ordering = ["opened_at", "id"]
        indexes = [
            models.Index(
                fields=["assignee", "opened_at"],
                name="sla_delay_notice_open_idx",
                condition=models.Q(done_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.deadline}"
