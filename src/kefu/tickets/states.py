"""The work-order lifecycle: statuses, actions and the allowed moves. Pure: no ORM.

Every status change in kefu goes through ``kefu.tickets.services.ticket_transition``, which
asks this table first. An action names what a person does (dispatch, sign, return …); the
table says from which statuses it may be taken, where it leads and what the person must or
may give with it (a reason, a department, a handler, the result). The service, the order
page's action forms and the API (its validation and its OpenAPI description) all read the
needs from here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


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


class Need(models.TextChoices):
    """What a person gives with a move: a field of the order page's action form, of the
    API's action body and an argument of ``ticket_transition``."""

    DEPARTMENT = "department", _("Department")
    OWNER = "owner", _("Handler")
    REASON = "reason", _("Reason")
    RESOLUTION = "resolution", _("Result")


@dataclass(frozen=True)
class Requirement:
    """A need the move is refused without, and what the refusal says."""

    need: Need
    message: StrOrPromise


GIVE_REASON = Requirement(Need.REASON, _("Give a reason."))
WRITE_RESULT = Requirement(Need.RESOLUTION, _("Write down the result."))
WRITE_SETTLEMENT = Requirement(Need.RESOLUTION, _("Write down how it was settled."))
CHOOSE_NEW_DEPARTMENT = Requirement(
    Need.DEPARTMENT, _("Choose the department to transfer the order to.")
)


@dataclass(frozen=True)
class Move:
    """One row of the table: from which statuses ``action`` may be taken, where it leads,
    what it is refused without (``requires``) and what else it takes if given
    (``accepts``). Any move also keeps a reason given with it on the timeline."""

    action: Action
    sources: frozenset[Status]
    target: Status
    requires: tuple[Requirement, ...] = ()
    accepts: frozenset[Need] = frozenset()

    @property
    def required(self) -> frozenset[Need]:
        return frozenset(requirement.need for requirement in self.requires)

    @property
    def needs(self) -> list[Need]:
        """Every need the move takes, required or not, in the order of ``Need``."""
        taken = self.required | self.accepts
        return [need for need in Need if need in taken]


S = Status
MOVES: dict[Action, Move] = {
    move.action: move
    for move in [
        Move(Action.SETTLE, frozenset({S.RECEIVED}), S.RESOLVED, requires=(WRITE_SETTLEMENT,)),
        Move(
            Action.DISPATCH,
            frozenset({S.RECEIVED, S.RETURNED, S.REOPENED}),
            S.DISPATCHED,
            accepts=frozenset({Need.DEPARTMENT, Need.OWNER}),
        ),
        Move(Action.SIGN, frozenset({S.DISPATCHED}), S.SIGNED, accepts=frozenset({Need.OWNER})),
        Move(
            Action.RETURN, frozenset({S.DISPATCHED, S.SIGNED}), S.RETURNED, requires=(GIVE_REASON,)
        ),
        Move(
            Action.RULE,
            frozenset({S.ARBITRATION}),
            S.DISPATCHED,
            requires=(GIVE_REASON,),
            accepts=frozenset({Need.DEPARTMENT, Need.OWNER}),
        ),
        Move(
            Action.TRANSFER,
            frozenset({S.SIGNED, S.IN_PROGRESS}),
            S.DISPATCHED,
            requires=(GIVE_REASON, CHOOSE_NEW_DEPARTMENT),
            accepts=frozenset({Need.OWNER}),
        ),
        Move(
            Action.START,
            frozenset({S.SIGNED, S.REOPENED}),
            S.IN_PROGRESS,
            accepts=frozenset({Need.OWNER}),
        ),
        Move(
            Action.RESOLVE,
            frozenset({S.SIGNED, S.IN_PROGRESS}),
            S.RESOLVED,
            requires=(WRITE_RESULT,),
        ),
        Move(
            Action.SUSPEND,
            frozenset({S.SIGNED, S.IN_PROGRESS}),
            S.SUSPENDED,
            requires=(GIVE_REASON,),
        ),
        Move(Action.RESUME, frozenset({S.SUSPENDED}), S.IN_PROGRESS),
        Move(Action.REQUEST_VISIT, frozenset({S.RESOLVED}), S.AWAITING_VISIT),
        Move(Action.CLOSE, frozenset({S.RESOLVED, S.AWAITING_VISIT}), S.CLOSED),
        Move(
            Action.REOPEN,
            frozenset({S.RESOLVED, S.AWAITING_VISIT, S.CLOSED}),
            S.REOPENED,
            requires=(GIVE_REASON,),
        ),
        Move(Action.CANCEL, frozenset(OPEN_STATUSES), S.CANCELLED, requires=(GIVE_REASON,)),
    ]
}

# A department may return an order at most this many times before the office rules.
RETURNS_BEFORE_ARBITRATION = 2


# The move a person most likely makes next on an order in each status, best first: the
# order page offers the first of these the person may take before every other action.
NEXT_ACTIONS: dict[Status, tuple[Action, ...]] = {
    S.RECEIVED: (Action.DISPATCH, Action.SETTLE),
    S.DISPATCHED: (Action.SIGN,),
    S.SIGNED: (Action.START, Action.RESOLVE),
    S.IN_PROGRESS: (Action.RESOLVE,),
    S.SUSPENDED: (Action.RESUME,),
    S.RETURNED: (Action.DISPATCH,),
    S.REOPENED: (Action.START, Action.DISPATCH),
    S.ARBITRATION: (Action.RULE,),
    S.RESOLVED: (Action.CLOSE, Action.REQUEST_VISIT),
    S.AWAITING_VISIT: (Action.CLOSE,),
}
# Moves that undo or end someone's work: offered apart from the others and confirmed.
DESTRUCTIVE = frozenset({Action.CANCEL, Action.RETURN})


def next_action(
    status: str, permitted: Collection[str], *, settle_first: bool = False
) -> Action | None:
    """The move the order page puts first: the first of ``NEXT_ACTIONS`` for ``status``
    among the ``permitted`` ones (those the person may take now); ``settle_first`` when
    the category may be settled at first contact. None when the person has none."""
    preferred = list(NEXT_ACTIONS.get(Status(status), ()))
    if settle_first and Action.SETTLE in preferred:
        preferred.remove(Action.SETTLE)
        preferred.insert(0, Action.SETTLE)
    return next((action for action in preferred if action in permitted), None)


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


def move_of(action: str) -> Move:
    """The table's row for ``action``; raises ``ValueError`` for an unknown action."""
    return MOVES[Action(action)]


def missing(action: str, given: Mapping[Need, object]) -> dict[str, StrOrPromise]:
    """For each need ``action`` is refused without and ``given`` leaves empty (absent,
    None or blank text), the need's field name and what the refusal says."""
    found = {}
    for requirement in move_of(action).requires:
        value = given.get(requirement.need)
        if value is None or (isinstance(value, str) and not value.strip()):
            found[requirement.need.value] = requirement.message
    return found
