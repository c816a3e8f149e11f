"""Demo work-order configuration and orders in every stage of the lifecycle."""

from __future__ import annotations

import random
from datetime import UTC, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from kefu.core.counters import counter_at_least
from kefu.core.demodata import chinese_name, mobile_number, scaled
from kefu.core.tree import subtree_q
from kefu.org.models import Department, User
from kefu.tickets import services
from kefu.tickets.models import (
    CannedReply,
    Category,
    DepartmentQueue,
    RoutingRule,
    Ticket,
    TicketType,
)
from kefu.tickets.states import Action

ORDER = 30

# (code, name, type, parent code, lead department code, priority, settle, extra fields).
# Where a time-limit preset names a category (kefu.sla.presets: ``leak`` …), the demo's
# category has that code, so the property preset's 30-minute arrival applies to its leaks.
CATEGORIES = [
    ("bx", "报修", "repair", None, "wxb", "normal", False, []),
    (
        "bx-sd",
        "水电报修",
        "repair",
        "bx",
        "wxb",
        "high",
        False,
        [{"name": "meter_no", "label": "表号", "required": False}],
    ),
    (
        "leak",
        "跑冒滴漏",
        "repair",
        "bx",
        "wxb-qx",
        "urgent",
        False,
        [{"name": "floor", "label": "楼层", "required": True}],
    ),
    ("bx-dt", "电梯故障", "repair", "bx", "wxb-qx", "urgent", False, []),
    ("bx-gg", "公共设施", "repair", "bx", "wyb", "normal", False, []),
    ("zx", "咨询", "consultation", None, "kfzx", "low", True, []),
    ("zx-dj", "电价政策咨询", "consultation", "zx", "kfzx", "low", True, []),
    ("zx-yw", "业务办理咨询", "consultation", "zx", "kfzx", "low", True, []),
    ("yw", "业务办理", "service_request", None, "kfzx-yyt", "normal", False, []),
    ("yw-gh", "过户更名", "service_request", "yw", "kfzx-yyt", "normal", False, []),
    ("yw-xz", "新装增容", "service_request", "yw", "gcb", "normal", False, []),
    ("ts", "投诉", "complaint", None, "pzb", "high", False, []),
    ("ts-td", "服务态度投诉", "complaint", "ts", "pzb", "high", False, []),
    ("ts-zl", "维修质量投诉", "complaint", "ts", "wxb", "high", False, []),
    ("jb", "违规收费举报", "tip_off", None, "bgs", "normal", False, []),
    ("jy", "意见建议", "suggestion", None, "bgs", "low", False, []),
    ("by", "表扬", "praise", None, "pzb", "low", True, []),
]

# Codes earlier versions of the demo gave categories, and the code each has now.
FORMER_CODES = {"bx-ls": "leak"}

REPLY = (
    "尊敬的{customer}，您反映的问题（工单{number}）已处理：{result} "
    "如有疑问请致电并告知工号{agent_no}。"
)

ISSUES = {
    "bx-sd": ["厨房水管漏水", "卫生间没有热水", "家中跳闸停电", "水表不走字"],
    "leak": ["楼上渗水到天花板", "地下室水管爆裂", "楼道消防管滴水"],
    "bx-dt": ["3号楼电梯困人", "电梯异响", "电梯门关不上"],
    "bx-gg": ["路灯不亮", "小区大门门禁故障", "垃圾桶破损"],
    "zx-dj": ["咨询阶梯电价", "咨询峰谷电价"],
    "zx-yw": ["咨询过户需要的材料", "咨询缴费方式"],
    "yw-gh": ["房屋过户更名"],
    "yw-xz": ["商铺申请增容", "新装充电桩"],
    "ts-td": ["营业厅工作人员态度差", "维修人员未按约定时间上门"],
    "ts-zl": ["维修后再次漏水"],
    "jb": ["举报维修人员私自收费"],
    "jy": ["建议增加夜间值班"],
}
# 常用语: (category code or None for every order, title, text)
CANNED_REPLIES = [
    (
        None,
        "已受理",
        "您好，您反映的问题已受理，工单号{number}，我们会尽快安排处理，请保持电话畅通。",
    ),
    (None, "稍后回电", "已与客户约定稍后回电，客户方便接听时间：。"),
    (None, "客户催办", "客户来电催办，情绪较急，请尽快联系客户并反馈进展。"),
    ("bx", "已派维修", "已安排维修人员上门，预计2小时内到达，请家中留人。"),
    ("bx", "需业主在家", "维修需业主在家配合，已与客户约定上门时间：。"),
    ("bx-sd", "已关闭总阀", "已指导客户关闭总阀门并断开相关电源，等待维修人员到场。"),
    ("bx-sd", "需更换配件", "现场检查需更换配件，已告知客户费用标准，客户同意更换。"),
    ("leak", "查看渗漏点", "已联系楼上住户，约定上门查看渗漏点。"),
    (
        "bx-dt",
        "困人应急",
        "电梯困人：已安抚被困人员，通知维保单位15分钟内到场，物业值班人员已前往。",
    ),
    ("zx", "已当场解答", "已按政策向客户解答，客户表示清楚，无其他诉求。"),
    (
        "zx-dj",
        "阶梯电价说明",
        "阶梯电价按年度累计用电量分三档计价，具体标准以当地价格主管部门公布为准。",
    ),
    (
        "yw",
        "所需材料",
        "办理需携带：户主身份证原件、房产证明原件及复印件；委托办理需委托书及代办人身份证。",
    ),
    (
        "ts",
        "致歉安抚",
        "对给您带来的不便深表歉意，我们已将您的意见转交相关部门核实，将在规定时限内回复您。",
    ),
    ("ts", "核实情况", "已调取服务记录核实情况，正在与当事人员了解经过。"),
    ("jb", "保密说明", "您的举报信息我们将严格保密，核实后按规定处理并反馈结果。"),
    ("jy", "感谢建议", "感谢您的宝贵建议，我们已记录并转交相关部门研究改进。"),
    ("by", "感谢表扬", "感谢您的表扬，我们会将您的肯定转达给相关工作人员。"),
]
AREAS = ["城东区幸福小区", "城西区阳光花园", "城南区金桂苑", "城北区锦绣家园", "城东区翠湖湾"]


def load(*, rng: random.Random) -> dict[str, int]:
    created = {"categories": 0, "routing_rules": 0, "canned_replies": 0, "tickets": 0, "history": 0}
    departments = {d.code: d for d in Department.objects.all()}
    if "wxb" not in departments:
        return created  # the demo organisation was not loaded
    types = {t.code: t for t in TicketType.objects.all()}
    categories = {c.code: c for c in Category.objects.filter(code__in=[c[0] for c in CATEGORIES])}
    for category in Category.objects.filter(code__in=FORMER_CODES):
        # loaded before the category took the preset's code: it stays as it is
        categories.setdefault(FORMER_CODES[category.code], category)
    for order, (code, name, type_code, parent, lead, priority, settle, extra) in enumerate(
        CATEGORIES
    ):
        if code in categories:
            continue
        categories[code] = services.category_create(
            name=name,
            code=code,
            ticket_type=types[type_code],
            parent=categories[parent] if parent else None,
            lead_department=departments[lead],
            default_priority=priority,
            settle_at_first_contact=settle,
            extra_fields=extra,
            reply_template=REPLY,
            sort_order=order,
        )
        created["categories"] += 1
    if not RoutingRule.objects.exists():
        RoutingRule.objects.create(
            order=10, category=categories["bx-sd"], area="城东", department=departments["cd-wx"]
        )
        RoutingRule.objects.create(
            order=20, category=categories["ts"], customer_grade="A", department=departments["pzb"]
        )
        created["routing_rules"] = 2
    DepartmentQueue.objects.get_or_create(
        department=departments["wxb-sd"], defaults={"assignment_mode": "least_load"}
    )
    created["canned_replies"] = _canned_replies_load(categories)

    agents = list(User.objects.filter(username__in=["agent", "shiftlead"]).order_by("username"))
    created["history"] = load_history(
        rng=random.Random(f"{rng.random()}"), categories=categories, agents=agents
    )
    # 80 orders six hours apart, the last received three days ago: every step of every
    # order (closing comes up to a day and five hours after receipt) lies in the past;
    # the ones still in hand came in during the last hours (OPEN_AGE)
    start = timezone.now() - timedelta(days=23)
    # loaded once: a rerun adds none (a tip-off's recording reference is sealed with its
    # reporter, so the references cannot tell which of the 80 are there)
    if Ticket.objects.filter(call_recording_ref__startswith="DEMO-").exists():
        return created
    codes = list(ISSUES)
    callers = _known_callers()
    for seq in range(1, 81):
        code = codes[seq % len(codes)]
        title = rng.choice(ISSUES[code])
        name, phone, area = chinese_name(rng), mobile_number(rng), rng.choice(AREAS)
        grade = rng.choice(["A", "B", "B", "C", "C", ""])
        customer = None
        if callers and rng.random() < KNOWN_CALLER_SHARE:
            customer, name, phone = rng.choice(callers)
            grade = ""  # intake takes the grade from the customer's file
        stage = rng.choice(
            [
                "received",
                "dispatched",
                "signed",
                "in_progress",
                "resolved",
                "closed",
                "closed",
                "settled",
                "returned",
            ]
        )
        at = start + timedelta(hours=seq * 6, minutes=rng.randrange(60))
        if stage in OPEN_AGE:
            # work in hand came in today: most of it is still within its time limits
            low, high = OPEN_AGE[stage]
            at = timezone.now() - timedelta(minutes=rng.randrange(low, high))
        agent = rng.choice(agents)
        _demo_ticket(
            seq, categories[code], title, name, phone, area, grade, stage, at, agent, customer
        )
        created["tickets"] += 1
    return created


def _canned_replies_load(categories: dict[str, Category]) -> int:
    """The demo's 常用语, once: a rerun adds none."""
    if CannedReply.objects.exists():
        return 0
    CannedReply.objects.bulk_create(
        CannedReply(
            category=categories[code] if code else None, title=title, text=text, sort_order=i
        )
        for i, (code, title, text) in enumerate(CANNED_REPLIES)
    )
    return len(CANNED_REPLIES)


# minutes ago an order still in hand at this stage was received: the steps up to the
# stage (dispatch after 5 minutes, signing 8–29 minutes later, work started 30 minutes
# after, resolved 40–99 minutes later) lie in the past, and few of its deadlines have
# passed
OPEN_AGE = {
    "received": (2, 25),
    "dispatched": (8, 25),
    "returned": (8, 25),
    "signed": (40, 90),
    "in_progress": (75, 110),
    "resolved": (170, 600),
}


def _demo_ticket(seq, category, title, name, phone, area, grade, stage, at, agent, customer):
    extra = {}
    if any(spec["name"] == "floor" for spec in category.extra_fields):
        extra["floor"] = str(3 + seq % 20)
    if category.settle_at_first_contact:
        stage = "settled"
    elif stage == "settled":
        stage = "closed"
    ticket = services.ticket_create(
        actor=agent,
        category=category,
        channel="hotline",
        title=title,
        contact_name=name,
        contact_phone=phone,
        calling_number=phone,
        address=area,
        customer_grade=grade,
        customer=customer,
        call_recording_ref=f"DEMO-{seq:04d}",
        extra=extra,
        now=at,
        settle_with="已当场答复客户" if stage == "settled" else "",
    )
    if stage in ("received", "settled"):
        return
    at += timedelta(minutes=5)
    ticket = services.ticket_transition(ticket=ticket, action=Action.DISPATCH, actor=agent, now=at)
    if stage == "dispatched":
        return
    if stage == "returned":
        services.ticket_transition(
            ticket=ticket, action=Action.RETURN, actor=None, now=at, reason="不属于本部门职责范围"
        )
        return
    pool = list(
        User.objects.filter(
            subtree_q("department", ticket.department),
            is_active=True,
            roles__code="handler",
        ).order_by("pk")
    )
    owner = pool[seq % len(pool)] if pool else None
    # signed 8–29 minutes after dispatch: most orders meet their 30-minute first contact
    at += timedelta(minutes=8 + (seq * 7) % 22)
    ticket = services.ticket_transition(
        ticket=ticket, action=Action.SIGN, actor=None, owner=owner, now=at
    )
    if stage == "signed":
        return
    at += timedelta(minutes=30)
    ticket = services.ticket_transition(ticket=ticket, action=Action.START, actor=None, now=at)
    if stage == "in_progress":
        if seq % 3 == 0:
            services.ticket_urge(
                ticket=ticket,
                actor=agent,
                note="客户来电催促",
                now=min(at + timedelta(hours=2), timezone.now()),
            )
        return
    # resolved within the hour: most orders meet a two-hour arrival
    at += timedelta(minutes=40 + (seq * 11) % 60)
    ticket = services.ticket_transition(
        ticket=ticket,
        action=Action.RESOLVE,
        actor=owner,
        now=at,
        resolution="已上门处理完毕，客户确认恢复正常。",
    )
    if stage == "closed":
        at += timedelta(days=1)
        try:
            services.ticket_transition(ticket=ticket, action=Action.CLOSE, actor=agent, now=at)
        except ValidationError:
            # a late order closes once its department answered the overdue investigation
            if not _investigations_answer(ticket, owner, at):
                return
            services.ticket_transition(ticket=ticket, action=Action.CLOSE, actor=agent, now=at)


def _investigations_answer(ticket: Ticket, owner, at) -> bool:
    from kefu.sla.engine import investigation_answer
    from kefu.sla.models import OverdueInvestigation

    pending = OverdueInvestigation.objects.filter(ticket=ticket, answered_at__isnull=True)
    if owner is None or not pending.exists():
        return False
    for investigation in pending.order_by("pk"):
        investigation_answer(
            investigation=investigation,
            actor=owner,
            reason="上门途中遇交通管制，已向客户致歉并调整排班",
            now=at - timedelta(hours=2),
        )
    return True


HISTORY_SIZE = 5000
HISTORY_DAYS = 365
# complaints and tip-offs of the last twelve days, so the current and previous months'
# complaint statistics have cases received, under investigation and closed
RECENT_COMPLAINTS = 120
RECENT_MIN = 24
COMPLAINT_CODES = ("ts-td", "ts-zl", "jb")
LATE_SHARE = 0.07  # milestones met after their due instant
KNOWN_CALLER_SHARE = 0.7  # orders whose caller is in the customer archive


def load_history(*, rng: random.Random, categories: dict, agents: list) -> int:
    """5,000 orders over the last 12 months (and complaints and tip-offs of the last
    twelve days, RECENT_COMPLAINTS), written in bulk with timelines that match
    their fields (received → dispatched → signed → in progress → resolved → closed) and
    with their time limits as the SLA engine keeps them: most met in time, some late.
    Orders whose timeline reaches past now are still open at the step they have reached;
    most callers are customers from the archive."""
    if Ticket.objects.filter(call_recording_ref__startswith="HIST-").exists():
        return 0
    from kefu.tickets import rules
    from kefu.tickets.models import NumberCounter, TicketEvent
    from kefu.tickets.selectors import vocabulary

    vocab = vocabulary()
    now = timezone.now()
    leaf_codes = [code for code in ISSUES if code in categories]
    recent_codes = [code for code in COMPLAINT_CODES if code in categories]
    callers = _known_callers()
    limits = _TimeLimits()
    handlers_by_dept: dict[int, list] = {}
    serials: dict[str, int] = {}
    tickets, plans = [], []
    size = scaled(HISTORY_SIZE)
    recent = max(RECENT_MIN, scaled(RECENT_COMPLAINTS)) if recent_codes else 0
    drawn = []
    for seq in range(1, size + recent + 1):
        if seq <= size:
            code = rng.choice(leaf_codes)
            at = now - timedelta(minutes=rng.randrange(30, HISTORY_DAYS * 24 * 60))
            late = None
        else:
            i = seq - size
            code = recent_codes[i % len(recent_codes)]
            at = now - timedelta(days=0.5 + 11.5 * i / recent, minutes=rng.randrange(600))
            late = i % 4 == 0  # a quarter of these complaints are resolved late
        drawn.append((at, code, late))
    # numbered in the order they came in
    drawn.sort(key=lambda item: item[0])
    for seq, (at, code, forced_late) in enumerate(drawn, start=1):
        category = categories[code]
        day = timezone.localdate(at)
        ticket_type = category.ticket_type
        key = rules.counter_key(
            ticket_type.number_pattern, prefix=ticket_type.number_prefix, day=day
        )
        serials[key] = serials.get(key, 0) + 1
        number = rules.format_number(
            ticket_type.number_pattern,
            prefix=ticket_type.number_prefix,
            day=day,
            serial=serials[key],
        )
        department = _lead(category)
        if department.pk not in handlers_by_dept:
            handlers_by_dept[department.pk] = list(
                User.objects.filter(
                    subtree_q("department", department),
                    is_active=True,
                    roles__code="handler",
                ).order_by("pk")
            )
        pool = handlers_by_dept[department.pk]
        settled = category.settle_at_first_contact
        caller = rng.choice(callers) if callers and rng.random() < KNOWN_CALLER_SHARE else None
        if caller is not None:
            customer, name, phone = caller
            grade = customer.grade if customer.grade in vocab.grades else ""
        else:
            customer, name, phone = None, chinese_name(rng), mobile_number(rng)
            grade = rng.choice(["A", "B", "B", "C", "C", ""])
        agent = rng.choice(agents)
        cancelled = not settled and forced_late is None and rng.random() < 0.03
        fields = {
            "number": number,
            "ticket_type": ticket_type,
            "category": category,
            "priority": category.default_priority,
            "priority_rank": rules.PRIORITY_RANK[category.default_priority],
            "channel": rng.choice(["hotline"] * 6 + ["counter", "web", "sms", "wechat", "email"]),
            "title": rng.choice(ISSUES[code]),
            "customer": customer,
            "contact_name": name,
            "contact_phone": phone,
            "calling_number": phone,
            "address": rng.choice(AREAS),
            "call_recording_ref": f"HIST-{seq:05d}",
            "customer_grade": grade,
            "grade_rank": vocab.grade_rank(grade),
            "first_responder": agent,
            "department": None if settled else department,
            "settled_at_first_contact": settled,
            "repeat_count": 1 if rng.random() < 0.05 else 0,
            "created_at": at,
        }
        # the row is written with the status its history reached (bulk, never moved)
        policy = limits.policy(Ticket(**fields))
        steps, reached = _history_steps(
            at, rng, policy, limits, settled=settled, cancelled=cancelled, late=forced_late
        )
        # what lies ahead of now has not happened yet: the order waits at its last step
        steps = [(status, when) for status, when in steps if when <= now]
        reached = {pos: when for pos, when in reached.items() if when <= now}
        status = steps[-1][0]
        ticket = Ticket(**fields, status=status)
        for step, when in steps:
            for field in _STAMP.get(step, ()):
                setattr(ticket, field, when)
        if status != "received" and not settled and not cancelled and pool:
            ticket.owner = pool[seq % len(pool)] if status != "dispatched" else None
        if status in {"resolved", "closed"}:
            ticket.resolution = "已处理完毕，客户确认满意。"
        ticket.urge_count = ticket.repeat_count
        deadlines = limits.rows(ticket, policy, reached, now=now)
        tickets.append(ticket)
        plans.append((steps, agent, ticket.owner, deadlines))
    Ticket.objects.bulk_create(tickets, batch_size=500)
    events, rows = [], []
    for ticket, (steps, agent, owner, deadlines) in zip(tickets, plans, strict=True):
        previous = None
        for status, when in steps:
            actor = agent if status in {"received", "dispatched", "closed", "cancelled"} else owner
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind="created" if previous is None else "transition",
                    action="" if previous is None else _ACTION_TO[status],
                    from_status=previous or "",
                    to_status=status,
                    actor=actor,
                    public=status != "signed",
                    created_at=when,
                    note="已处理完毕，客户确认满意。"
                    if status == "resolved"
                    else ("客户要求撤销" if status == "cancelled" else ""),
                )
            )
            previous = status
        for row in deadlines:
            row.ticket = ticket
            rows.append(row)
    TicketEvent.objects.bulk_create(events, batch_size=2000)
    if rows:
        from kefu.sla.models import TicketDeadline

        TicketDeadline.objects.bulk_create(rows, batch_size=2000)
    for key, value in serials.items():
        counter_at_least(NumberCounter, key, value)
    return len(tickets)


def _known_callers() -> list[tuple]:
    """(customer, contact name, mobile) of the archive's customers that have a mobile."""
    from kefu.customers.models import Contact

    callers, seen = [], set()
    contacts = (
        Contact.objects.filter(
            is_active=True, customer__is_active=True, customer__duplicate_of__isnull=True
        )
        .exclude(mobile="")
        .select_related("customer")
        .order_by("-is_key", "pk")
    )
    for contact in contacts:
        if contact.customer_id in seen:
            continue
        seen.add(contact.customer_id)
        callers.append((contact.customer, contact.name, contact.mobile))
    callers.sort(key=lambda caller: caller[0].pk)
    return callers


class _TimeLimits:
    """The time limits of the history's orders, computed as the SLA engine does at intake
    (the matching policy, its milestones' due instants on their work calendars)."""

    def __init__(self) -> None:
        self.calendars: dict = {}

    def policy(self, ticket: Ticket):
        from kefu.sla.engine import deadlines_plan

        policy, _plan = deadlines_plan(ticket)
        if policy is None:
            return None
        codes = {m.calendar for m in policy.milestones} - set(self.calendars)
        if codes:
            from kefu.calendars.selectors import calendars_for

            self.calendars.update(calendars_for(codes))
        return policy

    def plan(self, policy, at, *, resolved_at=None, reached=None):
        from kefu.sla.policy import plan_deadlines

        return plan_deadlines(
            policy, self.calendars, accepted_at=at, resolved_at=resolved_at, reached=reached
        )

    def rows(self, ticket: Ticket, policy, reached: dict, *, now) -> list:
        """The order's TicketDeadline rows (unsaved): a milestone met late was marked
        overdue at its due instant; on an open order the unmet ones run on, and the sweep
        warns, escalates and marks them overdue as it does for any order."""
        from kefu.sla.models import TicketDeadline
        from kefu.sla.policy import MilestoneKind
        from kefu.tickets.rules import NO_DEADLINE
        from kefu.tickets.states import FINAL_STATUSES

        if policy is None:
            return []
        ticket.sla_policy_code = policy.code
        resolution = next(
            (m.position for m in policy.milestones if m.kind == MilestoneKind.RESOLUTION), None
        )
        plan = self.plan(policy, ticket.created_at, resolved_at=ticket.resolved_at, reached=reached)
        final = ticket.status in FINAL_STATUSES
        result, dues, warns = [], [], []
        for item in plan:
            m = item.milestone
            met = reached.get(m.position)
            if m.position == resolution and met is None:
                met = ticket.resolved_at
            due = item.due
            row = TicketDeadline(
                milestone_id=m.id,
                position=m.position,
                kind=m.kind,
                label=m.label,
                amount=m.amount,
                unit=m.unit,
                calendar_code=m.calendar,
                starts_at=m.starts_at,
                pauses=m.pauses,
                warning_thresholds=list(m.warning_thresholds),
                hard_limit_amount=m.hard_limit_amount,
                started_at=item.start,
                base_due_at=due,
                due_at=due,
                hard_due_at=item.hard_deadline.due if item.hard_deadline else None,
                provisional=item.provisional,
                warn_at=[w.astimezone(UTC).isoformat() for w in item.warnings],
                met_at=met,
                met_recorded_at=met,
            )
            if due is not None and met is not None:
                passed = [w for w in item.warnings if w <= met]
                row.warned_levels = len(passed)
                row.warned_at = passed[-1] if passed else None
                row.breached_at = due if met > due else None
            elif due is not None and not final:
                row.next_event_at = min([*item.warnings, due])
                dues.append(due)
                warns += list(item.warnings[:1])
            result.append(row)
        ticket.next_due_at = min(dues) if dues else None
        ticket.next_warn_at = min(warns) if warns and dues else None
        ticket.due_sort = ticket.next_due_at or NO_DEADLINE
        return result


_STAMP = {
    "dispatched": ("dispatched_at",),
    "signed": ("signed_at",),
    "resolved": ("resolved_at",),
    "closed": ("closed_at",),
}
_ACTION_TO = {
    "dispatched": "dispatch",
    "signed": "sign",
    "in_progress": "start",
    "resolved": "resolve",
    "closed": "close",
    "cancelled": "cancel",
}


def _met(rng: random.Random, start, due, *, late: bool | None, fallback: tuple[int, int]):
    """When a milestone whose clock runs from *start* is met: within its time limit, or
    (late, about one in fourteen) up to four hours after; *fallback* minutes without one."""
    if due is None:
        return start + timedelta(minutes=rng.randrange(*fallback))
    if late if late is not None else rng.random() < LATE_SHARE:
        return max(due, start) + timedelta(minutes=rng.randrange(10, 240))
    window = (due - start).total_seconds()
    if window < 120:
        return start + timedelta(minutes=1)
    return start + timedelta(seconds=window * rng.uniform(0.15, 0.85))


def _history_steps(
    at, rng, policy, limits, *, settled: bool, cancelled: bool, late: bool | None
) -> tuple[list[tuple[str, object]], dict[int, object]]:
    """The order's steps and the instants its milestones were reached (by position)."""
    from kefu.sla.policy import MilestoneKind as K

    milestones = policy.milestones if policy is not None else ()
    reached: dict[int, object] = {}

    def due_of(kind: str, *, resolved_at=None):
        if policy is None:
            return None, None
        for item in limits.plan(policy, at, resolved_at=resolved_at, reached=reached):
            if item.milestone.kind == kind:
                return item.milestone, item.due
        return None, None

    def reach(kind: str, when) -> None:
        for m in milestones:
            if m.kind == kind and m.position not in reached:
                reached[m.position] = when

    steps = [("received", at)]
    if settled:
        resolved = at + timedelta(minutes=rng.randrange(2, 15))
        reach(K.FIRST_CONTACT, resolved)
        reach(K.RESOLUTION, resolved)
        steps.append(("resolved", resolved))
        _m, due = due_of(K.RETURN_VISIT, resolved_at=resolved)
        closed = _met(rng, resolved, due, late=None, fallback=(60, 48 * 60))
        reach(K.RETURN_VISIT, closed)
        steps.append(("closed", closed))
        return steps, reached
    dispatched = at + timedelta(minutes=rng.randrange(2, 30))
    steps.append(("dispatched", dispatched))
    if cancelled:
        steps.append(("cancelled", dispatched + timedelta(hours=rng.randrange(1, 24))))
        return steps, reached
    _m, due = due_of(K.FIRST_CONTACT)
    signed = max(
        _met(rng, dispatched, due, late=None, fallback=(10, 120)),
        dispatched + timedelta(minutes=1),
    )
    reach(K.FIRST_CONTACT, signed)
    steps.append(("signed", signed))
    started = signed + timedelta(minutes=rng.randrange(5, 60))
    steps.append(("in_progress", started))
    for kind in (K.ARRIVAL, K.HANDLING_OPINION, K.REPLY, K.REPORT):
        m, due = due_of(kind)
        if m is not None:
            reached[m.position] = max(_met(rng, signed, due, late=None, fallback=(30, 240)), signed)
    _m, due = due_of(K.RESOLUTION)
    resolved = max(
        _met(rng, started, due, late=late, fallback=(60, 60 * 72)),
        started + timedelta(minutes=10),
    )
    reach(K.RESOLUTION, resolved)
    steps.append(("resolved", resolved))
    _m, due = due_of(K.RETURN_VISIT, resolved_at=resolved)
    closed = max(
        _met(rng, resolved, due, late=None, fallback=(60, 60 * 48)),
        resolved + timedelta(minutes=10),
    )
    reach(K.RETURN_VISIT, closed)
    steps.append(("closed", closed))
    return steps, reached


def _lead(category: Category) -> Department:
    node = category
    while node.lead_department_id is None:
        node = node.parent
    return node.lead_department
