"""Demo customer archive: 2,000 customers (scaled by DEMO_PERCENT; individuals and
organisations) with contacts and service accounts, shared among the demo account managers,
plus a few cases for each list the supervisor works from (an overdue lead, a file not
entered in time, a duplicate record, a manager change waiting for the key contact, visit
plans and weekly summaries)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from kefu.core.demodata import chinese_name, mobile_number, scaled
from kefu.customers import importing, rules
from kefu.customers.models import (
    Customer,
    GradeKind,
    GradeRecord,
    InfoFile,
    ServiceAccount,
    VisitPlan,
    WeeklySummary,
)
from kefu.customers.services.archive import customer_create
from kefu.customers.services.contacts import ContactData
from kefu.customers.services.info_files import info_file_register
from kefu.customers.services.managers import manager_change_request
from kefu.customers.services.policy import current_policy
from kefu.customers.services.visits import (
    trip_log_create,
    visit_plan_decide,
    visit_plan_submit,
    visit_record_create,
)
from kefu.customers.services.weekly import summary_due
from kefu.org.models import User
from kefu.org.roles import RoleCode

ORDER = 20
COUNT = 2000

DISTRICTS = [
    ("510104", "成都市锦江区", ["春熙路", "红星路", "东大街", "书院街"]),
    ("510105", "成都市青羊区", ["人民中路", "西玉龙街", "草市街", "光华大道"]),
    ("510106", "成都市金牛区", ["一环路北段", "沙湾路", "营门口路", "金府路"]),
    ("510107", "成都市武侯区", ["人民南路", "科华北路", "武侯祠大街", "天府大道"]),
    ("510108", "成都市成华区", ["建设路", "府青路", "二仙桥东路", "双林路"]),
]
ORG_WORDS = ["锦城", "蓉欣", "天府", "西蜀", "华信", "金沙", "川能", "宏达", "新希望", "安和"]
ORG_TRADES = [
    ("物业服务", "物业管理"),
    ("商贸", "批发零售"),
    ("机械制造", "制造业"),
    ("餐饮管理", "住宿餐饮"),
    ("置业", "房地产"),
    ("医院", "卫生"),
    ("学校", "教育"),
    ("酒店", "住宿餐饮"),
]
ORG_SUFFIX = ["有限公司", "股份有限公司", "有限责任公司"]
TITLES = ["总经理", "办公室主任", "财务经理", "采购经理", "行政主管", "设备科长"]
TAGS = ["重点客户", "VIP", "高压用户", "物业", "新开户", "欠费关注", "敏感客户"]
CHANNELS = ["exhibition", "internet", "association", "partner", "hotline", "counter"]


def _resident_id(rng: random.Random, region: str) -> str:
    born = date(1955, 1, 1) + timedelta(days=rng.randrange(365 * 45))
    first17 = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + rules.id_check_digit(first17)


def _credit_code(rng: random.Random, region: str) -> str:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    first17 = "91" + region + "".join(rng.choice(chars) for _ in range(9))
    return first17 + rules.credit_code_check_char(first17)


def _rows(rng: random.Random, managers: list[User]) -> list[dict]:
    """The planned customers: drawn in full every time, so reruns stay deterministic."""
    policy = current_policy()
    tiers = policy.tier_codes
    rows = []
    for serial in range(1, COUNT + 1):
        region, district, streets = rng.choice(DISTRICTS)
        address = f"四川省{district}{rng.choice(streets)}{rng.randrange(1, 400)}号"
        organisation = rng.random() < 0.3
        if organisation:
            trade, industry = rng.choice(ORG_TRADES)
            name = f"成都{rng.choice(ORG_WORDS)}{trade}{rng.choice(ORG_SUFFIX)}"
            id_type, id_number = "credit_code", _credit_code(rng, region)
            contact_name = chinese_name(rng)
            title = rng.choice(TITLES)
        else:
            name = chinese_name(rng)
            industry = "居民生活"
            id_type, id_number = "resident_id", _resident_id(rng, region)
            contact_name, title = name, "本人"
        mobile = mobile_number(rng)
        grade = rng.choices(["A", "B", "C", ""], weights=[15, 45, 30, 10])[0]
        account_kind = rng.choice(["power", "household", "room"])
        prefix = {"power": "DL", "household": "HH", "room": "FH"}[account_kind]
        extra = []
        if organisation and rng.random() < 0.6:
            extra.append(
                {
                    "name": chinese_name(rng),
                    "title": rng.choice(TITLES),
                    "mobile": mobile_number(rng),
                    "phone": f"028-8{rng.randrange(10**6, 10**7)}",
                    "email": "",
                    "birthday": None,
                    "is_key": False,
                }
            )
        rows.append(
            {
                "ref": str(serial),
                "kind": "organisation" if organisation else "individual",
                "name": name,
                "id_type": id_type,
                "id_number": id_number,
                "industry": industry,
                "address": address,
                "source_channel": rng.choice(CHANNELS),
                "credit_rating": rng.choice(["AAA", "AA", "A", "A", "B", ""]),
                "grade": grade,
                "service_tier": rng.choice(tiers) if grade else "",
                "manager": managers[serial % len(managers)],
                "notes": "",
                "tags": rng.sample(TAGS, k=rng.choice((0, 0, 1, 2))),
                "contact": {
                    "name": contact_name,
                    "title": title,
                    "mobile": mobile,
                    "phone": "",
                    "birthday": date(
                        1960 + rng.randrange(40), rng.randrange(1, 13), rng.randrange(1, 29)
                    ),
                    "is_key": True,
                },
                "account": {
                    "number": f"{prefix}{510000000 + serial * 7:010d}",
                    "kind": account_kind,
                    "premises_address": address,
                },
                "extra_contacts": extra,
            }
        )
    return rows


def load(*, rng: random.Random) -> dict[str, int]:
    managers = list(
        User.objects.filter(
            department__code="scb-jl", roles__code=RoleCode.CUSTOMER_MANAGER, is_active=True
        ).order_by("username")
    )
    created = {"customers": 0, "cases": 0}
    if not managers:
        return created
    # drawn in full, then cut to the configured demo size: a smaller demo is a prefix
    rows = _rows(rng, managers)[: scaled(COUNT)]
    existing = set(
        ServiceAccount.objects.filter(
            number__in=[r["account"]["number"] for r in rows]
        ).values_list("number", flat=True)
    )
    missing = [r for r in rows if r["account"]["number"] not in existing]
    if missing:
        plan = importing.Plan(customers=missing)
        for row in missing:
            plan.contacts[row["ref"]] = row["extra_contacts"]
        created["customers"] = importing.write_plan(plan, actor=None)
        _settle(missing)
    created["cases"] = _cases(rng, managers)
    return created


def _settle(rows: list[dict]) -> None:
    """Make the bulk-loaded customers look lived-in: contacted, and formally graded."""
    now = timezone.now()
    numbers = [r["account"]["number"] for r in rows]
    ids = list(Customer.objects.filter(accounts__number__in=numbers).values_list("pk", flat=True))
    policy = current_policy()
    window = rules.Window(policy.grading_window_start, policy.grading_window_end)
    expires = rules.formal_grade_expires(timezone.localdate(now) - timedelta(days=60), window)
    Customer.objects.filter(pk__in=ids).update(
        last_contact_at=now - timedelta(days=12), first_contact_due_at=None
    )
    Customer.objects.filter(pk__in=ids).exclude(grade="").update(
        grade_is_temporary=False, grade_due_on=expires
    )
    GradeRecord.objects.filter(customer_id__in=ids).update(
        kind=GradeKind.FORMAL, due_on=expires, reason="年度评级"
    )


def _cases(rng: random.Random, managers: list[User]) -> int:
    """A few customers and records for each supervision list (created once, by name)."""
    supervisor = User.objects.filter(username="cmsuper").first()
    manager = next((m for m in managers if m.username == "manager"), managers[0])
    other = next((m for m in managers if m.pk != manager.pk), manager)
    now = timezone.now()
    made = 0
    if not Customer.objects.filter(name="成都蓉欣新线索科技有限公司").exists():
        lead = customer_create(
            actor=manager,
            account_manager=manager,
            name="成都蓉欣新线索科技有限公司",
            kind="organisation",
            source_channel="exhibition",
            contacts=[ContactData(name="陈经理", is_key=True, mobile="13980012345")],
        )
        Customer.objects.filter(pk=lead.pk).update(
            assigned_at=now - timedelta(days=9), first_contact_due_at=now - timedelta(days=2)
        )
        made += 1
    if not InfoFile.objects.filter(customer_name="锦江区纸质登记客户（待录入）").exists():
        info_file_register(
            actor=manager,
            customer_name="锦江区纸质登记客户（待录入）",
            captured_at=now - timedelta(days=6),
        )
        made += 1
    first = (
        Customer.objects.filter(kind="individual", duplicate_of__isnull=True).order_by("id").first()
    )
    if first and not first.duplicates.exists():
        customer_create(
            actor=other,
            account_manager=other,
            name=first.name,
            id_type=first.id_type,
            id_number=first.id_number,
        )
        made += 1
    target = (
        Customer.objects.filter(kind="organisation", account_manager=manager).order_by("id").first()
    )
    if supervisor and target and not target.manager_changes.exclude(kind="initial").exists():
        manager_change_request(
            customer=target, to_manager=other, actor=supervisor, reason="客户经理分工调整"
        )
        made += 1
    if not VisitPlan.objects.filter(manager=manager).exists():
        customers = list(Customer.objects.filter(account_manager=manager).order_by("id")[:3])
        for index, customer in enumerate(customers):
            plan = visit_plan_submit(
                customer=customer,
                manager=manager,
                purpose=["年度合作回顾", "了解用电增容需求", "走访关键联系人"][index],
                objectives="确认需求与下一步安排",
                planned_start=now + timedelta(days=index + 1),
                contact=customer.contacts.filter(is_key=True).first(),
            )
            if index == 0 and supervisor:
                visit_plan_decide(plan=plan, actor=supervisor, approve=True)
        made += 1
    monday = rules.week_start(timezone.localdate(now)) - timedelta(days=7)
    customer = Customer.objects.filter(account_manager=manager).order_by("id").first()
    if customer and not WeeklySummary.objects.filter(week_start=monday, manager=manager).exists():
        visit_day = timezone.localtime(now).replace(hour=10, minute=0) - timedelta(
            days=(timezone.localdate(now) - monday).days - 1
        )
        trip_log_create(
            manager=manager,
            trip_date=visit_day.date(),
            depart_at=visit_day.time(),
            destination=customer.address or "客户现场",
            purpose="上门走访",
            customer=customer,
        )
        visit_record_create(
            customer=customer,
            manager=manager,
            visited_at=visit_day,
            discussed="介绍新推出的服务项目，了解客户对报修响应的意见",
            needs_found="希望增加夜间抢修联系人",
            next_steps="下周反馈夜间抢修安排",
            receptionist="本人",
        )
        WeeklySummary.objects.create(
            manager=manager,
            week_start=monday,
            due_at=summary_due(monday, current_policy()),
            submitted_at=summary_due(monday, current_policy()) - timedelta(hours=2),
            reported_visits=1,
            customer_needs="夜间抢修联系人",
            conclusions="客户总体满意，需跟进夜间抢修安排",
        )
        made += 1
    return made
