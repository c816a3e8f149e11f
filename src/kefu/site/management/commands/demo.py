import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from kefu.core.demodata import DEMO_PASSWORD, load_all
from kefu.site.management.commands.serve import parse_bind


class Command(BaseCommand):
    help = (
        "Create or update the database, load the demo organisation and data (idempotent), "
        "print the demo logins, then start the web app and the background worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT to listen on")
        parser.add_argument(
            "--no-serve", action="store_true", help="only migrate and load the demo data"
        )

    def handle(self, *args, bind, no_serve, **options):
        host, port = parse_bind(bind)
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(_("Database ready."))
        load_all(progress=lambda line: self.stdout.write("  " + line))
        self._print_logins(host, port)
        if no_serve:
            return
        self._serve(bind)

    def _print_logins(self, host: str, port: int) -> None:
        from kefu.org.demo import DEMO_LOGINS
        from kefu.org.models import Role

        names = {role.code: role.name for role in Role.objects.all()}
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(_("kefu: http://%(host)s:%(port)s/") % {"host": host, "port": port})
        )
        self.stdout.write(
            _("Demo logins (password for all: %(password)s)") % {"password": DEMO_PASSWORD}
        )
        for username, full_name, _employee_no, _dept, roles in DEMO_LOGINS:
            role_names = "、".join(names.get(code, code) for code in roles)
            self.stdout.write(f"  {username:<10} {full_name}  {role_names}")
        self.stdout.write("")

    def _serve(self, bind: str) -> None:
        """Run the worker as a child process and gunicorn in front; stop both together."""
        kefu = [sys.executable, "-m", "kefu"]
        worker = subprocess.Popen([*kefu, "worker"], env=os.environ.copy())  # noqa: S603
        web = subprocess.Popen([*kefu, "serve", "--bind", bind], env=os.environ.copy())  # noqa: S603

        def stop(*_args):
            for process in (web, worker):
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            web.wait()
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for process in (web, worker):
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
