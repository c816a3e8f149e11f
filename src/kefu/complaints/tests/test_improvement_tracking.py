"""CMP-11: a responsibility finding decides whether the improvement is tracked; human
negligence is exempt from tracking (人为疏忽免列案追踪), every other cause of a fault of ours
opens an improvement-tracking item."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from kefu.complaints import rules, services
from kefu.complaints.models import ComplaintCase, CorrectiveAction
from kefu.complaints.tests.conftest import at
from kefu.tickets.tests.rendered import rendered_form

pytestmark = pytest.mark.django_db

NOW = at(2026, 12, 3, 10, 0)


def _valid(case, org):
    return services.case_rule_validity(
        case=case, actor=org.inspector, valid=True, reason="录音证实", now=NOW
    )


def _attribute(case, org, **overrides):
    fields = {
        "case": case,
        "actor": org.inspector,
        "facts": "维修工上门迟到",
        "root_cause": "派工系统未提醒",
        "responsibility": "at_fault",
        "responsible_department": org.repairs,
        "responsible_person": org.handler,
        "now": NOW,
    }
    fields.update(overrides)
    return services.case_attribute(**fields)


@pytest.mark.parametrize(
    ("responsibility", "cause", "tracked"),
    [
        ("at_fault", "negligence", False),
        ("at_fault", "quality", True),
        ("at_fault", "process", True),
        ("at_fault", "equipment", True),
        ("at_fault", "other", True),
        ("at_fault", "", False),
        ("not_at_fault", "", False),
        ("external", "quality", False),
    ],
    ids=[
        "negligence-exempt",
        "quality",
        "process",
        "equipment",
        "other",
        "no-cause",
        "not-at-fault",
        "outside-party",
    ],
)
def test_which_findings_open_tracking(responsibility, cause, tracked):
    assert rules.needs_improvement_tracking(responsibility, cause) is tracked


def test_human_negligence_opens_no_tracking_item(org, complaint):
    case = _valid(complaint(), org)
    case = _attribute(case, org, fault_cause="negligence", root_cause="师傅忘记预约时间")
    assert case.fault_cause == "negligence"
    assert not CorrectiveAction.objects.filter(case=case).exists()
    assert services.close_blockers(case) == []


def test_a_process_cause_opens_a_tracking_item_for_the_responsible_person(org, complaint):
    case = _valid(complaint(), org)
    case = _attribute(case, org, fault_cause="process")
    item = CorrectiveAction.objects.get(case=case)
    assert item.from_finding
    assert (item.kind, item.owner, item.due_on, item.status) == (
        "corrective",
        org.handler,
        date(2026, 12, 17),
        "open",
    )
    assert "派工系统未提醒" in item.description
    # the open tracking item keeps the complaint from closing, like any action
    assert services.close_blockers(case)
    # attributing again with the same finding opens no second item
    _attribute(ComplaintCase.objects.get(pk=case.pk), org, fault_cause="process")
    assert CorrectiveAction.objects.filter(case=case).count() == 1


def test_without_a_responsible_person_the_department_head_owns_the_tracking(org, complaint):
    case = _valid(complaint(), org)
    _attribute(case, org, fault_cause="equipment", responsible_person=None)
    assert CorrectiveAction.objects.get(case=case).owner == org.head


def test_a_later_finding_of_negligence_withdraws_the_untouched_tracking_item(org, complaint):
    case = _valid(complaint(), org)
    _attribute(case, org, fault_cause="quality")
    assert CorrectiveAction.objects.filter(case=case, from_finding=True).count() == 1
    _attribute(ComplaintCase.objects.get(pk=case.pk), org, fault_cause="negligence")
    assert not CorrectiveAction.objects.filter(case=case).exists()


def test_a_fault_of_ours_needs_its_cause_and_nothing_changes_without(org, complaint):
    case = _valid(complaint(), org)
    with pytest.raises(ValidationError) as caught:
        _attribute(case, org)
    assert caught.value.error_dict["fault_cause"][0].code == "at_fault_needs_cause"
    case.refresh_from_db()
    assert case.responsibility == "pending"
    assert not CorrectiveAction.objects.exists()


@pytest.mark.parametrize(("cause", "tracked"), [("negligence", 0), ("process", 1)])
def test_the_inspector_records_the_cause_on_the_page_as_rendered(
    org, complaint, client_as, cause, tracked
):
    case = _valid(complaint(), org)
    client = client_as(org.inspector)
    form = rendered_form(client.get(f"/complaints/{case.pk}/").content.decode(), "attribute-form")
    assert "attribute-fault_cause" in form.fields
    response = client.post(
        form.action,
        {
            **form.fields,
            "attribute-facts": "维修工上门迟到",
            "attribute-root_cause": "派工系统未提醒",
            "attribute-responsibility": "at_fault",
            "attribute-fault_cause": cause,
            "attribute-responsible_department": str(org.repairs.pk),
            "attribute-responsible_person": str(org.handler.pk),
        },
    )
    assert response.status_code == 302
    assert CorrectiveAction.objects.filter(case=case, from_finding=True).count() == tracked
    page = client.get(f"/complaints/{case.pk}/").content.decode()
    assert ('data-testid="tracking-badge"' in page) is bool(tracked)


def test_the_page_refuses_a_fault_without_its_cause_in_chinese(org, complaint, client_as):
    case = _valid(complaint(), org)
    client = client_as(org.inspector)
    form = rendered_form(client.get(f"/complaints/{case.pk}/").content.decode(), "attribute-form")
    response = client.post(
        form.action,
        {
            **form.fields,
            "attribute-facts": "维修工上门迟到",
            "attribute-root_cause": "派工系统未提醒",
            "attribute-responsibility": "at_fault",
            "attribute-responsible_department": str(org.repairs.pk),
        },
    )
    assert "请选择过错原因" in response.content.decode()
    assert ComplaintCase.objects.get(pk=case.pk).responsibility == "pending"


def test_api_shows_the_cause_and_the_tracking_item(org, complaint, client_as):
    case = _valid(complaint(), org)
    response = client_as(org.inspector).post(
        f"/api/v1/complaints/{case.pk}/attribution/",
        {
            "facts": "x",
            "root_cause": "派工系统未提醒",
            "responsibility": "at_fault",
            "responsible_department": "rep",
            "responsible_person": "handler",
            "fault_cause": "process",
        },
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["fault_cause"] == "process"
    assert [a["from_finding"] for a in body["corrective_actions"]] == [True]
