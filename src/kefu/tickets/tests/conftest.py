from dataclasses import dataclass

import pytest
from conftest import make_department, make_staff

from kefu.org.models import Department, DepartmentKind, User
from kefu.tickets import services
from kefu.tickets.models import Category, TicketType


@dataclass
class Catalog:
    office: Department
    officer: User
    repair: Category
    leak: Category
    consult: Category
    complaint: Category
    handler2: User


@pytest.fixture
def catalog(org) -> Catalog:
    office = make_department("办公室", "office", DepartmentKind.OFFICE, org.company)
    officer = make_staff("officer", office, ["department_head"], employee_no="BG001")
    handler2 = make_staff("handler2", org.repairs_team, ["handler"], employee_no="WX003")
    types = {t.code: t for t in TicketType.objects.all()}
    repair = services.category_create(
        name="水电报修",
        code="repair-water",
        ticket_type=types["repair"],
        lead_department=org.repairs,
        default_priority="high",
        extra_fields=[{"name": "meter_no", "label": "表号", "required": False}],
        reply_template="{customer}您好，工单{number}已处理：{result}",
    )
    leak = services.category_create(
        name="漏水",
        code="repair-leak",
        ticket_type=types["repair"],
        parent=repair,
        default_priority="urgent",
        extra_fields=[{"name": "floor", "label": "楼层", "required": True}],
    )
    consult = services.category_create(
        name="政策咨询",
        code="consult-policy",
        ticket_type=types["consultation"],
        lead_department=org.front_office,
        settle_at_first_contact=True,
        default_priority="low",
    )
    complaint = services.category_create(
        name="服务投诉",
        code="complaint-service",
        ticket_type=types["complaint"],
        lead_department=org.quality,
    )
    return Catalog(office, officer, repair, leak, consult, complaint, handler2)


@pytest.fixture
def new_ticket(org, catalog):
    """Take a repair call on the hotline as the agent."""

    def make(**overrides):
        fields = {
            "actor": org.agent,
            "category": catalog.repair,
            "channel": "hotline",
            "title": "厨房水管爆裂",
            "contact_name": "张先生",
            "contact_phone": "13812345678",
            "calling_number": "13812345678",
            "address": "城东区幸福小区3栋",
        }
        fields.update(overrides)
        return services.ticket_create(**fields)

    return make
