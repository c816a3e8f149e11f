"""Major matters (重大事项, FRA-04) and work liaison slips (工作联系单, FRA-05).

Any order may be flagged as a major matter, with the reason: every general manager is told
at once, in the app and by SMS or email where they have a phone or an address. A head or a
general manager may clear the flag, with the reason.

An urgent matter solved first is registered afterwards on a liaison slip with its real
start and finish times, the people and the department who did the work, and why it is
registered late; the slip is linked to an existing order or opens a new one.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.counters import counter_next
from kefu.notify.services import email_queue_text, sms_queue_text
from kefu.org.models import Department, User
from kefu.org.roles import RoleCode
from kefu.tickets.models import Category, EventKind, LiaisonSlip, NumberCounter, Ticket
from kefu.tickets.permissions import may_supervise
from kefu.tickets.services.common import notify_people, ticket_lock, ticket_url
from kefu.tickets.services.intake import ticket_create
from kefu.tickets.services.timeline import timeline_append

REASON_MAX = 500


def general_managers() -> list[User]:
    """The active general managers: a major matter is theirs to know of at once."""
    return list(
        User.objects.filter(is_active=True, roles__code=RoleCode.GENERAL_MANAGER)
        .distinct()
        .order_by("pk")
    )


def _reason(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: ValidationError(message, code="required")})
    if len(value) > REASON_MAX:
        raise ValidationError(
            {
                field: ValidationError(
                    _("The reason is longer than %(max)d characters.") % {"max": REASON_MAX},
                    code="max_length",
                )
            }
        )
    return value


@transaction.atomic
def ticket_flag_major(
    *, ticket: Ticket, actor: User, reason: str, now: datetime | None = None
) -> Ticket:
    """Flag the order as a major matter (FRA-04): the reason, who and when are kept, the
    timeline tells of it, and every general manager is told at once."""
    now = now or timezone.now()
    reason = _reason(reason, "reason", _("Say why it is a major matter."))
    ticket = ticket_lock(ticket=ticket)
    if ticket.major:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("The order is already flagged as a major matter."), code="already_major"
                )
            }
        )
    ticket.major = True
    ticket.major_reason = reason
    ticket.major_by = actor
    ticket.major_at = now
    ticket.save(update_fields=["major", "major_reason", "major_by", "major_at", "updated_at"])
    managers = general_managers()
    timeline_append(
        ticket=ticket,
        kind=EventKind.MAJOR,
        actor=actor,
        note=reason,
        now=now,
        data={"told": [m.display_name for m in managers]},
    )
    text = _("Major matter %(number)s: %(title)s — %(reason)s (reported by %(who)s)") % {
        "number": ticket.number,
        "title": ticket.title,
        "reason": reason,
        "who": actor.display_name,
    }
    notify_people(managers, text, ticket)
    for manager in managers:
        if manager.phone:
            sms_queue_text(phone=manager.phone, text=text, template_code="major_matter")
        if manager.email:
            email_queue_text(
                to=manager.email,
                subject=_("Major matter %(number)s") % {"number": ticket.number},
                text=f"{text}\n{ticket_url(ticket)}",
                template_code="major_matter",
            )
    return ticket


@transaction.atomic
def ticket_clear_major(
    *, ticket: Ticket, actor: User, reason: str, now: datetime | None = None
) -> Ticket:
    """A head or a general manager clears the major-matter flag, with the reason."""
    now = now or timezone.now()
    reason = _reason(reason, "reason", _("Say why it is no longer a major matter."))
    ticket = ticket_lock(ticket=ticket)
    if not may_supervise(actor, ticket):
        raise PermissionDenied(_("Only heads and general managers clear a major matter."))
    if not ticket.major:
        raise ValidationError(
            {"reason": ValidationError(_("The order is not a major matter."), code="not_major")}
        )
    ticket.major = False
    ticket.save(update_fields=["major", "updated_at"])
    timeline_append(ticket=ticket, kind=EventKind.MAJOR_CLEARED, actor=actor, note=reason, now=now)
    notify_people(
        [m for m in general_managers() if m.pk != actor.pk],
        _("%(number)s is no longer a major matter: %(reason)s")
        % {"number": ticket.number, "reason": reason},
        ticket,
    )
    return ticket


def _slip_check(
    *,
    content: str,
    people: str,
    late_reason: str,
    started_at: datetime | None,
    finished_at: datetime | None,
    department: Department | None,
    now: datetime,
) -> None:
    """Every reason the slip is refused, at once, by field."""
    errors: dict[str, ValidationError] = {}
    if not content:
        errors["content"] = ValidationError(_("Describe the work done."), code="required")
    if not people:
        errors["people"] = ValidationError(_("Name the people who did the work."), code="required")
    if not late_reason:
        errors["late_reason"] = ValidationError(
            _("Say why the slip is registered afterwards."), code="required"
        )
    if department is None:
        errors["department"] = ValidationError(
            _("Choose the department that did the work."), code="required"
        )
    elif not department.is_active:
        errors["department"] = ValidationError(
            _("The department is no longer active."), code="department_inactive"
        )
    if started_at is None:
        errors["started_at"] = ValidationError(_("Enter when the work started."), code="required")
    elif started_at > now:
        errors["started_at"] = ValidationError(
            _("The start time is in the future: register the work once it is done."),
            code="liaison_time_in_future",
        )
    if finished_at is None:
        errors["finished_at"] = ValidationError(
            _("Enter when the work was finished."), code="required"
        )
    elif finished_at > now:
        errors["finished_at"] = ValidationError(
            _("The finish time is in the future: register the work once it is done."),
            code="liaison_time_in_future",
        )
    elif started_at is not None and finished_at <= started_at:
        errors["finished_at"] = ValidationError(
            _("The finish time must be after the start time."),
            code="liaison_finish_before_start",
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def liaison_slip_register(
    *,
    actor: User,
    content: str,
    started_at: datetime | None,
    finished_at: datetime | None,
    people: str,
    department: Department | None,
    late_reason: str,
    ticket: Ticket | None = None,
    category: Category | None = None,
    channel: str = "internal",
    now: datetime | None = None,
) -> LiaisonSlip:
    """Register a work liaison slip after the fact (FRA-05) with the work's real times.

    With ``ticket`` the slip is linked to that order; with ``category`` (and no ticket) a
    new order is opened for it, its first responder the person registering. The order's
    timeline tells of the slip and its real times."""
    now = now or timezone.now()
    content, people = (content or "").strip(), (people or "").strip()
    late_reason = (late_reason or "").strip()
    _slip_check(
        content=content,
        people=people,
        late_reason=late_reason,
        started_at=started_at,
        finished_at=finished_at,
        department=department,
        now=now,
    )
    if ticket is not None and category is not None:
        raise ValidationError(
            {
                "ticket": ValidationError(
                    _("Link the slip to an order or open a new one, not both."),
                    code="liaison_ticket_or_category",
                )
            }
        )
    if ticket is None and category is not None:
        ticket = ticket_create(
            actor=actor,
            category=category,
            channel=channel,
            title=content.splitlines()[0][:200],
            description=content,
            now=now,
        )
    assert started_at is not None and finished_at is not None  # checked above
    if ticket is not None:
        ticket = ticket_lock(ticket=ticket)
    day = timezone.localdate(now)
    serial = counter_next(NumberCounter, f"liaison:{day:%Y%m}")
    slip = LiaisonSlip(
        number=f"LX{day:%Y%m}{serial:04d}",
        content=content,
        started_at=started_at,
        finished_at=finished_at,
        people=people,
        department=department,
        late_reason=late_reason,
        ticket=ticket,
        registered_by=actor,
        registered_at=now,
    )
    slip.full_clean()
    slip.save()
    if ticket is not None:
        _slip_on_timeline(slip, ticket=ticket, actor=actor, now=now)
    return slip


def _slip_on_timeline(slip: LiaisonSlip, *, ticket: Ticket, actor: User, now: datetime) -> None:
    start = timezone.localtime(slip.started_at)
    finish = timezone.localtime(slip.finished_at)
    timeline_append(
        ticket=ticket,
        kind=EventKind.LIAISON,
        actor=actor,
        now=now,
        note=_(
            "%(number)s: %(content)s — done by %(people)s (%(department)s) from %(start)s to "
            "%(finish)s; registered afterwards because: %(reason)s"
        )
        % {
            "number": slip.number,
            "content": slip.content,
            "people": slip.people,
            "department": slip.department.name,
            "start": f"{start:%Y-%m-%d %H:%M}",
            "finish": f"{finish:%Y-%m-%d %H:%M}",
            "reason": slip.late_reason,
        },
        data={
            "slip": slip.number,
            "started_at": slip.started_at.isoformat(),
            "finished_at": slip.finished_at.isoformat(),
        },
    )
