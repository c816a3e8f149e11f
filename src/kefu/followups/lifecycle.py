"""Return visits' part in the work-order lifecycle (``kefu.tickets.lifecycle``).

* blocks nothing, prepares nothing and does nothing at creation;
* on each move: a resolution (or "hand to return visit") creates the order's return visit
  as its policy says; closing, reopening or cancelling the order by hand ends the pending
  visit (kept, marked not visited).
"""

from __future__ import annotations

from datetime import datetime

from kefu.followups.services.creation import on_ticket_moved
from kefu.tickets.lifecycle import Blocker, MoveMade, Preparation
from kefu.tickets.models import Ticket
from kefu.tickets.states import Action


class FollowupsParticipant:
    def blockers(self, *, ticket: Ticket, action: Action) -> list[Blocker]:
        return []

    def prepare_creation(self, *, draft: Ticket, now: datetime) -> Preparation:
        return Preparation()

    def on_created(self, *, ticket: Ticket, prepared: Preparation, now: datetime) -> None:
        return None

    def on_moved(self, *, ticket: Ticket, move: MoveMade) -> None:
        on_ticket_moved(ticket, action=move.action, actor=move.actor, now=move.now)
