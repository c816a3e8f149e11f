"""SMS to customers: recorded first, handed to the gateway on commit, a gateway failure
recorded and raised so the worker retries it, and never sent twice."""

import pytest

from kefu.notify.models import MessageStatus, OutboundMessage
from kefu.notify.services import sms_deliver_now, sms_queue_text

pytestmark = pytest.mark.django_db


class FlakyGateway:
    """A gateway that is down while ``down`` is set; counts what it accepted."""

    down = False
    sent: list = []

    def send(self, *, phone: str, text: str) -> str:
        if FlakyGateway.down:
            raise ConnectionError("gateway unreachable")
        FlakyGateway.sent.append((phone, text))
        return "sent"


@pytest.fixture
def gateway(settings):
    settings.SMS_BACKEND = "kefu.notify.tests.test_sms.FlakyGateway"
    FlakyGateway.down = False
    FlakyGateway.sent = []
    return FlakyGateway


def test_a_gateway_failure_is_recorded_raised_and_sent_on_retry(
    gateway, django_capture_on_commit_callbacks
):
    gateway.down = True
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_queue_text(phone="13812345678", text="您的工单已受理。")
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.error == "gateway unreachable"
    with pytest.raises(ConnectionError):
        sms_deliver_now(message.pk)  # raised, so the worker's retry takes it again

    gateway.down = False
    sms_deliver_now(message.pk)
    message.refresh_from_db()
    assert (message.status, message.error) == ("sent", "")
    assert message.sent_at is not None
    sms_deliver_now(message.pk)  # a message already handed over is not sent twice
    assert len(gateway.sent) == 1
    assert OutboundMessage.objects.count() == 1
