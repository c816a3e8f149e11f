"""Campaign questionnaires filled by phone outside a return visit: the page, the API, who
may, and that refusals change nothing."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import make_staff
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from kefu.api.testing import field_errors
from kefu.customers import services as customer_services
from kefu.followups import services
from kefu.followups.models import Questionnaire, SurveyResponse

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=SH)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def campaign(db):
    questionnaire = Questionnaire.objects.create(
        code="year-end-2026", title="年终客户满意度调查", campaign="2026年终回访"
    )
    for kind, text, choices, required in [
        ("scale", "您对我们全年的服务是否满意？", [], True),
        ("single_choice", "明年是否有新的用电需求？", ["有", "没有"], True),
        ("nps", "您向朋友推荐我们的可能性有多大？", [], False),
        ("text", "您的建议", [], False),
    ]:
        services.question_add(
            questionnaire=questionnaire, kind=kind, text=text, choices=choices, required=required
        )
    return questionnaire


@pytest.fixture
def customer(org):
    return customer_services.customer_create(
        actor=org.account_manager,
        account_manager=org.account_manager,
        name="锦城置业有限公司",
        kind="organisation",
        grade="A",
        contacts=[
            customer_services.ContactData(name="赵总", is_key=True, mobile="13911112222"),
            customer_services.ContactData(name="钱经理", mobile="13911113333"),
        ],
    )


def answers(questionnaire, *, scale="5", choice="有", nps="9", text="继续保持"):
    by_kind = {q.kind: q.pk for q in questionnaire.questions.all()}
    return {
        f"q{by_kind['scale']}": scale,
        f"q{by_kind['single_choice']}": choice,
        f"q{by_kind['nps']}": nps,
        f"q{by_kind['text']}": text,
    }


def api_as(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_agent_fills_the_campaign_on_the_phone_page(client_as, org, campaign, customer):
    client = client_as(org.agent)
    listing = client.get("/followups/campaigns/")
    assert listing.status_code == 200
    assert "2026年终回访" in listing.text and "年终客户满意度调查" in listing.text
    assert "工单回访满意度调查" not in listing.text  # the work orders' questionnaire is no campaign

    found = client.get(f"/followups/campaigns/{campaign.pk}/?q=锦城置业")
    assert found.status_code == 200
    assert f"?customer={customer.pk}" in found.text

    form = client.get(f"/followups/campaigns/{campaign.pk}/?customer={customer.pk}")
    assert "赵总" in form.text and "钱经理" in form.text
    assert "您对我们全年的服务是否满意？" in form.text
    contact = customer.contacts.get(name="钱经理")
    done = client.post(
        f"/followups/campaigns/{campaign.pk}/",
        {"customer": customer.pk, "contact": contact.pk, **answers(campaign)},
        follow=True,
    )
    assert "已记录 锦城置业有限公司 的答卷。" in done.text
    response = SurveyResponse.objects.get()
    assert response.channel == "phone" and response.visit is None
    assert (response.customer, response.contact) == (customer, contact)
    assert (response.satisfaction, response.nps) == (5, 9)
    assert response.submitted_by == org.agent and response.submitted_at == NOW
    assert set(response.answers.values()) == {5, "有", 9, "继续保持"}
    assert "钱经理" in done.text  # listed under the answers recorded by phone


def test_bad_answers_are_named_in_chinese_and_nothing_is_stored(client_as, org, campaign, customer):
    page = client_as(org.agent).post(
        f"/followups/campaigns/{campaign.pk}/",
        {"customer": customer.pk, **answers(campaign, scale="7", choice="")},
    )
    assert page.status_code == 400
    assert "您对我们全年的服务是否满意？：请选择 1–5 分。" in page.text
    assert "明年是否有新的用电需求？：请回答此题。" in page.text
    assert SurveyResponse.objects.count() == 0


def test_contact_of_another_customer_is_refused(client_as, org, campaign, customer):
    other = customer_services.customer_create(
        actor=org.account_manager,
        account_manager=org.account_manager,
        name="另一家公司",
        contacts=[customer_services.ContactData(name="孙女士", mobile="13900000000")],
    )
    stranger = other.contacts.get()
    page = client_as(org.agent).post(
        f"/followups/campaigns/{campaign.pk}/",
        {"customer": customer.pk, "contact": stranger.pk, **answers(campaign)},
    )
    assert page.status_code == 400
    assert "联系人：请选择该客户的联系人之一。" in page.text
    with pytest.raises(ValidationError) as refused:
        services.campaign_answer_by_phone(
            questionnaire=campaign,
            customer=customer,
            contact=stranger,
            answers=answers(campaign),
            actor=org.agent,
        )
    assert list(refused.value.message_dict) == ["contact"]
    assert SurveyResponse.objects.count() == 0


def test_only_campaign_questionnaires_are_filled_by_phone(client_as, org, campaign, customer):
    default = Questionnaire.objects.get(is_default=True)
    assert client_as(org.agent).get(f"/followups/campaigns/{default.pk}/").status_code == 404
    campaign.is_active = False
    campaign.save()
    assert client_as(org.agent).get(f"/followups/campaigns/{campaign.pk}/").status_code == 404
    with pytest.raises(ValidationError) as refused:
        services.campaign_answer_by_phone(
            questionnaire=campaign, customer=customer, answers=answers(campaign), actor=org.agent
        )
    assert refused.value.message_dict["questionnaire"] == ["问卷：请选择一份启用中的活动问卷。"]
    assert SurveyResponse.objects.count() == 0


def test_handler_may_not_and_anonymous_is_sent_to_login(client, client_as, org, campaign, customer):
    assert client.get("/followups/campaigns/").status_code == 302
    handler = client_as(org.handler)
    assert handler.get("/followups/campaigns/").status_code == 403
    assert (
        handler.post(
            f"/followups/campaigns/{campaign.pk}/", {"customer": customer.pk, **answers(campaign)}
        ).status_code
        == 403
    )
    assert "电话问卷调查" not in handler.get("/followups/").text
    with pytest.raises(PermissionDenied):
        services.campaign_answer_by_phone(
            questionnaire=campaign, customer=customer, answers=answers(campaign), actor=org.handler
        )
    assert SurveyResponse.objects.count() == 0


def test_customer_outside_the_scope_is_not_found(client_as, org, campaign, customer):
    other_manager = make_staff("cm2", org.repairs, ["customer_manager"], employee_no="SC009")
    page = client_as(other_manager).post(
        f"/followups/campaigns/{campaign.pk}/", {"customer": customer.pk, **answers(campaign)}
    )
    assert page.status_code == 404
    with pytest.raises(PermissionDenied):
        services.campaign_answer_by_phone(
            questionnaire=campaign,
            customer=customer,
            answers=answers(campaign),
            actor=other_manager,
        )
    assert SurveyResponse.objects.count() == 0


def test_api_records_a_phone_answer_and_lists_it(org, campaign, customer):
    contact = customer.contacts.get(name="赵总")
    created = api_as(org.agent).post(
        "/api/v1/survey-responses/",
        {
            "questionnaire": "year-end-2026",
            "customer": customer.code,
            "contact": contact.pk,
            "answers": answers(campaign, scale=4, nps=10),
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["channel"], body["customer"], body["contact"]) == (
        "phone",
        customer.code,
        contact.pk,
    )
    assert (body["satisfaction"], body["nps"]) == (4, 10)
    mine = api_as(org.agent).get("/api/v1/survey-responses/").json()
    assert [r["id"] for r in mine["results"]] == [body["id"]]
    assert api_as(org.handler).get("/api/v1/survey-responses/").json()["results"] == []


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        pytest.param(
            {"questionnaire": "ticket-satisfaction"},
            "questionnaire",
            "问卷：请选择一份启用中的活动问卷。",
            id="not-a-campaign",
        ),
        pytest.param(
            {"customer": "C-NOPE"},
            "customer",
            "客户：您的数据范围内没有此客户编号的客户。",
            id="unknown-customer",
        ),
        pytest.param(
            {"contact": 999999}, "contact", "联系人：请选择该客户的联系人之一。", id="contact"
        ),
    ],
)
def test_api_refuses_bad_fields_and_stores_nothing(org, campaign, customer, change, field, message):
    data = {
        "questionnaire": "year-end-2026",
        "customer": customer.code,
        "answers": answers(campaign),
        **change,
    }
    refused = api_as(org.agent).post("/api/v1/survey-responses/", data, format="json")
    assert refused.status_code == 400
    assert field_errors(refused)[field] == [message]
    assert SurveyResponse.objects.count() == 0


def test_api_refuses_bad_answers_and_other_roles(org, campaign, customer):
    data = {
        "questionnaire": "year-end-2026",
        "customer": customer.code,
        "answers": answers(campaign, nps="11"),
    }
    refused = api_as(org.agent).post("/api/v1/survey-responses/", data, format="json")
    assert refused.status_code == 400
    (message,) = field_errors(refused).values()
    assert message == ["您向朋友推荐我们的可能性有多大？：请选择 0–10 分。"]
    data["answers"] = answers(campaign)
    assert (
        api_as(org.handler).post("/api/v1/survey-responses/", data, format="json").status_code
        == 403
    )
    assert api_as(None).post("/api/v1/survey-responses/", data, format="json").status_code in {
        401,
        403,
    }
    assert SurveyResponse.objects.count() == 0


def test_campaign_selectors_read_in_one_query_each(
    org, campaign, customer, django_assert_num_queries
):
    from kefu.followups import selectors
    from kefu.followups.permissions import may_supervise

    contact = customer.contacts.get(name="赵总")
    for _ in range(3):
        services.campaign_answer_by_phone(
            questionnaire=campaign,
            customer=customer,
            contact=contact,
            answers=answers(campaign),
            actor=org.agent,
        )
    with django_assert_num_queries(1):
        rows = [
            (q.campaign, q.questions_count, q.answers_count)
            for q in selectors.campaign_list(org.agent)
        ]
    assert rows == [("2026年终回访", 4, 3)]
    assert may_supervise(org.gm)  # the roles are read once per request, before the list
    with django_assert_num_queries(1):
        seen = [
            (r.customer.name, r.contact.name, r.submitted_by.username)
            for r in selectors.campaign_answers(org.gm, campaign)
        ]
    assert seen == [("锦城置业有限公司", "赵总", "agent")] * 3
    assert list(selectors.campaign_answers(org.account_manager, campaign)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"questionnaire": "ticket-satisfaction"}, ("questionnaire", "not_campaign_questionnaire")),
        ({"customer": "C-NOPE"}, ("customer", "unknown_customer")),
        ({"contact": 999999}, ("contact", "other_customers_contact")),
        ({"customer": ""}, ("customer", "blank")),
    ],
    ids=["not-a-campaign", "unknown-customer", "contact", "blank-customer"],
)
def test_api_refusals_carry_the_field_and_code(org, campaign, customer, change, expected):
    data = {
        "questionnaire": "year-end-2026",
        "customer": customer.code,
        "answers": answers(campaign),
        **change,
    }
    refused = api_as(org.agent).post("/api/v1/survey-responses/", data, format="json")
    assert refused.status_code == 400
    assert {(e["field"], e["code"]) for e in refused.json()["errors"]} == {expected}
    assert SurveyResponse.objects.count() == 0


def test_api_bad_answers_carry_the_question_and_code(org, campaign, customer):
    nps = campaign.questions.get(kind="nps")
    required = campaign.questions.get(kind="scale")
    data = {
        "questionnaire": "year-end-2026",
        "customer": customer.code,
        "answers": {**answers(campaign, nps="11"), f"q{required.pk}": ""},
    }
    refused = api_as(org.agent).post("/api/v1/survey-responses/", data, format="json")
    assert refused.status_code == 400
    assert {(e["field"], e["code"]) for e in refused.json()["errors"]} == {
        (f"q{nps.pk}", "answer_out_of_scale"),
        (f"q{required.pk}", "required"),
    }
    assert SurveyResponse.objects.count() == 0
