# Joins the claim queue and the sealed-identity migrations.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0009_ticket_claim_department'),
        ('tickets', '0009_ticket_identity_sealed'),
    ]

    operations = [
    ]
