"""Background jobs of the SLA app: the deadline sweep."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.sla import engine

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def sla_sweep() -> None:
    """Every minute: fire the warnings, breaches and escalations that are due. Several
    workers may run it at once; each event fires exactly once."""
    counts = engine.sla_sweep()
    if any(counts.values()):
        logger.info(
            "SLA sweep: %d warnings, %d breaches, %d escalations",
            counts["warnings"],
            counts["breaches"],
            counts["escalations"],
        )
