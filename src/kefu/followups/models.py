"""Return visits (回访), visit plans (回访档案) and satisfaction surveys (满意度调查)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kefu.calendars.workcal import Unit
from kefu.followups.rules import AttemptOutcome, PlanKind, Satisfaction, Verdict


class UnitChoices(models.TextChoices):
    MINUTES = Unit.MINUTES.value, _("minutes")
    HOURS = Unit.HOURS.value, _("hours")
    WORKING_HOURS = Unit.WORKING_HOURS.value, _("working hours")
    WORKING_DAYS = Unit.WORKING_DAYS.value, _("working days")
    CALENDAR_DAYS = Unit.CALENDAR_DAYS.value, _("natural days")


class AssignTo(models.TextChoices):
    TEAM = "team", _("The return-visit team")
    FIRST_RESPONDER = "first_responder", _("The first responder")


class FollowupSettings(models.Model):
    """One row (pk=1) of settings an administrator may change on the settings page."""

    team = models.ForeignKey(
        "org.Department",
        verbose_name=_("return-visit team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Return visits go to its members; empty: to the first responder."),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts before unreachable"), default=3, validators=[MinValueValidator(1)]
    )
    retry_working_days = models.PositiveSmallIntegerField(
        _("over how many working days"), default=2
    )
    calendar_code = models.CharField(_("working calendar"), max_length=40, default="standard")
    spot_check_percent = models.PositiveSmallIntegerField(
        _("spot-check share (%)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    link_valid_days = models.PositiveSmallIntegerField(
        _("survey links valid for (days)"), default=7, validators=[MinValueValidator(1)]
    )
    public_base_url = models.URLField(
        _("public address"),
        blank=True,
        help_text=_("e.g. https://kefu.example.com — used in survey links sent by SMS."),
    )
    plan_horizon_days = models.PositiveSmallIntegerField(
        _("plan visits this many days ahead"), default=60
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("return-visit settings")
        verbose_name_plural = _("return-visit settings")

    def __str__(self) -> str:
        return str(_("Return-visit settings"))


class DissatisfactionReason(models.Model):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("dissatisfaction reason")
        verbose_name_plural = _("dissatisfaction reasons")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------- questionnaires


class QuestionKindChoices(models.TextChoices):
    SINGLE_CHOICE = "single_choice", _("Single choice")
    SCALE = "scale", _("Satisfaction scale (1–5)")
    NPS = "nps", _("Would recommend (NPS 0–10)")
    TEXT = "text", _("Free text")


class Feeds(models.TextChoices):
    NOTHING = "", _("—")
    SATISFACTION = "satisfaction", _("The return visit's satisfaction")
    RESOLVED = "resolved", _("Solved in the customer's view (first choice = yes)")
    WORDS = "words", _("The customer's words")


class Questionnaire(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=100)
    intro = models.TextField(_("introduction"), blank=True)
    categories = models.ManyToManyField(
        "tickets.Category",
        verbose_name=_("used for categories"),
        blank=True,
        related_name="questionnaires",
    )
    campaign = models.CharField(_("campaign"), max_length=60, blank=True)
    is_default = models.BooleanField(
        _("default for work orders"),
        default=False,
        help_text=_("Used for orders whose category has no questionnaire."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[categories])

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-is_default", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="followups_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("question number"))
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKindChoices.choices)
    text = models.CharField(_("question"), max_length=200)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)
    feeds = models.CharField(
        _("feeds"), max_length=20, choices=Feeds.choices, default=Feeds.NOTHING, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "position"], name="followups_question_position"
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def options(self) -> list[tuple[object, str]]:
        """(value, label) pairs the answer form offers."""
        if self.kind == QuestionKindChoices.SCALE:
            return list(Satisfaction.choices)
        if self.kind == QuestionKindChoices.NPS:
            return [(n, str(n)) for n in range(11)]
        return [(c, c) for c in self.choices or []]


# ---------------------------------------------------------------- policies


class ReturnVisitPolicy(models.Model):
    """How orders of a category (and its sub-categories) are visited after resolution."""

    category = models.OneToOneField(
        "tickets.Category",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="return_visit_policy",
    )
    required = models.BooleanField(_("visit after resolution"), default=True)
    due_amount = models.PositiveIntegerField(
        _("due within"),
        null=True,
        blank=True,
        help_text=_("Empty: the SLA policy's return-visit limit, else the type's default."),
    )
    due_unit = models.CharField(
        _("unit"), max_length=20, choices=UnitChoices.choices, default=Unit.HOURS, blank=True
    )
    calendar_code = models.CharField(_("working calendar"), max_length=40, default="standard")
    assign_to = models.CharField(
        _("visited by"), max_length=20, choices=AssignTo.choices, default=AssignTo.TEAM
    )
    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("questionnaire"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    send_survey_link = models.BooleanField(_("send the survey link by SMS at once"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("return-visit policy")
        verbose_name_plural = _("return-visit policies")
        ordering = ["category__path"]

    def __str__(self) -> str:
        return str(self.category)


# ---------------------------------------------------------------- return visits


class VisitKind(models.TextChoices):
    AFTER_TICKET = "after_ticket", _("After resolution")
    SPOT_CHECK = "spot_check", _("Spot check")


class VisitStatus(models.TextChoices):
    PENDING = "pending", _("To visit")
    DONE = "done", _("Return visit made")
    UNREACHABLE = "unreachable", _("Unreachable")
    CLOSED_DISSATISFIED = "closed_dissatisfied", _("Closed although the customer is not satisfied")
    CANCELLED = "cancelled", _("Not visited")


class VisitChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS_LINK = "sms_link", _("Survey link by SMS")
    EMAIL_LINK = "email_link", _("Survey link by email")


class SpotCheck(models.Model):
    """A supervisor's random sample of a week's closed orders for a second visit."""

    week_start = models.DateField(_("week (Monday)"))
    percent = models.PositiveSmallIntegerField(_("share (%)"))
    seed = models.BigIntegerField(_("random seed"))
    population = models.PositiveIntegerField(_("closed orders"))
    sampled = models.PositiveIntegerField(_("sampled"))
    ticket_ids = models.JSONField(_("sampled orders"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("drawn at"))

    class Meta:
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.week_start} {self.percent}%"


class ReturnVisitQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=VisitStatus.PENDING)

    def overdue(self, now):
        return self.pending().filter(due_at__lt=now)


class ReturnVisit(models.Model):
    """One return visit of a work order: due time, who calls, attempts and the result."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="return_visits",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=VisitKind.choices, default=VisitKind.AFTER_TICKET
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=VisitStatus.choices,
        default=VisitStatus.PENDING,
        db_index=True,
    )
    due_at = models.DateTimeField(_("visit due"), db_index=True)
    provisional = models.BooleanField(_("provisional"), default=False)
    due_source = models.CharField(_("time limit from"), max_length=60, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visitor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="return_visits",
    )
    team = models.ForeignKey(
        "org.Department",
        verbose_name=_("return-visit team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # facts of the order when it was resolved: the report groups by them
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("handling department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    category = models.ForeignKey(
        "tickets.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    attempts_count = models.PositiveSmallIntegerField(_("calls made"), default=0)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=VisitChannel.choices, blank=True
    )
    reached = models.BooleanField(_("reached"), null=True, blank=True)
    resolved = models.BooleanField(_("solved in the customer's view"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), choices=Satisfaction.choices, null=True, blank=True
    )
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices, blank=True)
    customer_words = models.TextField(_("customer's words"), blank=True)
    reasons = models.ManyToManyField(
        DissatisfactionReason, verbose_name=_("reasons for dissatisfaction"), blank=True
    )
    escalated_to = models.CharField(_("escalated to"), max_length=200, blank=True)
    justification = models.TextField(_("justification"), blank=True)
    spot_check = models.ForeignKey(
        SpotCheck,
        verbose_name=_("spot check"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, db_index=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))

    objects = ReturnVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["assignee", "due_at"],
                name="followups_pending_assignee",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["completed_at", "department"], name="followups_report_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=Q(status="pending"),
                name="followups_one_pending_visit",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="followups_satisfaction_scale",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed_dissatisfied") | ~Q(justification=""),
                name="followups_justified_close",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.round}"

    def is_overdue(self, now) -> bool:
        return self.status == VisitStatus.PENDING and self.due_at < now


class VisitAttempt(models.Model):
    """One call (or link answer) of a return visit; kept whatever the outcome."""

    visit = models.ForeignKey(ReturnVisit, on_delete=models.CASCADE, related_name="attempts")
    outcome = models.CharField(_("outcome"), max_length=20, choices=AttemptOutcome.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=VisitChannel.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.outcome}"


# ---------------------------------------------------------------- survey links and answers


class SurveyLink(models.Model):
    """A signed, expiring, single-use link to a questionnaire, sent to one customer."""

    key = models.CharField(max_length=32, unique=True)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(
        ReturnVisit, on_delete=models.CASCADE, null=True, blank=True, related_name="links"
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=VisitChannel.choices, default=VisitChannel.SMS_LINK
    )
    phone = models.CharField(_("sent to"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("survey answered at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("survey link")
        verbose_name_plural = _("survey links")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.questionnaire_id}:{self.pk}"


class SurveyResponse(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="responses"
    )
    link = models.OneToOneField(
        SurveyLink, on_delete=models.PROTECT, null=True, blank=True, related_name="response"
    )
    visit = models.ForeignKey(
        ReturnVisit, on_delete=models.SET_NULL, null=True, blank=True, related_name="responses"
    )
    # who answered a campaign questionnaire outside a return visit (by phone)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=VisitChannel.choices)
    answers = models.JSONField(_("answers"), default=dict)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), choices=Satisfaction.choices, null=True, blank=True
    )
    nps = models.PositiveSmallIntegerField(_("NPS score"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(nps__isnull=True) | Q(nps__lte=10), name="followups_nps_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire_id} {self.submitted_at:%Y-%m-%d}"


# ---------------------------------------------------------------- visit plans (回访档案)


class PlanRule(models.Model):
    """A rule that turns customers and their projects into planned visits."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=PlanKind.choices)
    params = models.JSONField(
        _("parameters"),
        default=dict,
        blank=True,
        help_text=_(
            'delivery_cycle: {"first_year_every": 1, "later_every": 3}; '
            'holiday: {"dates": [{"date": "10-01", "name": "国庆节"}]}; '
            'new_year: {"month": 12, "day": 1, "grades": [] (every grade), "new_customers": true, '
            '"existing_customers": true, "tags": []}; birthday: {}.'
        ),
    )
    industry = models.CharField(
        _("industry"), max_length=60, blank=True, help_text=_("Empty: every industry.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("visit plan rule")
        verbose_name_plural = _("visit plan rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ReturnVisitPlan(models.Model):
    """回访档案: a delivered project (or account) visited on a schedule."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="return_visit_plans",
    )
    account = models.ForeignKey(
        "customers.ServiceAccount",
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("project"), max_length=100)
    delivered_on = models.DateField(_("delivered on"))
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visitor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("return-visit file")
        verbose_name_plural = _("return-visit files")
        ordering = ["customer", "delivered_on"]

    def __str__(self) -> str:
        return self.name


class PlannedStatus(models.TextChoices):
    PLANNED = "planned", _("Scheduled")
    DONE = "done", _("Visit made")
    CANCELLED = "cancelled", _("Called off")


class PlannedVisit(models.Model):
    """One visit a plan rule asks for, on the visitor's list with its due date."""

    key = models.CharField(max_length=120, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="planned_visits",
    )
    plan = models.ForeignKey(
        ReturnVisitPlan,
        verbose_name=_("return-visit file"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="visits",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rule = models.ForeignKey(PlanRule, verbose_name=_("rule"), on_delete=models.PROTECT)
    title = models.CharField(_("subject"), max_length=120)
    due_on = models.DateField(_("due on"), db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visitor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="planned_visits",
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PlannedStatus.choices, default=PlannedStatus.PLANNED
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), choices=Satisfaction.choices, null=True, blank=True
    )
    note = models.TextField(_("what the customer said"), blank=True)
    done_at = models.DateTimeField(_("visited at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("planned visit")
        verbose_name_plural = _("planned visits")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.title} {self.due_on}"

    def is_overdue(self, today) -> bool:
        return self.status == PlannedStatus.PLANNED and self.due_on < today


__all__ = [
    "AttemptOutcome",
    "DissatisfactionReason",
    "FollowupSettings",
    "PlanRule",
    "PlannedVisit",
    "Question",
    "Questionnaire",
    "ReturnVisit",
    "ReturnVisitPlan",
    "ReturnVisitPolicy",
    "SpotCheck",
    "SurveyLink",
    "SurveyResponse",
    "VisitAttempt",
]
