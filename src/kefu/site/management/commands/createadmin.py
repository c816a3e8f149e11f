import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kefu.org import services
from kefu.org.models import User
from kefu.org.roles import RoleCode


class Command(BaseCommand):
    help = "Create an administrator (系统管理员) who can manage the organisation and log in."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--full-name", default="系统管理员")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password",
            help="the password (prompted for when omitted; or set KEFU_ADMIN_PASSWORD)",
        )

    def handle(self, *args, username, full_name, email, password, **options):
        import os

        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        password = password or os.environ.get("KEFU_ADMIN_PASSWORD")
        if not password and not sys.stdin.isatty():
            raise CommandError(
                "No terminal to ask for the password: give --password or set KEFU_ADMIN_PASSWORD."
            )
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        try:
            with transaction.atomic():
                services.roles_ensure()
                user = services.staff_create(
                    username=username,
                    full_name=full_name,
                    email=email,
                    password=password,
                    department=None,
                    roles=services.roles_by_code([RoleCode.ADMINISTRATOR]),
                    is_superuser=True,
                )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Administrator {user.username} created."))
