import os
import sys

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
        if host in ALL_INTERFACES:
            self._answer_colleagues(port)
        run_gunicorn(f"{host}:{port}", workers=workers, threads=threads)

    def _answer_colleagues(self, port: int) -> None:
        """Listening on every interface: unless ALLOWED_HOSTS is set, also answer to this
        machine's own names and addresses (Django refuses any other Host with 400)."""
        if os.environ.get("ALLOWED_HOSTS"):
            hosts = os.environ["ALLOWED_HOSTS"].split(",")
        else:
            from django.conf import settings

            hosts = list(dict.fromkeys([*settings.ALLOWED_HOSTS, *own_addresses()]))
            os.environ["ALLOWED_HOSTS"] = ",".join(hosts)  # read by the gunicorn workers
        for name in hosts:
            if name not in LOCAL_NAMES and not name.startswith("."):
                self.stdout.write(
                    _("colleagues open http://%(host)s:%(port)s/") % {"host": name, "port": port}
                )
        self.stdout.write(
            _("answered host names (ALLOWED_HOSTS): %(hosts)s") % {"hosts": ", ".join(hosts)}
        )


ALL_INTERFACES = {"0.0.0.0", "::", "[::]"}  # noqa: S104 - compared, not bound
LOCAL_NAMES = {"127.0.0.1", "localhost", "[::1]"}


def own_addresses() -> list[str]:
    """This machine's host names and IP addresses, as colleagues would type them."""
    import socket

    names = [socket.gethostname(), socket.getfqdn()]
    addresses: list[str] = []
    for name in names:
        try:
            infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
        except OSError:
            continue
        addresses += [info[4][0] for info in infos]
    try:  # the address of the interface that leads outside (no packet is sent)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            addresses.append(probe.getsockname()[0])
    except OSError:
        pass
    found = [n for n in names if n] + [
        f"[{a}]" if ":" in a else a for a in addresses if not a.startswith("127.")
    ]
    return [n for n in dict.fromkeys(found) if n not in ("::1", "[::1]")]


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


def gunicorn_argv(bind: str, *, workers: int, threads: int = 1) -> list[str]:
    """The gunicorn command ``kefu serve`` becomes: its settings module and the options."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:kefu.site.gunicorn_conf",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "kefu.config.wsgi:application",
    ]


def run_gunicorn(bind: str, *, workers: int, threads: int = 1) -> None:
    """Replace this process with gunicorn: its master does not hold the application (the
    workers load it), and signals sent to ``kefu serve`` reach gunicorn itself."""
    sys.stdout.flush()
    sys.stderr.flush()
    argv = gunicorn_argv(bind, workers=workers, threads=threads)
    os.execv(argv[0], argv)  # noqa: S606 - our own interpreter, fixed arguments
