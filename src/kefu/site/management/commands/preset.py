"""``kefu preset``: apply one industry to every setting that depends on it."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kefu.complaints.models import ComplaintClass
from kefu.customers.policy import PRESETS as CUSTOMER_PRESETS
from kefu.org.models import Department, User
from kefu.site import presets
from kefu.site.industries import INDUSTRIES, PLAN_RULE_CODES
from kefu.sla.presets import PRESETS as SLA_PRESETS


class Command(BaseCommand):
    help = (
        "Industry presets. apply INDUSTRY: set the customer policy, SLA policies, complaint "
        "settings and visit-plan rules of an industry together; show INDUSTRY; list."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="the industries, and which one each company has")
        show = sub.add_parser("show", help="what an industry sets")
        show.add_argument("industry", choices=list(INDUSTRIES))
        apply = sub.add_parser("apply", help="apply an industry and print what changed")
        apply.add_argument("industry", choices=list(INDUSTRIES))
        apply.add_argument(
            "--company", metavar="CODE", help="the company or centre / branch it is for"
        )
        apply.add_argument("--dry-run", action="store_true", help="only print what would change")
        apply.add_argument("--user", metavar="USERNAME", help="recorded as who applied it")

    def handle(self, *args, action, **options):
        if action == "list":
            self._list()
        elif action == "show":
            self._show(options["industry"])
        else:
            self._apply(options)

    def _list(self):
        current = presets.installation_industry()
        for code, industry in INDUSTRIES.items():
            mark = "*" if code == current else " "
            self.stdout.write(f"{mark} {code:<14} {industry.label}")
        for company, code in presets.company_industries().items():
            self.stdout.write(f"  {company.code}: {code}")

    def _show(self, code):
        industry = INDUSTRIES[code]
        policy = CUSTOMER_PRESETS[industry.customer_preset]
        self.stdout.write(f"{industry.label} ({code})")
        self.stdout.write(f"customer policy preset: {industry.customer_preset}")
        self.stdout.write("  grades: " + ", ".join(policy.grade_codes))
        self.stdout.write("  service tiers: " + ", ".join(policy.tier_codes))
        self.stdout.write(f"SLA preset: {industry.sla_preset} (other industries' stopped)")
        for spec in SLA_PRESETS[industry.sla_preset].policies:
            limits = "；".join(f"{m.kind} {m.amount} {m.unit}" for m in spec.milestones)
            self.stdout.write(f"  {spec.code} {spec.name}：{limits}")
        classes = ComplaintClass.objects.filter(
            industry__in=[industry.complaint_industry, ""], is_active=True
        )
        self.stdout.write(f"complaint classes of: {industry.complaint_industry}")
        self.stdout.write("  " + ", ".join(c.name for c in classes))
        self.stdout.write("visit-plan rules:")
        for rule in PLAN_RULE_CODES:
            state = "active" if rule in industry.plan_rules else "stopped"
            self.stdout.write(f"  {rule}: {state}")

    def _apply(self, options):
        company = actor = None
        if options["company"]:
            company = Department.objects.filter(code=options["company"]).first()
            if company is None:
                raise CommandError(f"没有代码为 {options['company']!r} 的部门。")
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"没有用户名为 {options['user']!r} 的用户。")
        try:
            report = presets.preset_apply(
                industry=options["industry"],
                company=company,
                actor=actor,
                dry_run=options["dry_run"],
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        for change in report.changes:
            self.stdout.write(
                f"{change.part_label} · {change.setting}: {change.before} → {change.after}"
            )
        for note in report.notes:
            self.stdout.write(f"! {note}")
        count = len(report.changes)
        if report.dry_run:
            self.stdout.write(f"{report.industry_label}：{count} 项设置将会改变（预览，未保存）。")
        else:
            self.stdout.write(f"{report.industry_label}：已改变 {count} 项设置。")
