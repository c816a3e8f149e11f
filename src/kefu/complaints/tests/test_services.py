"""The case file through its services: numbering, validity, responsibility, CAPA blocking
the close, remedies within authority, return tolerance, penalties, major complaints."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kefu.complaints import services
from kefu.complaints.models import (
    ComplaintCase,
    ComplaintSettings,
    CorrectiveAction,
    Penalty,
    PenaltyReview,
    RegisterCounter,
    Remedy,
)
from kefu.complaints.tests.conftest import at
from kefu.notify.models import Notification
from kefu.tickets import services as tickets
from kefu.tickets.models import Ticket
from kefu.tickets.states import Action

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- numbering


@time_machine.travel(at(2025, 3, 5, 10, 0), tick=False)
def test_first_complaint_of_march_2025_is_250301(complaint):
    first = complaint()
    second = complaint(title="第二件")
    assert first.register_no == "250301"
    assert second.register_no == "250302"
    assert first.ticket.events.filter(note__contains="250301").exists()


def test_numbers_restart_with_the_month_and_tip_offs_have_their_own_series(complaint, tip_off):
    with time_machine.travel(at(2025, 3, 31, 23, 50), tick=False):
        march = complaint()
        tip = tip_off()
    with time_machine.travel(at(2025, 4, 1, 0, 10), tick=False):
        april = complaint()
    assert (march.register_no, april.register_no) == ("250301", "250401")
    assert tip.register_no == "JB250301"


@time_machine.travel(at(2025, 3, 5, 10, 0), tick=False)
def test_past_99_the_number_widens_by_default(complaint):
    RegisterCounter.objects.create(key="complaint:2025-03", value=99)
    assert complaint().register_no == "2503100"


@time_machine.travel(at(2025, 3, 5, 10, 0), tick=False)
def test_past_99_the_refuse_setting_refuses_with_a_message_and_stores_nothing(complaint):
    ComplaintSettings.objects.filter(pk=1).update(number_overflow="refuse")
    RegisterCounter.objects.create(key="complaint:2025-03", value=99)
    tickets_before = Ticket.objects.count()
    with pytest.raises(ValidationError) as caught:
        complaint()
    assert "编号已用完" in caught.value.messages[0]
    assert Ticket.objects.count() == tickets_before
    assert RegisterCounter.objects.get(key="complaint:2025-03").value == 99


@time_machine.travel(at(2025, 3, 5, 10, 0), tick=False)
def test_the_width_is_configurable(complaint):
    ComplaintSettings.objects.filter(pk=1).update(number_width=3)
    assert complaint().register_no == "2503001"


def test_other_work_orders_get_no_case_file(new_ticket):
    ticket = new_ticket()
    assert not ComplaintCase.objects.filter(ticket=ticket).exists()


# ---------------------------------------------------------------- major complaints


def test_an_urgent_complaint_tells_the_general_manager_at_once(
    org, complaint, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = complaint(priority="urgent")
    assert case.severity == "major"
    assert case.major_notified_at is not None
    assert (
        Notification.objects.filter(recipient=org.gm, text__contains=case.register_no).count() == 1
    )


def test_classifying_as_major_tells_the_general_manager_once(
    org, complaint, django_capture_on_commit_callbacks
):
    case = complaint()
    assert not Notification.objects.filter(recipient=org.gm).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_classify(
            case=case, actor=org.inspector, complaint_class=None, severity="major"
        )
        services.case_classify(
            case=case, actor=org.inspector, complaint_class=None, severity="major"
        )
    assert Notification.objects.filter(recipient=org.gm, text__contains="重大投诉").count() == 1


def test_classification_by_a_stranger_is_refused_and_changes_nothing(org, complaint):
    case = complaint()
    with pytest.raises(PermissionDenied):
        services.case_classify(
            case=case, actor=org.account_manager, complaint_class=None, severity="major"
        )
    case.refresh_from_db()
    assert case.severity == "general"


# ---------------------------------------------------------------- validity and closing


def _handle(case, org):
    """The quality department signs and starts the order."""
    tickets.ticket_transition(ticket=case.ticket, action=Action.SIGN, actor=org.inspector)
    return case


def _resolve(case, org):
    tickets.ticket_transition(
        ticket=case.ticket, action=Action.RESOLVE, actor=org.inspector, resolution="已向客户致歉"
    )


def _close(case, org):
    return tickets.ticket_transition(ticket=case.ticket, action=Action.CLOSE, actor=org.agent)


def test_an_undecided_complaint_may_close_but_its_gap_is_named(org, complaint):
    """Only an open action, a pending remedy or an untold "not valid" stop the close; an
    undecided validity is named on the page and counted as such in the statistics."""
    case = _handle(complaint(), org)
    assert services.case_gaps(case) == ["结案前须认定投诉是否成立。"]
    _resolve(case, org)
    assert _close(case, org).status == "closed"


def test_invalid_complaint_closes_after_the_customer_is_told(org, complaint):
    case = _handle(complaint(), org)
    case = services.case_rule_validity(
        case=case, actor=org.inspector, valid=False, reason="收费符合物价局标准"
    )
    assert "王女士您好" in case.reply_text and "收费符合物价局标准" in case.reply_text
    _resolve(case, org)
    with pytest.raises(ValidationError):
        _close(case, org)
    services.case_tell_customer(
        case=case, actor=org.inspector, channel="phone", text=case.reply_text
    )
    assert _close(case, org).status == "closed"
    case.refresh_from_db()
    assert case.get_validity_display() == "投诉不成立"


def test_validity_needs_reasons_and_a_decider(org, complaint):
    case = complaint()
    with pytest.raises(ValidationError) as caught:
        services.case_rule_validity(case=case, actor=org.inspector, valid=True, reason=" ")
    assert "reason" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        services.case_rule_validity(case=case, actor=org.agent, valid=True, reason="属实")
    case.refresh_from_db()
    assert case.validity == "pending"


def _valid_and_attributed(case, org):
    services.case_rule_validity(case=case, actor=org.inspector, valid=True, reason="录音证实")
    return services.case_attribute(
        case=case,
        actor=org.inspector,
        facts="维修工与客户争吵",
        root_cause="未按服务规范沟通",
        responsibility="at_fault",
        fault_cause="negligence",
        responsible_department=org.repairs,
        responsible_person=org.handler,
    )


def test_attribution_names_department_and_person(org, complaint):
    case = _valid_and_attributed(_handle(complaint(), org), org)
    assert case.responsible_department == org.repairs
    assert case.responsible_person == org.handler


def test_attribution_refuses_a_person_outside_the_department(org, complaint):
    case = complaint()
    services.case_rule_validity(case=case, actor=org.inspector, valid=True, reason="属实")
    with pytest.raises(ValidationError) as caught:
        services.case_attribute(
            case=case,
            actor=org.inspector,
            facts="事实",
            root_cause="原因",
            responsibility="at_fault",
            fault_cause="negligence",
            responsible_department=org.repairs,
            responsible_person=org.agent,
        )
    assert "responsible_person" in caught.value.message_dict
    case.refresh_from_db()
    assert case.responsibility == "pending"


def test_an_open_capa_blocks_the_close_until_verified(org, complaint):
    case = _valid_and_attributed(_handle(complaint(), org), org)
    action = services.action_add(
        case=case,
        actor=org.inspector,
        kind="corrective",
        description="组织服务规范培训",
        owner=org.head,
        due_on=timezone.localdate() + timedelta(days=7),
    )
    _resolve(case, org)
    with pytest.raises(ValidationError) as caught:
        _close(case, org)
    assert "纠正预防措施" in str(caught.value)
    services.action_complete(action=action, actor=org.head, note="已培训")
    with pytest.raises(ValidationError):
        _close(case, org)  # done is not verified
    with pytest.raises(PermissionDenied):
        services.action_verify(
            action=action, actor=org.head, accepted=True, verification="自己验证"
        )
    services.action_verify(
        action=action, actor=org.inspector, accepted=True, verification="抽查录音合格"
    )
    assert _close(case, org).status == "closed"
    assert CorrectiveAction.objects.get(pk=action.pk).status == "verified"


def test_a_verification_that_fails_sends_the_action_back(org, complaint):
    case = _valid_and_attributed(complaint(), org)
    action = services.action_add(
        case=case,
        actor=org.inspector,
        kind="preventive",
        description="修订流程",
        owner=org.head,
        due_on=timezone.localdate(),
    )
    services.action_complete(action=action, actor=org.head, note="已修订")
    action = services.action_verify(
        action=action, actor=org.inspector, accepted=False, verification="未发布"
    )
    assert action.status == "open"


def test_an_action_due_in_the_past_is_refused(org, complaint):
    case = complaint()
    with pytest.raises(ValidationError) as caught:
        services.action_add(
            case=case,
            actor=org.inspector,
            kind="corrective",
            description="x",
            owner=org.head,
            due_on=timezone.localdate() - timedelta(days=1),
        )
    assert "due_on" in caught.value.message_dict
    assert not CorrectiveAction.objects.exists()


# ---------------------------------------------------------------- remedies and authority


@pytest.fixture
def repairs_case(org, complaint):
    """A valid complaint handled by the repairs department (its head approves up to 2,000)."""
    case = complaint(dispatch=False, dispatch_to=org.repairs)
    return services.case_rule_validity(case=case, actor=org.head, valid=True, reason="属实")


def test_a_head_approves_within_the_limit(org, repairs_case):
    # compensation has one approver within authority; an allowance goes through its
    # approval chain (test_approval_chain.py)
    remedy = services.remedy_request(
        case=repairs_case, actor=org.handler, kind="compensation", amount="800", description="赔偿"
    )
    remedy = services.remedy_decide(remedy=remedy, actor=org.head, approve=True)
    assert remedy.status == "approved"
    assert remedy.approval_level == "部门经理"


def test_beyond_the_limit_the_head_is_refused_and_the_general_manager_approves(org, repairs_case):
    remedy = services.remedy_request(
        case=repairs_case,
        actor=org.handler,
        kind="compensation",
        amount="2500",
        description="赔偿损失",
    )
    with pytest.raises(PermissionDenied) as caught:
        services.remedy_decide(remedy=remedy, actor=org.head, approve=True)
    assert "总经理" in str(caught.value) and "2,500" in str(caught.value)
    assert Remedy.objects.get(pk=remedy.pk).status == "pending"
    remedy = services.remedy_decide(remedy=remedy, actor=org.gm, approve=True)
    assert remedy.approval_level == "总经理"


def test_a_head_of_another_department_may_not_approve(org, complaint):
    case = complaint()  # handled by the quality department, not by the head's repairs
    case = services.case_rule_validity(case=case, actor=org.inspector, valid=True, reason="属实")
    remedy = services.remedy_request(
        case=case, actor=org.inspector, kind="allowance", amount="800", description="折让"
    )
    assert services.may_approve_remedy(org.head, remedy) is False
    with pytest.raises(PermissionDenied):
        services.remedy_decide(remedy=remedy, actor=org.head, approve=True)
    assert Remedy.objects.get(pk=remedy.pk).status == "pending"


def test_nobody_approves_their_own_request(org, repairs_case):
    remedy = services.remedy_request(
        case=repairs_case, actor=org.head, kind="allowance", amount="100", description="折让"
    )
    with pytest.raises(PermissionDenied):
        services.remedy_decide(remedy=remedy, actor=org.head, approve=True)


def test_a_pending_remedy_blocks_the_close(org, repairs_case):
    case = services.case_attribute(
        case=repairs_case,
        actor=org.head,
        facts="事实",
        root_cause="原因",
        responsibility="not_at_fault",
    )
    services.remedy_request(
        case=repairs_case, actor=org.handler, kind="allowance", amount="50", description="x"
    )
    assert services.close_blockers(case) == ["还有补救措施待核准。"]


def test_remedy_amounts_must_be_positive(org, repairs_case):
    with pytest.raises(ValidationError) as caught:
        services.remedy_request(
            case=repairs_case, actor=org.handler, kind="compensation", amount="-5", description="x"
        )
    assert "amount" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.remedy_request(
            case=repairs_case, actor=org.handler, kind="goods_return", description="退货"
        )
    assert "quantity" in caught.value.message_dict
    assert not Remedy.objects.exists()


@pytest.mark.parametrize(
    ("actual", "booked", "instructed"),
    [
        pytest.param("90", D(90), False, id="fewer"),
        pytest.param("105", D(105), False, id="within-5-percent"),
        pytest.param("106", None, True, id="over-tolerance"),
    ],
)
def test_returned_quantity_is_reconciled_with_the_tolerance(
    org, repairs_case, actual, booked, instructed
):
    remedy = services.remedy_request(
        case=repairs_case,
        actor=org.handler,
        kind="goods_return",
        quantity="100",
        description="退货",
    )
    services.remedy_decide(remedy=remedy, actor=org.head, approve=True)
    remedy = services.remedy_receive(remedy=remedy, actor=org.handler, actual_quantity=actual)
    assert remedy.booked_quantity == booked
    assert remedy.awaits_instruction is instructed
    if instructed:
        with pytest.raises(PermissionDenied):
            services.remedy_instruct(remedy=remedy, actor=org.handler, instruction="照收")
        remedy = services.remedy_instruct(remedy=remedy, actor=org.head, instruction="多退部分照收")
        assert remedy.booked_quantity == D(106)


# ---------------------------------------------------------------- penalties


@pytest.mark.parametrize(
    ("fine", "accepted"),
    [
        pytest.param("800", True, id="800-accepted"),
        pytest.param("100", False, id="100-refused"),
        pytest.param("2000", False, id="2000-refused"),
    ],
)
def test_fines_within_the_default_band(org, complaint, fine, accepted):
    case = _valid_and_attributed(complaint(), org)
    if accepted:
        penalty = services.penalty_propose(
            case=case, actor=org.inspector, person=org.handler, fine=fine, reason="态度差"
        )
        assert penalty.fine == D(fine)
    else:
        with pytest.raises(ValidationError) as caught:
            services.penalty_propose(
                case=case, actor=org.inspector, person=org.handler, fine=fine, reason="态度差"
            )
        assert caught.value.message_dict["fine"] == ["罚款须在每次 200 至 1,500 元之间。"]
        assert not Penalty.objects.exists()


def test_a_penalty_needs_a_fine_or_a_sanction(org, complaint):
    case = _valid_and_attributed(complaint(), org)
    with pytest.raises(ValidationError) as caught:
        services.penalty_propose(case=case, actor=org.inspector, person=org.handler, reason="x")
    assert "fine" in caught.value.message_dict
    penalty = services.penalty_propose(
        case=case, actor=org.inspector, person=org.handler, sanction="warning", reason="x"
    )
    assert penalty.fine is None


def test_the_month_review_by_the_general_manager(org, complaint):
    with time_machine.travel(at(2025, 3, 20, 10, 0), tick=False):
        case = _valid_and_attributed(complaint(), org)
        penalty = services.penalty_propose(
            case=case, actor=org.inspector, person=org.handler, fine="800", reason="x"
        )
    with time_machine.travel(at(2025, 4, 8, 10, 0), tick=False):
        with pytest.raises(ValidationError):
            services.penalty_review_complete(month=date(2025, 3, 1), actor=org.gm)
        with pytest.raises(PermissionDenied):
            services.penalty_decide(penalty=penalty, actor=org.head, approve=True)
        services.penalty_decide(penalty=penalty, actor=org.gm, approve=True)
        review = services.penalty_review_complete(month=date(2025, 3, 1), actor=org.gm)
    assert review.late is False
    assert PenaltyReview.objects.get(month=date(2025, 3, 1)).reviewed_by == org.gm


def test_a_review_after_the_tenth_is_marked_late(org):
    with time_machine.travel(at(2025, 4, 11, 9, 0), tick=False):
        review = services.penalty_review_complete(month=date(2025, 3, 1), actor=org.gm)
    assert review.late is True


def test_the_status_of_a_work_order_is_never_assigned_here():
    """Status changes go through kefu.tickets.services.ticket_transition only: nothing
    here assigns a work order's status or updates it in bulk."""
    import re
    from pathlib import Path

    package = Path(services.__file__).parent.parent  # the app, not only its services
    assignment = re.compile(r"ticket\.status\s*=(?!=)|\.update\([^)]*\bstatus\s*=")
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "tests" not in path.parts and assignment.search(path.read_text())
    ]
    assert offenders == []
