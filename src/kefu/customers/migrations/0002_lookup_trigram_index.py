"""PostgreSQL only: lookup keys compared in code-point order, and a trigram index.

* ``customerkey.value`` gets ``COLLATE "C"``: prefix lookups are ranges
  (``value >= q AND value < q || U+10FFFF``, see ``selectors.starting_with``) that the b-tree
  index answers in value order whatever the database's default collation is.
* A partial pg_trgm GIN index over name keys serves matches inside a name
  (``LIKE '%电力%'``).

SQLite compares text bytewise (BINARY) already and has no trigram index: this migration
does nothing there, and substring lookups scan (fine at one machine's sizes).
"""

from django.db import migrations

CREATE = (
    'ALTER TABLE customers_customerkey ALTER COLUMN value TYPE varchar(200) COLLATE "C"',
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS customers_key_name_trgm ON customers_customerkey "
    "USING gin (value gin_trgm_ops) WHERE kind IN ('name', 'contact')",
)
DROP = (
    "DROP INDEX IF EXISTS customers_key_name_trgm",
    'ALTER TABLE customers_customerkey ALTER COLUMN value TYPE varchar(200) COLLATE "default"',
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
