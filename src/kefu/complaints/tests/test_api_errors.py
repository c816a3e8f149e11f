"""Bad input to each complaints API endpoint: a 400 whose envelope names the field at fault
and the rule broken (``errors[].field``, ``errors[].code``), in Chinese, and nothing changed.
"""

import pytest

from kefu.api.testing import field_errors
from kefu.complaints import services
from kefu.complaints.models import ComplaintCase, CorrectiveAction, IdentityAccess, Remedy
from kefu.tickets import services as tickets
from kefu.tickets.states import Action

pytestmark = pytest.mark.django_db


def rules_broken(response) -> list[tuple[str | None, str]]:
    """(field, code) of each error of an API error body."""
    assert response.json()["code"] == "invalid"
    return [(error["field"], error["code"]) for error in response.json()["errors"]]


@pytest.fixture
def post(client_as):
    def send(user, case, path: str, body: dict):
        return client_as(user).post(
            f"/api/v1/complaints/{case.pk}/{path}/", body, content_type="application/json"
        )

    return send


@pytest.fixture
def valid_case(org, complaint):
    def make():
        case = complaint()
        return services.case_rule_validity(
            case=case, actor=org.inspector, valid=True, reason="属实"
        )

    return make


@pytest.fixture
def at_fault_case(org, valid_case):
    def make():
        return services.case_attribute(
            case=valid_case(),
            actor=org.inspector,
            facts="争吵属实",
            root_cause="未培训",
            responsibility="at_fault",
            fault_cause="negligence",
            responsible_department=org.repairs,
            responsible_person=org.handler,
        )

    return make


def test_classify_refuses_more_defective_than_delivered(org, complaint, post):
    case = complaint()
    body = {"complaint_class": None, "severity": "general", "quantity": 5, "defective_quantity": 6}
    response = post(org.inspector, case, "classify", body)
    assert response.status_code == 400
    assert rules_broken(response) == [("defective_quantity", "defective_exceeds_quantity")]
    assert field_errors(response) == {"defective_quantity": ["不良数量不能大于数量。"]}
    assert ComplaintCase.objects.get(pk=case.pk).quantity is None


def test_classify_refuses_an_unknown_severity(org, complaint, post):
    case = complaint()
    response = post(org.inspector, case, "classify", {"complaint_class": None, "severity": "x"})
    assert response.status_code == 400
    assert rules_broken(response) == [("severity", "invalid_choice")]


def test_validity_needs_the_reasons(org, complaint, post):
    case = complaint()
    response = post(org.inspector, case, "validity", {"valid": True, "reason": ""})
    assert response.status_code == 400
    assert rules_broken(response) == [("reason", "blank")]
    assert ComplaintCase.objects.get(pk=case.pk).validity == "pending"


def test_the_customer_is_told_only_of_a_complaint_found_not_valid(org, complaint, post):
    case = complaint()
    response = post(org.inspector, case, "tell-customer", {"channel": "phone", "text": "已解释"})
    assert response.status_code == 400
    assert rules_broken(response) == [("channel", "tell_needs_invalid")]
    assert ComplaintCase.objects.get(pk=case.pk).customer_told_at is None


def test_an_attribution_at_fault_needs_the_department_and_the_root_cause(org, valid_case, post):
    case = valid_case()
    response = post(
        org.inspector, case, "attribution", {"facts": "争吵属实", "responsibility": "at_fault"}
    )
    assert response.status_code == 400
    assert sorted(rules_broken(response)) == [
        ("fault_cause", "at_fault_needs_cause"),
        ("responsible_department", "at_fault_needs_department"),
        ("root_cause", "at_fault_needs_root_cause"),
    ]
    assert ComplaintCase.objects.get(pk=case.pk).responsibility == "pending"


def test_the_responsible_person_works_in_the_responsible_department(org, valid_case, post):
    case = valid_case()
    response = post(
        org.inspector,
        case,
        "attribution",
        {
            "facts": "争吵属实",
            "root_cause": "未培训",
            "responsibility": "at_fault",
            "responsible_department": org.repairs.code,
            "responsible_person": org.agent.username,
            "fault_cause": "negligence",
        },
    )
    assert response.status_code == 400
    assert rules_broken(response) == [("responsible_person", "person_not_in_department")]
    assert ComplaintCase.objects.get(pk=case.pk).responsible_person is None


def test_an_action_due_in_the_past_is_refused(org, complaint, post):
    case = complaint()
    body = {"kind": "corrective", "description": "培训", "owner": "handler", "due_on": "2020-01-01"}
    response = post(org.inspector, case, "capa", body)
    assert response.status_code == 400
    assert rules_broken(response) == [("due_on", "due_date_past")]
    assert not CorrectiveAction.objects.filter(case=case).exists()


@pytest.fixture
def open_action(org):
    def make(case):
        return services.action_add(
            case=case,
            actor=org.inspector,
            kind="corrective",
            description="培训",
            owner=org.handler,
            due_on=case.created_at.date().replace(year=2100),
        )

    return make


def test_an_action_is_reported_done_once(org, complaint, open_action, post):
    case = complaint()
    action = open_action(case)
    services.action_complete(action=action, actor=org.handler, note="已培训")
    response = post(org.handler, case, f"capa/{action.pk}/done", {"note": "又培训"})
    assert response.status_code == 400
    assert rules_broken(response) == [("note", "action_not_open")]
    assert CorrectiveAction.objects.get(pk=action.pk).done_note == "已培训"


def test_an_action_not_reported_done_is_not_verified(org, complaint, open_action, post):
    case = complaint()
    action = open_action(case)
    body = {"accepted": True, "verification": "抽查"}
    response = post(org.inspector, case, f"capa/{action.pk}/verify", body)
    assert response.status_code == 400
    assert rules_broken(response) == [("verification", "action_not_done")]
    assert CorrectiveAction.objects.get(pk=action.pk).status == "open"


def test_a_remedy_needs_an_amount_above_zero(org, valid_case, post):
    case = valid_case()
    body = {"kind": "allowance", "amount": "0", "description": "折让"}
    response = post(org.inspector, case, "remedies", body)
    assert response.status_code == 400
    assert rules_broken(response) == [("amount", "amount_not_positive")]
    assert not Remedy.objects.filter(case=case).exists()


def test_a_remedy_is_for_a_complaint_found_valid(org, complaint, post):
    case = complaint()
    body = {"kind": "allowance", "amount": "800", "description": "折让"}
    response = post(org.inspector, case, "remedies", body)
    assert response.status_code == 400
    assert rules_broken(response) == [("kind", "remedy_needs_valid")]
    assert not Remedy.objects.filter(case=case).exists()


@pytest.fixture
def goods_return(org):
    def make(case):
        return services.remedy_request(
            case=case, actor=org.inspector, kind="goods_return", quantity="10", description="退货"
        )

    return make


def test_rejecting_a_remedy_needs_the_reason(org, valid_case, goods_return, post):
    case = valid_case()
    remedy = goods_return(case)
    response = post(org.gm, case, f"remedies/{remedy.pk}/decide", {"approve": False})
    assert response.status_code == 400
    assert rules_broken(response) == [("note", "rejection_needs_reason")]
    assert Remedy.objects.get(pk=remedy.pk).status == "pending"


def test_a_return_not_approved_is_not_received(org, valid_case, goods_return, post):
    case = valid_case()
    remedy = goods_return(case)
    response = post(org.inspector, case, f"remedies/{remedy.pk}/receive", {"actual_quantity": "10"})
    assert response.status_code == 400
    assert rules_broken(response) == [("actual_quantity", "remedy_not_receivable")]
    assert Remedy.objects.get(pk=remedy.pk).actual_quantity is None


def test_a_received_quantity_must_be_a_number(org, valid_case, goods_return, post):
    case = valid_case()
    remedy = goods_return(case)
    services.remedy_decide(remedy=remedy, actor=org.gm, approve=True)
    response = post(org.inspector, case, f"remedies/{remedy.pk}/receive", {"actual_quantity": "十"})
    assert response.status_code == 400
    assert rules_broken(response) == [("actual_quantity", "invalid")]
    assert Remedy.objects.get(pk=remedy.pk).actual_quantity is None


def test_a_return_within_the_tolerance_needs_no_instruction(org, valid_case, goods_return, post):
    case = valid_case()
    remedy = goods_return(case)
    services.remedy_decide(remedy=remedy, actor=org.gm, approve=True)
    services.remedy_receive(remedy=remedy, actor=org.inspector, actual_quantity="10")
    response = post(org.gm, case, f"remedies/{remedy.pk}/instruct", {"instruction": "入账"})
    assert response.status_code == 400
    assert rules_broken(response) == [("instruction", "instruction_not_needed")]
    assert Remedy.objects.get(pk=remedy.pk).instruction == ""


def test_a_penalty_names_whom_and_what(org, at_fault_case, post):
    case = at_fault_case()
    response = post(org.inspector, case, "penalties", {"reason": "态度"})
    assert response.status_code == 400
    assert sorted(rules_broken(response)) == [
        ("fine", "penalty_needs_content"),
        ("person", "penalty_needs_target"),
    ]
    assert not case.penalties.exists()


def test_a_fine_outside_the_band_is_refused(org, at_fault_case, post):
    case = at_fault_case()
    response = post(
        org.inspector, case, "penalties", {"person": "handler", "fine": "100", "reason": "态度"}
    )
    assert response.status_code == 400
    assert rules_broken(response) == [("fine", "fine_out_of_band")]
    assert field_errors(response) == {"fine": ["罚款须在每次 200 至 1,500 元之间。"]}
    assert not case.penalties.exists()


def test_resolving_needs_the_handling_result(org, complaint, post):
    case = complaint()
    status = case.ticket.status
    response = post(org.inspector, case, "resolve", {"resolution": ""})
    assert response.status_code == 400
    assert rules_broken(response) == [("resolution", "blank")]
    case.ticket.refresh_from_db()
    assert case.ticket.status == status


def test_closing_with_an_open_action_names_the_blocker(org, complaint, open_action, post):
    case = complaint()
    open_action(case)
    tickets.ticket_transition(ticket=case.ticket, action=Action.SIGN, actor=org.inspector)
    tickets.ticket_transition(
        ticket=case.ticket, action=Action.RESOLVE, actor=org.inspector, resolution="已致歉"
    )
    response = post(org.agent, case, "close", {})
    assert response.status_code == 400
    assert rules_broken(response) == [("action", "complaint_action_open")]
    case.ticket.refresh_from_db()
    assert case.ticket.status == "resolved"


def test_the_reporter_is_revealed_only_with_a_purpose(tips, tip_off, post):
    case = tip_off()
    response = post(tips.keeper, case, "reporter", {"purpose": ""})
    assert response.status_code == 400
    assert rules_broken(response) == [("purpose", "required")]
    assert not IdentityAccess.objects.filter(case=case, kind="viewed").exists()


def test_a_complaint_has_no_reporter_to_reveal(org, complaint, post):
    case = complaint()
    response = post(org.gm, case, "reporter", {"purpose": "回电"})
    assert response.status_code == 400
    assert rules_broken(response) == [("case", "not_tip_off")]
    assert not IdentityAccess.objects.filter(case=case).exists()


def test_statistics_refuse_a_month_that_is_not_one(org, client_as):
    response = client_as(org.gm).get("/api/v1/complaints/statistics/?month=2025-13")
    assert response.status_code == 400
    assert rules_broken(response) == [("month", "invalid")]
