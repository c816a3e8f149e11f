"""Pages and API of return visits: what each persona may do, and that refusals change nothing."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import make_department, make_staff
from rest_framework.test import APIClient

from kefu.api.testing import field_errors
from kefu.followups import services
from kefu.followups.models import FollowupSettings, ReturnVisit, SurveyResponse, VisitStatus
from kefu.org.models import DepartmentKind
from kefu.tickets import services as ticket_services
from kefu.tickets.states import Action, Status

SH = ZoneInfo("Asia/Shanghai")
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("frozen"),
]


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=SH), tick=False):
        yield


@pytest.fixture
def visitor(org):
    team = make_department("回访组", "fo-rv", DepartmentKind.TEAM, org.front_office)
    FollowupSettings.objects.update_or_create(pk=1, defaults={"team": team})
    return make_staff("visitor", team, ["agent"], employee_no="HF001", full_name="王回访")


@pytest.fixture
def visit(org, new_ticket, visitor):
    ticket = new_ticket()
    for action, actor, extra in [
        (Action.DISPATCH, org.agent, {}),
        (Action.SIGN, org.handler, {}),
        (Action.RESOLVE, org.handler, {"resolution": "已修复"}),
    ]:
        ticket = ticket_services.ticket_transition(
            ticket=ticket, action=action, actor=actor, **extra
        )
    return ReturnVisit.objects.get(ticket=ticket)


def api_as(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_visitor_records_a_satisfied_result_on_the_page(client_as, visit, visitor):
    page = client_as(visitor).get(f"/followups/{visit.pk}/")
    assert page.status_code == 200
    assert 'name="satisfaction"' in page.text  # the result form is offered
    response = client_as(visitor).post(
        f"/followups/{visit.pk}/record/",
        {"reached": "yes", "resolved": "yes", "satisfaction": "5"},
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE
    assert visit.ticket.status == Status.CLOSED


def test_bad_result_on_the_page_is_named_and_changes_nothing(client_as, visit, visitor):
    response = client_as(visitor).post(
        f"/followups/{visit.pk}/record/",
        {"reached": "", "resolved": "yes", "satisfaction": "5"},
        follow=True,
    )
    assert "是否联系上客户：登记回访结果前必须选择。" in response.text
    visit.refresh_from_db()
    assert visit.status == VisitStatus.PENDING and visit.attempts.count() == 0


@pytest.mark.parametrize("persona", ["handler", "inspector"])
def test_others_cannot_record(client_as, org, visit, persona):
    user = getattr(org, persona)
    response = client_as(user).post(
        f"/followups/{visit.pk}/record/", {"reached": "yes", "resolved": "yes", "satisfaction": "5"}
    )
    # the handler sees the visit of their own work but may not record it; the inspector
    # (another department) does not see it at all
    assert response.status_code == (403 if persona == "handler" else 404)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.PENDING


def test_anonymous_is_sent_to_login(client, visit):
    assert client.get("/followups/").status_code == 302
    assert client.post(f"/followups/{visit.pk}/record/").status_code == 302


def test_queue_and_export(client_as, visit, visitor):
    page = client_as(visitor).get("/followups/?queue=mine")
    assert visit.ticket.number in page.text
    export = client_as(visitor).get("/followups/?queue=mine&export=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_report_is_for_supervisors(client_as, org, visit):
    assert client_as(org.handler).get("/followups/report/").status_code == 403
    page = client_as(org.gm).get("/followups/report/?group=month")
    assert page.status_code == 200
    assert client_as(org.gm).get("/followups/report/?export=xlsx").status_code == 200


def test_customer_panel_shows_the_file(client_as, org):
    from kefu.customers import services as customer_services

    customer = customer_services.customer_create(
        actor=org.account_manager, account_manager=org.account_manager, name="测试物业", grade="A"
    )
    page = client_as(org.account_manager).get(f"/customers/{customer.pk}/")
    assert "回访档案" in page.text


# ---------------------------------------------------------------- API


def test_api_lists_and_records(visit, visitor):
    client = api_as(visitor)
    listed = client.get("/api/v1/return-visits/?queue=mine").json()
    assert [row["ticket"] for row in listed["results"]] == [visit.ticket.number]
    refused = client.post(
        f"/api/v1/return-visits/{visit.pk}/result/",
        {"reached": True, "resolved": True, "satisfaction": 9},
        format="json",
    )
    assert refused.status_code == 400 and "satisfaction" in field_errors(refused)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.PENDING
    done = client.post(
        f"/api/v1/return-visits/{visit.pk}/attempts/", {"outcome": "no_answer"}, format="json"
    )
    assert done.status_code == 200 and done.json()["attempts_count"] == 1


@pytest.mark.parametrize(
    ("persona", "status"), [("anonymous", 401), ("handler", 403), ("inspector", 404)]
)
def test_api_refuses_others(org, visit, persona, status):
    user = None if persona == "anonymous" else getattr(org, persona)
    response = api_as(user).post(
        f"/api/v1/return-visits/{visit.pk}/result/",
        {"reached": True, "resolved": True, "satisfaction": 5},
        format="json",
    )
    assert response.status_code == status
    visit.refresh_from_db()
    assert visit.status == VisitStatus.PENDING


def test_api_figures_for_supervisors_only(org, visit, visitor):
    services.return_visit_record(
        visit=visit, actor=visitor, reached=True, resolved=True, satisfaction=5
    )
    assert api_as(org.handler).get("/api/v1/satisfaction/").status_code == 403
    rows = api_as(org.gm).get("/api/v1/satisfaction/?group=category").json()
    assert rows == [
        {
            "key": "水电报修",
            "visits": 1,
            "reached": 1,
            "satisfied": 1,
            "satisfaction_rate": 100.0,
            "respondent_rate": 100.0,
            "unreachable_rate": 0.0,
            "rehandle_rate": 0.0,
            "nps": None,
            "closed_dissatisfied": 0,
        }
    ]
    assert api_as(org.gm).get("/api/v1/satisfaction/?group=nope").status_code == 400


def test_public_survey_api_accepts_only_its_token(visit, visitor):
    link = services.survey_link_send(visit=visit, actor=visitor, base_url="http://t/")
    token = services.link_token(link)
    anonymous = api_as(None)
    questions = anonymous.get(f"/api/v1/public-survey/{token}/").json()["questions"]
    assert anonymous.get(f"/api/v1/public-survey/{token}x/").status_code == 400
    answers = {}
    for q in questions:
        answers[f"q{q['id']}"] = {
            "scale": 4,
            "single_choice": q["choices"][:1] and q["choices"][0],
            "nps": 8,
            "text": "",
        }[q["kind"]]
    assert (
        anonymous.post(
            f"/api/v1/public-survey/{token}/", {"answers": answers}, format="json"
        ).status_code
        == 201
    )
    again = anonymous.post(f"/api/v1/public-survey/{token}/", {"answers": answers}, format="json")
    assert again.status_code == 400
    assert SurveyResponse.objects.count() == 1
    visit.refresh_from_db()
    assert visit.ticket.status == Status.CLOSED


def test_public_survey_page_works_without_login(client, visit, visitor):
    link = services.survey_link_send(visit=visit, actor=visitor, base_url="http://t/")
    token = services.link_token(link)
    page = client.get(f"/followups/s/{token}/")
    assert page.status_code == 200 and "工单回访满意度调查" in page.text
    assert visit.ticket.contact_phone not in page.text  # the link exposes no other data
    assert client.get(f"/followups/s/{token[:-2]}/").status_code == 410


def test_schema_documents_the_endpoints(client_as, org):
    schema = client_as(org.admin).get("/api/v1/schema/").text
    for path in ("/api/v1/return-visits/", "/api/v1/surveys/", "/api/v1/return-visit-plans/"):
        assert path in schema


# ---------------------------------------------------------------- error codes of the API


def field_codes(response) -> set[tuple[str | None, str]]:
    """``(field, code)`` of each error in an API error body."""
    return {(error["field"], error["code"]) for error in response.json()["errors"]}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"resolved": True, "satisfaction": 5}, ("reached", "required")),
        ({"reached": False}, ("reached", "not_reached")),
        ({"reached": True, "satisfaction": 5}, ("resolved", "required")),
        ({"reached": True, "resolved": True}, ("satisfaction", "required")),
        (
            {"reached": True, "resolved": True, "satisfaction": 9},
            ("satisfaction", "satisfaction_out_of_scale"),
        ),
        (
            {"reached": True, "resolved": False, "satisfaction": 2},
            ("customer_words", "customer_words_required"),
        ),
        ({"reached": "perhaps"}, ("reached", "invalid")),
    ],
    ids=["reached", "not-reached", "resolved", "satisfaction", "scale", "words", "not-a-bool"],
)
def test_a_bad_result_answers_the_field_and_code(visit, visitor, payload, expected):
    response = api_as(visitor).post(
        f"/api/v1/return-visits/{visit.pk}/result/", payload, format="json"
    )
    assert response.status_code == 400
    assert field_codes(response) == {expected}
    visit.refresh_from_db()
    assert (visit.status, visit.attempts_count) == (VisitStatus.PENDING, 0)


def test_a_bad_attempt_answers_the_field_and_code(visit, visitor):
    response = api_as(visitor).post(
        f"/api/v1/return-visits/{visit.pk}/attempts/", {"outcome": "reached"}, format="json"
    )
    assert response.status_code == 400
    assert field_codes(response) == {("outcome", "invalid_choice")}
    visit.refresh_from_db()
    assert visit.attempts_count == 0


def test_a_finished_visit_answers_visit_finished(visit, visitor):
    services.return_visit_record(
        visit=visit, actor=visitor, reached=True, resolved=True, satisfaction=5
    )
    response = api_as(visitor).post(
        f"/api/v1/return-visits/{visit.pk}/attempts/?queue=all",
        {"outcome": "no_answer"},
        format="json",
    )
    assert response.status_code == 400
    assert field_codes(response) == {("visit", "visit_finished")}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"justification": "不行"}, ("justification", "justification_too_short")),
        (
            {"justification": "客户诉求超出合同范围，已书面答复"},
            ("justification", "not_dissatisfied"),
        ),
        ({}, ("justification", "required")),
    ],
    ids=["too-short", "not-dissatisfied", "missing"],
)
def test_a_bad_close_answers_the_field_and_code(org, visit, payload, expected):
    response = api_as(org.head).post(
        f"/api/v1/return-visits/{visit.pk}/close/?queue=all", payload, format="json"
    )
    assert response.status_code == 400
    assert field_codes(response) == {expected}
    visit.refresh_from_db()
    assert visit.status == VisitStatus.PENDING


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"channel": "email_link", "email": "not-an-address"}, ("email", "invalid")),
        ({"channel": "carrier_pigeon"}, ("channel", "invalid_choice")),
    ],
    ids=["email", "channel"],
)
def test_a_bad_survey_link_answers_the_field_and_code(visit, visitor, payload, expected):
    response = api_as(visitor).post(
        f"/api/v1/return-visits/{visit.pk}/survey-link/", payload, format="json"
    )
    assert response.status_code == 400
    assert field_codes(response) == {expected}
    assert not visit.links.exists()


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("/api/v1/return-visits/?queue=nope", ("queue", "invalid_choice")),
        ("/api/v1/return-visit-plans/?list=nope", ("list", "invalid_choice")),
        ("/api/v1/satisfaction/?group=nope", ("group", "invalid_choice")),
        ("/api/v1/satisfaction/?start=23.11.2026", ("start", "invalid")),
        ("/api/v1/satisfaction/?end=1900-01-01", ("end", "date_out_of_span")),
    ],
    ids=["queue", "plan-list", "group", "date", "span"],
)
def test_bad_query_parameters_answer_the_field_and_code(org, address, expected):
    response = api_as(org.gm).get(address)
    assert response.status_code == 400
    assert field_codes(response) == {expected}


def test_the_public_survey_answers_the_field_and_code(visit, visitor):
    link = services.survey_link_send(visit=visit, actor=visitor, base_url="http://t/")
    token = services.link_token(link)
    anonymous = api_as(None)
    response = anonymous.get(f"/api/v1/public-survey/{token}x/")
    assert response.status_code == 400
    assert field_codes(response) == {("token", "link_invalid")}
    response = anonymous.post(f"/api/v1/public-survey/{token}/", {"answers": []}, format="json")
    assert response.status_code == 400
    assert field_codes(response) == {("answers", "invalid")}
    scale = next(q for q in link.questionnaire.questions.all() if q.kind == "scale")
    response = anonymous.post(
        f"/api/v1/public-survey/{token}/", {"answers": {f"q{scale.pk}": 7}}, format="json"
    )
    assert response.status_code == 400
    assert (f"q{scale.pk}", "answer_out_of_scale") in field_codes(response)
    assert SurveyResponse.objects.count() == 0
