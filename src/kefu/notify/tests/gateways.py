"""Test gateways at kefu's outside boundary.

``FileGateway`` records every message it accepts as a line in ``sends.log`` in the
directory named by ``KEFU_TEST_GATEWAY_DIR``, so that another process (the test) can count
what was sent, and answers status queries from that record, as Aliyun's
``QuerySendDetails`` or Tencent's ``PullSmsSendStatus`` answer from theirs. To stop a worker
mid-send, ``KEFU_TEST_GATEWAY_HOLD_BEFORE`` / ``KEFU_TEST_GATEWAY_HOLD_AFTER`` list out_ids
(comma-separated) at which it waits, before or after recording the send, until the process
is killed; it marks the wait with a file ``holding-<out_id>``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from kefu.notify.backends import SendResult


def _directory() -> Path:
    return Path(os.environ["KEFU_TEST_GATEWAY_DIR"])


def recorded_sends(directory: Path) -> list[str]:
    """The out_ids the gateway accepted, in order, one per send."""
    log = directory / "sends.log"
    if not log.exists():
        return []
    return [line.split("\t")[0] for line in log.read_text().splitlines() if line]


def _hold_if_asked(variable: str, out_id: str) -> None:
    if out_id in os.environ.get(variable, "").split(","):
        (_directory() / f"holding-{out_id}").touch()
        while True:  # until the test kills this worker
            time.sleep(0.05)


class FileGateway:
    def send(self, *, phone, sign_name, template_code, params, out_id) -> SendResult:
        _hold_if_asked("KEFU_TEST_GATEWAY_HOLD_BEFORE", out_id)
        with (_directory() / "sends.log").open("a") as log:
            log.write(f"{out_id}\t{phone}\t{sign_name}\t{template_code}\n")
            log.flush()
            os.fsync(log.fileno())
        _hold_if_asked("KEFU_TEST_GATEWAY_HOLD_AFTER", out_id)
        return SendResult(status="sent", provider_id=f"biz-{out_id}")

    def query_status(self, out_id: str) -> str:
        return "sent" if out_id in recorded_sends(_directory()) else "absent"
