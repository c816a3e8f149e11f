from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


class NotificationKind(models.TextChoices):
    """What a notice is about. Its kind decides how notices are grouped on the list and
    whether a person may mute it (:data:`MUTABLE_KINDS`)."""

    PROGRESS = "progress", _("order progress")
    SLA_WARNING = "sla_warning", _("time-limit warning")
    SLA_OVERDUE = "sla_overdue", _("overdue reminder")
    COMPLAINT_DECISION = "complaint_decision", _("complaint decision")
    URGE = "urge", _("urging")
    SUPERVISION = "supervision", _("supervision")
    ESCALATION = "escalation", _("escalation")
    MAJOR = "major", _("major matter")
    TASK = "task", _("task for you")
    GENERAL = "general", _("other")


#: the kinds a person may mute: news about orders that others are working on. Notices that
#: ask the person to act (a task, an urging, supervision, a delay notice to give) and those
#: the rules require to reach someone (escalations, a major matter for the general manager)
#: cannot be muted.
MUTABLE_KINDS = frozenset(
    {
        NotificationKind.PROGRESS,
        NotificationKind.SLA_WARNING,
        NotificationKind.SLA_OVERDUE,
        NotificationKind.COMPLAINT_DECISION,
    }
)


class Notification(models.Model):
    """An in-app notice for one staff member (the bell in the top bar)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(max_length=300, blank=True)
    kind = models.CharField(
        _("kind"),
        max_length=30,
        choices=NotificationKind.choices,
        default=NotificationKind.GENERAL,
    )
    #: what the notice is about, as people name it (an order number, a complaint number)
    subject = models.CharField(_("about"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notify_unread_idx")]

    def __str__(self) -> str:
        return self.text


class NotificationMute(models.Model):
    """A kind of notice one person chose not to receive (one of :data:`MUTABLE_KINDS`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_mutes"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("muted notification kind")
        verbose_name_plural = _("muted notification kinds")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notify_mute_user_kind_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class MessageTemplate(models.Model):
    """Editable text of a message sent to customers; ``{name}`` placeholders are filled in."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    text = models.TextField(_("text"))
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class MessageStatus(models.TextChoices):
    """Where one message's delivery stands (the moves are in :mod:`kefu.notify.delivery`)."""

    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    LOGGED = "logged", _("Logged (no gateway)")
    FAILED = "failed", _("Failed")
    UNKNOWN = "unknown", _("Outcome unknown")


class OutboundMessage(models.Model):
    """Every SMS or email sent to a customer, whatever the backend did with it: one row per
    recipient, which is also its delivery record. A worker claims the row (status
    ``sending``, a claim token and a lease deadline) in a committed write before it calls the
    gateway, so a worker killed mid-send leaves a claim the sweeper can find and settle."""

    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    to = models.CharField(_("recipient"), max_length=200)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    template_code = models.CharField(max_length=60, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # the gateway's message: approved signature and template, and the template's values
    sign_name = models.CharField(max_length=40, blank=True)
    params = models.JSONField(default=dict, blank=True)
    # delivery: the claim of the worker sending it, and what the gateway said
    attempts = models.PositiveSmallIntegerField(pgettext_lazy("messages", "attempts"), default=0)
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    retry_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(_("gateway id"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "id"], name="notify_msg_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sending")
                | models.Q(claim_token__isnull=False, lease_until__isnull=False),
                name="notify_msg_sending_is_claimed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.to}"

    @property
    def out_id(self) -> str:
        """The id the gateway is given for this message (Aliyun ``OutId``, Tencent
        ``SessionContext``), by which it can be asked what became of it."""
        return str(self.pk)
