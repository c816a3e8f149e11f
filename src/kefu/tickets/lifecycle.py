"""The work-order lifecycle contract: what other apps may do when an order is created or
moved, and when they do it.

The participants are listed, in the order they run, in the setting
``KEFU_TICKET_LIFECYCLE`` (``kefu/config/settings.py``); each is a class with the four
steps of :class:`Participant`. ``kefu.tickets.services.ticket_create`` and
``ticket_transition`` call them, and nothing else does:

* **blockers** — what stops a person from taking an action now (an unanswered overdue
  investigation stops Close, so does an unverified corrective action). The service
  refuses the action with these reasons; the order page and the API show them instead
  of offering the action.
* **prepare_creation** — before the new order's write transaction (on SQLite that
  transaction holds the database's one write lock; every concurrent intake waits for
  it): everything the creation needs to read. It returns the participant's own frozen
  :class:`Preparation`, which tickets hands back to the same participant's
  ``on_created``. Its two common fields ask tickets to write something with the order
  itself: the deadline summary, and the sealing of the reporter's identity.
* **on_created** — inside the transaction, after the order's row and its first timeline
  line are written.
* **on_moved** — inside the transaction of every move, after the new status and its
  timeline line are written.

A participant that keeps sealed reporter identities also has the step of
:class:`IdentityKeeper`: when more of a sealed order's reporter comes in after intake (a
file's original name, a repeat caller's number, an email's sender), tickets hands it over
instead of writing it on the order.

A reaction that raises rolls the whole creation or move back. A participant writes its
own app's tables; the order's row and timeline belong to tickets, and a participant
changes them only through tickets' services (``timeline_append``, ``ticket_next_due_set``,
``TimelineBatch`` for system urges …).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from kefu.tickets.states import Action, Status

if TYPE_CHECKING:
    from kefu.org.models import User
    from kefu.tickets.models import Ticket


@dataclass(frozen=True)
class Blocker:
    """Why an action cannot be taken now: a stable ``code`` and the ``message`` a person
    reads (translated)."""

    code: str
    message: str


@dataclass(frozen=True)
class DeadlineSummary:
    """The order's time-limit policy and its earliest running deadline, written with the
    order's own row (the queues sort by it)."""

    policy_code: str
    next_due_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class Preparation:
    """What a participant's ``prepare_creation`` found. Each participant subclasses it
    with its own (frozen) fields; these two are requests to tickets about the new order's
    own row, applied before it is written."""

    deadline: DeadlineSummary | None = None
    # a tip-off: the reporter's identity never reaches the order's row
    seal_identity: bool = False


@dataclass(frozen=True)
class MoveMade:
    """A move that has just been written."""

    action: Action
    from_status: Status
    to_status: Status
    actor: User | None
    now: datetime


P = TypeVar("P", bound=Preparation)


@runtime_checkable
class Participant(Protocol[P]):
    """One app's part in the lifecycle. Steps other than ``prepare_creation`` run inside
    the transaction that changes the order, after the order is locked."""

    def blockers(self, *, ticket: Ticket, action: Action) -> list[Blocker]:
        """Why ``action`` cannot be taken on ``ticket`` now (empty: nothing in the way).
        Only reads; asked by the service before the move and by the page and API."""
        ...

    def prepare_creation(self, *, draft: Ticket, now: datetime) -> P:
        """Read what the creation of the validated, unsaved ``draft`` needs. Outside any
        transaction; changes nothing, the draft included."""
        ...

    def on_created(self, *, ticket: Ticket, prepared: P, now: datetime) -> None:
        """React to the new order, with what ``prepare_creation`` returned."""
        ...

    def on_moved(self, *, ticket: Ticket, move: MoveMade) -> None:
        """React to a move of the order."""
        ...


@runtime_checkable
class IdentityKeeper(Protocol):
    """A participant that keeps the sealed identity of a tip-off's reporter."""

    def identity_keep(self, *, ticket: Ticket, identity: dict, now: datetime) -> None:
        """Add ``identity`` to the sealed identity of ``ticket`` (inside its transaction)."""
        ...


@dataclass(frozen=True)
class Prepared:
    """Every participant's preparation for one new order, in the participants' order."""

    entries: tuple[tuple[Participant, Preparation], ...]

    @property
    def deadline(self) -> DeadlineSummary | None:
        found = [p.deadline for _participant, p in self.entries if p.deadline is not None]
        return found[-1] if found else None

    @property
    def seal_identity(self) -> bool:
        return any(p.seal_identity for _participant, p in self.entries)


def participants() -> tuple[Participant, ...]:
    """The participants named in ``settings.KEFU_TICKET_LIFECYCLE``, in its order."""
    return _load(tuple(settings.KEFU_TICKET_LIFECYCLE))


@functools.cache
def _load(paths: tuple[str, ...]) -> tuple[Participant, ...]:
    loaded = []
    for path in paths:
        try:
            participant = import_string(path)()
        except ImportError as exc:
            raise ImproperlyConfigured(f"KEFU_TICKET_LIFECYCLE: cannot import {path}") from exc
        if not isinstance(participant, Participant):
            raise ImproperlyConfigured(
                f"KEFU_TICKET_LIFECYCLE: {path} lacks a step of kefu.tickets.lifecycle.Participant"
            )
        loaded.append(participant)
    return tuple(loaded)


# ---------------------------------------------------------------- run by tickets' services


def blockers(*, ticket: Ticket, action: Action) -> list[Blocker]:
    """Every participant's reasons why ``action`` cannot be taken on ``ticket`` now."""
    return [b for p in participants() for b in p.blockers(ticket=ticket, action=action)]


def prepare_creation(*, draft: Ticket, now: datetime) -> Prepared:
    return Prepared(tuple((p, p.prepare_creation(draft=draft, now=now)) for p in participants()))


def created(*, ticket: Ticket, prepared: Prepared, now: datetime) -> None:
    for participant, preparation in prepared.entries:
        participant.on_created(ticket=ticket, prepared=preparation, now=now)


def identity_keep(*, ticket: Ticket, identity: dict, now: datetime) -> None:
    """Hand more of a sealed order's reporter identity to the participants that keep it
    (with none configured it is dropped: it is never written on the order)."""
    for participant in participants():
        if isinstance(participant, IdentityKeeper):
            participant.identity_keep(ticket=ticket, identity=identity, now=now)


def moved(*, ticket: Ticket, move: MoveMade) -> None:
    for participant in participants():
        participant.on_moved(ticket=ticket, move=move)
