"""Background jobs of kefu.notify: one delivery task per message, and the sweep that settles
what a killed worker left behind (huey does not redeliver a task whose worker died)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kefu.notify import services

log = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=60)
def sms_deliver(message_id: int) -> None:
    """Send one SMS; a refusal (recorded on the message) is retried by the worker."""
    services.message_deliver_now(message_id)


@db_task(retries=3, retry_delay=60)
def email_deliver(message_id: int) -> None:
    """Send one email; a failure (recorded on the message) is retried by the worker."""
    services.message_deliver_now(message_id)


@db_periodic_task(crontab(minute="*"))
def messages_sweep() -> None:
    counts = services.messages_sweep()
    if any(counts.values()):
        log.info("outbound messages swept: %s", counts)
