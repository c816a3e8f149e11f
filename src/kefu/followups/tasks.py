"""Background jobs of the return-visit app: the daily visit-plan generation."""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.followups import services

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="15", hour="1"))
def plans_generate() -> None:
    """Every night: plan the visits the rules ask for within the horizon. Idempotent, so
    two workers running it at once create each visit once."""
    counts = services.plans_generate(today=timezone.localdate())
    if counts["planned"]:
        logger.info("visit plans: %d planned visits created", counts["planned"])
