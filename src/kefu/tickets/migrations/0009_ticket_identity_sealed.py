from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_scoped_queue_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="identity_sealed",
            field=models.BooleanField(
                default=False, editable=False, verbose_name="reporter's identity sealed"
            ),
        ),
    ]
