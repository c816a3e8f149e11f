"""``kefu sla``: load an industry preset of SLA policies, or list the policies."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kefu.sla import selectors, services
from kefu.sla.presets import PRESETS


class Command(BaseCommand):
    help = "SLA policies. load-preset INDUSTRY: create or update an industry's policies; list."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load-preset", help="create or update an industry preset")
        load.add_argument("industry", choices=sorted(PRESETS))
        sub.add_parser("list", help="print the policies in matching order")

    def handle(self, *args, action, **options):
        if action == "load-preset":
            try:
                counts = services.sla_preset_load(industry=options["industry"])
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from None
            self.stdout.write(
                f"{PRESETS[options['industry']].name}：新建策略 {counts['policies_created']} 个，"
                f"更新 {counts['policies_updated']} 个；"
                f"时限节点新建 {counts['milestones_created']} 个，"
                f"更新 {counts['milestones_updated']} 个，删除 {counts['milestones_deleted']} 个。"
            )
            return
        for policy in selectors.policies_list():
            state = "" if policy.is_active else "（停用）"
            limits = "；".join(str(m) for m in policy.milestones.all())
            self.stdout.write(f"{policy.order:>4} {policy.code} {policy.name}{state}：{limits}")
