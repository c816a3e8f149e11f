"""The `kefu calendar` and `kefu sla` commands, and the demo loader."""

import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kefu.sla import demo
from kefu.sla.models import CalendarYear, SlaPolicy

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_load_year_known_and_unknown(standard):
    CalendarYear.objects.filter(calendar=standard, year=2025).delete()
    assert "2025 年已载入" in run("calendar", "load-year", "2025")
    assert CalendarYear.objects.filter(calendar=standard, year=2025).exists()
    with pytest.raises(CommandError, match=r"2099.*工作日历"):
        run("calendar", "load-year", "2099")
    with pytest.raises(CommandError, match="nope"):
        run("calendar", "load-year", "2025", "--calendar", "nope")


def test_show_year(standard):
    output = run("calendar", "show", "2026")
    assert "已载入" in output
    assert "2026-10-01  节假日" in output and "国庆节" in output
    assert "2026-10-10  调休上班日" in output
    assert len(run("calendar", "show", "2026", "--all-days").splitlines()) == 366


def test_ensure_and_preset(standard):
    assert "新建日历 0 个" in run("calendar", "ensure")
    assert "新建策略 2 个" in run("sla", "load-preset", "manufacturing")
    assert "新建策略 0 个" in run("sla", "load-preset", "manufacturing")
    listed = run("sla", "list")
    assert "manufacturing-complaint" in listed
    assert "manufacturing-tip-off" in listed


def test_demo_loads_the_property_preset_once(standard):
    first = demo.load(rng=random.Random(1))
    assert first["policies"] == SlaPolicy.objects.filter(industry="property").count() > 0
    policy = SlaPolicy.objects.get(code="property-complaint")
    policy.name = "改过的名字"
    policy.save()
    assert demo.load(rng=random.Random(1)) == {"calendars": 0, "years": 0, "policies": 0}
    policy.refresh_from_db()
    assert policy.name == "改过的名字"
