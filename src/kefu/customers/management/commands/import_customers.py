"""``kefu import_customers FILE.xlsx``: import customers and contacts from the Excel template."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from kefu.customers import importing
from kefu.customers.models import ImportMode
from kefu.org.models import User


class Command(BaseCommand):
    help = "Import customers and contacts from an .xlsx file in the template's format."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx workbook (sheets 客户 and 联系人)")
        parser.add_argument(
            "--user",
            required=True,
            help="login of the staff member the import is recorded for; customers without "
            "an account manager are shared among that person's team",
        )
        parser.add_argument(
            "--good-rows-only",
            action="store_true",
            help="import the good rows even when others are wrong (default: import nothing)",
        )
        parser.add_argument("--errors-to", help="write the bad rows to this .xlsx file")

    def handle(self, *args, file, user, good_rows_only, errors_to, **options):
        translation.activate("zh-hans")
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active staff member with the login {user!r}")
        mode = ImportMode.GOOD_ROWS if good_rows_only else ImportMode.ALL_OR_NOTHING

        verbosity = options.get("verbosity", 1)

        def progress(done, total):
            if total and verbosity > 1:
                self.stdout.write(f"\r{done}/{total}", ending="")

        try:
            with open(file, "rb") as handle:
                result = importing.import_customers(
                    handle, actor=actor, mode=mode, progress=progress
                )
        except FileNotFoundError as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None
        for error in result.errors[:200]:
            self.stderr.write(str(error))
        if len(result.errors) > 200:
            self.stderr.write(f"… {len(result.errors) - 200} more")
        if errors_to and result.errors:
            with open(errors_to, "wb") as handle:
                handle.write(importing.error_workbook(result))
        if not result.imported:
            raise CommandError(f"nothing imported: {len(result.errors)} errors")
        self.stdout.write(
            self.style.SUCCESS(f"{result.created} customers imported, {len(result.errors)} errors")
        )
