import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def claim_queues_fill(apps, schema_editor):
    """Orders already waiting without a first responder go to the claim queue they would
    get today: the centre CLAIM_DEPARTMENTS names for their channel, else the default."""
    Department = apps.get_model("org", "Department")
    Ticket = apps.get_model("tickets", "Ticket")
    centres = Department.objects.filter(is_active=True, kind="front_office")
    default = centres.order_by("depth", "sort_order", "path").first()
    waiting = Ticket.objects.filter(first_responder__isnull=True, claim_department__isnull=True)
    for channel in waiting.values_list("channel", flat=True).distinct():
        code = settings.CLAIM_DEPARTMENTS.get(channel)
        centre = (centres.filter(code=code).first() if code else None) or default
        if centre is not None:
            waiting.filter(channel=channel).update(claim_department=centre)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0003_confidential_handler_role"),
        ("tickets", "0008_scoped_queue_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="claim_department",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="org.department",
                verbose_name="claim queue",
            ),
        ),
        migrations.RunPython(claim_queues_fill, migrations.RunPython.noop),
    ]
