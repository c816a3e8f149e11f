"""Background jobs of the return-visit app: the daily visit-plan generation and the sweep
that retries survey links by email (kefu.notify sends them) until the link expires."""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.followups.services import plans
from kefu.followups.services.survey_links import survey_emails_pending
from kefu.notify.services import email_deliver_now

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="15", hour="1"))
def plans_generate() -> None:
    """Every night: plan the visits the rules ask for within the horizon. Idempotent, so
    two workers running it at once create each visit once."""
    counts = plans.plans_generate(today=timezone.localdate())
    if counts["planned"]:
        logger.info("visit plans: %d planned visits created", counts["planned"])


@db_periodic_task(crontab(minute="*/15"))
def survey_emails_retry() -> None:
    """Every quarter of an hour: try again the survey emails the mail server has not taken
    yet (after the task's own retries), as long as their link is valid."""
    for message_id in survey_emails_pending(now=timezone.now()).values_list("pk", flat=True):
        try:
            email_deliver_now(message_id)
        except Exception:  # recorded on the message; the next sweep tries again
            logger.warning("survey email %s still not delivered", message_id)
