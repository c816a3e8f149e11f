"""``kefu notify``: the outbound messages' delivery — sweep, status, requeue."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kefu.notify import selectors, services
from kefu.notify.models import MessageStatus


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--now: not an ISO 8601 time: {value!r}") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "Outbound messages (SMS, email). sweep: settle expired claims, retry refused "
        "messages, hand lost ones to the worker (the worker does this every minute); "
        "status: counts by channel and status; requeue: send failed or unknown messages again."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sweep = sub.add_parser("sweep", help="settle what no worker will finish, now")
        sweep.add_argument(
            "--now", type=_moment, default=None, help="sweep as of this ISO 8601 time"
        )
        sub.add_parser("status", help="messages by channel and status")
        requeue = sub.add_parser(
            "requeue",
            help="queue failed or unknown messages again (an unknown one may arrive twice)",
        )
        requeue.add_argument("ids", nargs="*", type=int, help="message ids")
        requeue.add_argument(
            "--status", choices=[MessageStatus.FAILED, MessageStatus.UNKNOWN], default=""
        )

    def handle(self, *args, action, **options):
        if action == "sweep":
            counts = services.messages_sweep(now=options["now"])
            self.stdout.write(", ".join(f"{name} {count}" for name, count in counts.items()))
            return
        if action == "requeue":
            if not options["ids"] and not options["status"]:
                raise CommandError("name the message ids or --status failed|unknown")
            count = services.messages_requeue(ids=options["ids"], status=options["status"])
            self.stdout.write(f"requeued {count}")
            return
        summary = selectors.messages_summary(now=timezone.now())
        for (channel, status), count in sorted(summary["counts"].items()):
            self.stdout.write(f"{channel:<6} {status:<8} {count}")
        self.stdout.write(f"claims past their lease: {summary['expired_claims']}")
        oldest = summary["oldest_queued"]
        self.stdout.write(f"oldest queued: {oldest.isoformat() if oldest else '-'}")
