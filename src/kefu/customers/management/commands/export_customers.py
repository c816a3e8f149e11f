"""``kefu export_customers OUT.xlsx --user LOGIN``: the customer list's Excel export."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.customers import importing, permissions, selectors
from kefu.customers.services.policy import current_policy
from kefu.customers.services.privacy import pii_export_record
from kefu.org.models import User


class Command(BaseCommand):
    help = (
        "Export the customers a staff member may see to .xlsx, in the import template's "
        "format (as the customer list's export button does)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx file to write")
        parser.add_argument(
            "--user",
            required=True,
            help="login of the staff member whose data scope and masking apply; the export "
            "is recorded for that person",
        )
        parser.add_argument("--q", default="", help="only customers matching this key")
        parser.add_argument("--grade", default="", help="only customers of this grade")
        parser.add_argument(
            "--status",
            default="active",
            choices=["active", "duplicates", "inactive", "all"],
            help="which records (default: active, without duplicates)",
        )

    def handle(self, *args, file, user, q, grade, status, **options):
        translation.activate("zh-hans")
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active staff member with the login {user!r}")
        policy = current_policy()
        filters = selectors.CustomerFilter(q=q, grade=grade, status=status)
        customers = selectors.customers_for_export(actor, filters)
        masked = not permissions.sees_pii(actor, None, policy)
        content = importing.export_bytes(customers, masked=masked, policy=policy)
        try:
            with open(file, "wb") as handle:
                handle.write(content)
        except OSError as exc:
            raise CommandError(f"cannot write {file}: {exc}") from None
        count = customers.count()
        if not masked:
            reason = _("Excel export of the customer list (command line)")
            pii_export_record(user=actor, count=count, reason=reason)
        state = "masked" if masked else "whole numbers, recorded in the access log"
        self.stdout.write(self.style.SUCCESS(f"{count} customers exported to {file} ({state})"))
