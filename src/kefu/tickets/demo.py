"""Demo work-order configuration and orders in every stage of the lifecycle."""

from __future__ import annotations

import random
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from kefu.core.counters import counter_at_least
from kefu.core.demodata import chinese_name, mobile_number, scaled
from kefu.core.tree import subtree_q
from kefu.org.models import Department, User
from kefu.tickets import services
from kefu.tickets.models import Category, DepartmentQueue, RoutingRule, Ticket, TicketType
from kefu.tickets.states import Action

ORDER = 30

# (code, name, type, parent code, lead department code, priority, settle, extra fields)
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
        "bx-ls",
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

REPLY = (
    "尊敬的{customer}，您反映的问题（工单{number}）已处理：{result} "
    "如有疑问请致电并告知工号{agent_no}。"
)

ISSUES = {
    "bx-sd": ["厨房水管漏水", "卫生间没有热水", "家中跳闸停电", "水表不走字"],
    "bx-ls": ["楼上渗水到天花板", "地下室水管爆裂", "楼道消防管滴水"],
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
AREAS = ["城东区幸福小区", "城西区阳光花园", "城南区金桂苑", "城北区锦绣家园", "城东区翠湖湾"]


def load(*, rng: random.Random) -> dict[str, int]:
    created = {"categories": 0, "routing_rules": 0, "tickets": 0, "history": 0}
    departments = {d.code: d for d in Department.objects.all()}
    if "wxb" not in departments:
        return created  # the demo organisation was not loaded
    types = {t.code: t for t in TicketType.objects.all()}
    categories = {c.code: c for c in Category.objects.filter(code__in=[c[0] for c in CATEGORIES])}
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

    agents = list(User.objects.filter(username__in=["agent", "shiftlead"]).order_by("username"))
    created["history"] = load_history(
        rng=random.Random(f"{rng.random()}"), categories=categories, agents=agents
    )
    # 80 orders six hours apart, the last received three days ago: every step of every
    # order (closing comes up to a day and five hours after receipt) lies in the past
    start = timezone.now() - timedelta(days=23)
    # loaded once: a rerun adds none (a tip-off's recording reference is sealed with its
    # reporter, so the references cannot tell which of the 80 are there)
    if Ticket.objects.filter(call_recording_ref__startswith="DEMO-").exists():
        return created
    codes = list(ISSUES)
    for seq in range(1, 81):
        code = codes[seq % len(codes)]
        title = rng.choice(ISSUES[code])
        name, phone, area = chinese_name(rng), mobile_number(rng), rng.choice(AREAS)
        grade = rng.choice(["A", "B", "B", "C", "C", ""])
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
        agent = rng.choice(agents)
        _demo_ticket(seq, categories[code], title, name, phone, area, grade, stage, at, agent)
        created["tickets"] += 1
    return created


def _demo_ticket(seq, category, title, name, phone, area, grade, stage, at, agent):
    extra = {}
    if category.code == "bx-ls":
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
                ticket=ticket, actor=agent, note="客户来电催促", now=at + timedelta(hours=2)
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
        try:
            services.ticket_transition(
                ticket=ticket, action=Action.CLOSE, actor=agent, now=at + timedelta(days=1)
            )
        except ValidationError:
            # a late order waits for its department's answer to the overdue investigation
            return


HISTORY_SIZE = 5000
HISTORY_DAYS = 365


def load_history(*, rng: random.Random, categories: dict, agents: list) -> int:
    """5,000 finished orders over the last 12 months, written in bulk with timelines that
    match their fields (received → dispatched → signed → in progress → resolved → closed)."""
    if Ticket.objects.filter(call_recording_ref__startswith="HIST-").exists():
        return 0
    from kefu.tickets import rules
    from kefu.tickets.models import NumberCounter, TicketEvent

    leaf_codes = [code for code in ISSUES if code in categories]
    handlers_by_dept: dict[int, list] = {}
    serials: dict[str, int] = {}
    tickets, plans = [], []
    for seq in range(1, scaled(HISTORY_SIZE) + 1):
        category = categories[rng.choice(leaf_codes)]
        days_ago = rng.randrange(21, HISTORY_DAYS)
        at = timezone.now() - timedelta(days=days_ago, minutes=rng.randrange(600))
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
        grade = rng.choice(["A", "B", "B", "C", "C", ""])
        phone = mobile_number(rng)
        agent = rng.choice(agents)
        cancelled = not settled and rng.random() < 0.03
        steps = _history_steps(at, rng, settled=settled, cancelled=cancelled)
        owner = None if settled or cancelled or not pool else pool[seq % len(pool)]
        ticket = Ticket(
            number=number,
            ticket_type=ticket_type,
            category=category,
            status=steps[-1][0],
            priority=category.default_priority,
            priority_rank=rules.PRIORITY_RANK[category.default_priority],
            channel=rng.choice(["hotline"] * 6 + ["counter", "web", "sms", "wechat", "email"]),
            title=rng.choice(ISSUES[category.code]),
            contact_name=chinese_name(rng),
            contact_phone=phone,
            calling_number=phone,
            address=rng.choice(AREAS),
            call_recording_ref=f"HIST-{seq:05d}",
            customer_grade=grade,
            grade_rank=rules.grade_rank(grade),
            first_responder=agent,
            department=None if settled else department,
            owner=owner,
            settled_at_first_contact=settled,
            resolution="" if cancelled else "已处理完毕，客户确认满意。",
            repeat_count=1 if rng.random() < 0.05 else 0,
            created_at=at,
            **{field: when for status, when in steps for field in _STAMP.get(status, ())},
        )
        ticket.urge_count = ticket.repeat_count
        tickets.append(ticket)
        plans.append((steps, agent, owner))
    Ticket.objects.bulk_create(tickets, batch_size=500)
    events = []
    for ticket, (steps, agent, owner) in zip(tickets, plans, strict=True):
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
    TicketEvent.objects.bulk_create(events, batch_size=2000)
    for key, value in serials.items():
        counter_at_least(NumberCounter, key, value)
    return len(tickets)


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


def _history_steps(at, rng, *, settled: bool, cancelled: bool) -> list[tuple[str, object]]:
    if settled:
        return [
            ("received", at),
            ("resolved", at + timedelta(minutes=rng.randrange(2, 15))),
            ("closed", at + timedelta(hours=rng.randrange(1, 48))),
        ]
    steps = [("received", at)]
    at += timedelta(minutes=rng.randrange(2, 30))
    steps.append(("dispatched", at))
    if cancelled:
        steps.append(("cancelled", at + timedelta(hours=rng.randrange(1, 24))))
        return steps
    for status, low, high in (
        ("signed", 10, 120),
        ("in_progress", 10, 240),
        ("resolved", 60, 60 * 72),
        ("closed", 60, 60 * 48),
    ):
        at += timedelta(minutes=rng.randrange(low, high))
        steps.append((status, at))
    return steps


def _lead(category: Category) -> Department:
    node = category
    while node.lead_department_id is None:
        node = node.parent
    return node.lead_department
