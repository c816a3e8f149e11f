from django.db import migrations

ROLES = {
    "agent": "subtree",
    "handler": "subtree",
    "shift_leader": "subtree",
    "customer_manager": "subtree",
    "cm_supervisor": "subtree",
    "quality_inspector": "subtree",
    "department_head": "subtree",
    "general_manager": "all",
    "administrator": "all",
}


def seed_roles(apps, schema_editor):
    Role = apps.get_model("org", "Role")
    for code, scope in ROLES.items():
        Role.objects.get_or_create(code=code, defaults={"data_scope": scope})


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]

    operations = [migrations.RunPython(seed_roles, migrations.RunPython.noop)]
