"""Customer number counters use the one counter mechanism (kefu.core.counters), whose rows
are named by ``key``."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_bulk_write_indexes")]

    operations = [migrations.RenameField(model_name="sequence", old_name="name", new_name="key")]
