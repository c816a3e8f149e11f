"""The stored quality-system complaint policy (preset ``quality-complaint``) counted the
report to the general manager from acceptance: CMP-24 counts it from the end of the
investigation (「調查后三天內」, as CMP-08 does for manufacturing). Milestones an
administrator changed from the preset's old start are left as they are; orders already
received keep their limits."""

from django.db import migrations

POLICY = "quality-complaint"
KIND = "report"
OLD, NEW = "acceptance", "investigation_finished"


def forward(apps, schema_editor):
    SlaMilestone = apps.get_model("sla", "SlaMilestone")
    SlaMilestone.objects.filter(policy__code=POLICY, kind=KIND, starts_at=OLD).update(
        starts_at=NEW
    )


def backward(apps, schema_editor):
    SlaMilestone = apps.get_model("sla", "SlaMilestone")
    SlaMilestone.objects.filter(policy__code=POLICY, kind=KIND, starts_at=NEW).update(
        starts_at=OLD
    )


class Migration(migrations.Migration):
    dependencies = [("sla", "0011_late_departments_of_earlier_breaches")]

    operations = [migrations.RunPython(forward, backward)]
