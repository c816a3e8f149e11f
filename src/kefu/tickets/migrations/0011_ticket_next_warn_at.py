from datetime import datetime

from django.db import migrations, models

OPEN = ["received", "dispatched", "signed", "in_progress", "returned", "suspended", "reopened",
        "arbitration"]


def backfill(apps, schema_editor):
    """Open orders with a deadline get the first warning instant of their running
    milestones, as the SLA engine keeps it from now on."""
    Ticket = apps.get_model("tickets", "Ticket")
    TicketDeadline = apps.get_model("sla", "TicketDeadline")
    rows = TicketDeadline.objects.filter(
        ticket__status__in=OPEN,
        ticket__next_due_at__isnull=False,
        due_at__isnull=False,
        met_at__isnull=True,
        paused_at__isnull=True,
    ).values_list("ticket_id", "warn_at")
    first: dict[int, datetime] = {}
    for ticket_id, warn_at in rows.iterator():
        if warn_at:
            instant = datetime.fromisoformat(warn_at[0])
            if ticket_id not in first or instant < first[ticket_id]:
                first[ticket_id] = instant
    for ticket_id, instant in first.items():
        Ticket.objects.filter(pk=ticket_id).update(next_warn_at=instant)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0010_merge_claim_queue_and_sealing"),
        ("sla", "0003_ticket_deadlines"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="next_warn_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="next warning"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
