"""Who must recompute deadlines when a calendar's data changes.

The ticket and SLA code registers a hook once at start-up (in its ``AppConfig.ready``)::

    from kefu.sla.hooks import register_recompute_hook

    def recompute(*, calendar_code: str, year: int, reason: str) -> None:
        ...  # e.g. enqueue a task that recomputes the provisional deadlines of that year

    register_recompute_hook(recompute)

``kefu.sla.services`` runs every hook after the transaction that changed the calendar has
committed: ``reason`` is ``"year_loaded"`` (the year's holidays are now known, so
provisional deadlines in it can be made final), ``"day_added"``, ``"day_removed"`` or
``"pattern_changed"`` (``year`` is then the current year). The registry holds code, not
data: every process registers the same hooks at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

RecomputeHook = Callable[..., None]

_hooks: list[RecomputeHook] = []
logger = logging.getLogger(__name__)


def register_recompute_hook(hook: RecomputeHook) -> RecomputeHook:
    """Add ``hook`` (once); returns it, so it can be used as a decorator."""
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


def unregister_recompute_hook(hook: RecomputeHook) -> None:
    if hook in _hooks:
        _hooks.remove(hook)


def run_recompute_hooks(*, calendar_code: str, year: int, reason: str) -> None:
    """Call every hook; one failing hook is logged and does not stop the others."""
    for hook in list(_hooks):
        try:
            hook(calendar_code=calendar_code, year=year, reason=reason)
        except Exception:
            logger.exception("recompute hook %r failed for %s/%s", hook, calendar_code, year)
