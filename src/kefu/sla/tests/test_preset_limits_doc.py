"""docs/sla.md lists, per industry preset, every limit with its rule id, unit and the event
its clock starts at, generated from ``kefu.sla.presets``: the docs fail this test as soon
as a preset changes without them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from django.core.management import call_command

from kefu.sla import presets

DOC = Path(__file__).resolve().parents[4] / "docs" / "sla.md"


def test_docs_list_every_preset_limit_as_generated_from_the_presets():
    text = DOC.read_text(encoding="utf-8")
    assert presets.doc_with_limits(text) == text, (
        "docs/sla.md's preset table differs from kefu.sla.presets: regenerate it with "
        "`kefu sla presets --markdown` between the preset-limits markers"
    )


def test_each_limit_names_its_rule_unit_and_start_event():
    table = presets.limits_markdown()
    rows = table.splitlines()
    # the quality-system report counts 3 calendar days from the investigation's end (CMP-24)
    report = next(r for r in rows if "`quality-complaint`" in r and "报告（报告总经理）" in r)
    assert "| 3 | 自然日 |" in report
    assert "投诉调查结束" in report and report.rstrip(" |").endswith("CMP-24")
    # manufacturing's close: 14 calendar days, at most 21, from acceptance (CMP-18)
    close = next(r for r in rows if "`manufacturing-complaint`" in r and "| 办结 |" in r)
    assert "| 14（硬性 21） | 自然日 | 工作日历 | 受理 | CMP-18 |" in close
    # a heating complaint's reply: 5 working days (CMP-27); defaults are marked
    reply = next(r for r in rows if "`heating-complaint`" in r and "| 答复 |" in r)
    assert "| 5 | 工作日 |" in reply and reply.endswith("| CMP-27 |")
    assert any("`power-complaint`" in r and "§23 **[默认]**" in r for r in rows)
    # one row per limit of every preset
    limits = sum(len(p.milestones) for preset in presets.PRESETS.values() for p in preset.policies)
    assert sum(1 for r in rows if r.startswith("| ") and "`" in r.split("|")[1]) == limits


def test_a_changed_preset_changes_the_table():
    quality = presets.PRESETS["quality"]
    policy = quality.policies[1]
    milestones = list(policy.milestones)
    milestones[1] = replace(milestones[1], starts_at="acceptance")
    moved = replace(policy, milestones=tuple(milestones))
    changed = {"quality": replace(quality, policies=(quality.policies[0], moved))}
    assert presets.limits_markdown(changed) != presets.limits_markdown({"quality": quality})


def test_the_command_prints_the_table(capsys):
    call_command("sla", "presets", "--markdown")
    assert capsys.readouterr().out.strip() == presets.limits_markdown().strip()
    call_command("sla", "presets")
    assert "quality" in capsys.readouterr().out


def test_stored_quality_complaint_report_moves_to_the_end_of_the_investigation(db):
    """Migration sla 0012: a stored quality-system report counted from acceptance (the old
    preset) counts from the investigation's end; one an administrator changed stays."""
    from importlib import import_module

    from django.apps import apps

    from kefu.sla.models import SlaMilestone
    from kefu.sla.services import sla_preset_load

    migration = import_module(
        "kefu.sla.migrations.0012_quality_complaint_report_after_investigation"
    )
    sla_preset_load(industry="quality")
    report = SlaMilestone.objects.filter(policy__code="quality-complaint", kind="report")
    report.update(starts_at="acceptance")  # as the old preset stored it
    migration.forward(apps, None)
    assert list(report.values_list("starts_at", flat=True)) == ["investigation_finished"]
    report.update(starts_at="met:handling_opinion")  # an administrator's own choice
    migration.forward(apps, None)
    assert list(report.values_list("starts_at", flat=True)) == ["met:handling_opinion"]
