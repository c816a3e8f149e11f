import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kefu.tickets import mail
from kefu.tickets.models import InboundEmail
from kefu.tickets.tasks import mail_fetch_locked


class Command(BaseCommand):
    help = (
        "Read the intake mailbox (IMAP_HOST …): each new email becomes a work order, a reply "
        "is added to its order. Without --once, read it again every IMAP_POLL_MINUTES."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="read the mailbox once and stop")

    def handle(self, *args, once: bool, **options):
        if not settings.IMAP_HOST:
            raise CommandError(_("Email intake is off: IMAP_HOST is not set."))
        while True:
            self._fetch_once()
            if once:
                return
            time.sleep(settings.IMAP_POLL_MINUTES * 60)

    def _fetch_once(self) -> None:
        try:
            report = mail_fetch_locked(force=True)
        except mail.MailboxError as exc:
            raise CommandError(str(exc)) from exc
        if report is None:
            self._say(_("Another process is reading the mailbox; nothing done."))
            return
        self._say(
            _("%(new)d new orders, %(replies)d replies linked, %(failed)d failed")
            % {"new": report.new, "replies": report.replies, "failed": report.failed}
            + (
                _(", %(ignored)d automatic replies ignored") % {"ignored": report.ignored}
                if report.ignored
                else ""
            )
        )
        errors = dict(
            InboundEmail.objects.filter(message_id__in=report.failures).values_list(
                "message_id", "error"
            )
        )
        for message_id in report.failures:
            self._say(
                _("Not taken (left unread, tried again next time): %(id)s: %(error)s")
                % {"id": message_id, "error": errors.get(message_id, "")},
                error=True,
            )

    def _say(self, text: str, *, error: bool = False) -> None:
        # A terminal that cannot show Chinese gets escapes instead of a UnicodeEncodeError.
        stream = self.stderr if error else self.stdout
        encoding = getattr(stream, "encoding", None) or "utf-8"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
