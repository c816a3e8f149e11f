"""Complaints' part in the work-order lifecycle (``kefu.tickets.lifecycle``).

* blocks Close while the case file has an unverified corrective action, a remedy awaiting
  approval, or a complaint found not valid whose customer was not told why;
* before a new complaint or tip-off is written: takes note of the reporter's identity and,
  for a tip-off, asks tickets to keep it off the order;
* on creation: opens the case file with its register number, seals a tip-off's reporter
  identity, tells the general managers of a major complaint;
* on moves: nothing;
* keeps what more comes in of a sealed reporter (files' names, later calls) sealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kefu.complaints.rules import Series
from kefu.complaints.services.closing import ticket_close_blockers
from kefu.complaints.services.identity import identity_add
from kefu.complaints.services.registration import case_open, series_of
from kefu.tickets.lifecycle import Blocker, MoveMade, Preparation
from kefu.tickets.models import Ticket
from kefu.tickets.services import ticket_identity
from kefu.tickets.states import Action


@dataclass(frozen=True, kw_only=True)
class ComplaintsPreparation(Preparation):
    series: str | None = None  # None: the order opens no case file
    identity: dict | None = None  # a tip-off's reporter, to seal


class ComplaintsParticipant:
    def blockers(self, *, ticket: Ticket, action: Action) -> list[Blocker]:
        if action != Action.CLOSE:
            return []
        return ticket_close_blockers(ticket=ticket)

    def prepare_creation(self, *, draft: Ticket, now: datetime) -> ComplaintsPreparation:
        series = series_of(draft)
        if series != Series.TIP_OFF:
            return ComplaintsPreparation(series=series)
        return ComplaintsPreparation(
            series=series, identity=ticket_identity(ticket=draft), seal_identity=True
        )

    def on_created(self, *, ticket: Ticket, prepared: ComplaintsPreparation, now: datetime) -> None:
        if prepared.series is not None:
            case_open(
                ticket=ticket, series=prepared.series, identity=prepared.identity or {}, now=now
            )

    def on_moved(self, *, ticket: Ticket, move: MoveMade) -> None:
        return None

    def identity_keep(self, *, ticket: Ticket, identity: dict, now: datetime) -> None:
        identity_add(ticket=ticket, identity=identity, now=now)
