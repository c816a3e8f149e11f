"""``kefu sla``: load an industry preset of SLA policies, list the presets' limits
(``presets --markdown``: the table of docs/sla.md), list the policies, or explain
which policy applies to an order of a category, channel, grade, tier, type and priority."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kefu.sla import selectors, services
from kefu.sla.presets import PRESETS, limits_markdown


class Command(BaseCommand):
    help = "SLA policies. load-preset INDUSTRY: create or update an industry's policies; list."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load-preset", help="create or update an industry preset")
        load.add_argument("industry", choices=sorted(PRESETS))
        sub.add_parser("list", help="print the policies in matching order")
        presets = sub.add_parser("presets", help="the industry presets and their time limits")
        presets.add_argument(
            "--markdown",
            action="store_true",
            help="every limit of every preset as the Markdown table of docs/sla.md",
        )
        explain = sub.add_parser(
            "explain", help="which policy applies to such an order, and why the ones before do not"
        )
        for name in ("category", "channel", "customer-grade", "service-tier", "ticket-type"):
            explain.add_argument(f"--{name}", default="", help="a code (see the pages' lists)")
        explain.add_argument("--priority", default="", help="urgent, high, normal or low")

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
        if action == "explain":
            self._explain(options)
            return
        if action == "presets":
            if options["markdown"]:
                self.stdout.write(limits_markdown())
                return
            for code, preset in PRESETS.items():
                count = sum(len(policy.milestones) for policy in preset.policies)
                self.stdout.write(
                    f"{code} {preset.name}：策略 {len(preset.policies)} 个，时限 {count} 个"
                )
            return
        for policy in selectors.policies_list():
            state = "" if policy.is_active else "（停用）"
            limits = "；".join(str(m) for m in policy.milestones.all())
            self.stdout.write(f"{policy.order:>4} {policy.code} {policy.name}{state}：{limits}")

    def _explain(self, options) -> None:
        from django.utils import timezone

        choices = {
            "category": options["category"],
            "channel": options["channel"],
            "customer_grade": options["customer_grade"],
            "service_tier": options["service_tier"],
            "ticket_type": options["ticket_type"],
            "priority": options["priority"],
        }
        conditions = {
            "category": "categories",
            "channel": "channels",
            "customer_grade": "customer_grades",
            "service_tier": "service_tiers",
            "ticket_type": "ticket_types",
            "priority": "priorities",
        }
        known = selectors.condition_options()
        for name, value in choices.items():
            if value and value not in {code for code, _label in known[conditions[name]]}:
                title = selectors.CONDITION_TITLES[conditions[name]]
                raise CommandError(f"{title}：没有代码为 {value} 的选项。")
        facts, category_policy = selectors.facts_from_choices(**choices)
        data = selectors.explanation_data(
            selectors.explain_policy(
                facts, accepted_at=timezone.now(), category_policy_code=category_policy
            )
        )
        for check in data["checked"]:
            reasons = "；".join(
                f"{f['title']}：本单为 {f['value']['label'] or '无'}，策略要求 "
                + "、".join(w["label"] for w in f["wanted"])
                for f in check["failed"]
            )
            self.stdout.write(
                f"{check['order']:>4} {check['code']} {check['name']}：不适用（{reasons}）"
            )
        policy = data["policy"]
        if policy is None:
            self.stdout.write("没有适用的策略：工单没有时限。")
            return
        why = "业务分类指定" if data["by_category"] else "条件全部满足"
        self.stdout.write(f"{policy['order']:>4} {policy['code']} {policy['name']}：适用（{why}）")
        for m in data["milestones"]:
            due = (
                timezone.localtime(m["due"]).strftime("%Y-%m-%d %H:%M")
                if m["due"]
                else "起算后计算"
            )
            self.stdout.write(
                f"     {m['label']} {m['amount']} {m['unit_label']}，现在受理的到期时间 {due}"
            )
