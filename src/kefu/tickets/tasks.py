"""Background jobs of the tickets app: email intake."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task
from huey.exceptions import TaskLockedException

from kefu.tickets import mail

logger = logging.getLogger(__name__)

# Shared by the worker and `kefu fetch_mail`, in the task queue's store (SQLite or Redis).
FETCH_LOCK = "tickets.fetch-mail"
_LAST_POLL_KEY = "tickets.fetch-mail.last-poll"
_STARTED_KEY = "tickets.fetch-mail.started"


def mail_fetch_locked(*, force: bool = False) -> mail.FetchReport | None:
    """Read the intake mailbox unless another process is reading it, or (without *force*)
    it was read less than IMAP_POLL_MINUTES ago; ``None`` when it was not read.

    The lock only saves double work: the unique Message-ID is what keeps an email from
    making two orders. A lock left by a process that died is broken after an hour.
    """
    now = time.time()
    if not force and not mail.poll_due(
        last=HUEY.get(_LAST_POLL_KEY, peek=True), now=now, minutes=settings.IMAP_POLL_MINUTES
    ):
        return None
    lock = HUEY.lock_task(FETCH_LOCK)
    try:
        lock.acquire()
    except TaskLockedException:
        if not mail.lock_stale(started=HUEY.get(_STARTED_KEY, peek=True), now=now):
            return None
        logger.warning("breaking the email intake lock left by a process that stopped")
        lock.clear()
        try:
            lock.acquire()
        except TaskLockedException:
            return None
    try:
        HUEY.put(_STARTED_KEY, now)
        HUEY.put(_LAST_POLL_KEY, now)
        return mail.mailbox_fetch(mail.MailboxConfig.from_settings())
    finally:
        HUEY.delete(_STARTED_KEY)
        lock.release()


@db_periodic_task(crontab(minute="*"))
def mail_poll() -> None:
    """Every minute: read the intake mailbox when it is configured and its interval is up."""
    if not settings.IMAP_HOST:
        return
    try:
        report = mail_fetch_locked()
    except mail.MailboxError:
        logger.exception("email intake")
        return
    if report is not None:
        logger.info(
            "email intake: %d new, %d replies, %d failed, %d ignored",
            report.new,
            report.replies,
            report.failed,
            report.ignored,
        )
