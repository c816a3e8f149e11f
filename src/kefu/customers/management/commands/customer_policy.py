"""``kefu customer_policy [--preset CODE]``: show or reset the customer-archive policy."""

from django.core.management.base import BaseCommand, CommandError

from kefu.customers.policy import PRESETS
from kefu.customers.services.policy import current_policy, policy_apply_preset


class Command(BaseCommand):
    help = "Show the customer-archive policy in force, or reset it to an industry preset."

    def add_arguments(self, parser):
        parser.add_argument("--preset", choices=sorted(PRESETS), help="reset to this preset")

    def handle(self, *args, preset=None, **options):
        if preset:
            try:
                policy_apply_preset(preset=preset)
            except Exception as exc:
                raise CommandError(str(exc)) from None
        policy = current_policy()
        self.stdout.write(f"preset: {policy.preset}")
        self.stdout.write("grades: " + ", ".join(policy.grade_codes))
        self.stdout.write("service tiers: " + ", ".join(policy.tier_codes))
        self.stdout.write(
            f"grading window: {policy.grading_window_start} – {policy.grading_window_end}"
        )
        self.stdout.write(f"temporary grade months: {policy.temporary_grade_months}")
        self.stdout.write(f"first contact days: {policy.first_contact_days}")
        self.stdout.write(f"entry working days: {policy.entry_working_days}")
        self.stdout.write(
            f"weekly summary due: weekday {policy.weekly_summary_weekday} "
            f"{policy.weekly_summary_time:%H:%M}"
        )
        self.stdout.write("unmasked for roles: " + ", ".join(policy.pii_roles))
        self.stdout.write("directory roles: " + ", ".join(policy.directory_roles))
