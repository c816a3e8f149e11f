"""The time limits' part in the work-order lifecycle (``kefu.tickets.lifecycle``).

* blocks nothing: the investigation notices (查办单) are opened at the closure and
  answered after it (CMP-19);
* before a new order is written: chooses its policy and computes its deadlines, so that the
  order is written with its policy code and next due time;
* on creation: stores the order's milestones (their clocks start at acceptance);
* on each move: meets, starts, pauses (suspend), resumes and stops (cancel) the clocks,
  and keeps the order's next due time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kefu.sla import engine
from kefu.sla.policy import MilestoneDeadline, PolicySpec
from kefu.tickets.lifecycle import Blocker, MoveMade, Preparation
from kefu.tickets.models import Ticket
from kefu.tickets.states import Action


@dataclass(frozen=True, kw_only=True)
class SlaPreparation(Preparation):
    policy: PolicySpec | None
    plan: tuple[MilestoneDeadline, ...]


class SlaParticipant:
    def blockers(self, *, ticket: Ticket, action: Action) -> list[Blocker]:
        return []

    def prepare_creation(self, *, draft: Ticket, now: datetime) -> SlaPreparation:
        policy, plan = engine.deadlines_plan(draft)
        return SlaPreparation(
            policy=policy, plan=tuple(plan), deadline=engine.deadline_summary(policy, plan)
        )

    def on_created(self, *, ticket: Ticket, prepared: SlaPreparation, now: datetime) -> None:
        engine.deadlines_create(ticket=ticket, policy=prepared.policy, plan=prepared.plan)

    def on_moved(self, *, ticket: Ticket, move: MoveMade) -> None:
        engine.deadlines_follow(ticket=ticket, action=move.action, now=move.now)
