"""Policy services: presets, policies and milestones."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from kefu.calendars.models import CalendarDay, CalendarYear, WorkCalendar
from kefu.sla import selectors, services
from kefu.sla.models import SlaMilestone, SlaPolicy
from kefu.sla.policy import Facts
from kefu.sla.presets import PRESETS

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def snapshot():
    return (
        list(WorkCalendar.objects.values()),
        list(CalendarDay.objects.order_by("id").values()),
        list(CalendarYear.objects.order_by("id").values()),
        list(SlaPolicy.objects.order_by("id").values()),
        list(SlaMilestone.objects.order_by("id").values()),
    )


# ---------------------------------------------------------------------------- policies


def test_preset_load_is_idempotent_and_matches(standard):
    counts = services.sla_preset_load(industry="property")
    assert counts["policies_created"] == len(PRESETS["property"].policies)
    before = snapshot()
    history_rows = SlaPolicy.history.count() + SlaMilestone.history.count()
    again = services.sla_preset_load(industry="property")
    assert again == {
        "policies_created": 0,
        "policies_updated": 0,
        "milestones_created": 0,
        "milestones_updated": 0,
        "milestones_deleted": 0,
    }
    assert snapshot() == before
    assert SlaPolicy.history.count() + SlaMilestone.history.count() == history_rows

    policy, plan = selectors.new_ticket_deadlines(
        facts=Facts(ticket_type="repair", category="plumbing/leak"),
        accepted_at=at("2026-10-02T22:10"),
    )
    assert policy.code == "property-repair-leak"
    assert plan[0].due == at("2026-10-02T22:40")


def test_preset_load_restores_an_edited_policy(standard):
    services.sla_preset_load(industry="heating")
    policy = SlaPolicy.objects.get(code="heating-complaint")
    reply = policy.milestones.get(position=2)
    services.sla_milestone_update(milestone=reply, amount=9)
    counts = services.sla_preset_load(industry="heating")
    assert counts["milestones_updated"] == 1
    reply.refresh_from_db()
    assert reply.amount == 5
    assert reply.history.count() == 3


def test_unknown_industry(standard):
    with pytest.raises(ValidationError) as info:
        services.sla_preset_load(industry="mining")
    assert "industry" in info.value.message_dict


def test_policy_and_milestone_services(standard):
    policy = services.sla_policy_create(
        code="vip",
        name="VIP 投诉",
        order=1,
        ticket_types="complaint, tip_off",
        customer_grades=["A"],
    )
    assert policy.ticket_types == ["complaint", "tip_off"]
    first = services.sla_milestone_create(
        policy=policy, kind="reply", amount=2, unit="working_hours", calendar=standard
    )
    second = services.sla_milestone_create(
        policy=policy,
        kind="resolution",
        amount=3,
        unit="working_days",
        calendar=standard,
        starts_at="previous",
        warning_thresholds=[60, 90],
    )
    assert (first.position, second.position) == (1, 2)
    spec = selectors.policy_for(Facts(ticket_type="tip_off", customer_grade="A"))
    assert spec.code == "vip"
    assert [m.warning_thresholds for m in spec.milestones] == [(50, 80), (60, 90)]
    assert selectors.policy_for(Facts(ticket_type="tip_off", customer_grade="B")) is None
    assert selectors.policy_for(Facts(), policy_code="vip").code == "vip"
    with pytest.raises(ValidationError):
        services.sla_milestone_delete(milestone=first)  # the second starts at it
    entries = selectors.policy_history(policy)
    assert len(entries) == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"warning_thresholds": [90, 50]}, "warning_thresholds", id="thresholds"),
        pytest.param({"hard_limit_amount": 1}, "hard_limit_amount", id="hard-limit-short"),
        pytest.param({"starts_at": "previous"}, "starts_at", id="first-previous"),
        pytest.param({"unit": "fortnights"}, "unit", id="unit"),
        pytest.param({"kind": "party"}, "kind", id="kind"),
    ],
)
def test_bad_milestones_change_nothing(standard, fields, field):
    policy = services.sla_policy_create(code="p", name="p")
    before = snapshot()
    values = {"kind": "reply", "amount": 2, "unit": "working_days", "calendar": standard, **fields}
    with pytest.raises(ValidationError) as info:
        services.sla_milestone_create(policy=policy, **values)
    assert field in info.value.message_dict
    assert snapshot() == before


def test_active_policies_query_count(standard, django_assert_num_queries):
    services.sla_preset_load(industry="heating")
    with django_assert_num_queries(2):
        policies = selectors.active_policies()
    assert [p.order for p in policies] == sorted(p.order for p in policies)
