"""SMS backends. The gateway is a true outside boundary: kefu talks to it through this
interface, and the default ``log`` backend records the message without sending it."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str) -> str:
        """Send one message; return the status ("sent" or "logged"); raise on failure."""


class LogSmsBackend:
    """Keeps the message in the outbound log only (no gateway configured)."""

    def send(self, *, phone: str, text: str) -> str:
        return "logged"


def sms_backend() -> SmsBackend:
    if settings.SMS_BACKEND == "log":
        return LogSmsBackend()
    return import_string(settings.SMS_BACKEND)()
