"""The work-order lifecycle: statuses, actions and the allowed moves. Pure: no ORM.

Every status change in kefu goes through ``kefu.tickets.services.ticket_transition``, which
asks this table first. An action names what a person does (dispatch, sign, return …); the
table says from which statuses it may be taken and where it leads.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    DISPATCHED = "dispatched", _("Dispatched")
    SIGNED = "signed", _("Signed for")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    AWAITING_VISIT = "awaiting_visit", _("Awaiting return visit")
    CLOSED = "closed", _("Closed")
    RETURNED = "returned", _("Returned")
    SUSPENDED = "suspended", _("Suspended")
    CANCELLED = "cancelled", _("Cancelled")
    REOPENED = "reopened", _("Reopened")
    ARBITRATION = "arbitration", _("Awaiting ruling")


OPEN_STATUSES = frozenset(
    {
        Status.RECEIVED,
        Status.DISPATCHED,
        Status.SIGNED,
        Status.IN_PROGRESS,
        Status.RETURNED,
        Status.SUSPENDED,
        Status.REOPENED,
        Status.ARBITRATION,
    }
)
# Resolved but not yet confirmed by the customer: still the first responder's loop.
AWAITING_CUSTOMER = frozenset({Status.RESOLVED, Status.AWAITING_VISIT})
FINAL_STATUSES = frozenset({Status.CLOSED, Status.CANCELLED})


class Action(models.TextChoices):
    SETTLE = "settle", _("Settle at first contact")
    DISPATCH = "dispatch", _("Dispatch")
    SIGN = "sign", _("Sign for")
    RETURN = "return", _("Return")
    RULE = "rule", _("Rule the owning department")
    TRANSFER = "transfer", _("Transfer to another department")
    START = "start", _("Start work")
    RESOLVE = "resolve", _("Resolve")
    SUSPEND = "suspend", _("Suspend")
    RESUME = "resume", _("Resume")
    REQUEST_VISIT = "request_visit", _("Hand to return visit")
    CLOSE = "close", _("Close")
    REOPEN = "reopen", _("Reopen")
    CANCEL = "cancel", _("Cancel the order")


@dataclass(frozen=True)
class Move:
    action: Action
    sources: frozenset[Status]
    target: Status
    needs_reason: bool = False


S = Status
MOVES: dict[Action, Move] = {
    move.action: move
    for move in [
        Move(Action.SETTLE, frozenset({S.RECEIVED}), S.RESOLVED),
        Move(Action.DISPATCH, frozenset({S.RECEIVED, S.RETURNED, S.REOPENED}), S.DISPATCHED),
        Move(Action.SIGN, frozenset({S.DISPATCHED}), S.SIGNED),
        Move(Action.RETURN, frozenset({S.DISPATCHED, S.SIGNED}), S.RETURNED, needs_reason=True),
        Move(Action.RULE, frozenset({S.ARBITRATION}), S.DISPATCHED, needs_reason=True),
        Move(
            Action.TRANSFER, frozenset({S.SIGNED, S.IN_PROGRESS}), S.DISPATCHED, needs_reason=True
        ),
        Move(Action.START, frozenset({S.SIGNED, S.REOPENED}), S.IN_PROGRESS),
        Move(Action.RESOLVE, frozenset({S.SIGNED, S.IN_PROGRESS}), S.RESOLVED),
        Move(Action.SUSPEND, frozenset({S.SIGNED, S.IN_PROGRESS}), S.SUSPENDED, needs_reason=True),
        Move(Action.RESUME, frozenset({S.SUSPENDED}), S.IN_PROGRESS),
        Move(Action.REQUEST_VISIT, frozenset({S.RESOLVED}), S.AWAITING_VISIT),
        Move(Action.CLOSE, frozenset({S.RESOLVED, S.AWAITING_VISIT}), S.CLOSED),
        Move(
            Action.REOPEN,
            frozenset({S.RESOLVED, S.AWAITING_VISIT, S.CLOSED}),
            S.REOPENED,
            needs_reason=True,
        ),
        Move(Action.CANCEL, frozenset(OPEN_STATUSES), S.CANCELLED, needs_reason=True),
    ]
}

# A department may return an order at most this many times before the office rules.
RETURNS_BEFORE_ARBITRATION = 2


def can_transition(status: str, action: str) -> bool:
    move = MOVES.get(Action(action)) if action in Action.values else None
    return move is not None and Status(status) in move.sources


def target_of(status: str, action: str, *, return_count: int = 0) -> Status:
    """Where *action* leads from *status*; raises ``ValueError`` when it is not allowed.

    ``return_count`` is how many times the order was returned before this action: the
    second return sends the order to the office for a ruling instead of back to dispatch.
    """
    if not can_transition(status, action):
        raise ValueError(f"{action} is not allowed from {status}")
    move = MOVES[Action(action)]
    if move.action == Action.RETURN and return_count + 1 >= RETURNS_BEFORE_ARBITRATION:
        return Status.ARBITRATION
    return move.target


def allowed_actions(status: str) -> list[Action]:
    return [action for action, move in MOVES.items() if Status(status) in move.sources]


def is_open(status: str) -> bool:
    return Status(status) in OPEN_STATUSES
