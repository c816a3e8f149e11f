"""Seal the reporters of tip-offs written before their address, category fields and file
names were sealed (or inserted in bulk past intake): what intake does today, applied to the
rows that are not sealed yet. Reversing it changes nothing: a sealed identity is never put
back on the order."""

from django.db import migrations


def seal(apps, schema_editor):
    from kefu.complaints.sealing import tip_offs_seal

    tip_offs_seal(registry=apps)


class Migration(migrations.Migration):
    atomic = False  # tip_offs_seal commits batch by batch

    dependencies = [
        ("complaints", "0003_authority_role_choices"),
        ("tickets", "0009_ticket_identity_sealed"),
    ]

    operations = [migrations.RunPython(seal, migrations.RunPython.noop, elidable=True)]
