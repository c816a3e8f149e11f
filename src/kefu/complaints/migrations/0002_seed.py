from django.db import migrations


def seed(apps, schema_editor):
    from kefu.complaints.seeds import CONFIDENTIAL_GROUP, DEFAULT_CLASSES, DEFAULT_LIMITS

    settings_model = apps.get_model("complaints", "ComplaintSettings")
    klass = apps.get_model("complaints", "ComplaintClass")
    limit = apps.get_model("complaints", "AuthorityLimit")
    group = apps.get_model("auth", "Group")
    settings_model.objects.get_or_create(pk=1)
    for order, (code, name, industry) in enumerate(DEFAULT_CLASSES, start=1):
        klass.objects.get_or_create(
            code=code, defaults={"name": name, "industry": industry, "sort_order": order * 10}
        )
    for role, label, maximum in DEFAULT_LIMITS:
        limit.objects.get_or_create(role=role, defaults={"label": label, "max_amount": maximum})
    group.objects.get_or_create(name=CONFIDENTIAL_GROUP)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
