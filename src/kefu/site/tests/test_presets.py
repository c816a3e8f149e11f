"""One industry switch: ``preset_apply`` and ``kefu preset`` set every part of an industry,
say what changed, change nothing the second time, and change nothing in a dry run."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from kefu.complaints.models import ComplaintSettings
from kefu.complaints.services import settings_get as complaint_settings
from kefu.customers.models import CustomerPolicyConfig
from kefu.customers.policy import PRESETS as CUSTOMER_PRESETS
from kefu.customers.services import current_policy
from kefu.followups.models import PlanRule
from kefu.site.models import PresetApplication
from kefu.site.presets import company_industries, preset_apply, settings_snapshot
from kefu.sla.models import SlaPolicy
from kefu.sla.presets import PRESETS as SLA_PRESETS
from kefu.sla.services import sla_policy_create, sla_preset_load

pytestmark = pytest.mark.django_db

ALL_RULES = {"delivery-cycle", "key-contact-birthday", "holiday-greeting", "new-year-a"}

# industry: (service tier codes, SLA policies that run, visit-plan rules that run)
EXPECTED = {
    "power": (
        ("vip", "important", "ordinary"),
        {
            "power-escalated",
            "power-tip-off",
            "power-emergency-repair",
            "power-meter",
            "power-complaint",
            "power-connection",
            "power-general",
        },
        {"key-contact-birthday", "holiday-greeting", "new-year-a"},
    ),
    "telecom": (
        ("diamond", "gold", "silver", "basic"),
        {"telecom-escalated", "telecom-tip-off", "telecom-complaint", "telecom-fault"},
        ALL_RULES,
    ),
    "property": (
        ("5star", "4star", "3star", "2star", "1star"),
        {
            "property-escalated",
            "property-tip-off",
            "property-repair-leak",
            "property-repair",
            "property-suggestion",
            "property-complaint",
        },
        {"holiday-greeting"},
    ),
    "heating": (
        ("key", "standard"),
        {
            "heating-escalated",
            "heating-repair-leak",
            "heating-repair",
            "heating-complaint",
            "heating-whistleblow",
            "heating-connection",
            "heating-general",
        },
        {"holiday-greeting"},
    ),
    "insurance": (
        ("5star", "4star", "3star", "2star", "1star"),
        {
            "insurance-escalated",
            "insurance-tip-off",
            "insurance-complaint",
            "insurance-claim",
        },
        {"key-contact-birthday", "holiday-greeting", "new-year-a"},
    ),
    "manufacturing": (
        ("key", "standard"),
        {"manufacturing-tip-off", "manufacturing-complaint"},
        ALL_RULES,
    ),
}


def running_preset_policies() -> set[str]:
    return set(
        SlaPolicy.objects.filter(is_active=True).exclude(industry="").values_list("code", flat=True)
    )


def running_rules() -> set[str]:
    return set(PlanRule.objects.filter(is_active=True).values_list("code", flat=True))


def history_counts() -> tuple[int, ...]:
    return (
        CustomerPolicyConfig.history.count(),
        SlaPolicy.history.count(),
        ComplaintSettings.history.count(),
        PlanRule.history.count(),
        PresetApplication.objects.count(),
    )


@pytest.fixture
def another_industry_loaded(org):
    """An installation set up by hand with the quality-system SLA preset and an
    administrator's own changes, before anyone uses the industry switch."""
    sla_preset_load(industry="quality")
    PlanRule.objects.filter(code="holiday-greeting").update(is_active=False)
    return org


@pytest.mark.parametrize("industry", list(EXPECTED))
def test_applying_an_industry_sets_every_part_and_a_second_apply_changes_nothing(
    another_industry_loaded, industry
):
    tiers, policies, rules = EXPECTED[industry]
    admin = another_industry_loaded.admin

    report = preset_apply(industry=industry, actor=admin)

    policy = current_policy()
    assert policy.preset == industry
    assert CustomerPolicyConfig.objects.get().preset == industry
    assert policy.tier_codes == tiers
    assert policy == CUSTOMER_PRESETS[industry]  # grades, window, days, roles … all of it
    assert running_preset_policies() == policies
    for spec in SLA_PRESETS[industry].policies:
        milestones = SlaPolicy.objects.get(code=spec.code).milestones.order_by("position")
        assert [(m.kind, m.amount, m.unit, m.starts_at) for m in milestones] == [
            (m.kind, m.amount, m.unit, m.starts_at) for m in spec.milestones
        ]
    assert complaint_settings().industry == industry
    assert running_rules() == rules
    shown = {(c.part, c.setting): (c.before, c.after) for c in report.changes}
    assert {part for part, _setting in shown} == {"customers", "sla", "complaints", "followups"}
    for code in policies:
        assert shown["sla", code][1].startswith("在用")
    assert shown["sla", "quality-complaint"][0].startswith("在用")
    assert shown["sla", "quality-complaint"][1].startswith("停用")
    application = PresetApplication.objects.get()
    assert application.industry == industry
    assert application.applied_by == admin
    assert application.changes == [c.as_dict() for c in report.changes]

    counts = history_counts()
    again = preset_apply(industry=industry, actor=admin)
    assert again.changes == []
    assert history_counts() == counts


@pytest.mark.parametrize("industry", list(EXPECTED))
def test_a_dry_run_shows_the_same_changes_and_changes_nothing(another_industry_loaded, industry):
    before, counts = settings_snapshot(), history_counts()

    preview = preset_apply(industry=industry, actor=another_industry_loaded.admin, dry_run=True)

    assert settings_snapshot() == before
    assert history_counts() == counts
    assert preview.changes
    applied = preset_apply(industry=industry, actor=another_industry_loaded.admin)
    assert applied.changes == preview.changes


def test_switching_industry_stops_the_previous_industrys_sla_policies(org):
    preset_apply(industry="heating", actor=org.admin)
    report = preset_apply(industry="power", actor=org.admin)

    assert running_preset_policies() == EXPECTED["power"][1]
    stopped = {c.setting for c in report.changes if c.part == "sla" and "停用" in c.after}
    assert stopped == EXPECTED["heating"][1]
    assert [(c.before, c.after) for c in report.changes if c.setting == "预置"] == [
        ("供热", "供电")
    ]


def test_an_administrators_change_is_set_back_and_shown(org):
    preset_apply(industry="telecom", actor=org.admin)
    config = CustomerPolicyConfig.objects.get()
    config.first_contact_days = 3
    config.save()

    report = preset_apply(industry="telecom", actor=org.admin)

    assert [(c.part, c.before, c.after) for c in report.changes] == [("customers", "3", "7")]
    assert current_policy().first_contact_days == 7


def test_applied_for_a_company_records_it_and_says_the_parts_are_installation_wide(org):
    report = preset_apply(industry="heating", company=org.company, actor=org.admin)

    assert company_industries() == {org.company: "heating"}
    assert complaint_settings().industry == "heating"
    assert any("示范公司" in note and "所有单位" in note for note in report.notes)
    # the same industry again for the same company: nothing changes, nothing recorded
    count = PresetApplication.objects.count()
    assert preset_apply(industry="heating", company=org.company, actor=org.admin).changes == []
    assert PresetApplication.objects.count() == count


def test_a_department_that_is_not_a_company_is_refused_and_nothing_changes(org):
    before = settings_snapshot()
    with pytest.raises(ValidationError) as caught:
        preset_apply(industry="power", company=org.repairs, actor=org.admin)
    assert caught.value.message_dict["company"] == ["“维修部”不是公司或中心/分公司。"]
    assert caught.value.error_dict["company"][0].code == "not_a_company"
    assert settings_snapshot() == before


def test_an_unknown_industry_is_refused_naming_the_choices(org):
    with pytest.raises(ValidationError) as caught:
        preset_apply(industry="quality", actor=org.admin)
    assert caught.value.error_dict["industry"][0].code == "unknown_industry"
    assert "power, telecom, property, heating, insurance, manufacturing" in str(caught.value)
    assert PresetApplication.objects.count() == 0


def test_the_command_applies_previews_and_lists(org, capsys):
    call_command("preset", "apply", "insurance", "--dry-run")
    preview = capsys.readouterr().out
    assert "insurance-claim: — → 在用" in preview
    assert "项设置将会改变" in preview
    assert complaint_settings().industry == ""

    call_command("preset", "apply", "insurance", "--company", "co", "--user", "admin")
    out = capsys.readouterr().out
    assert "insurance-claim: — → 在用" in out
    assert "所有单位" in out
    assert complaint_settings().industry == "insurance"
    assert PresetApplication.objects.get().applied_by == org.admin

    call_command("preset", "list")
    assert "co: insurance" in capsys.readouterr().out

    call_command("preset", "show", "power")
    shown = capsys.readouterr().out
    assert "power-meter" in shown
    assert "key-contact-birthday: active" in shown

    with pytest.raises(CommandError, match="“热线班”不是公司或中心/分公司"):
        call_command("preset", "apply", "power", "--company", "fo-hot")


def test_an_administrators_own_sla_policies_are_left_as_they_are(org):
    own = sla_policy_create(code="vip-complaint", name="VIP 投诉", industry="", is_active=True)
    stopped = sla_policy_create(
        code="power-night", name="夜间抢修", industry="power", is_active=False
    )

    report = preset_apply(industry="power", actor=org.admin)

    own.refresh_from_db()
    stopped.refresh_from_db()
    assert (own.is_active, stopped.is_active) == (True, False)
    assert {"vip-complaint", "power-night"}.isdisjoint(c.setting for c in report.changes)
