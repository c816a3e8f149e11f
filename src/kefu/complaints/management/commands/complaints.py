"""``kefu complaints``: seed rows, confidential handlers, and the month's statistics."""

from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kefu.complaints import rules, selectors
from kefu.complaints.seeds import CONFIDENTIAL_GROUP
from kefu.complaints.services.configuration import (
    approval_chain_set,
    approval_chain_steps,
    seeds_ensure,
)
from kefu.org.models import User
from kefu.org.roles import RoleCode


class Command(BaseCommand):
    help = (
        "Complaints. ensure: create missing settings, classes, approval authorities; "
        "handlers list|add|remove USERNAME: the tip-off confidential handlers; "
        "stats [--month YYYY-MM]: print the month's complaint statistics; "
        "chain [ROLE:LEVEL[:FROM[:TO]] …]: print, or replace, the sales-allowance "
        "certificate's approval chain (levels in signing order)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("ensure", help="create the missing seed rows")
        handlers = sub.add_parser("handlers", help="who may read tip-off reporters")
        handlers.add_argument("verb", choices=["list", "add", "remove"])
        handlers.add_argument("username", nargs="?")
        stats = sub.add_parser("stats", help="the month's complaint statistics")
        stats.add_argument("--month", help="YYYY-MM (default: last month)")
        chain = sub.add_parser("chain", help="the sales-allowance certificate's approval chain")
        chain.add_argument(
            "levels",
            nargs="*",
            help="ROLE:LEVEL[:FROM[:TO]] in signing order, e.g. "
            "department_head:（副）经理 general_manager:（副）总经理:5000",
        )

    def handle(self, *args, action, **options):
        if action == "ensure":
            seeds_ensure()
            self.stdout.write("投诉基础数据已就绪。")
        elif action == "handlers":
            self._handlers(options["verb"], options.get("username"))
        elif action == "chain":
            self._chain(options.get("levels") or [])
        else:
            self._stats(options.get("month"))

    def _chain(self, levels: list[str]) -> None:
        if levels:
            steps = []
            for order, text in enumerate(levels, start=1):
                parts = text.split(":")
                if len(parts) < 2 or len(parts) > 4 or parts[0] not in RoleCode.values:
                    raise CommandError(f"级别“{text}”应写成 角色:名称[:起金额[:止金额]]。")
                try:
                    amounts = [Decimal(p) if p else None for p in parts[2:]] + [None, None]
                except InvalidOperation:
                    raise CommandError(f"级别“{text}”的金额不是数字。") from None
                steps.append(
                    rules.ChainStep(
                        order=order,
                        role=parts[0],
                        label=parts[1],
                        min_amount=amounts[0],
                        max_amount=amounts[1],
                    )
                )
            try:
                approval_chain_set(steps=steps)
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from None
        for step in approval_chain_steps():
            low = "—" if step.min_amount is None else f"{step.min_amount}"
            high = "—" if step.max_amount is None else f"{step.max_amount}"
            self.stdout.write(f"{step.order}\t{step.label}\t{step.role}\t{low}\t{high}")

    def _handlers(self, verb, username):
        seeds_ensure()
        group = Group.objects.get(name=CONFIDENTIAL_GROUP)
        if verb == "list":
            for user in group.user_set.order_by("username"):
                self.stdout.write(f"{user.username}\t{user}")
            return
        if not username:
            raise CommandError("请给出登录名。")
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"没有登录名为 {username} 的员工。") from None
        if verb == "add":
            user.groups.add(group)
            self.stdout.write(f"{user} 已设为举报保密处理人。")
        else:
            user.groups.remove(group)
            self.stdout.write(f"{user} 已不再是举报保密处理人。")

    def _stats(self, raw):
        if raw:
            try:
                month = rules.parse_month(raw)
            except ValueError:
                raise CommandError("--month 的格式是 YYYY-MM，例如 2025-03。") from None
        else:
            month = rules.previous_months(rules.month_of(timezone.localdate()), 2)[0]
        admin = User.objects.filter(is_superuser=True, is_active=True).first()
        if admin is None:
            raise CommandError("需要一个启用的超级用户来读取全部数据。")
        stats = selectors.complaint_statistics(admin, month)
        self.stdout.write(f"客户投诉案件统计表 {month:%Y-%m}（{rules.review_due(month)} 前汇总）")
        self.stdout.write(
            f"受理 {stats.registered}  结案 {stats.closed}  按时结案 {stats.closed_on_time}  "
            f"成立 {stats.valid}  不成立 {stats.invalid}"
        )
        self.stdout.write(
            f"赔偿 {stats.compensation_total} 元  折让 {stats.allowance_total} 元  "
            f"处分 {stats.penalty_count} 件  罚款 {stats.fine_total} 元"
        )
        for title, rows in (
            ("按投诉分类", stats.by_class),
            ("按责任部门", stats.by_department),
            ("按责任归属", stats.by_responsibility),
        ):
            self.stdout.write(title + "：" + "，".join(f"{name} {n}" for name, n in rows))
