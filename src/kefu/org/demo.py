"""Demo organisation: a service company with a customer-service centre, handling
departments, quality, office, marketing and a branch; one login per role."""

from __future__ import annotations

import random

from kefu.core.demodata import DEMO_PASSWORD, chinese_name, mobile_number
from kefu.org import services
from kefu.org.models import Department, DepartmentKind, User
from kefu.org.roles import RoleCode

ORDER = 10

K = DepartmentKind
# (code, name, kind, parent code)
DEPARTMENTS = [
    ("hq", "示范服务集团", K.COMPANY, None),
    ("kfzx", "客户服务中心", K.FRONT_OFFICE, "hq"),
    ("kfzx-rx", "热线班", K.TEAM, "kfzx"),
    ("kfzx-yyt", "营业厅", K.TEAM, "kfzx"),
    ("kfzx-hf", "回访组", K.TEAM, "kfzx"),
    ("wxb", "维修服务部", K.HANDLING, "hq"),
    ("wxb-sd", "水电维修班", K.TEAM, "wxb"),
    ("wxb-qx", "抢修班", K.TEAM, "wxb"),
    ("gcb", "工程管理部", K.HANDLING, "hq"),
    ("wyb", "物业管理部", K.HANDLING, "hq"),
    ("pzb", "品质部", K.QUALITY, "hq"),
    ("bgs", "办公室", K.OFFICE, "hq"),
    ("scb", "市场部", K.MARKETING, "hq"),
    ("scb-jl", "客户经理组", K.TEAM, "scb"),
    ("cd", "城东分公司", K.CENTRE, "hq"),
    ("cd-kf", "城东客服站", K.FRONT_OFFICE, "cd"),
    ("cd-wx", "城东维修班", K.HANDLING, "cd"),
]

R = RoleCode
# The demo logins printed by `kefu demo`: (username, name, employee no, department, roles)
DEMO_LOGINS = [
    ("agent", "李晓燕", "KF1001", "kfzx-rx", [R.AGENT]),
    ("handler", "王建国", "WX2001", "wxb-sd", [R.HANDLER]),
    ("shiftlead", "陈思雨", "KF1002", "kfzx", [R.SHIFT_LEADER, R.AGENT]),
    ("manager", "赵立新", "SC3001", "scb-jl", [R.CUSTOMER_MANAGER]),
    ("cmsuper", "周海燕", "SC3002", "scb", [R.CM_SUPERVISOR]),
    ("inspector", "孙振华", "PZ4001", "pzb", [R.QUALITY_INSPECTOR]),
    ("head", "刘德明", "WX2002", "wxb", [R.DEPARTMENT_HEAD]),
    ("gm", "郑志文", "HQ0001", "hq", [R.GENERAL_MANAGER]),
    ("admin", "吴婷", "HQ0002", "bgs", [R.ADMINISTRATOR, R.CONFIDENTIAL_HANDLER]),
]

# Other staff, by department code: how many and which role.
STAFF_PLAN = [
    ("kfzx-rx", 8, R.AGENT),
    ("kfzx-yyt", 4, R.AGENT),
    ("kfzx-hf", 3, R.AGENT),
    ("wxb-sd", 5, R.HANDLER),
    ("wxb-qx", 4, R.HANDLER),
    ("gcb", 3, R.HANDLER),
    ("wyb", 3, R.HANDLER),
    ("pzb", 2, R.QUALITY_INSPECTOR),
    ("scb-jl", 5, R.CUSTOMER_MANAGER),
    ("cd-kf", 3, R.AGENT),
    ("cd-wx", 3, R.HANDLER),
]


def load(*, rng: random.Random) -> dict[str, int]:
    services.roles_ensure()
    created = {"departments": 0, "staff": 0}
    by_code = {d.code: d for d in Department.objects.filter(code__in=[c for c, *_ in DEPARTMENTS])}
    for order, (code, name, kind, parent_code) in enumerate(DEPARTMENTS):
        if code not in by_code:
            by_code[code] = services.department_create(
                name=name,
                code=code,
                kind=kind,
                parent=by_code[parent_code] if parent_code else None,
                sort_order=order,
            )
            created["departments"] += 1
    existing = set(User.objects.values_list("username", flat=True))
    for username, full_name, employee_no, dept_code, roles in DEMO_LOGINS:
        phone = mobile_number(rng)  # drawn even when skipping, so reruns stay deterministic
        if username in existing:
            continue
        services.staff_create(
            username=username,
            full_name=full_name,
            employee_no=employee_no,
            password=DEMO_PASSWORD,
            department=by_code[dept_code],
            roles=services.roles_by_code(roles),
            phone=phone,
            is_superuser=username == "admin",
        )
        created["staff"] += 1
    serial = 0
    for dept_code, count, role in STAFF_PLAN:
        for _ in range(count):
            serial += 1
            name = chinese_name(rng)
            phone = mobile_number(rng)
            username = f"staff{serial:03d}"
            if username in existing:
                continue
            services.staff_create(
                username=username,
                full_name=name,
                employee_no=f"YG{serial:04d}",
                password=None,
                department=by_code[dept_code],
                roles=services.roles_by_code([role]),
                phone=phone,
            )
            created["staff"] += 1
    return created
