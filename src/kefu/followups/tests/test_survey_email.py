"""Survey links by email: sent through real SMTP (a local sink), recorded before sending,
and retried by the worker when the mail server does not take them."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import make_department, make_staff
from django.core.exceptions import PermissionDenied, ValidationError
from huey.contrib.djhuey import HUEY

from kefu.api.testing import field_errors
from kefu.followups import services, tasks
from kefu.followups.models import (
    FollowupSettings,
    ReturnVisit,
    SurveyLink,
    SurveyResponse,
    VisitStatus,
)
from kefu.followups.rules import Verdict
from kefu.followups.tests.test_services import answers_for, resolve
from kefu.notify.models import OutboundMessage
from kefu.org.models import DepartmentKind
from kefu.tickets.states import Status

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=SH)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def huey_schedule():
    """The in-process queue's schedule (where retries wait) starts and ends empty."""
    HUEY.flush()
    yield HUEY
    HUEY.flush()


@pytest.fixture
def visitor(org):
    team = make_department("回访组", "fo-rv", DepartmentKind.TEAM, org.front_office)
    FollowupSettings.objects.update_or_create(pk=1, defaults={"team": team})
    return make_staff("visitor", team, ["agent"], employee_no="HF001", full_name="王回访")


@pytest.fixture
def visit(org, new_ticket, visitor, frozen):
    ticket = resolve(new_ticket(contact_name="张女士"), org, now=NOW)
    return ReturnVisit.objects.get(ticket=ticket)


def send(visit, visitor, capture, email="zhang@example.com"):
    with capture(execute=True):
        return services.survey_link_send(
            visit=visit,
            actor=visitor,
            base_url="https://kefu.test/",
            channel="email_link",
            email=email,
        )


def test_link_by_email_reaches_the_mail_server_and_answering_closes_the_order(
    visit, visitor, smtp_sink, django_capture_on_commit_callbacks, frozen
):
    link = send(visit, visitor, django_capture_on_commit_callbacks)
    token = services.link_token(link)
    assert len(smtp_sink.messages) == 1
    mail = smtp_sink.messages[0]
    assert mail["To"] == "zhang@example.com"
    assert mail["Subject"] == f"工单{visit.ticket.number}满意度调查"
    body = mail.get_content()
    assert f"https://kefu.test/followups/s/{token}/" in body
    assert "张女士" in body and "7" in body
    message = OutboundMessage.objects.get(channel="email")
    assert (message.to, message.status) == ("zhang@example.com", "sent")
    assert message.ticket == visit.ticket and message.sent_at == NOW
    assert link.channel == "email_link" and link.email == "zhang@example.com"

    frozen.shift(timedelta(days=1))
    services.survey_answer(token=token, answers=answers_for(link))
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE and visit.verdict == Verdict.SATISFIED
    assert visit.channel == "email_link"
    assert visit.ticket.status == Status.CLOSED
    assert SurveyResponse.objects.get().channel == "email_link"


def survey_email_line(client, visit) -> str:
    page = client.get(f"/followups/{visit.pk}/").text
    return re.search(r'<p class="muted" data-testid="survey-email">(.*?)</p>', page).group(1)


def test_mail_server_down_keeps_the_message_and_the_worker_retries_it(
    visit,
    visitor,
    client_as,
    smtp_sink,
    django_capture_on_commit_callbacks,
    huey_schedule,
    frozen,
):
    smtp_sink.stop()
    link = send(visit, visitor, django_capture_on_commit_callbacks)
    message = OutboundMessage.objects.get(channel="email")
    assert message.status == "failed" and message.error
    assert SurveyLink.objects.get() == link  # the link stands; only the delivery waits
    line = survey_email_line(client_as(visitor), visit)
    assert "zhang@example.com · 失败" in line and message.error in line

    smtp_sink.start()
    frozen.shift(timedelta(minutes=2))
    retries = huey_schedule.read_schedule(datetime.now(UTC).replace(tzinfo=None))
    assert [task.name for task in retries] == ["email_deliver"]
    huey_schedule.execute(retries[0])
    message.refresh_from_db()
    assert (message.status, message.error) == ("sent", "")
    assert len(smtp_sink.messages) == 1
    assert services.link_token(link) in smtp_sink.messages[0].get_content()
    assert "zhang@example.com · 已发送 11-23 09:02" in survey_email_line(client_as(visitor), visit)


def test_sweep_sends_what_is_still_waiting_once_and_stops_when_the_link_expired(
    visit, visitor, smtp_sink, django_capture_on_commit_callbacks, huey_schedule, frozen
):
    smtp_sink.stop()
    send(visit, visitor, django_capture_on_commit_callbacks)
    huey_schedule.flush()  # the task's own retries are used up
    smtp_sink.start()

    frozen.shift(timedelta(minutes=5))
    tasks.survey_emails_retry.call_local()
    assert smtp_sink.messages == []  # too fresh: the task's retries still own it

    frozen.shift(timedelta(minutes=15))
    tasks.survey_emails_retry.call_local()
    tasks.survey_emails_retry.call_local()
    assert len(smtp_sink.messages) == 1  # sent once, not again
    assert OutboundMessage.objects.get(channel="email").status == "sent"


def test_sweep_gives_up_on_expired_links(
    visit, visitor, smtp_sink, django_capture_on_commit_callbacks, huey_schedule, frozen
):
    smtp_sink.stop()
    send(visit, visitor, django_capture_on_commit_callbacks)
    smtp_sink.start()
    frozen.shift(timedelta(days=7, minutes=1))
    tasks.survey_emails_retry.call_local()
    assert smtp_sink.messages == []
    assert OutboundMessage.objects.get(channel="email").status == "failed"


@pytest.mark.parametrize("address", ["", "zhang", "zhang@", "张@例子"])
def test_bad_email_address_is_refused_naming_the_field(
    visit, visitor, smtp_sink, django_capture_on_commit_callbacks, address
):
    with pytest.raises(ValidationError) as refused:
        send(visit, visitor, django_capture_on_commit_callbacks, email=address)
    assert refused.value.message_dict["email"] == [
        "邮箱：请填写有效的邮箱地址（例如 name@example.com）。"
    ]
    assert SurveyLink.objects.count() == 0
    assert OutboundMessage.objects.filter(channel="email").count() == 0
    assert smtp_sink.messages == []


def test_handler_may_not_send_the_link(org, visit, smtp_sink, django_capture_on_commit_callbacks):
    with pytest.raises(PermissionDenied):
        send(visit, org.handler, django_capture_on_commit_callbacks)
    assert SurveyLink.objects.count() == 0 and smtp_sink.messages == []


def test_visitor_picks_email_on_the_page_from_the_customers_contacts(
    org, new_ticket, visitor, client_as, smtp_sink, django_capture_on_commit_callbacks, frozen
):
    from kefu.customers import services as customer_services

    customer = customer_services.customer_create(
        actor=org.account_manager,
        account_manager=org.account_manager,
        name="张女士",
        contacts=[
            customer_services.ContactData(
                name="张女士", is_key=True, mobile="13812345678", email="zhang@example.com"
            )
        ],
    )
    ticket = resolve(new_ticket(customer=customer, contact_name="张女士"), org, now=NOW)
    visit = ReturnVisit.objects.get(ticket=ticket)
    client = client_as(visitor)
    page = client.get(f"/followups/{visit.pk}/")
    assert '<option value="zhang@example.com">张女士</option>' in page.text
    assert "短信发送调查链接" in page.text and "邮件发送调查链接" in page.text

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/followups/{visit.pk}/link/",
            {"channel": "email_link", "email": "zhang@example.com"},
            follow=True,
        )
    assert "调查链接已通过邮件发送至 zhang@example.com。" in sent.text
    assert [m["To"] for m in smtp_sink.messages] == ["zhang@example.com"]
    assert "邮件调查链接 zhang@example.com" in sent.text

    refused = client.post(
        f"/followups/{visit.pk}/link/", {"channel": "email_link", "email": "zhang"}, follow=True
    )
    assert "邮箱：请填写有效的邮箱地址（例如 name@example.com）。" in refused.text
    assert SurveyLink.objects.count() == 1


def test_api_sends_the_link_by_email_and_refuses_bad_input(
    org, visit, visitor, smtp_sink, django_capture_on_commit_callbacks
):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(visitor)
    url = f"/api/v1/return-visits/{visit.pk}/survey-link/"
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            url, {"channel": "email_link", "email": "zhang@example.com"}, format="json"
        )
    assert created.status_code == 201
    assert created.json()["channel"] == "email_link"
    assert created.json()["email"] == "zhang@example.com"
    assert len(smtp_sink.messages) == 1

    bad = client.post(url, {"channel": "email_link", "email": "zhang@"}, format="json")
    assert bad.status_code == 400
    assert field_errors(bad) == {"email": ["邮箱：请填写有效的邮箱地址（例如 name@example.com）。"]}
    assert client.post(url, {"channel": "fax"}, format="json").status_code == 400
    handler = APIClient()
    handler.force_authenticate(org.handler)
    assert handler.post(url, {"channel": "sms_link"}, format="json").status_code in {403, 404}
    assert SurveyLink.objects.count() == 1 and len(smtp_sink.messages) == 1
