import os

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


def parse_bind(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"--bind {value!r}: expected HOST:PORT, e.g. 127.0.0.1:8000")
    return host, int(port)


class Command(BaseCommand):
    help = "Serve the web app (gunicorn; --dev for Django's autoreloading server)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT to listen on")
        parser.add_argument("--dev", action="store_true", help="autoreloading development server")
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="gunicorn worker processes (default: one per CPU core, at least 2)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=1,
            help="threads per worker process (default 1: one request at a time per process)",
        )

    def handle(self, *args, bind, dev, workers, threads, **options):
        host, port = parse_bind(bind)
        check_database_ready()
        if dev:
            call_command("runserver", f"{host}:{port}")
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            _("kefu is serving on http://%(host)s:%(port)s/") % {"host": host, "port": port}
        )
        run_gunicorn(f"{host}:{port}", workers=workers, threads=threads)


def check_database_ready() -> None:
    """Refuse to serve a database that cannot be reached or lacks migrations: one line
    that names the database (without its password) and the cause."""
    from django.db import OperationalError, connection

    from kefu.core.health import database_url, unapplied_migrations

    url = database_url(connection)
    try:
        connection.ensure_connection()
        unapplied = unapplied_migrations(connection)
    except OperationalError as exc:
        reason = " ".join(str(exc).split())  # the driver's message can span lines
        raise CommandError(f"cannot reach the database {url}: {reason}") from None
    finally:
        if not connection.in_atomic_block:
            # gunicorn forks its workers from this process: a connection must not be shared
            connection.close()
    if unapplied:
        raise CommandError(
            f"the database {url} has {len(unapplied)} unapplied "
            f"migration{'' if len(unapplied) == 1 else 's'}; "
            "apply them with: kefu migrate"
        )


def default_workers() -> int:
    """One worker process per core (at least two), each serving one request at a time.

    Measured in bench/tickets: with more processes than cores, or several threads per
    process, the process holding SQLite's write lock or the number counter's row lock is
    descheduled (or waits for the interpreter lock behind its own threads) while every
    other intake waits for that lock. Sites where long requests are common (large Excel
    exports) can give more with ``--workers``: a request that runs for seconds holds its
    process for that long.
    """
    return max(2, os.cpu_count() or 1)


def run_gunicorn(bind: str, *, workers: int, threads: int = 1) -> None:
    from gunicorn.app.base import BaseApplication

    from kefu.config.wsgi import application

    class Application(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("timeout", 120)
            self.cfg.set("accesslog", "-")
            # no phone or ID number from a query string in the access log
            self.cfg.set("logger_class", "kefu.core.logmask.GunicornLogger")

        def load(self):
            return application

    Application().run()
