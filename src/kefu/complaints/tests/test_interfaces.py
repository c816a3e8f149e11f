"""Pages, exports and the API, per persona; tip-off confidentiality on every channel."""

import json
from io import BytesIO

import pytest
from conftest import make_staff
from django.utils import timezone
from openpyxl import load_workbook

from kefu.api.testing import field_errors
from kefu.complaints import services
from kefu.complaints.models import ComplaintCase, IdentityAccess, ReporterIdentity
from kefu.notify.models import Notification, OutboundMessage
from kefu.tickets import services as tickets
from kefu.tickets.states import Action

pytestmark = pytest.mark.django_db

NAME, PHONE = "赵举报", "13711112222"


def xlsx_text(response) -> str:
    book = load_workbook(BytesIO(response.content))
    return " ".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    )


# ---------------------------------------------------------------- tip-off confidentiality


def test_the_identity_is_sealed_at_rest_and_off_the_work_order(tip_off):
    case = tip_off()
    ticket = case.ticket
    ticket.refresh_from_db()
    assert (ticket.contact_name, ticket.contact_phone, ticket.calling_number) == ("", "", "")
    sealed = ReporterIdentity.objects.get(case=case).sealed
    assert sealed and PHONE not in sealed and NAME not in sealed
    assert IdentityAccess.objects.filter(case=case, kind="sealed").count() == 1


def test_no_sms_and_no_notification_carries_the_reporter(
    org, tips, tip_off, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = tip_off(priority="urgent")  # major: the general manager is told
        tickets.ticket_transition(ticket=case.ticket, action=Action.SIGN, actor=tips.keeper)
    assert not OutboundMessage.objects.filter(to=PHONE).exists()
    texts = " ".join(Notification.objects.values_list("text", flat=True))
    assert case.register_no in texts
    assert NAME not in texts and PHONE not in texts


@pytest.mark.parametrize("persona", ["gm", "admin", "inspector", "agent"])
def test_pages_show_no_identity_to_other_roles(org, tip_off, client_as, persona):
    case = tip_off()
    client = client_as(getattr(org, persona))
    for url in (
        f"/complaints/{case.pk}/",
        f"/tickets/{case.ticket_id}/",
        f"/complaints/{case.pk}/print/",
    ):
        response = client.get(url)
        body = response.content.decode()
        assert NAME not in body and PHONE not in body, url
    response = client.get(f"/complaints/{case.pk}/reporter/")
    assert response.status_code in (403, 404)
    assert NAME not in response.content.decode()


def test_a_refused_look_is_logged_for_the_auditors(org, tip_off, client_as):
    case = tip_off()
    client_as(org.gm).get(f"/complaints/{case.pk}/reporter/")
    refused = IdentityAccess.objects.get(case=case, kind="refused")
    assert refused.user == org.gm and refused.channel == "page"
    log = client_as(org.inspector).get("/complaints/identity-log/")
    assert log.status_code == 200
    body = log.content.decode()
    assert case.register_no in body and "拒绝" in body and PHONE not in body
    assert client_as(org.agent).get("/complaints/identity-log/").status_code == 403


def test_the_confidential_handler_sees_the_reporter_with_a_purpose_and_it_is_logged(
    tips, tip_off, client_as
):
    case = tip_off()
    client = client_as(tips.keeper)
    page = client.get(f"/complaints/{case.pk}/reporter/")
    assert page.status_code == 200 and PHONE not in page.content.decode()
    refused = client.post(f"/complaints/{case.pk}/reporter/", {"reveal-purpose": ""})
    assert refused.status_code == 400 and PHONE not in refused.content.decode()
    assert not IdentityAccess.objects.filter(case=case, kind="viewed").exists()
    shown = client.post(f"/complaints/{case.pk}/reporter/", {"reveal-purpose": "回电告知处理结果"})
    body = shown.content.decode()
    assert NAME in body and PHONE in body
    viewed = IdentityAccess.objects.get(case=case, kind="viewed")
    assert viewed.user == tips.keeper and viewed.purpose == "回电告知处理结果"


def test_the_handler_corrects_the_identity_and_a_bad_phone_is_refused(tips, tip_off, client_as):
    case = tip_off(contact_name="", contact_phone="", calling_number="")
    assert ReporterIdentity.objects.get(case=case).anonymous is True
    client = client_as(tips.keeper)
    bad = client.post(
        f"/complaints/{case.pk}/reporter/",
        {"identity-contact_name": "钱先生", "identity-contact_phone": "12345", "identity-note": ""},
    )
    assert bad.status_code == 400
    assert "举报人电话" in bad.content.decode() and "请输入大陆手机号" in bad.content.decode()
    assert ReporterIdentity.objects.get(case=case).anonymous is True
    client.post(
        f"/complaints/{case.pk}/reporter/",
        {
            "identity-contact_name": "钱先生",
            "identity-contact_phone": "13800001234",
            "identity-note": "只接受短信",
        },
    )
    identity = services.identity_reveal(
        case=case, actor=tips.keeper, purpose="核对", channel="test"
    )
    assert identity["contact_phone"] == "13800001234" and identity["anonymous"] is False


@pytest.mark.parametrize("persona", ["gm", "admin", "agent"])
def test_exports_never_carry_the_reporter(org, tip_off, client_as, persona):
    case = tip_off()
    client = client_as(getattr(org, persona))
    for url in ("/complaints/?export=xlsx", "/tickets/?queue=all&export=xlsx"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = xlsx_text(response)
        assert NAME not in text and PHONE not in text, url
    if persona != "agent":
        assert case.register_no in xlsx_text(client.get("/complaints/?export=xlsx"))


def test_the_api_hides_the_reporter_from_other_roles(org, tips, tip_off, client_as):
    case = tip_off()
    client = client_as(org.gm)
    for url in (
        f"/api/v1/complaints/{case.pk}/",
        "/api/v1/complaints/?series=tip_off",
        f"/api/v1/tickets/{case.ticket.number}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert NAME not in response.content.decode() and PHONE not in response.content.decode()
    refused = client.post(
        f"/api/v1/complaints/{case.pk}/reporter/",
        {"purpose": "好奇"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert IdentityAccess.objects.filter(case=case, kind="refused", channel="api").count() == 1
    shown = client_as(tips.keeper).post(
        f"/api/v1/complaints/{case.pk}/reporter/",
        {"purpose": "回电"},
        content_type="application/json",
    )
    assert shown.status_code == 200
    assert shown.json()["contact_phone"] == PHONE


# ---------------------------------------------------------------- the case page


def test_anonymous_visitors_are_sent_to_log_in(complaint, client):
    case = complaint()
    assert client.get(f"/complaints/{case.pk}/").status_code == 302
    assert client.post(f"/complaints/{case.pk}/do/validity/", {}).status_code == 302
    assert client.get("/api/v1/complaints/").status_code in (401, 403)


def test_a_case_outside_the_scope_is_404_and_unchanged(org, complaint, client_as):
    case = complaint()
    client = client_as(org.account_manager)
    assert client.get(f"/complaints/{case.pk}/").status_code == 404
    response = client.post(
        f"/complaints/{case.pk}/do/validity/", {"validity-valid": "1", "validity-reason": "x"}
    )
    assert response.status_code == 404
    assert client.get(f"/api/v1/complaints/{case.pk}/").status_code == 404
    assert ComplaintCase.objects.get(pk=case.pk).validity == "pending"


def test_the_wrong_role_is_refused_and_nothing_changes(org, complaint, client_as):
    case = complaint()
    response = client_as(org.agent).post(
        f"/complaints/{case.pk}/do/validity/", {"validity-valid": "1", "validity-reason": "属实"}
    )
    assert response.status_code == 403
    assert ComplaintCase.objects.get(pk=case.pk).validity == "pending"


def test_bad_input_names_the_field_in_chinese_and_changes_nothing(org, complaint, client_as):
    case = complaint()
    response = client_as(org.inspector).post(
        f"/complaints/{case.pk}/do/validity/", {"validity-valid": "1", "validity-reason": ""}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "该字段是必填项" in body and "id_validity-reason_error" in body
    assert ComplaintCase.objects.get(pk=case.pk).validity == "pending"


def test_the_inspector_rules_valid_and_attributes_on_the_page(org, complaint, client_as):
    case = complaint()
    client = client_as(org.inspector)
    page = client.get(f"/complaints/{case.pk}/")
    assert case.register_no in page.content.decode()
    client.post(
        f"/complaints/{case.pk}/do/validity/",
        {"validity-valid": "1", "validity-reason": "录音证实"},
    )
    response = client.post(
        f"/complaints/{case.pk}/do/attribute/",
        {
            "attribute-facts": "争吵属实",
            "attribute-root_cause": "未培训",
            "attribute-responsibility": "at_fault",
            "attribute-fault_cause": "negligence",
            "attribute-responsible_department": org.repairs.pk,
            "attribute-responsible_person": org.handler.pk,
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.validity, case.responsible_person) == ("valid", org.handler)


def test_a_penalty_out_of_the_band_is_refused_on_the_page(org, complaint, client_as):
    case = complaint()
    services.case_rule_validity(case=case, actor=org.inspector, valid=True, reason="属实")
    services.case_attribute(
        case=case,
        actor=org.inspector,
        facts="x",
        root_cause="y",
        responsibility="at_fault",
        fault_cause="negligence",
        responsible_department=org.repairs,
        responsible_person=org.handler,
    )
    response = client_as(org.inspector).post(
        f"/complaints/{case.pk}/do/penalty/",
        {"penalty-person": org.handler.pk, "penalty-fine": "2000", "penalty-reason": "态度"},
    )
    assert response.status_code == 400
    assert "罚款须在每次 200 至 1,500 元之间" in response.content.decode()
    assert not case.penalties.exists()


def test_printable_pages(org, complaint, client_as):
    case = complaint()
    services.case_rule_validity(case=case, actor=org.inspector, valid=True, reason="属实")
    services.case_attribute(
        case=case,
        actor=org.inspector,
        facts="x",
        root_cause="y",
        responsibility="at_fault",
        fault_cause="negligence",
        responsible_department=org.repairs,
        responsible_person=org.handler,
    )
    penalty = services.penalty_propose(
        case=case, actor=org.inspector, person=org.handler, fine="800", reason="态度"
    )
    client = client_as(org.inspector)
    form = client.get(f"/complaints/{case.pk}/print/").content.decode()
    # the page title, then one heading a copy
    assert form.count("客户意见处理表") == 1 + 5 and "第五联 总经理室" in form
    notice = client.get(f"/complaints/penalties/{penalty.pk}/notice/").content.decode()
    assert notice.count("处分通知单") == 1 + 3 and "第二联 财务部核查" in notice
    # the penalised person may open their own notice
    assert (
        client_as(org.handler).get(f"/complaints/penalties/{penalty.pk}/notice/").status_code == 200
    )


def test_the_penalty_review_page_names_a_missing_decision_and_decides_a_given_one(
    org, complaint, client_as
):
    case = complaint()
    services.case_rule_validity(case=case, actor=org.inspector, valid=True, reason="属实")
    services.case_attribute(
        case=case,
        actor=org.inspector,
        facts="x",
        root_cause="y",
        responsibility="at_fault",
        fault_cause="negligence",
        responsible_department=org.repairs,
        responsible_person=org.handler,
    )
    penalty = services.penalty_propose(
        case=case, actor=org.inspector, person=org.handler, fine="800", reason="态度"
    )
    client = client_as(org.gm)
    page = f"/complaints/penalties/?month={penalty.month:%Y-%m}"
    missing = client.post(page, {"penalty": penalty.pk}, follow=True)
    assert "该字段是必填项" in missing.content.decode()
    penalty.refresh_from_db()
    assert penalty.status == "proposed"
    decided = client.post(page, {"penalty": penalty.pk, "approve": "1"})
    assert decided.status_code == 302
    penalty.refresh_from_db()
    assert penalty.status == "approved"


def test_the_list_query_count_does_not_grow_with_rows(
    org, complaint, client_as, django_assert_max_num_queries
):
    complaint()
    client = client_as(org.gm)
    with django_assert_max_num_queries(20) as few:
        client.get("/complaints/")
    for n in range(5):
        complaint(title=f"投诉 {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/complaints/")


# ---------------------------------------------------------------- API


def test_api_actions_and_refusals(org, complaint, client_as):
    case = complaint()
    client = client_as(org.inspector)
    bad = client.post(
        f"/api/v1/complaints/{case.pk}/validity/",
        {"valid": True, "reason": ""},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "reason" in field_errors(bad)
    ok = client.post(
        f"/api/v1/complaints/{case.pk}/validity/",
        {"valid": True, "reason": "属实"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["validity"] == "valid"
    forbidden = client_as(org.agent).post(
        f"/api/v1/complaints/{case.pk}/attribution/",
        {"facts": "x", "responsibility": "not_at_fault"},
        content_type="application/json",
    )
    assert forbidden.status_code == 403
    assert ComplaintCase.objects.get(pk=case.pk).responsibility == "pending"
    client = client_as(org.inspector)
    fine = client.post(
        f"/api/v1/complaints/{case.pk}/attribution/",
        {
            "facts": "x",
            "root_cause": "y",
            "responsibility": "at_fault",
            "responsible_department": "rep",
            "responsible_person": "handler",
            "fault_cause": "negligence",
        },
        content_type="application/json",
    )
    assert fine.status_code == 200
    refused = client.post(
        f"/api/v1/complaints/{case.pk}/penalties/",
        {"person": "handler", "fine": "100", "reason": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "fine" in field_errors(refused)


def test_api_schema_documents_the_complaints_endpoints(client_as, org):
    schema = client_as(org.gm).get("/api/v1/schema/?format=json")
    paths = json.loads(schema.content)["paths"]
    assert "/api/v1/complaints/statistics/" in paths
    assert "/api/v1/complaints/{id}/reporter/" in paths


def test_the_confidential_handler_role_reads_the_reporter_without_the_group(
    org, catalog, tip_off, client_as
):
    """An office handler who holds the 举报保密处理人 role (and is in no group) may read the
    reporter; the role widens no data scope, and the administrator is still refused."""
    from kefu.org.models import Role

    role = Role.objects.get(code="confidential_handler")
    assert role.data_scope == "own"
    reader = make_staff(
        "reader", catalog.office, ["handler", "confidential_handler"], employee_no="BG010"
    )
    case = tip_off()

    refused = client_as(org.admin).post(
        f"/complaints/{case.pk}/reporter/", {"reveal-purpose": "核实"}
    )
    assert PHONE not in refused.content.decode()
    shown = client_as(reader).post(f"/complaints/{case.pk}/reporter/", {"reveal-purpose": "核实"})
    assert PHONE in shown.content.decode()
    assert IdentityAccess.objects.get(case=case, kind="viewed").user == reader


def test_the_api_list_query_count_does_not_grow_with_rows(
    org, complaint, client_as, django_assert_max_num_queries
):
    def add_open_action(case):
        services.case_rule_validity(case=case, actor=org.inspector, valid=True, reason="属实")
        services.action_add(
            case=case,
            actor=org.inspector,
            kind="corrective",
            description="培训",
            owner=org.handler,
            due_on=timezone.localdate(case.created_at),
            now=case.created_at,
        )

    add_open_action(complaint())
    client = client_as(org.gm)
    with django_assert_max_num_queries(30) as few:
        first = client.get("/api/v1/complaints/")
    assert first.json()["results"][0]["close_blockers"] == ["还有 1 项纠正预防措施未验证关闭。"]
    for n in range(5):
        add_open_action(complaint(title=f"投诉 {n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        many = client.get("/api/v1/complaints/")
    assert len(many.json()["results"]) == 6


def test_the_case_page_reads_the_approval_authorities_once(
    org, complaint, client_as, django_assert_max_num_queries
):
    case = complaint(dispatch=False, dispatch_to=org.repairs)
    services.case_rule_validity(case=case, actor=org.head, valid=True, reason="属实")

    def request_allowance():
        services.remedy_request(
            case=case, actor=org.handler, kind="allowance", amount="800", description="折让"
        )

    request_allowance()
    client = client_as(org.head)
    with django_assert_max_num_queries(60) as few:
        first = client.get(f"/complaints/{case.pk}/")
    assert first.status_code == 200
    for _n in range(3):
        request_allowance()
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(f"/complaints/{case.pk}/")
    # the head may decide each of the four (800 yuan is within a head's authority)
    assert page.content.decode().count("/decide/") == 4


def test_resolve_and_close_are_offered_only_to_whoever_may_take_them(org, complaint, client_as):
    """The agent took the order (and may work on the case file) but does not handle it:
    no resolve form, and a posted one is refused with nothing changed."""
    case = complaint()
    tickets.ticket_transition(ticket=case.ticket, action=Action.SIGN, actor=org.inspector)
    page = client_as(org.agent).get(f"/complaints/{case.pk}/").content.decode()
    assert 'data-testid="resolve-form"' not in page
    refused = client_as(org.agent).post(
        f"/complaints/{case.pk}/do/resolve/", {"resolve-resolution": "已处理"}
    )
    assert refused.status_code == 403
    assert ComplaintCase.objects.get(pk=case.pk).ticket.status == "signed"
    page = client_as(org.inspector).get(f"/complaints/{case.pk}/").content.decode()
    assert 'data-testid="resolve-form"' in page
    # once resolved, the close button likewise goes only to whoever may close the order
    tickets.ticket_transition(
        ticket=case.ticket, action=Action.RESOLVE, actor=org.inspector, resolution="已处理"
    )
    page = client_as(org.inspector).get(f"/complaints/{case.pk}/").content.decode()
    assert 'data-testid="close-button"' not in page
    page = client_as(org.agent).get(f"/complaints/{case.pk}/").content.decode()
    assert 'data-testid="close-button"' in page
