"""Background jobs of the core app."""

import socket

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from kefu.core.models import WorkerHeartbeat


def heartbeat_record(*, name: str | None = None) -> WorkerHeartbeat:
    """Record that a worker is alive now (read by /healthz)."""
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name or socket.gethostname(), defaults={"last_seen": timezone.now()}
    )
    return heartbeat


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    heartbeat_record()


@HUEY.on_startup()
def heartbeat_on_startup() -> None:
    """Report as soon as a worker starts, not only at the next full minute."""
    from django.db import close_old_connections

    heartbeat_record()
    close_old_connections()
