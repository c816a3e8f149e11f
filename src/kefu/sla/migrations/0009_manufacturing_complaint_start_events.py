"""The stored manufacturing complaint policy (preset ``manufacturing-complaint``) counted
the report to the general manager from acceptance and the combined opinion from the
report: CMP-08 counts the report from the end of the investigation, CMP-10 the combined
opinion from the negotiated result's return. Milestones an administrator changed from the
preset's old values are left as they are; orders already received keep their limits."""

from django.db import migrations

POLICY = "manufacturing-complaint"
MOVES = [
    # (kind, old start, new start)
    ("report", "acceptance", "investigation_finished"),
    ("handling_opinion", "previous", "result_returned"),
]


def forward(apps, schema_editor):
    SlaMilestone = apps.get_model("sla", "SlaMilestone")
    for kind, old, new in MOVES:
        SlaMilestone.objects.filter(policy__code=POLICY, kind=kind, starts_at=old).update(
            starts_at=new
        )


def backward(apps, schema_editor):
    SlaMilestone = apps.get_model("sla", "SlaMilestone")
    for kind, old, new in MOVES:
        SlaMilestone.objects.filter(policy__code=POLICY, kind=kind, starts_at=new).update(
            starts_at=old
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0008_start_events_by_name")]

    operations = [migrations.RunPython(forward, backward)]
