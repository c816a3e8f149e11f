"""``kefu followups``: plan the scheduled visits now, or create the missing seed rows."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from kefu.followups.services.plans import plans_generate
from kefu.followups.services.seeds import seeds_ensure


class Command(BaseCommand):
    help = "Return visits. plan [--days N]: create planned visits due within N days; ensure."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        plan = sub.add_parser("plan", help="create the planned visits the rules ask for")
        plan.add_argument("--days", type=int, default=None, help="horizon (default: settings)")
        sub.add_parser("ensure", help="create missing reasons, questionnaire and plan rules")

    def handle(self, *args, action, **options):
        if action == "ensure":
            seeds_ensure()
            self.stdout.write("回访基础数据已就绪。")
            return
        days = options["days"]
        if days is not None and days < 0:
            self.stderr.write("--days 不能为负数。")
            raise SystemExit(2)
        counts = plans_generate(today=timezone.localdate(), horizon_days=days)
        self.stdout.write(
            f"新建计划回访 {counts['planned']} 条（共核对 {counts['considered']} 条）。"
        )
