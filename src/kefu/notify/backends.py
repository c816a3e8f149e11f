"""SMS backends. The gateway is a true outside boundary: kefu talks to it through this
interface, and the default ``log`` backend records the message without sending it.

Chinese gateways (Aliyun, Tencent Cloud) send no free text: a message is an approved
signature (签名), an approved template (模板) and the template's values. Neither makes a
send idempotent, so kefu gives every message its own ``out_id`` (Aliyun ``OutId``, Tencent
``SessionContext``) and, for a send whose outcome is unknown, asks the gateway about that id
(``query_status``) before it sends again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SendResult:
    """What the gateway did with a message: ``sent`` (accepted) or ``logged`` (kept only in
    kefu's log); ``provider_id`` is the gateway's own id (Aliyun ``BizId``, Tencent
    ``SerialNo``) when it gives one."""

    status: Literal["sent", "logged"] = "sent"
    provider_id: str = ""


# What a gateway knows about an ``out_id``: it took the message; it never saw it (sending
# again is safe); or it cannot tell yet (ask again later).
QueryStatus = Literal["sent", "absent", "pending"]


class GatewayRefused(Exception):
    """The gateway answered and did not take the message (a bad number, an unapproved
    template …): it was certainly not sent, so trying again cannot send it twice."""


class SmsBackend(Protocol):
    def send(
        self,
        *,
        phone: str,
        sign_name: str,
        template_code: str,
        params: Mapping[str, str],
        out_id: str,
    ) -> SendResult:
        """Send one message; raise :class:`GatewayRefused` when the gateway refused it, any
        other exception when the outcome is not known (a timeout, a dropped connection)."""


@runtime_checkable
class QueryableSmsBackend(Protocol):
    def query_status(self, out_id: str) -> QueryStatus:
        """What the gateway knows of the message sent with ``out_id``."""


class LogSmsBackend:
    """Keeps the message in the outbound log only (no gateway configured)."""

    def send(self, *, phone, sign_name, template_code, params, out_id) -> SendResult:
        return SendResult(status="logged")


def sms_backend() -> SmsBackend:
    if settings.SMS_BACKEND == "log":
        return LogSmsBackend()
    return import_string(settings.SMS_BACKEND)()
