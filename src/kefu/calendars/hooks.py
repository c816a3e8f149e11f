"""Who must act when a working calendar's data changes: the functions named in the setting
``KEFU_CALENDAR_CHANGE_LISTENERS``, in its order.

``kefu.calendars.services`` calls :func:`run_recompute_hooks` after the transaction that changed
the calendar has committed, with ``calendar_code``, ``year`` and ``reason``: ``"year_loaded"``
(the year's holidays are now known, so provisional deadlines in it can be made final),
``"year_unloaded"``, ``"day_added"``, ``"day_removed"`` or ``"pattern_changed"`` (``year``
is then the current year).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def run_recompute_hooks(*, calendar_code: str, year: int, reason: str) -> None:
    """Call every listener; one failing listener is logged and does not stop the others."""
    for path in settings.KEFU_CALENDAR_CHANGE_LISTENERS:
        try:
            import_string(path)(calendar_code=calendar_code, year=year, reason=reason)
        except Exception:
            logger.exception(
                "calendar change listener %s failed for %s/%s", path, calendar_code, year
            )
