"""Demo complaint cases: complaints at each stage of the case file (classified, valid with
an attribution, an allowance and a verified action, not valid and answered) and a
tip-off whose reporter is sealed; the demo administrator is the confidential handler. The
tip-offs of the work-order demo's history are sealed first."""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from kefu.complaints.models import ComplaintCase, ComplaintClass
from kefu.complaints.sealing import tip_offs_seal
from kefu.complaints.seeds import CONFIDENTIAL_GROUP
from kefu.complaints.services.classification import case_classify
from kefu.complaints.services.configuration import seeds_ensure
from kefu.complaints.services.corrective import action_add, action_complete, action_verify
from kefu.complaints.services.investigation import case_attribute
from kefu.complaints.services.penalties import penalty_propose
from kefu.complaints.services.remedies import may_approve_remedy, remedy_decide, remedy_request
from kefu.complaints.services.validity import case_rule_validity, case_tell_customer
from kefu.core.demodata import chinese_name, mobile_number
from kefu.org.models import Department, User
from kefu.tickets import services as tickets
from kefu.tickets.models import Category
from kefu.tickets.states import Action

ORDER = 50

STORIES = [
    ("ts-td", "客服人员接听电话态度生硬", "valid"),
    ("ts-zl", "维修后水管仍然漏水", "valid-open"),
    ("ts-td", "认为物业费计算有误", "invalid"),
    ("ts", "停车场收费员服务不规范", "new"),
]


def load(*, rng: random.Random) -> dict[str, int]:
    seeds_ensure()
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["agent", "inspector", "head", "handler", "gm", "admin"]
        )
    }
    # the work-order demo writes its year of history in bulk, past intake: its complaints
    # and tip-offs get their case files, and the tip-offs their sealed reporters, here, as
    # intake and the investigation would have given them
    files = history_cases_open(rng=rng, inspector=users.get("inspector"))
    sealed = tip_offs_seal()
    categories = {
        c.code: c for c in Category.objects.filter(code__in=["ts", "ts-td", "ts-zl", "jb"])
    }
    if len(users) < 6 or len(categories) < 4:
        # the organisation or ticket demo is missing
        return {"cases": 0, "history_cases": files, "sealed": sealed}
    Group.objects.get(name=CONFIDENTIAL_GROUP).user_set.add(users["admin"])
    if ComplaintCase.objects.filter(ticket__title__in=[s[1] for s in STORIES]).exists():
        return {"cases": 0, "history_cases": files, "sealed": sealed}
    repairs = Department.objects.get(code="wxb")
    now = timezone.now()
    made = 0
    for code, title, stage in STORIES:
        ticket = tickets.ticket_create(
            actor=users["agent"],
            category=categories[code],
            channel="hotline",
            title=title,
            contact_name=chinese_name(rng),
            contact_phone=mobile_number(rng),
            dispatch=True,
            # taken this morning: the first handling opinion is due within 24 hours
            now=now - timedelta(hours=rng.randrange(2, 12)),
        )
        case = ticket.complaint_case
        made += 1
        if stage == "new":
            continue
        handler = users["handler"] if ticket.department == repairs else users["inspector"]
        tickets.ticket_transition(ticket=ticket, action=Action.SIGN, actor=handler, now=now)
        cls = ComplaintClass.objects.filter(
            code="attitude" if code == "ts-td" else "property-repair"
        ).first()
        case = case_classify(
            case=case,
            actor=users["inspector"],
            complaint_class=cls,
            customer_demand="希望得到道歉并改进",
            now=now,
        )
        if stage == "invalid":
            case = case_rule_validity(
                case=case,
                actor=users["inspector"],
                valid=False,
                reason="经核对收费单，物业费按合同标准计收",
                now=now,
            )
            case_tell_customer(
                case=case, actor=users["inspector"], channel="phone", text=case.reply_text, now=now
            )
            continue
        case = case_rule_validity(
            case=case, actor=users["inspector"], valid=True, reason="通话录音证实", now=now
        )
        case = case_attribute(
            case=case,
            actor=users["inspector"],
            facts="经调查情况属实",
            root_cause="未按服务规范执行",
            responsibility="at_fault",
            fault_cause="negligence",
            responsible_department=repairs,
            responsible_person=users["handler"],
            now=now,
        )
        action = action_add(
            case=case,
            actor=users["inspector"],
            kind="corrective",
            description="组织服务规范培训并考核",
            owner=users["head"],
            due_on=timezone.localdate(now) + timedelta(days=7),
            now=now,
        )
        remedy = remedy_request(
            case=case,
            actor=users["inspector"],
            kind="allowance",
            amount="300",
            description="当月服务费折让",
            now=now,
        )
        _sign_through(remedy, [users["head"], users["gm"]], now=now)
        if stage == "valid":
            action_complete(action=action, actor=users["head"], note="已完成培训", now=now)
            action_verify(
                action=action,
                actor=users["inspector"],
                accepted=True,
                verification="抽查录音合格",
                now=now,
            )
            penalty_propose(
                case=case,
                actor=users["inspector"],
                person=users["handler"],
                fine="200",
                reason="服务态度问题",
                now=now,
            )
    tickets.ticket_create(
        actor=users["agent"],
        category=categories["jb"],
        channel="hotline",
        title="收费员收取停车费不开票",
        description="举报人希望匿名，不要回电到单位。",
        contact_name=chinese_name(rng),
        contact_phone=mobile_number(rng),
        dispatch=True,
        now=now - timedelta(days=1),
    )
    return {"cases": made + 1, "history_cases": files, "sealed": sealed}


def _sign_through(remedy, signers: list[User], *, now) -> None:
    """Sign a remedy level by level with the first of *signers* who may sign each; it stays
    awaiting approval where none may (a level whose holder the demo does not have)."""
    while remedy.status == "pending":
        signer = next((u for u in signers if may_approve_remedy(u, remedy)), None)
        if signer is None:
            return
        remedy = remedy_decide(remedy=remedy, actor=signer, approve=True, now=now)
        remedy.refresh_from_db()


FACTS = [
    ("经调取录音和现场核实，情况属实", "未按服务规范执行", "at_fault"),
    ("经回访和现场查看，维修质量不达标", "维修工艺不规范", "at_fault"),
    ("经核实为供水公司管网检修所致", "外部单位施工", "external"),
    ("经核对记录，工作人员按规定办理", "客户对政策理解有误", "not_at_fault"),
]
INVALID_REASON = "经核对记录和录音，所反映情况与事实不符"


def history_cases_open(*, rng: random.Random, inspector: User | None) -> int:
    """Case files for the complaints and tip-offs written in bulk without one, with
    register numbers of their months (issued in the order they came in) and the state
    their order has reached: a closed order's case was ruled on (most valid, attributed;
    the others answered to the customer), an open one is still under investigation."""
    from kefu.complaints.rules import SERIES_BY_TICKET_TYPE, initial_severity
    from kefu.complaints.services.registration import register_allocate
    from kefu.tickets.models import Ticket

    pending = (
        Ticket.objects.filter(
            ticket_type__code__in=list(SERIES_BY_TICKET_TYPE),
            parent__isnull=True,
            complaint_case__isnull=True,
        )
        .select_related("ticket_type")
        .order_by("created_at", "pk")
    )
    classes = list(ComplaintClass.objects.filter(is_active=True).order_by("sort_order", "pk"))
    cases = []
    for ticket in pending:
        series = SERIES_BY_TICKET_TYPE[ticket.ticket_type.code]
        month, serial, number = register_allocate(series=series, at=ticket.created_at)
        case = ComplaintCase(
            ticket=ticket,
            series=series,
            register_no=number,
            month=month,
            serial=serial,
            severity=initial_severity(ticket.priority),
            created_at=ticket.created_at,
        )
        ruled = ticket.resolved_at or ticket.closed_at
        if ticket.signed_at is not None and classes:
            case.complaint_class = rng.choice(classes)
            case.customer_demand = rng.choice(["希望尽快处理", "希望得到道歉", "要求赔偿损失"])
        if ruled is not None and inspector is not None:
            case.validity_by, case.validity_at = inspector, ruled
            if rng.random() < 0.8:
                facts, cause, responsibility = rng.choice(FACTS)
                case.validity, case.validity_reason = "valid", "经调查核实"
                case.facts, case.root_cause = facts, cause
                case.responsibility = responsibility
                if responsibility == "at_fault":
                    case.responsible_department_id = ticket.department_id
                if responsibility == "external":
                    case.external_party = "市供水公司"
                case.attributed_by, case.attributed_at = inspector, ruled
            else:
                case.validity, case.validity_reason = "invalid", INVALID_REASON
                case.reply_text = f"您反映的问题经核实：{INVALID_REASON}。感谢您的监督。"
                case.customer_told_at, case.customer_told_channel = ruled, "phone"
                case.customer_told_by = inspector
        cases.append(case)
    ComplaintCase.objects.bulk_create(cases, batch_size=500)
    return len(cases)
