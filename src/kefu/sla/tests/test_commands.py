"""The `kefu sla` command (with `kefu calendar ensure` before it), and the demo loader."""

import random
from io import StringIO

import pytest
from django.core.management import call_command

from kefu.sla import demo
from kefu.sla.models import SlaPolicy

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


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
