"""SMS to customers: one row per recipient, claimed in its own committed write before the
gateway is called, the gateway called outside any transaction, the outcome recorded after;
a refusal retried, a timeout reconciled with the gateway instead of sent again blindly."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from kefu.notify.backends import GatewayRefused, SendResult
from kefu.notify.models import MessageStatus, OutboundMessage
from kefu.notify.services import (
    message_claim,
    message_deliver_now,
    messages_requeue,
    messages_sweep,
    sms_queue,
    sms_queue_text,
)
from kefu.notify.tasks import messages_sweep as messages_sweep_task

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class Gateway:
    """A gateway at the outside boundary: records what it accepted; ``fail`` is raised
    instead (after accepting when ``accept_then_fail``); ``answers`` is its status query."""

    sent: list = []
    fail: BaseException | None = None
    accept_then_fail = False
    seen_during_send: list = []

    def send(self, *, phone, sign_name, template_code, params, out_id) -> SendResult:
        row = OutboundMessage.objects.get(pk=int(out_id))
        Gateway.seen_during_send.append(
            (connection.in_atomic_block, row.status, row.claim_token is not None)
        )
        if Gateway.fail is not None and not Gateway.accept_then_fail:
            raise Gateway.fail
        Gateway.sent.append(
            {
                "phone": phone,
                "sign": sign_name,
                "template": template_code,
                "params": params,
                "out_id": out_id,
            }
        )
        if Gateway.fail is not None:
            raise Gateway.fail
        return SendResult(status="sent", provider_id=f"biz-{out_id}")


class QueryableGateway(Gateway):
    queries: list = []

    def query_status(self, out_id: str) -> str:
        QueryableGateway.queries.append(out_id)
        return "sent" if out_id in {s["out_id"] for s in Gateway.sent} else "absent"


@pytest.fixture
def gateway(settings):
    settings.SMS_BACKEND = "kefu.notify.tests.test_sms.QueryableGateway"
    settings.SMS_SIGNATURE = "【客服中心】"
    Gateway.sent, Gateway.seen_during_send, QueryableGateway.queries = [], [], []
    Gateway.fail, Gateway.accept_then_fail = None, False
    return Gateway


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def queue(capture, **kwargs) -> OutboundMessage:
    with capture(execute=True):
        message = sms_queue_text(phone="13812345678", text="您的工单已受理。", **kwargs)
    message.refresh_from_db()
    return message


def out_ids(gateway) -> list[str]:
    return [s["out_id"] for s in gateway.sent]


@pytest.mark.django_db(transaction=True)
def test_the_claim_is_committed_before_the_gateway_is_called_outside_a_transaction(
    gateway, django_capture_on_commit_callbacks
):
    message = queue(django_capture_on_commit_callbacks)
    assert gateway.seen_during_send == [(False, "sending", True)]
    assert (message.status, message.attempts, message.claim_token) == ("sent", 1, None)
    assert message.provider_id == f"biz-{message.pk}"


def test_the_gateway_gets_the_signature_template_values_and_the_message_id(
    gateway, django_capture_on_commit_callbacks
):
    from kefu.notify.services import templates_ensure

    templates_ensure()
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_queue(
            phone="13812345678",
            template_code="ticket_resolved",
            context={"customer": "张女士", "number": "GD1", "result": "已修复。", "agent_no": 7},
        )
    assert gateway.sent == [
        {
            "phone": "13812345678",
            "sign": "客服中心",
            "template": "ticket_resolved",
            "params": {
                "customer": "张女士",
                "number": "GD1",
                "result": "已修复。",
                "agent_no": "7",
            },
            "out_id": str(message.pk),
        }
    ]


def test_a_second_claimer_gets_nothing_and_sends_nothing(gateway):
    message = sms_queue_text(phone="13812345678", text="您的工单已受理。")  # no commit yet
    first = message_claim(message_id=message.pk)
    assert first is not None and first.message.status == MessageStatus.SENDING
    assert message_claim(message_id=message.pk) is None
    assert message_deliver_now(message.pk).status == MessageStatus.SENDING
    assert gateway.sent == []


def test_delivering_the_same_message_again_does_not_send_it_again(
    gateway, django_capture_on_commit_callbacks
):
    message = queue(django_capture_on_commit_callbacks)
    message_deliver_now(message.pk)  # a duplicate task, or a retry after success
    messages_sweep(now=NOW + timedelta(days=1))
    assert out_ids(gateway) == [str(message.pk)]
    assert OutboundMessage.objects.count() == 1


def test_a_refusal_is_recorded_raised_and_sent_on_retry(
    gateway, django_capture_on_commit_callbacks, frozen
):
    gateway.fail = GatewayRefused("template not approved")
    message = queue(django_capture_on_commit_callbacks)  # the worker queue takes the failure
    assert (message.status, message.error) == ("failed", "template not approved")
    assert message.retry_at == NOW + timedelta(seconds=60)
    with pytest.raises(GatewayRefused):
        message_deliver_now(message.pk)  # raised, so the worker's retry takes it again

    gateway.fail = None
    messages_sweep(now=NOW + timedelta(seconds=119))  # the second refusal waits 2 minutes
    assert gateway.sent == []
    messages_sweep(now=NOW + timedelta(seconds=120))
    message.refresh_from_db()
    assert (message.status, message.error, message.attempts) == ("sent", "", 3)
    assert out_ids(gateway) == [str(message.pk)]


def test_refused_messages_are_retried_up_to_the_limit(gateway, settings, frozen):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    gateway.fail = GatewayRefused("blacklisted number")
    message = sms_queue_text(phone="13812345678", text="您的工单已受理。")
    for _ in range(2):
        with pytest.raises(GatewayRefused):
            message_deliver_now(message.pk)
    assert messages_sweep(now=NOW + timedelta(days=1))["retried"] == 0
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 2)


@pytest.mark.parametrize(
    ("accepted", "expected"),
    [(True, {"confirmed": 1, "requeued": 0}), (False, {"confirmed": 0, "requeued": 1})],
    ids=["gateway-took-it", "gateway-never-saw-it"],
)
def test_a_timeout_leaves_the_outcome_unknown_and_the_sweeper_asks_the_gateway(
    gateway, django_capture_on_commit_callbacks, frozen, accepted, expected
):
    gateway.fail = TimeoutError("read timed out")
    gateway.accept_then_fail = accepted
    message = queue(django_capture_on_commit_callbacks)  # not raised: no blind retry
    assert (message.status, message.error) == ("unknown", "read timed out")
    assert len(gateway.sent) == (1 if accepted else 0)

    gateway.fail = None
    with django_capture_on_commit_callbacks(execute=True):
        counts = messages_sweep(now=NOW + timedelta(minutes=1))
    assert {k: counts[k] for k in expected} == expected
    assert QueryableGateway.queries == [str(message.pk)]
    message.refresh_from_db()
    assert message.status == "sent"
    assert out_ids(gateway) == [str(message.pk)]  # exactly once either way


def test_a_gateway_that_cannot_tell_yet_is_asked_again_at_the_next_sweep(
    gateway, monkeypatch, django_capture_on_commit_callbacks, frozen
):
    gateway.fail = TimeoutError()
    message = queue(django_capture_on_commit_callbacks)
    assert message.error == "TimeoutError"
    monkeypatch.setattr(QueryableGateway, "query_status", lambda self, out_id: "pending")
    assert messages_sweep(now=NOW + timedelta(minutes=1))["pending"] == 1
    message.refresh_from_db()
    assert message.status == "unknown"


def test_an_expired_claim_is_reconciled_not_sent_blindly(gateway, frozen):
    message = sms_queue_text(phone="13812345678", text="您的工单已受理。")
    claim = message_claim(message_id=message.pk)  # the worker dies after this
    assert messages_sweep(now=NOW + timedelta(seconds=299))["expired"] == 0
    counts = messages_sweep(now=NOW + timedelta(seconds=301))
    assert (counts["expired"], counts["requeued"], counts["handed"]) == (1, 1, 1)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
    assert out_ids(gateway) == [str(message.pk)]
    assert claim.token != message.claim_token


def test_without_a_status_query_an_unknown_message_is_sent_again(
    gateway, settings, django_capture_on_commit_callbacks, frozen
):
    settings.SMS_BACKEND = "kefu.notify.tests.test_sms.Gateway"
    gateway.fail = TimeoutError()
    message = queue(django_capture_on_commit_callbacks)
    gateway.fail = None
    messages_sweep(now=NOW + timedelta(minutes=1))
    message.refresh_from_db()
    assert message.status == "sent"  # at least once: it may have arrived twice


def test_a_message_whose_task_was_lost_is_handed_to_the_worker_by_the_sweep(gateway, frozen):
    message = sms_queue_text(phone="13812345678", text="您的工单已受理。")  # task never ran
    assert messages_sweep(now=NOW + timedelta(seconds=299))["handed"] == 0
    frozen.shift(timedelta(seconds=300))
    messages_sweep_task.call_local()
    message.refresh_from_db()
    assert message.status == "sent"
    assert out_ids(gateway) == [str(message.pk)]


def test_requeue_by_hand(gateway, django_capture_on_commit_callbacks, frozen):
    gateway.fail = TimeoutError()
    message = queue(django_capture_on_commit_callbacks)
    gateway.fail = None
    with django_capture_on_commit_callbacks(execute=True):
        assert messages_requeue(status="unknown") == 1
    message.refresh_from_db()
    assert message.status == "sent"
    assert messages_requeue() == 0
