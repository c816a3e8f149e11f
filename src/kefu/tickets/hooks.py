"""Extension points other modules register into (the SLA engine, return visits …).

Each hook runs inside the transaction that changed the ticket, after the change and its
timeline event are written, so whatever it writes commits or rolls back with them.
The exception is ``on_ticket_creating``: it runs before the new order's write
transaction begins, so that the reads a creation needs do not lengthen it.
"""

from __future__ import annotations

from collections.abc import Callable

_creating: list[Callable] = []
_created: list[Callable] = []
_transitioned: list[Callable] = []


def on_ticket_creating(func: Callable) -> Callable:
    """Register ``func(ticket, *, now)``, called with the validated, unsaved new order.

    It may only read, and may set fields of the unsaved ticket (they are then part of its
    INSERT) or keep on it what its ``on_ticket_created`` counterpart will use; that
    counterpart must still work when this one did not run.
    """
    _creating.append(func)
    return func


def on_ticket_created(func: Callable) -> Callable:
    """Register ``func(ticket, *, now)``."""
    _created.append(func)
    return func


def on_ticket_transition(func: Callable) -> Callable:
    """Register ``func(ticket, *, action, from_status, to_status, actor, now)``."""
    _transitioned.append(func)
    return func


def run_creating(ticket, *, now) -> None:
    for func in list(_creating):
        func(ticket, now=now)


def run_created(ticket, *, now) -> None:
    for func in list(_created):
        func(ticket, now=now)


def run_transition(ticket, **kwargs) -> None:
    for func in list(_transitioned):
        func(ticket, **kwargs)
