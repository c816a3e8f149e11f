"""CMP-21: the sales-allowance certificate (销货折让证明单) is signed by the (deputy) manager
and the (deputy) general manager. The approval chain is levels by amount range, each a
role, configurable; signatures in order, each by a holder of its level; the certificate is
issued once the chain is complete; a refusal ends it with its reason."""

import re
from decimal import Decimal as D

import pytest
from conftest import make_staff
from django.core.exceptions import PermissionDenied, ValidationError

from kefu.api.testing import field_errors
from kefu.complaints import rules, services
from kefu.complaints.models import ApprovalStep, Remedy, RemedySignature
from kefu.complaints.rules import ChainStep
from kefu.complaints.services.configuration import approval_chain_set, approval_chain_steps
from kefu.complaints.tests.conftest import at
from kefu.notify.models import Notification
from kefu.org.roles import RoleCode
from kefu.tickets.tests.rendered import rendered_form

pytestmark = pytest.mark.django_db

NOW = at(2026, 12, 3, 10, 0)


@pytest.mark.parametrize(
    ("amount", "levels"),
    [(D("0.01"), ["经理"]), (D("4999.99"), ["经理"]), (D(5000), ["经理", "总经理"])],
    ids=["smallest", "below-threshold", "at-threshold"],
)
def test_the_chain_for_an_amount_is_the_levels_whose_range_covers_it(amount, levels):
    steps = [
        ChainStep(order=2, role="general_manager", label="总经理", min_amount=D(5000)),
        ChainStep(order=1, role="department_head", label="经理"),
        ChainStep(order=3, role="general_manager", label="小额", max_amount=D(0)),
    ]
    chain = rules.chain_for(amount, steps)
    assert [s.label for s in chain] == levels
    assert rules.chain_next(chain, []) == chain[0]
    assert rules.chain_next(chain, [s.order for s in chain]) is None


@pytest.fixture
def allowance(org, complaint):
    """A valid complaint handled by the repairs department, with an 800-yuan allowance
    asked for by the handler."""

    def make(amount="800", kind="allowance"):
        case = complaint(dispatch=False, dispatch_to=org.repairs)
        services.case_rule_validity(case=case, actor=org.head, valid=True, reason="属实")
        return services.remedy_request(
            case=case, actor=org.handler, kind=kind, amount=amount, description="服务费折让"
        )

    return make


def test_the_default_chain_is_the_manager_then_the_general_manager():
    assert [(s.order, s.role, s.label) for s in approval_chain_steps()] == [
        (1, "department_head", "（副）经理"),
        (2, "general_manager", "（副）总经理"),
    ]


def test_the_certificate_is_issued_once_every_level_has_signed(org, allowance):
    remedy = allowance()
    # the manager's level comes first: the general manager may not sign before it
    with pytest.raises(PermissionDenied):
        services.remedy_decide(remedy=remedy, actor=org.gm, approve=True, now=NOW)
    assert not RemedySignature.objects.exists()

    services.remedy_decide(remedy=remedy, actor=org.head, approve=True, note="同意", now=NOW)
    remedy.refresh_from_db()
    assert (remedy.status, remedy.certificate_no) == ("pending", "")
    assert Notification.objects.filter(recipient=org.gm, text__contains="签批").exists()

    services.remedy_decide(remedy=remedy, actor=org.gm, approve=True, now=NOW)
    remedy.refresh_from_db()
    assert remedy.status == "approved"
    assert (remedy.certificate_no, remedy.certificate_issued_at) == ("ZR202612001", NOW)
    assert [(s.step_order, s.label, s.signed_by, s.approved) for s in remedy.signatures.all()] == [
        (1, "（副）经理", org.head, True),
        (2, "（副）总经理", org.gm, True),
    ]


def test_a_refusal_ends_the_chain_with_its_reason(org, allowance):
    remedy = allowance()
    with pytest.raises(ValidationError) as caught:
        services.remedy_decide(remedy=remedy, actor=org.head, approve=False, note=" ")
    assert caught.value.error_dict["note"][0].code == "rejection_needs_reason"
    assert not RemedySignature.objects.exists()

    services.remedy_decide(remedy=remedy, actor=org.head, approve=False, note="金额依据不足")
    remedy.refresh_from_db()
    assert (remedy.status, remedy.decision_note, remedy.certificate_no) == (
        "rejected",
        "金额依据不足",
        "",
    )
    with pytest.raises(ValidationError) as caught:
        services.remedy_decide(remedy=remedy, actor=org.gm, approve=True)
    assert caught.value.error_dict["approve"][0].code == "remedy_decided"
    assert remedy.signatures.count() == 1


def test_one_person_signs_one_level_only(org, allowance):
    both = make_staff(
        "boss", org.repairs, [RoleCode.DEPARTMENT_HEAD, RoleCode.GENERAL_MANAGER], employee_no="X1"
    )
    remedy = allowance()
    services.remedy_decide(remedy=remedy, actor=both, approve=True)
    with pytest.raises(PermissionDenied):
        services.remedy_decide(remedy=remedy, actor=both, approve=True)
    assert Remedy.objects.get(pk=remedy.pk).status == "pending"


def test_a_manager_of_another_department_may_not_sign(org, allowance):
    other_head = make_staff("mkthead", org.marketing, [RoleCode.DEPARTMENT_HEAD], employee_no="X2")
    remedy = allowance()
    with pytest.raises(PermissionDenied):
        services.remedy_decide(remedy=remedy, actor=other_head, approve=True)


def test_the_levels_follow_the_configured_amount_ranges(org, allowance):
    approval_chain_set(
        steps=[
            ChainStep(order=1, role="department_head", label="经理"),
            ChainStep(order=2, role="general_manager", label="总经理", min_amount=D(5000)),
        ]
    )
    small = allowance("800")
    services.remedy_decide(remedy=small, actor=org.head, approve=True)
    small.refresh_from_db()
    assert small.status == "approved" and small.certificate_no
    large = allowance("6000")
    services.remedy_decide(remedy=large, actor=org.head, approve=True)
    large.refresh_from_db()
    assert large.status == "pending"


def test_compensation_keeps_one_approver_within_authority(org, allowance):
    remedy = allowance(kind="compensation")
    services.remedy_decide(remedy=remedy, actor=org.head, approve=True)
    remedy.refresh_from_db()
    assert (remedy.status, remedy.certificate_no) == ("approved", "")
    assert not remedy.signatures.exists()


@pytest.mark.parametrize(
    ("steps", "code"),
    [
        ([], "chain_empty"),
        (
            [
                ChainStep(order=1, role="department_head", label="经理"),
                ChainStep(order=1, role="general_manager", label="总经理"),
            ],
            "level_order_repeated",
        ),
        (
            [
                ChainStep(
                    order=1,
                    role="general_manager",
                    label="总经理",
                    min_amount=D(500),
                    max_amount=D(100),
                )
            ],
            "step_range_reversed",
        ),
    ],
    ids=["empty", "same-order", "reversed-range"],
)
def test_a_broken_chain_is_refused_and_nothing_changes(steps, code):
    before = approval_chain_steps()
    with pytest.raises(ValidationError) as caught:
        approval_chain_set(steps=steps)
    assert [e.code for e in caught.value.error_dict["steps"]] == [code]
    assert approval_chain_steps() == before


def test_signing_on_the_case_page_as_rendered_and_printing_the_certificate(
    org, allowance, client_as
):
    remedy = allowance()
    case = remedy.case
    head = client_as(org.head)
    page = head.get(f"/complaints/{case.pk}/").content.decode()
    assert "等待（副）经理签批" in page
    form = rendered_form(page, f"remedy-decide-{remedy.pk}")
    assert form.fields[f"item{remedy.pk}-approve"] == "1"
    head.post(form.action, form.fields)
    gm = client_as(org.gm)
    page = gm.get(f"/complaints/{case.pk}/").content.decode()
    assert "等待（副）总经理签批" in page
    form = rendered_form(page, f"remedy-decide-{remedy.pk}")
    gm.post(form.action, form.fields)

    remedy.refresh_from_db()
    assert remedy.status == "approved"
    page = gm.get(f"/complaints/{case.pk}/").content.decode()
    assert 'data-testid="certificate-link"' in page
    certificate = gm.get(f"/complaints/remedies/{remedy.pk}/certificate/").content.decode()
    assert certificate.count('data-testid="certificate-copy"') == 2
    assert certificate.count(remedy.certificate_no) >= 2
    assert certificate.count('data-testid="certificate-signature"') == 4


def test_no_certificate_before_the_chain_is_complete(org, allowance, client_as):
    remedy = allowance()
    response = client_as(org.gm).get(f"/complaints/remedies/{remedy.pk}/certificate/")
    assert response.status_code == 404


def test_the_administrator_configures_the_chain_on_the_settings_page(org, client_as):
    admin = client_as(org.admin)
    form = rendered_form(admin.get("/complaints/settings/").content.decode(), "approval-chain-form")
    assert form.fields["chain-0-label"] == "（副）经理"
    fields = {
        **form.fields,
        "chain-1-min_amount": "5000",
        "chain-2-order": "3",
        "chain-2-role": "general_manager",
        "chain-2-label": "董事长",
        "chain-2-min_amount": "50000",
    }
    response = admin.post(form.action, fields)
    assert response.status_code == 302
    assert [(s.order, s.label, s.min_amount) for s in approval_chain_steps()] == [
        (1, "（副）经理", None),
        (2, "（副）总经理", D(5000)),
        (3, "董事长", D(50000)),
    ]
    # a reversed range is refused in Chinese and nothing changes
    form = rendered_form(admin.get("/complaints/settings/").content.decode(), "approval-chain-form")
    bad = {**form.fields, "chain-0-min_amount": "900", "chain-0-max_amount": "100"}
    page = admin.post(form.action, bad, follow=True).content.decode()
    assert "上限金额低于下限金额" in page
    assert ApprovalStep.objects.count() == 3
    assert client_as(org.head).post(form.action, form.fields).status_code == 403


def test_api_signs_through_the_chain_and_configures_it(org, allowance, client_as):
    remedy = allowance()
    url = f"/api/v1/complaints/{remedy.case_id}/remedies/{remedy.pk}/decide/"
    early = client_as(org.gm).post(url, {"approve": True}, content_type="application/json")
    assert early.status_code == 403
    client_as(org.head).post(url, {"approve": True}, content_type="application/json")
    done = client_as(org.gm).post(url, {"approve": True}, content_type="application/json")
    assert done.status_code == 200
    body = next(r for r in done.json()["remedies"] if r["id"] == remedy.pk)
    assert re.fullmatch(r"ZR\d{9}", body["certificate_no"])
    assert [s["label"] for s in body["signatures"]] == ["（副）经理", "（副）总经理"]

    chain_url = "/api/v1/complaint-approval-chain/"
    assert [s["label"] for s in client_as(org.handler).get(chain_url).json()] == [
        "（副）经理",
        "（副）总经理",
    ]
    new = [{"order": 1, "role": "general_manager", "label": "总经理"}]
    refused = client_as(org.head).put(chain_url, new, content_type="application/json")
    assert refused.status_code == 403
    empty = client_as(org.admin).put(chain_url, [], content_type="application/json")
    assert empty.status_code == 400 and "steps" in field_errors(empty)
    ok = client_as(org.admin).put(chain_url, new, content_type="application/json")
    assert ok.status_code == 200
    assert [s.label for s in approval_chain_steps()] == ["总经理"]


def test_operators_print_and_replace_the_chain_with_the_kefu_command():
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("complaints", "chain", stdout=out)
    assert out.getvalue().splitlines() == [
        "1\t（副）经理\tdepartment_head\t—\t—",
        "2\t（副）总经理\tgeneral_manager\t—\t—",
    ]
    out = StringIO()
    call_command(
        "complaints", "chain", "department_head:经理", "general_manager:总经理:5000", stdout=out
    )
    assert out.getvalue().splitlines()[1] == "2\t总经理\tgeneral_manager\t5000.00\t—"
    with pytest.raises(CommandError):
        call_command("complaints", "chain", "general_manager:总经理:900:100")
    assert [s.label for s in approval_chain_steps()] == ["经理", "总经理"]
