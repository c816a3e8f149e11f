from django.db import migrations

TYPES = [
    ("consultation", "咨询"),
    ("repair", "报修"),
    ("service_request", "业务办理"),
    ("complaint", "投诉"),
    ("tip_off", "举报"),
    ("suggestion", "建议"),
    ("praise", "表扬"),
]


def seed(apps, schema_editor):
    TicketType = apps.get_model("tickets", "TicketType")
    for order, (code, name) in enumerate(TYPES):
        TicketType.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
