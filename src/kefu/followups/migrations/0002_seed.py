from django.db import migrations


def forwards(apps, schema_editor):
    from kefu.followups.seeds import seed

    seed(apps)


class Migration(migrations.Migration):
    dependencies = [("followups", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
