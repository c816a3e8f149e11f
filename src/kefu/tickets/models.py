from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from kefu.org.models import Department, phone_validator
from kefu.tickets.rules import DEFAULT_NUMBER_PATTERN, NO_DEADLINE, NO_GRADE_RANK, Priority
from kefu.tickets.states import AWAITING_CUSTOMER, OPEN_STATUSES, Status


class TicketType(models.Model):
    """Consultation, repair, service request, complaint … (configurable)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    number_prefix = models.CharField(_("number prefix"), max_length=10, default="GD")
    number_pattern = models.CharField(
        _("number pattern"),
        max_length=60,
        default=DEFAULT_NUMBER_PATTERN,
        help_text=_("Fields: {prefix}, {date:%Y%m%d}, {serial:05d}."),
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A node of the business category tree (业务分类)."""

    name = models.CharField(_("name"), max_length=60)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    ticket_type = models.ForeignKey(
        TicketType,
        verbose_name=_("ticket type"),
        on_delete=models.PROTECT,
        related_name="categories",
    )
    lead_department = models.ForeignKey(
        Department,
        verbose_name=_("lead department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_categories",
    )
    default_priority = models.CharField(
        _("default priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    extra_fields = models.JSONField(
        _("extra form fields"),
        default=list,
        blank=True,
        help_text=_('A list like [{"name": "meter_no", "label": "表号", "required": true}].'),
    )
    sla_policy_code = models.CharField(
        _("time-limit policy"),
        max_length=60,
        blank=True,
        help_text=_("Code of the SLA policy to use; empty: matched by conditions."),
    )
    reply_template = models.TextField(
        _("reply template"),
        blank=True,
        help_text=_(
            "Reply to the customer. Placeholders: {number}, {customer}, {result}, {agent_no}."
        ),
    )
    settle_at_first_contact = models.BooleanField(
        _("may be settled at first contact"), default=False
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(excluded_fields=["path", "depth"])

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def full_name(self) -> str:
        ids = [int(p) for p in self.path.strip("/").split("/") if p][:-1]
        names = dict(Category.objects.filter(pk__in=ids).values_list("pk", "name"))
        return " / ".join([*(names[i] for i in ids if i in names), self.name])


class IntakeChannel(models.Model):
    """A channel orders come in by (受理渠道): hotline, counter, 上级转办 … (configurable).

    Orders keep the code; a channel no longer offered is deactivated, never deleted, so
    the orders that came in by it still show its name.
    """

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Category + area + customer grade → department; the first match (by order) wins."""

    order = models.PositiveIntegerField(_("order"), default=100)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, null=True, blank=True
    )
    area = models.CharField(
        _("area / site"),
        max_length=60,
        blank=True,
        help_text=_("Matches addresses starting with it."),
    )
    customer_grade = models.CharField(
        _("customer grade"),
        max_length=10,
        blank=True,
        help_text=_("A grade of the customer archive's list; empty: any."),
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"#{self.order} → {self.department}"


class AssignmentMode(models.TextChoices):
    NONE = "none", _("No automatic assignment")
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOAD = "least_load", _("Least open load")


class DepartmentQueue(models.Model):
    """How work is assigned inside a department."""

    department = models.OneToOneField(
        Department, on_delete=models.CASCADE, related_name="queue_settings"
    )
    assignment_mode = models.CharField(
        _("automatic assignment"),
        max_length=20,
        choices=AssignmentMode.choices,
        default=AssignmentMode.NONE,
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["last_assigned"])

    class Meta:
        verbose_name = _("department queue")
        verbose_name_plural = _("department queues")

    def __str__(self) -> str:
        return str(self.department)


class TicketQuerySet(models.QuerySet):
    def open(self) -> TicketQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Ticket(models.Model):
    """A work order (工单)."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    ticket_type = models.ForeignKey(
        TicketType, verbose_name=_("ticket type"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="tickets"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    priority_rank = models.PositiveSmallIntegerField(default=2, editable=False)
    # a code of IntakeChannel (the configurable list); codes of retired channels stay valid
    channel = models.CharField(_("channel"), max_length=30)
    title = models.CharField(_("subject"), max_length=200)
    description = models.TextField(pgettext_lazy("work order", "description"), blank=True)
    extra = models.JSONField(_("category fields"), default=dict, blank=True)

    # the customer: the archive's record when the caller is known (linked now or later)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    contact_name = models.CharField(_("contact name"), max_length=60, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=30, blank=True, validators=[phone_validator], db_index=True
    )
    calling_number = models.CharField(_("calling number"), max_length=30, blank=True, db_index=True)
    call_recording_ref = models.CharField(_("call recording"), max_length=200, blank=True)
    address = models.CharField(_("address / site"), max_length=200, blank=True)
    # a code of the customer archive's grade list (kefu.customers: configurable)
    customer_grade = models.CharField(_("customer grade"), max_length=10, blank=True)
    grade_rank = models.PositiveSmallIntegerField(default=NO_GRADE_RANK, editable=False)
    # a tip-off: the fields above, the category fields that identify the reporter and the
    # files' original names are sealed away (kefu.tickets.services.identity)
    identity_sealed = models.BooleanField(
        _("reporter's identity sealed"), default=False, editable=False
    )

    # who answers for it
    first_responder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first responder"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="first_responder_tickets",
    )
    # an order that came in without a staff member (web form, email, SMS) waits in this
    # customer service centre's claim queue (待认领) until someone takes it on
    claim_department = models.ForeignKey(
        Department,
        verbose_name=_("claim queue"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("handling department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_tickets",
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="participated_tickets", blank=True
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
    )

    # handling
    resolution = models.TextField(_("result"), blank=True)
    settled_at_first_contact = models.BooleanField(_("settled at first contact"), default=False)
    return_count = models.PositiveSmallIntegerField(_("returns"), default=0)
    ruling_binding = models.BooleanField(default=False)
    repeat_count = models.PositiveIntegerField(_("repeat contacts"), default=0)
    urge_count = models.PositiveIntegerField(_("urges"), default=0)
    supervised = models.BooleanField(_("under supervision"), default=False)
    supervision_due = models.DateField(_("supervision target date"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    # a major matter (重大事项, FRA-04): reported to the general manager at once
    major = models.BooleanField(_("major matter"), default=False)
    major_reason = models.TextField(_("why it is a major matter"), blank=True)
    major_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("flagged major by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    major_at = models.DateTimeField(_("flagged major at"), null=True, blank=True)

    # time-limit hooks (the SLA engine fills and enforces these)
    sla_policy_code = models.CharField(max_length=60, blank=True)
    next_due_at = models.DateTimeField(_("next due"), null=True, blank=True, db_index=True)
    # next_due_at for ordering queues: never NULL (no deadline sorts last), so the queue
    # index (priority, grade, due, id) serves keyset pagination.
    due_sort = models.DateTimeField(default=NO_DEADLINE, editable=False)
    # when the next deadline's policy warns first (its warning threshold): from then on the
    # queues show the order's light yellow; NULL: no running milestone warns
    next_warn_at = models.DateTimeField(_("next warning"), null=True, blank=True)

    created_at = models.DateTimeField(_("received at"), db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["priority_rank", "grade_rank", "due_sort", "id"]
        indexes = [
            models.Index(
                fields=["priority_rank", "grade_rank", "due_sort", "id"], name="ticket_queue_idx"
            ),
            # queues over open work read these small partial indexes in queue order
            models.Index(
                fields=["priority_rank", "grade_rank", "due_sort", "id"],
                name="ticket_active_queue_idx",
                condition=models.Q(status__in=sorted(OPEN_STATUSES | AWAITING_CUSTOMER)),
            ),
            # scoped queues: one walk per department of the subtree, per way of taking part
            models.Index(
                fields=["owner", "priority_rank", "grade_rank", "due_sort", "id"],
                name="ticket_active_owner_idx",
                condition=models.Q(status__in=sorted(OPEN_STATUSES | AWAITING_CUSTOMER)),
            ),
            models.Index(
                fields=["department", "priority_rank", "grade_rank", "due_sort", "id"],
                name="ticket_active_dept_idx",
                condition=models.Q(status__in=sorted(OPEN_STATUSES | AWAITING_CUSTOMER)),
            ),
            models.Index(
                fields=["first_responder", "priority_rank", "grade_rank", "due_sort", "id"],
                name="ticket_active_fr_idx",
                condition=models.Q(status__in=sorted(OPEN_STATUSES | AWAITING_CUSTOMER)),
            ),
            # the queues that pick a few orders out of the open ones
            models.Index(
                fields=["department", "priority_rank", "grade_rank", "due_sort", "id"],
                name="ticket_to_sign_idx",
                condition=models.Q(status=Status.DISPATCHED),
            ),
            models.Index(
                fields=["priority_rank", "grade_rank", "due_sort", "id"],
                name="ticket_urged_idx",
                condition=models.Q(urge_count__gt=0, status__in=sorted(OPEN_STATUSES)),
            ),
            models.Index(
                fields=["priority_rank", "grade_rank", "due_sort", "id"],
                name="ticket_supervised_idx",
                condition=models.Q(
                    supervised=True, status__in=sorted(OPEN_STATUSES | AWAITING_CUSTOMER)
                ),
            ),
            models.Index(
                fields=["priority_rank", "grade_rank", "due_sort", "id"],
                name="ticket_major_idx",
                condition=models.Q(major=True),
            ),
            models.Index(
                fields=["priority_rank", "grade_rank", "due_sort", "id"],
                name="ticket_unclaimed_idx",
                condition=models.Q(first_responder__isnull=True, status__in=sorted(OPEN_STATUSES)),
            ),
            models.Index(fields=["department", "status"], name="ticket_dept_status_idx"),
            models.Index(fields=["owner", "status"], name="ticket_owner_status_idx"),
            models.Index(fields=["first_responder", "status"], name="ticket_fr_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(priority_rank__lte=3), name="ticket_priority_rank_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def deadline_light(self, now) -> str:
        """The traffic light of the next deadline: "late" once it has passed, "warn" from
        the policy's warning instant, "ok" before; "" when finished or without a deadline."""
        due = self.next_due_at
        if due is None or self.status not in OPEN_STATUSES:
            return ""
        if due <= now:
            return "late"
        if self.next_warn_at is not None and self.next_warn_at <= now:
            return "warn"
        return "ok"

    def get_channel_display(self) -> str:
        """The name of the order's channel in the configurable list (its code when the
        list no longer has it)."""
        from kefu.tickets.selectors import channel_name

        return channel_name(self.channel)

    def extra_display(self) -> list[tuple[str, object]]:
        """The category fields with their labels, in the category's order."""
        labels = {f.get("name"): f.get("label", f.get("name")) for f in self.category.extra_fields}
        return [(labels.get(key, key), value) for key, value in (self.extra or {}).items()]


class EventKind(models.TextChoices):
    CREATED = "created", _("Received")
    TRANSITION = "transition", _("Status change")
    NOTE = "note", _("Note")
    URGE = "urge", _("Urged")
    SUPERVISE = "supervise", _("Put under supervision")
    REPEAT = "repeat", _("Repeat contact")
    CHILD = "child", _("Co-handling order")
    MERGE = "merge", _("Merged")
    ASSIGN = "assign", _("Assigned")
    REPLY = "reply", _("Reply to customer")
    ATTACHMENT = "attachment", _("Attachment")
    CLAIM = "claim", _("Taken on")
    SLA_PAUSED = "sla_paused", _("Time limits paused")
    SLA_RESUMED = "sla_resumed", _("Time limits resumed")
    SLA_WARNING = "sla_warning", _("Time limit warning")
    SLA_BREACH = "sla_breach", _("Time limit overdue")
    SLA_MET = "sla_met", _("Time limit met")
    SLA_ESCALATED = "sla_escalated", _("Escalated")
    DELAY_NOTICE = "delay_notice", _("Customer told of the delay")
    MAJOR = "major", _("Flagged as a major matter")
    MAJOR_CLEARED = "major_cleared", _("No longer a major matter")
    LIAISON = "liaison", _("Work liaison slip")


class TicketEvent(models.Model):
    """One line of a work order's timeline; never changed or deleted."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    action = models.CharField(max_length=20, blank=True)
    from_status = models.CharField(max_length=20, blank=True, choices=Status.choices)
    to_status = models.CharField(max_length=20, blank=True, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    public = models.BooleanField(
        default=False, help_text=_("Shown to the customer in the progress lookup.")
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_event_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        TicketEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to="tickets/%Y/%m/")
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    content_type = models.CharField(max_length=100)
    # empty for files that came in with an email (see kefu.tickets.mail)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class NumberCounter(models.Model):
    """The last number issued for a series (e.g. "GD:2026-11-23"); locked while issuing."""

    key = models.CharField(max_length=60, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key for POST /api/v1/tickets/: a retry returns the same order."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="ticket_idempotency_unique")
        ]

    def __str__(self) -> str:
        return self.key


class InboundEmailStatus(models.TextChoices):
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")
    IGNORED = "ignored", _("Ignored (automatic reply)")


class InboundEmail(models.Model):
    """A message read from the intake mailbox. Its Message-ID is taken at most once: the row
    is written in the transaction that creates (or updates) the order."""

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    mailbox = models.CharField(_("mailbox"), max_length=255)
    from_address = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("read at"), db_index=True)
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("work order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_emails",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=InboundEmailStatus.choices, db_index=True
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)

    class Meta:
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return self.message_id


class CannedReply(models.Model):
    """A canned reply or note (常用语) staff insert into the order page's note and reply
    boxes: for one category (and the categories under it) or, without one, for all."""

    title = models.CharField(_("title"), max_length=60)
    text = models.TextField(
        _("text"),
        help_text=_("Placeholders: {number}, {customer}, {agent_no}."),
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_replies",
        help_text=_("Empty: offered on every order."),
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "title"], name="canned_reply_title_per_category"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class LiaisonSlip(models.Model):
    """A work liaison slip (工作联系单, FRA-05): an urgent matter solved first and registered
    afterwards with its real start and finish times, linked to a work order."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    content = models.TextField(_("work content"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    people = models.CharField(_("people who did the work"), max_length=200)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="liaison_slips",
    )
    late_reason = models.TextField(_("why it is registered afterwards"))
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="liaison_slips",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registered at"), db_index=True)

    class Meta:
        verbose_name = _("work liaison slip")
        verbose_name_plural = _("work liaison slips")
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(finished_at__gt=models.F("started_at")),
                name="tickets_liaison_finish_after_start",
                violation_error_code="liaison_finish_before_start",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class SavedQueueView(models.Model):
    """A person's own queue: the filters and sort of the queue page saved under a name,
    shown to that person only as one more queue tab (我的保存视图)."""

    NAME_MAX_LENGTH = 30
    MAX_PER_PERSON = 20

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("saved view", "owner"),
        on_delete=models.CASCADE,
        related_name="saved_queue_views",
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    # the queue page's address query (queue, filters, sort), as the page reads it
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"],
                name="tickets_saved_view_name_unique",
                violation_error_code="saved_view_name_taken",
            ),
        ]

    def __str__(self) -> str:
        return self.name
