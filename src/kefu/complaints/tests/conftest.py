from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import make_staff

from kefu.tickets.tests.conftest import catalog, new_ticket  # noqa: F401  (shared fixtures)

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@dataclass
class Tips:
    category: object
    keeper: object  # the named confidential handler


@pytest.fixture
def tips(org, catalog):  # noqa: F811
    """A tip-off category led by the office, and a confidential handler there."""
    from django.contrib.auth.models import Group

    from kefu.complaints.seeds import CONFIDENTIAL_GROUP
    from kefu.tickets import services
    from kefu.tickets.models import TicketType

    category = services.category_create(
        name="违规收费举报",
        code="tipoff-fees",
        ticket_type=TicketType.objects.get(code="tip_off"),
        lead_department=catalog.office,
    )
    keeper = make_staff(
        "keeper", catalog.office, ["handler"], employee_no="BG009", full_name="周保密"
    )
    keeper.groups.add(Group.objects.get(name=CONFIDENTIAL_GROUP))
    return Tips(category=category, keeper=keeper)


@pytest.fixture
def complaint(org, catalog, new_ticket):  # noqa: F811
    """Take a complaint on the hotline as the agent; it goes to the quality department."""

    def make(**overrides):
        fields = {
            "category": catalog.complaint,
            "title": "维修师傅态度差",
            "contact_name": "王女士",
            "contact_phone": "13900001111",
            "dispatch": True,
        }
        fields.update(overrides)
        return new_ticket(**fields).complaint_case

    return make


@pytest.fixture
def tip_off(org, tips, new_ticket):  # noqa: F811
    def make(**overrides):
        fields = {
            "category": tips.category,
            "title": "收费员多收停车费",
            "contact_name": "赵举报",
            "contact_phone": "13711112222",
            "calling_number": "13711112222",
            "dispatch": True,
        }
        fields.update(overrides)
        return new_ticket(**fields).complaint_case

    return make
