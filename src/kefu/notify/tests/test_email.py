"""Emails to customers: recorded first, sent through real SMTP (a local sink) on commit, a
failure recorded and raised so the worker retries it, and never sent twice."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.notify.models import MessageStatus, OutboundMessage
from kefu.notify.services import email_deliver_now, email_queue_text

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
