"""Registering a complaint or tip-off: its register number, its case file opened with the
work order, the sealed reporter of a tip-off, and the general managers told at once of a
major complaint (CMP-02, CMP-29)."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.complaints import crypto, rules
from kefu.complaints.models import (
    ComplaintCase,
    IdentityAccess,
    IdentityAccessKind,
    RegisterCounter,
    ReporterIdentity,
)
from kefu.complaints.rules import Series, Severity
from kefu.complaints.sealing import anonymous
from kefu.complaints.services.common import (
    case_note,
    case_subject,
    case_url,
    general_managers,
    notify,
)
from kefu.complaints.services.configuration import settings_get
from kefu.core.counters import counter_next
from kefu.notify.models import NotificationKind
from kefu.tickets.models import Ticket


def register_allocate(*, series: str, at: datetime) -> tuple[date, int, str]:
    """The next register number of *series* for the month of *at*.

    The counter row is incremented and locked by one ``UPDATE … RETURNING`` in the
    caller's transaction: concurrent registrations wait for each other, so a number is
    never issued twice and never skipped. Past the width's capacity the settings decide:
    widen, or refuse with a ``ValidationError`` that says what to do.
    """
    month = rules.month_of(timezone.localdate(at))
    key = rules.counter_key(series, month)
    serial = counter_next(RegisterCounter, key)
    conf = settings_get()
    prefix = conf.tip_off_prefix if series == Series.TIP_OFF else conf.complaint_prefix
    try:
        number = rules.register_number(
            prefix=prefix,
            month=month,
            serial=serial,
            width=conf.number_width,
            overflow=conf.number_overflow,
        )
    except rules.NumberingFull as full:
        raise ValidationError(
            _(
                "The complaint register numbers of %(month)s are used up (%(capacity)s a "
                "month with %(width)s digits). An administrator can widen the numbers in the "
                "complaint settings; then take the complaint again."
            )
            % {
                "month": f"{month:%Y-%m}",
                "capacity": full.capacity,
                "width": conf.number_width,
            },
            code="numbering_full",
        ) from None
    return month, serial, number


def series_of(ticket: Ticket) -> str | None:
    """The register a new order of this type opens a case in (None: no case file)."""
    if ticket.parent_id is not None:
        return None  # co-handling orders belong to their parent's case
    return rules.SERIES_BY_TICKET_TYPE.get(ticket.ticket_type.code)


def case_open(*, ticket: Ticket, series: str, identity: dict, now: datetime) -> ComplaintCase:
    """Open the case file of a new complaint or tip-off and give it its register number;
    a tip-off's reporter ``identity`` (already taken off the order) is sealed with it.
    Runs inside the order's creation."""
    month, serial, number = register_allocate(series=series, at=now)
    case = ComplaintCase(
        ticket=ticket,
        series=series,
        register_no=number,
        month=month,
        serial=serial,
        severity=rules.initial_severity(ticket.priority),
        created_at=now,
    )
    case.full_clean(exclude=["ticket"], validate_constraints=False)
    case.save(force_insert=True)
    text = _("Complaint case %(number)s registered") % {"number": number}
    if series == Series.TIP_OFF:
        _reporter_seal(case, identity, now=now)
        text = _("Tip-off %(number)s registered; the reporter's identity is sealed") % {
            "number": number
        }
    case_note(case, actor=ticket.first_responder, now=now, text=text)
    if case.severity == Severity.MAJOR:
        major_complaint_notify(case, now=now)
    return case


def _reporter_seal(case: ComplaintCase, identity: dict, *, now: datetime) -> None:
    """Seal a new tip-off's reporter with its case, logged as sealed at intake."""
    ReporterIdentity.objects.create(
        case=case,
        anonymous=anonymous(identity),
        sealed=crypto.seal(identity) if identity else "",
        updated_at=now,
    )
    IdentityAccess.objects.create(
        case=case,
        user=case.ticket.first_responder,
        kind=IdentityAccessKind.SEALED,
        channel="intake",
        at=now,
    )


def major_complaint_notify(case: ComplaintCase, *, now: datetime) -> None:
    """CMP-29: a major complaint goes to the general manager at once. The text names the
    case and its subject, never the customer or a reporter."""
    ComplaintCase.objects.filter(pk=case.pk).update(major_notified_at=now)
    case.major_notified_at = now
    managers = general_managers()
    notify(
        managers,
        _("Major complaint %(number)s: %(title)s")
        % {"number": case.register_no, "title": case.ticket.title},
        case_url(case),
        kind=NotificationKind.MAJOR,
        subject=case_subject(case),
    )
    case_note(
        case,
        actor=None,
        now=now,
        text=_("Major complaint: general manager told (%(names)s)")
        % {"names": "、".join(m.display_name for m in managers) or "—"},
    )
