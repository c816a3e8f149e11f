"""Time limits that went overdue before the late department was recorded, and the
investigation notices opened at their breach, are put on the department that holds the
order (the best record there is of who held it when the step fell due)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def forward(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    TicketDeadline = apps.get_model("sla", "TicketDeadline")
    OverdueInvestigation = apps.get_model("sla", "OverdueInvestigation")
    holder = Subquery(Ticket.objects.filter(pk=OuterRef("ticket_id")).values("department_id")[:1])
    TicketDeadline.objects.filter(breached_at__isnull=False, department__isnull=True).update(
        department=holder
    )
    OverdueInvestigation.objects.filter(department__isnull=True).update(department=holder)


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0010_late_department_and_investigation_notice"),
        ("tickets", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
