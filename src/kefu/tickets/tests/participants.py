"""Lifecycle participants for tests, named by dotted path in ``KEFU_TICKET_LIFECYCLE``."""

from dataclasses import dataclass

from kefu.tickets.lifecycle import Blocker, Preparation
from kefu.tickets.states import Action

# What Recording saw, in order (cleared by the tests that use it).
seen: list[tuple] = []


class FailingOnMove:
    def blockers(self, *, ticket, action):
        return []

    def prepare_creation(self, *, draft, now):
        return Preparation()

    def on_created(self, *, ticket, prepared, now):
        return None

    def on_moved(self, *, ticket, move):
        raise RuntimeError("reaction failed")


@dataclass(frozen=True, kw_only=True)
class RecordingPreparation(Preparation):
    title: str
    saved: bool


class Recording:
    """Records each step with what it was given; blocks cancelling an order titled
    "blocked"."""

    def blockers(self, *, ticket, action):
        seen.append(("blockers", action))
        if action == Action.CANCEL and ticket.title == "blocked":
            return [Blocker(code="test_blocked", message="blocked by the test")]
        return []

    def prepare_creation(self, *, draft, now):
        seen.append(("prepare", draft.title))
        return RecordingPreparation(title=draft.title, saved=draft.pk is not None)

    def on_created(self, *, ticket, prepared, now):
        seen.append(("created", prepared.title, prepared.saved, ticket.pk is not None))

    def on_moved(self, *, ticket, move):
        seen.append(("moved", move.action, move.from_status, move.to_status))


class Incomplete:
    """Lacks ``on_moved``."""

    def blockers(self, *, ticket, action):
        return []

    def prepare_creation(self, *, draft, now):
        return Preparation()

    def on_created(self, *, ticket, prepared, now):
        return None
