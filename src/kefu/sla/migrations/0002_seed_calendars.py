"""Seed the built-in calendars (标准工作日历, 24×7) and every statutory year the installed
chinese-calendar package knows. Reversing removes nothing an administrator may have
changed since; it only forgets the rows of the built-in calendars."""

from django.db import migrations


def seed(apps, schema_editor):
    from kefu.calendars.seeding import seed as seed_calendars

    seed_calendars(apps, app_label="sla")


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
