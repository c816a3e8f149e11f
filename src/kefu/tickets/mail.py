"""Email intake: each new message in the intake mailbox becomes a work order (工单, channel
"email"), and a reply to an existing order is added to that order's timeline.

Three layers, top to bottom:

* parsing — pure functions over the raw RFC 822 bytes (no ORM, no settings, no clock);
* writes — ``inbound_email_take`` records the message and creates or updates the order in one
  transaction, ``inbound_email_fail`` records a message that could not be taken;
* IMAP — ``mailbox_fetch`` reads the unseen messages of one folder and flags each \\Seen only
  after its transaction has committed.

A message's Message-ID (a hash of the message when it has none) is taken at most once: the
``InboundEmail`` row with that id is written in the same transaction as the order, so a
message fetched twice, or fetched again after a crash between the commit and the \\Seen flag,
is only flagged. A message that cannot be taken is recorded as failed with the error and
left unseen on the server, so it is tried again at the next poll and a person reading the
mailbox still sees it as new; nothing is ever deleted from the mailbox.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import imaplib
import logging
import mimetypes
import re
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import decode_header
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.tickets import services
from kefu.tickets.models import (
    Category,
    EventKind,
    InboundEmail,
    InboundEmailStatus,
    Ticket,
    TicketEvent,
)
from kefu.tickets.rules import Channel, truncate
from kefu.tickets.services.common import limits
from kefu.tickets.states import OPEN_STATUSES

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------- parsing (pure)

# Chinese mail is often labelled gb2312 while using GBK characters; GB18030 reads all three.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "cp936": "gb18030",
}
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
# Order numbers look like GD20261123-00042: letters, then digits (and dashes). Candidates
# are checked against the database, so this may match a little too much.
_ORDER_NUMBER = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,10}\d[\d-]{2,30}\d(?![A-Za-z0-9])")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_QUOTE_MARKERS = re.compile(
    r"^\s*(?:"
    r"-{2,}\s*(?:原始邮件|Original Message)\s*-{2,}"
    r"|在.{0,80}写道[:：]?"
    r"|On .{0,200} wrote:"
    r"|发件人[:：]"
    r"|From:\s.*"
    r")\s*$",
    re.IGNORECASE,
)
MAX_TITLE = 200
MAX_CONTACT_NAME = 60


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text of *data* in its declared charset, else UTF-8, else GB18030 (never raises)."""
    tried = []
    if charset:
        name = charset.strip().strip('"').lower()
        tried.append(_CHARSET_ALIASES.get(name, name))
    tried += ["utf-8", "gb18030"]
    for name in tried:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def decode_header_value(raw: str | None) -> str:
    """A header as text: RFC 2047 words in any charset, or raw 8-bit UTF-8/GBK bytes."""
    if not raw:
        return ""
    raw = re.sub(r"\r?\n[ \t]+", " ", str(raw)).strip()
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        # 8-bit bytes outside any encoded word, kept by the parser as surrogate escapes
        return decode_bytes(raw.encode("ascii", "surrogateescape")).strip()
    try:
        chunks = decode_header(raw)
    except ValueError:  # malformed encoded word
        return raw
    return "".join(
        decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
        for chunk, charset in chunks
    ).strip()


class _TextExtractor(HTMLParser):
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table"}
    _SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """The readable text of an HTML body: tags, scripts and styles dropped, one line per block."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    text = html.unescape("".join(extractor.parts)).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{2,}", "\n", "\n".join(lines)).strip()


def strip_quoted(text: str) -> str:
    """A reply without the message it quotes ("> …" lines, "在…写道：", "-----原始邮件-----")."""
    kept = []
    for line in text.splitlines():
        if _QUOTE_MARKERS.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def extract_phone(text: str) -> str:
    """The first mainland mobile number (1[3-9] and 9 digits) in *text*, or ""."""
    match = _PHONE.search(text or "")
    return match.group(0) if match else ""


def order_number_candidates(subject: str) -> list[str]:
    """Strings in *subject* that may be order numbers (upper-cased, in order, no repeats)."""
    found = [m.group(0).upper() for m in _ORDER_NUMBER.finditer(subject or "")]
    return list(dict.fromkeys(found))


def message_ids(value: str | None) -> list[str]:
    """The ``<id@host>`` tokens of a Message-ID, In-Reply-To or References header."""
    return _MESSAGE_ID.findall(value or "")


def message_id_of(raw: bytes) -> str:
    """The message's own Message-ID, or a stable id made from its bytes when it has none (or
    an unusable one); never raises, so even an unreadable message can be recorded."""
    try:
        headers = BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)
        found = message_ids(str(headers.get("Message-ID", "")))
    except Exception:  # any damage means: use the hash
        found = []
    if found and len(found[0]) <= 255:
        return found[0]
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@kefu.invalid>"


@dataclass(frozen=True)
class ParsedAttachment:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str
    subject: str
    from_name: str
    from_address: str
    body: str
    phone: str
    in_reply_to: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    automatic: bool = False

    @property
    def contact_name(self) -> str:
        return (self.from_name or self.from_address)[:MAX_CONTACT_NAME]


def _raw_header(msg: EmailMessage, name: str) -> str:
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return value
    return ""


def _part_text(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True) or b""
    text = decode_bytes(payload, part.get_content_charset())
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").strip()


def _attachment_name(part: EmailMessage, index: int) -> str:
    name = decode_header_value(part.get_filename() or "")
    if any("\udc80" <= ch <= "\udcff" for ch in name):
        name = ""
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name:
        suffix = mimetypes.guess_extension(part.get_content_type()) or ""
        name = f"attachment-{index}{suffix}"
    return name


def _is_automatic(msg: EmailMessage, from_address: str) -> bool:
    auto = _raw_header(msg, "Auto-Submitted").strip().lower()
    precedence = _raw_header(msg, "Precedence").strip().lower()
    local = from_address.split("@", 1)[0].lower()
    return (
        (auto not in ("", "no"))
        or precedence in {"bulk", "junk", "auto_reply"}
        or local in {"mailer-daemon", "postmaster"}
    )


def parse_message(raw: bytes) -> ParsedEmail:
    """Everything the intake needs from a raw RFC 822 message.

    The body is the text/plain part, else the text of the text/html part; attachments are
    the parts with a file name or that are not the body, with their decoded bytes.
    """
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    subject = decode_header_value(_raw_header(msg, "Subject"))
    # split the address list before decoding, so a comma inside a Chinese name stays there
    senders = getaddresses([re.sub(r"\r?\n[ \t]+", " ", _raw_header(msg, "From"))])
    raw_name, from_address = senders[0] if senders else ("", "")
    from_name = decode_header_value(raw_name)
    body_part = msg.get_body(preferencelist=("plain", "html"))
    body = _part_text(body_part) if body_part is not None else ""
    attachments = []
    for index, part in enumerate(msg.iter_attachments(), start=1):
        if part.is_multipart():
            continue
        attachments.append(
            ParsedAttachment(
                name=_attachment_name(part, index),
                content_type=part.get_content_type(),
                data=part.get_payload(decode=True) or b"",
            )
        )
    replied = message_ids(_raw_header(msg, "In-Reply-To")) + message_ids(
        _raw_header(msg, "References")
    )
    return ParsedEmail(
        message_id=message_id_of(raw),
        subject=subject,
        from_name=from_name.strip().strip('"'),
        from_address=from_address.strip().lower(),
        body=body,
        phone=extract_phone(f"{subject}\n{body}"),
        in_reply_to=list(dict.fromkeys(replied)),
        attachments=attachments,
        automatic=_is_automatic(msg, from_address),
    )


def poll_due(*, last: float | None, now: float, minutes: int) -> bool:
    """Whether the mailbox is due to be read at *now*, last read at *last* (epoch seconds;
    ``None``: never).

    Half a minute of slack, so a poll every N minutes driven by a per-minute schedule does
    not slip to N+1 minutes when the schedule runs a little early.
    """
    return last is None or now - last >= minutes * 60 - 30


def lock_stale(*, started: float | None, now: float, after_minutes: int = 60) -> bool:
    """A fetch lock whose holder started *after_minutes* ago was left by a process that died;
    it may be broken. Without a start time (the holder is just starting or finishing) it is
    live."""
    return started is not None and now - started >= after_minutes * 60


# ---------------------------------------------------------------- writes


class Outcome:
    NEW = "new"
    REPLY = "reply"
    IGNORED = "ignored"
    DUPLICATE = "duplicate"
    FAILED = "failed"


def replied_ticket(email: ParsedEmail) -> Ticket | None:
    """The order an email answers: by In-Reply-To/References to an email that made or joined
    an order, else by an order number in the subject; a merged order's survivor."""
    ticket = None
    if email.in_reply_to:
        earlier = (
            InboundEmail.objects.filter(message_id__in=email.in_reply_to, ticket__isnull=False)
            .select_related("ticket")
            .order_by("-received_at")
            .first()
        )
        ticket = earlier.ticket if earlier else None
    if ticket is None:
        candidates = order_number_candidates(email.subject)
        if candidates:
            ticket = Ticket.objects.filter(number__in=candidates).order_by("-created_at").first()
    for _hop in range(5):
        if ticket is None or ticket.merged_into_id is None:
            break
        ticket = ticket.merged_into
    return ticket


def _reply_add(*, ticket: Ticket, email: ParsedEmail, now: datetime) -> Ticket:
    """The customer wrote again about *ticket*: their words on the timeline as a public note,
    counted as a repeat contact, and (while the order is open) the handler urged — what
    ``services.ticket_link_repeat`` does for a call, without a staff actor."""
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    Ticket.objects.filter(pk=locked.pk).update(repeat_count=F("repeat_count") + 1, updated_at=now)
    text = strip_quoted(email.body) or email.subject or _("(empty email)")
    text = truncate(text, limits().note, _cut())
    data = {"channel": Channel.EMAIL, "message_id": email.message_id, "from": email.from_address}
    if locked.identity_sealed:
        services.identity_keep(ticket=locked, identity={"contacts": [email.from_address]}, now=now)
        data["from"] = ""
    TicketEvent.objects.create(
        ticket=locked,
        kind=EventKind.NOTE,
        actor=None,
        public=True,
        note=text,
        data=data,
        created_at=now,
    )
    TicketEvent.objects.create(
        ticket=locked,
        kind=EventKind.REPEAT,
        actor=None,
        note=_("The customer wrote again by email."),
        data=data,
        created_at=now,
    )
    locked.refresh_from_db()
    if locked.status in OPEN_STATUSES:
        locked = services.ticket_urge(
            ticket=locked, actor=None, note=_("The customer wrote again by email."), now=now
        )
    return locked


def _cut() -> str:
    return "…" + _("[cut: the email was longer]")


def _cut_note(*, ticket: Ticket, email: ParsedEmail, length: int, now: datetime) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.NOTE,
        actor=None,
        note=_(
            "The email had %(length)s characters; the description keeps the first "
            "%(limit)s. The whole email stays in the mailbox (Message-ID %(message_id)s)."
        )
        % {"length": length, "limit": limits().description, "message_id": email.message_id},
        data={"channel": Channel.EMAIL, "message_id": email.message_id, "cut": length},
        created_at=now,
    )


def _attachments_store(*, ticket: Ticket, email: ParsedEmail, now: datetime) -> None:
    for item in email.attachments:
        try:
            services.attachment_add(
                ticket=ticket,
                actor=None,
                upload=ContentFile(item.data, name=item.name),
                note=item.name,
                now=now,
            )
        except ValidationError as exc:
            TicketEvent.objects.create(
                ticket=ticket,
                kind=EventKind.NOTE,
                actor=None,
                note=_("The email's attachment “%(name)s” was not kept: %(reason)s")
                % {"name": item.name, "reason": " ".join(exc.messages)},
                created_at=now,
            )


@transaction.atomic
def inbound_email_take(
    *, email: ParsedEmail, mailbox: str, category: Category, now: datetime | None = None
) -> tuple[str, InboundEmail]:
    """Take one parsed email: a new order, or a note on the order it answers.

    Returns the outcome and the email's record. A Message-ID already taken returns
    ``DUPLICATE`` and changes nothing; one that failed before is tried again. Raises
    (``ValidationError`` …) with nothing written when the email cannot be taken.
    """
    now = now or timezone.now()
    row = InboundEmail.objects.select_for_update().filter(message_id=email.message_id).first()
    if row is not None and row.status != InboundEmailStatus.FAILED:
        return Outcome.DUPLICATE, row
    if row is None:
        try:
            with transaction.atomic():
                row = InboundEmail.objects.create(
                    message_id=email.message_id,
                    mailbox=mailbox[:255],
                    received_at=now,
                    status=InboundEmailStatus.PROCESSED,
                )
        except IntegrityError:  # taken by a concurrent fetch a moment ago
            return Outcome.DUPLICATE, InboundEmail.objects.get(message_id=email.message_id)
    else:
        row.attempts += 1
    row.from_address = email.from_address[:254]
    row.subject = email.subject[:MAX_TITLE]
    row.error = ""
    if email.automatic:
        outcome, ticket = Outcome.IGNORED, None
    elif (ticket := replied_ticket(email)) is not None:
        outcome = Outcome.REPLY
        ticket = _reply_add(ticket=ticket, email=email, now=now)
    else:
        outcome = Outcome.NEW
        # Refusing a long email would lose the customer's message: the order is taken
        # with the text cut to the limit, and the timeline says so.
        limit = limits().description
        ticket = services.ticket_create(
            actor=None,
            category=category,
            channel=Channel.EMAIL,
            title=(email.subject or _("(no subject)"))[:MAX_TITLE],
            description=truncate(email.body.strip(), limit, _cut()),
            contact_name=email.contact_name,
            contact_phone=email.phone,
            now=now,
        )
        if len(email.body.strip()) > limit:
            _cut_note(ticket=ticket, email=email, length=len(email.body.strip()), now=now)
    if ticket is not None:
        _attachments_store(ticket=ticket, email=email, now=now)
        if ticket.identity_sealed:
            # the sender is the reporter: kept only in the sealed identity
            if outcome == Outcome.NEW:
                services.identity_keep(
                    ticket=ticket, identity={"contacts": [email.from_address]}, now=now
                )
            row.from_address = ""
    row.ticket = ticket
    row.status = (
        InboundEmailStatus.IGNORED if outcome == Outcome.IGNORED else InboundEmailStatus.PROCESSED
    )
    row.full_clean()
    row.save()
    return outcome, row


@transaction.atomic
def inbound_email_fail(
    *, message_id: str, mailbox: str, error: str, now: datetime | None = None
) -> InboundEmail:
    """Record that an email could not be taken (it stays unseen and is tried again)."""
    now = now or timezone.now()
    row = InboundEmail.objects.select_for_update().filter(message_id=message_id).first()
    if row is None:
        return InboundEmail.objects.create(
            message_id=message_id,
            mailbox=mailbox[:255],
            received_at=now,
            status=InboundEmailStatus.FAILED,
            error=error,
        )
    row.attempts += 1
    row.status = InboundEmailStatus.FAILED
    row.error = error
    row.save(update_fields=["attempts", "status", "error"])
    return row


def email_take(*, raw: bytes, mailbox: str, category: Category) -> tuple[str, str]:
    """Take one raw message; a failure is recorded, not raised. Returns (outcome, message id)."""
    message_id = message_id_of(raw)
    try:
        email = parse_message(raw)
        outcome, _row = inbound_email_take(email=email, mailbox=mailbox, category=category)
    except Exception as exc:  # one bad message must not stop the others
        if isinstance(exc, ValidationError):  # the email lacks something: no traceback
            error = "; ".join(exc.messages)
            logger.warning("email %s could not be taken: %s", message_id, error)
        else:
            error = f"{type(exc).__name__}: {exc}"
            logger.exception("email %s could not be taken", message_id)
        inbound_email_fail(message_id=message_id, mailbox=mailbox, error=error)
        return Outcome.FAILED, message_id
    return outcome, message_id


# ---------------------------------------------------------------- IMAP


class MailboxError(Exception):
    """The mailbox cannot be read (connection, login, folder or configuration)."""


@dataclass(frozen=True)
class MailboxConfig:
    host: str
    port: int
    user: str
    password: str
    use_ssl: bool
    folder: str
    category_code: str
    timeout: int = 30

    @classmethod
    def from_settings(cls) -> MailboxConfig:
        return cls(
            host=settings.IMAP_HOST,
            port=settings.IMAP_PORT,
            user=settings.IMAP_USER,
            password=settings.IMAP_PASSWORD,
            use_ssl=settings.IMAP_SSL,
            folder=settings.IMAP_FOLDER,
            category_code=settings.IMAP_CATEGORY,
        )

    @property
    def label(self) -> str:
        return f"{self.user}@{self.host}/{self.folder}"


@dataclass
class FetchReport:
    new: int = 0
    replies: int = 0
    failed: int = 0
    ignored: int = 0
    duplicates: int = 0
    failures: list[str] = field(default_factory=list)

    def count(self, outcome: str, message_id: str) -> None:
        attribute = {
            Outcome.NEW: "new",
            Outcome.REPLY: "replies",
            Outcome.FAILED: "failed",
            Outcome.IGNORED: "ignored",
            Outcome.DUPLICATE: "duplicates",
        }[outcome]
        setattr(self, attribute, getattr(self, attribute) + 1)
        if outcome == Outcome.FAILED:
            self.failures.append(message_id)


def _connect(config: MailboxConfig) -> imaplib.IMAP4:
    context = ssl.create_default_context()
    if config.use_ssl:
        conn = imaplib.IMAP4_SSL(
            config.host, config.port, ssl_context=context, timeout=config.timeout
        )
    else:
        conn = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
        if "STARTTLS" in conn.capabilities:
            conn.starttls(ssl_context=context)
    conn.login(config.user, config.password)
    return conn


def _check(response: tuple, what: str) -> list:
    status, data = response
    if status != "OK":
        raise MailboxError(f"{what}: {status} {data!r}")
    return data


def _raw_message(data: list) -> bytes | None:
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def mailbox_fetch(config: MailboxConfig) -> FetchReport:
    """Read every unseen message of the folder, take each, and flag it \\Seen once taken.

    Raises ``MailboxError`` when the mailbox cannot be read at all; the messages are then
    untouched.
    """
    category = Category.objects.filter(code=config.category_code, is_active=True).first()
    if category is None:
        raise MailboxError(
            f"IMAP_CATEGORY={config.category_code!r} is not the code of an active category"
        )
    required = [spec.get("name") for spec in category.extra_fields or [] if spec.get("required")]
    if required:
        raise MailboxError(
            f"IMAP_CATEGORY={config.category_code!r}: the category has required fields "
            f"({', '.join(map(str, required))}) that an email cannot fill; choose another"
        )
    report = FetchReport()
    try:
        conn = _connect(config)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(f"cannot log in to {config.label}: {exc}") from exc
    try:
        _check(conn.select(imap_folder_name(config.folder)), f"SELECT {config.folder}")
        uids = _check(conn.uid("SEARCH", None, "UNSEEN"), "SEARCH UNSEEN")[0].split()
        for uid in uids:
            data = _check(conn.uid("FETCH", uid, "(BODY.PEEK[])"), f"FETCH {uid!r}")
            raw = _raw_message(data)
            if raw is None:  # expunged by someone else meanwhile
                continue
            outcome, message_id = email_take(raw=raw, mailbox=config.label, category=category)
            report.count(outcome, message_id)
            if outcome != Outcome.FAILED:
                _check(conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)"), "STORE \\Seen")
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(f"reading {config.label} failed: {exc}") from exc
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            conn.logout()
    return report


def imap_folder_name(folder: str) -> str:
    """*folder* as an IMAP quoted string, non-ASCII names in modified UTF-7 (RFC 3501 5.1.3)."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            out.append("&" + encoded.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in folder:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    name = "".join(out)
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
