from django.db import migrations

TEMPLATES = [
    (
        "ticket_received",
        "受理通知",
        "尊敬的{customer}，您的诉求已受理，工单号{number}，受理人工号{agent_no}。"
        "可凭工单号和手机号后四位查询办理进度。",
    ),
    (
        "ticket_resolved",
        "办结通知",
        "尊敬的{customer}，您的工单{number}已办结：{result} 如有疑问请联系工号{agent_no}。",
    ),
]


def seed(apps, schema_editor):
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    for code, name, text in TEMPLATES:
        MessageTemplate.objects.get_or_create(
            code=code, defaults={"name": name, "channel": "sms", "text": text}
        )


class Migration(migrations.Migration):
    dependencies = [("notify", "0002_outbound_message")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
