"""Emails to customers: recorded first, sent through real SMTP (a local sink) on commit, a
refusal recorded and raised so the worker retries it, a timeout settled by the sweep, and
never sent twice by kefu."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.mail.backends.base import BaseEmailBackend

from kefu.notify.models import MessageStatus, OutboundMessage
from kefu.notify.services import email_deliver_now, email_queue_text, messages_sweep

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def queue(capture):
    with capture(execute=True):
        return email_queue_text(
            to="zhang@example.com", subject="工单满意度调查", text="请评价。", template_code="t"
        )


def test_email_is_recorded_and_sent_on_commit(smtp_sink, django_capture_on_commit_callbacks):
    message = queue(django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert (message.channel, message.status, message.error) == ("email", "sent", "")
    assert message.sent_at == NOW
    [mail] = smtp_sink.messages
    assert (mail["To"], mail["Subject"]) == ("zhang@example.com", "工单满意度调查")
    assert mail.get_content().strip() == "请评价。"

    email_deliver_now(message.pk)  # a second delivery of the same message sends nothing
    assert len(smtp_sink.messages) == 1


def test_failure_is_recorded_raised_and_sent_on_retry(
    smtp_sink, django_capture_on_commit_callbacks
):
    smtp_sink.stop()
    message = queue(django_capture_on_commit_callbacks)  # the worker queue takes the failure
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.error
    assert message.sent_at is None
    with pytest.raises(ConnectionRefusedError):
        email_deliver_now(message.pk)

    smtp_sink.start()
    email_deliver_now(message.pk)
    message.refresh_from_db()
    assert (message.status, message.error, message.sent_at) == ("sent", "", NOW)
    assert len(smtp_sink.messages) == 1
    assert OutboundMessage.objects.count() == 1


class TimingOut(BaseEmailBackend):
    """A mail server that does not answer in time."""

    def send_messages(self, email_messages):
        raise TimeoutError("timed out")


def test_a_mail_server_timeout_leaves_the_outcome_unknown_and_the_sweep_sends_it_again(
    smtp_sink, settings, django_capture_on_commit_callbacks
):
    smtp_backend = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "kefu.notify.tests.test_email.TimingOut"
    message = queue(django_capture_on_commit_callbacks)  # not raised: no blind retry
    message.refresh_from_db()
    assert (message.status, message.error, message.attempts) == ("unknown", "timed out", 1)

    settings.EMAIL_BACKEND = smtp_backend
    with django_capture_on_commit_callbacks(execute=True):
        counts = messages_sweep(now=NOW + timedelta(minutes=1))
    assert (counts["requeued"], counts["handed"]) == (1, 1)  # no status query for email
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
    [mail] = smtp_sink.messages
    # the same Message-ID at every attempt, so a mail system can tell a repeat
    assert mail["Message-ID"].startswith(f"<kefu-message-{message.pk}@")
