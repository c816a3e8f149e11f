"""The order's timeline and the other columns of the order that other apps' work changes
(its deadline summary, its urge count, who takes part in it). Tickets owns these tables:
the SLA engine, complaints and return visits write them through the functions here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.org.models import Department, User
from kefu.tickets.models import EventKind, Ticket, TicketEvent
from kefu.tickets.rules import NO_DEADLINE
from kefu.tickets.services.common import department_people, ticket_url


def timeline_append(
    *,
    ticket: Ticket,
    kind: str,
    now: datetime,
    actor: User | None = None,
    note: str = "",
    public: bool = False,
    data: dict | None = None,
    action: str = "",
    from_status: str = "",
    to_status: str = "",
) -> TicketEvent:
    """Write one line of the order's timeline (never changed afterwards). ``public`` lines
    are shown to the customer in the progress lookup. Call inside the transaction that
    made the change the line tells of."""
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor,
        note=note,
        public=public,
        data=data or {},
        action=action,
        from_status=from_status,
        to_status=to_status,
        created_at=now,
    )


def ticket_next_due_set(
    *, ticket: Ticket, next_due_at: datetime | None, next_warn_at: datetime | None = None
) -> None:
    """Set the order's next due time (the queues sort and the sweep selects by it) and the
    instant its time-limit policy first warns (the queues' yellow light); writes only when
    one changed. Call inside the transaction that changed the deadlines."""
    due_sort = next_due_at or NO_DEADLINE
    if next_due_at is None:
        next_warn_at = None
    if (
        ticket.next_due_at != next_due_at
        or ticket.due_sort != due_sort
        or ticket.next_warn_at != next_warn_at
    ):
        Ticket.objects.filter(pk=ticket.pk).update(
            next_due_at=next_due_at, due_sort=due_sort, next_warn_at=next_warn_at
        )
        ticket.next_due_at = next_due_at
        ticket.due_sort = due_sort
        ticket.next_warn_at = next_warn_at


def urge_recipients(ticket: Ticket, *, lookup=department_people) -> list[User]:
    """Whom an urge tells: the order's handler, or without one the handlers and heads of
    its department (``lookup`` may be a cached :func:`department_people`)."""
    if ticket.owner is not None:
        return [ticket.owner]
    return lookup(ticket.department)


def urge_text(ticket: Ticket, note: str) -> str:
    return _("%(number)s was urged: %(note)s") % {
        "number": ticket.number,
        "note": note or ticket.title,
    }


@dataclass(frozen=True)
class UrgeNotice:
    """Whom a system urge must tell, and what."""

    recipients: list[User]
    text: str
    url: str


@dataclass
class TimelineBatch:
    """Timeline lines, urges by the system and new participants of many orders, gathered
    and written together by :meth:`write` (in the order they were gathered) — for a job
    that acts on a batch of locked orders, such as the SLA sweep."""

    now: datetime
    _events: list[TicketEvent] = field(default_factory=list)
    _urges: dict[int, int] = field(default_factory=dict)  # order id → times urged
    _participants: list[tuple[int, int]] = field(default_factory=list)
    _department_people: dict[int, list[User]] = field(default_factory=dict)

    def append(
        self, *, ticket: Ticket, kind: str, note: str, actor: User | None = None, **data
    ) -> None:
        """A timeline line, as :func:`timeline_append` would write it at ``now``."""
        self._events.append(
            TicketEvent(
                ticket=ticket, kind=kind, actor=actor, note=note, created_at=self.now, data=data
            )
        )

    def urge(self, *, ticket: Ticket, note: str) -> UrgeNotice:
        """催办 by the system, as ``ticket_urge`` with no actor: the order counts one urge
        more and the urge is on its timeline. Returns whom to tell (its handler, or
        without one its department), which the caller does once the batch commits."""
        self._urges[ticket.pk] = self._urges.get(ticket.pk, 0) + 1
        ticket.urge_count += 1
        self.append(ticket=ticket, kind=EventKind.URGE, note=note.strip())
        return UrgeNotice(
            recipients=urge_recipients(ticket, lookup=self._people),
            text=urge_text(ticket, note),
            url=ticket_url(ticket),
        )

    def participants_add(self, *, ticket: Ticket, users: Iterable[User]) -> None:
        """Let ``users`` open the order from now on (an escalation's recipients)."""
        self._participants += [(ticket.pk, user.pk) for user in users]

    def write(self) -> None:
        TicketEvent.objects.bulk_create(self._events)
        by_times: dict[int, list[int]] = {}
        for pk, times in self._urges.items():
            by_times.setdefault(times, []).append(pk)
        for times, pks in by_times.items():
            Ticket.objects.filter(pk__in=pks).update(
                urge_count=F("urge_count") + times, updated_at=timezone.now()
            )
        if self._participants:
            through = Ticket.participants.through
            through.objects.bulk_create(
                [through(ticket_id=t, user_id=u) for t, u in self._participants],
                ignore_conflicts=True,
            )

    @property
    def _people(self) -> Callable[[Department | None], list[User]]:
        def lookup(department: Department | None) -> list[User]:
            if department is None:
                return []
            if department.pk not in self._department_people:
                self._department_people[department.pk] = department_people(department)
            return self._department_people[department.pk]

        return lookup
