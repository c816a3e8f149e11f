"""Fault test: a real worker (`kefu worker`, the huey consumer) is killed with SIGKILL while
it holds two claimed messages — one the gateway had already accepted, one it never reached.
Huey does not redeliver either task. After a restart and a sweep (its clock moved past the
lease), every message has been sent exactly once, counted by the gateway's own record."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection

from kefu.notify.tests.gateways import recorded_sends

pytestmark = pytest.mark.django_db(transaction=True)

KEFU = [str(Path(sys.executable).with_name("kefu"))]
DEADLINE = 90  # seconds a child process may take to do its part on a loaded machine
QUEUE = """
from django.db import transaction
from kefu.notify.services import sms_queue_text
with transaction.atomic():
    ids = [
        sms_queue_text(phone=f"1380013800{i}", text="停电通知", template_code="outage").pk
        for i in range(5)
    ]
print(",".join(map(str, ids)))
"""


class Site:
    """A kefu installation in a temporary directory sharing the test's database."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.gateway = root / "gateway"
        self.gateway.mkdir()
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"REDIS_URL", "IMAP_HOST", "DATABASE_URL", "HUEY_IMMEDIATE"}
        }
        self.env |= {
            "DJANGO_SETTINGS_MODULE": "kefu.config.settings",
            "KEFU_DATA_DIR": str(root),
            "SMS_BACKEND": "kefu.notify.tests.gateways.FileGateway",
            "KEFU_TEST_GATEWAY_DIR": str(self.gateway),
            "WORKER_THREADS": "2",
        }
        settings = connection.settings_dict
        if connection.vendor == "postgresql":
            self.env["DATABASE_URL"] = (
                f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:"
                f"{settings['PORT'] or 5432}/{settings['NAME']}"
            )
            self.sqlite = None
        else:  # the test database lives in memory: the children get a copy on disk
            self.sqlite = root / "kefu.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(self.sqlite)
            connection.connection.backup(target)
            target.close()

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [*KEFU, *args], env=self.env, capture_output=True, text=True, timeout=DEADLINE
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def worker(self, **extra: str) -> subprocess.Popen:
        return subprocess.Popen(
            [*KEFU, "worker"],
            env=self.env | extra,
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "worker.log").open("a"),
        )

    def statuses(self, ids: list[str]) -> list[str]:
        query = "SELECT id, status FROM notify_outboundmessage"
        if self.sqlite is None:
            with connection.cursor() as cursor:
                cursor.execute(query)
                rows = dict(cursor.fetchall())
        else:
            with sqlite3.connect(self.sqlite) as db:
                rows = dict(db.execute(query).fetchall())
        return [rows[int(pk)] for pk in ids]

    def wait_for(self, what: str, condition, worker: subprocess.Popen) -> None:
        """Poll a real process's progress (no clock is slept on: the deadline is a guard)."""
        deadline = time.monotonic() + DEADLINE
        while not condition():
            log = (self.root / "worker.log").read_text()[-3000:]
            assert worker.poll() is None, f"the worker stopped: {log}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}: {log}"
            time.sleep(0.05)


@pytest.fixture
def site(tmp_path):
    return Site(tmp_path)


def test_a_worker_killed_while_messages_are_claimed_sends_each_exactly_once(site):
    ids = site.run("shell", "--no-imports", "-c", QUEUE).strip().splitlines()[-1].split(",")
    first, second = ids[0], ids[1]

    # the first worker takes the first two tasks: the gateway accepts the first and the
    # worker hangs before recording it; it hangs on the second before the gateway sees it
    worker = site.worker(KEFU_TEST_GATEWAY_HOLD_AFTER=first, KEFU_TEST_GATEWAY_HOLD_BEFORE=second)
    try:
        site.wait_for(
            "both messages in the gateway call",
            lambda: all((site.gateway / f"holding-{pk}").exists() for pk in (first, second)),
            worker,
        )
        # the claims were committed before the gateway was called
        assert site.statuses([first, second]) == ["sending", "sending"]
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=DEADLINE)
    assert recorded_sends(site.gateway) == [first]

    worker = site.worker()  # restarted: huey gives it the three tasks not yet taken
    try:
        site.wait_for(
            "the other three messages", lambda: len(recorded_sends(site.gateway)) == 4, worker
        )
        # the worker records each outcome just after the gateway answers
        site.wait_for(
            "their outcomes",
            lambda: site.statuses(ids) == ["sending", "sending", "sent", "sent", "sent"],
            worker,
        )

        # the lease has run out: the sweeper asks the gateway about both claims, records
        # the first as sent and hands the second to the worker again
        later = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
        out = site.run("notify", "sweep", "--now", later)
        assert "expired 2, confirmed 1, requeued 1" in out, out
        site.wait_for(
            "the message the gateway never saw",
            lambda: len(recorded_sends(site.gateway)) == 5,
            worker,
        )
        site.wait_for("its outcome", lambda: site.statuses([second]) == ["sent"], worker)
        site.run("notify", "sweep", "--now", later)  # nothing left to do
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=DEADLINE)

    assert sorted(recorded_sends(site.gateway), key=int) == ids  # each exactly once
    assert site.statuses(ids) == ["sent"] * 5
