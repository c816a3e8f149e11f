"""Email intake: the parsing rules table-driven without a server, then the whole path against
a real IMAP server (pymap, in-memory) that the tests fill over IMAP APPEND."""

from __future__ import annotations

import base64
import contextlib
import imaplib
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from huey.contrib.djhuey import HUEY

from kefu.tickets import mail, tasks
from kefu.tickets.models import (
    Attachment,
    EventKind,
    InboundEmail,
    InboundEmailStatus,
    Ticket,
    TicketEvent,
)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def b64_word(text: str, charset: str, codec: str | None = None) -> str:
    encoded = base64.b64encode(text.encode(codec or charset)).decode()
    return f"=?{charset}?B?{encoded}?="


def gbk_message(
    *,
    message_id="<gbk-1@example.cn>",
    subject="小区3栋漏水，请尽快处理",
    body="楼上漏水，天花板一直滴水。\n联系电话：13912345678\n地址：城东区幸福小区3栋",
    sender="张三",
    charset="GBK",
    extra_headers="",
) -> bytes:
    """A message as a Chinese mail client writes it: GBK words in the headers, base64 body."""
    payload = base64.encodebytes(body.encode("gbk")).decode()
    head = (
        f"From: {b64_word(sender, charset, 'gbk')} <zhang@example.cn>\r\n"
        "To: kefu@example.cn\r\n"
        f"Subject: {b64_word(subject, charset, 'gbk')}\r\n"
        f"Message-ID: {message_id}\r\n"
        "Date: Mon, 23 Nov 2026 09:00:00 +0800\r\n"
        f"{extra_headers}"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: text/plain; charset="{charset}"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
    )
    return (head + "\r\n" + payload.replace("\n", "\r\n")).encode("ascii")


def utf8_message(
    *,
    message_id="<photo-1@example.cn>",
    subject="路灯不亮",
    body="幸福小区门口的路灯坏了三天。",
    sender="李四 <lisi@example.cn>",
    attachments=(),
    html: str | None = None,
    headers: dict | None = None,
) -> bytes:
    msg = EmailMessage()
    if sender:
        msg["From"] = sender
    msg["To"] = "kefu@example.cn"
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        msg[name] = value
    if html is not None:
        msg.set_content(html, subtype="html", cte="quoted-printable")
    else:
        msg.set_content(body, cte="quoted-printable")
    for name, maintype, subtype, data in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


# ---------------------------------------------------------------- parsing, no server


@pytest.mark.parametrize(
    ("raw", "subject", "from_name", "body_start", "phone"),
    [
        pytest.param(
            gbk_message(),
            "小区3栋漏水，请尽快处理",
            "张三",
            "楼上漏水，天花板一直滴水。",
            "13912345678",
            id="gbk-base64",
        ),
        pytest.param(
            gbk_message(subject="朱镕基路井盖丢了", body="镕字不在GB2312里", charset="gb2312"),
            "朱镕基路井盖丢了",
            "张三",
            "镕字不在GB2312里",
            "",
            id="labelled-gb2312-with-gbk-characters",
        ),
        pytest.param(
            utf8_message(body="电话 13800138000，谢谢"),
            "路灯不亮",
            "李四",
            "电话 13800138000",
            "13800138000",
            id="utf8-quoted-printable",
        ),
        pytest.param(
            utf8_message(
                html="<html><head><style>p{}</style></head><body><p>水压&nbsp;太低</p>"
                "<div>请联系<b>15012345678</b></div><script>x()</script></body></html>"
            ),
            "路灯不亮",
            "李四",
            "水压 太低\n请联系15012345678",
            "15012345678",
            id="html-only",
        ),
        pytest.param(
            "From: 王五 <wangwu@example.cn>\r\nSubject: 电梯故障 18612345678\r\n"
            "Message-ID: <8bit@example.cn>\r\n"
            "Content-Type: text/plain; charset=gbk\r\n\r\n电梯停在5楼".encode("gbk"),
            "电梯故障 18612345678",
            "王五",
            "电梯停在5楼",
            "18612345678",
            id="raw-8bit-gbk-headers",
        ),
    ],
)
def test_parse_message_decodes_chinese_mail(raw, subject, from_name, body_start, phone):
    email = mail.parse_message(raw)
    assert email.subject == subject
    assert email.from_name == from_name
    assert email.body.startswith(body_start)
    assert email.phone == phone
    assert email.automatic is False


def test_a_comma_inside_an_encoded_name_does_not_split_the_sender():
    raw = (
        f"From: {b64_word('王五, 业主', 'utf-8')} <WangWu@Example.cn>\r\nSubject: x\r\n\r\nbody"
    ).encode()
    email = mail.parse_message(raw)
    assert (email.from_name, email.from_address) == ("王五, 业主", "wangwu@example.cn")


def test_parse_message_keeps_attachments_with_their_bytes_and_names():
    raw = utf8_message(
        attachments=[
            ("漏水照片.jpg", "image", "jpeg", JPEG),
            ("", "application", "pdf", b"%PDF-1.4"),
        ]
    )
    email = mail.parse_message(raw)
    assert [(a.name, a.content_type, a.data) for a in email.attachments] == [
        ("漏水照片.jpg", "image/jpeg", JPEG),
        ("attachment-2.pdf", "application/pdf", b"%PDF-1.4"),
    ]
    assert email.body == "幸福小区门口的路灯坏了三天。"


@pytest.mark.parametrize(
    ("headers", "sender", "automatic"),
    [
        pytest.param({"Auto-Submitted": "auto-replied"}, "李四 <lisi@example.cn>", True, id="auto"),
        pytest.param({"Auto-Submitted": "no"}, "李四 <lisi@example.cn>", False, id="auto-no"),
        pytest.param({"Precedence": "bulk"}, "李四 <lisi@example.cn>", True, id="bulk"),
        pytest.param({}, "MAILER-DAEMON@example.cn", True, id="bounce"),
        pytest.param({}, "李四 <lisi@example.cn>", False, id="person"),
    ],
)
def test_automatic_messages_are_recognised(headers, sender, automatic):
    assert mail.parse_message(utf8_message(headers=headers, sender=sender)).automatic is automatic


def test_message_id_falls_back_to_a_stable_hash():
    raw = utf8_message(message_id=None)
    assert mail.message_id_of(raw) == mail.message_id_of(raw)
    assert mail.message_id_of(raw).startswith("<sha256-")
    assert mail.message_id_of(gbk_message()) == "<gbk-1@example.cn>"
    assert mail.message_id_of(b"\xff\xfe not an email").startswith("<sha256-")


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        pytest.param("电话13912345678", "13912345678", id="after-chinese"),
        pytest.param("call 15012345678 or 13800138000", "15012345678", id="first-wins"),
        pytest.param("座机 010-12345678", "", id="landline"),
        pytest.param("编号 213912345678", "", id="inside-longer-number"),
        pytest.param("12345678901", "", id="not-a-mobile-prefix"),
        pytest.param("", "", id="empty"),
    ],
)
def test_extract_phone(text, phone):
    assert mail.extract_phone(text) == phone


@pytest.mark.parametrize(
    ("subject", "candidates"),
    [
        pytest.param("Re: 工单GD20261123-00042已处理？", ["GD20261123-00042"], id="in-chinese"),
        pytest.param("回复: gd20261123-00042", ["GD20261123-00042"], id="lower-case"),
        pytest.param("TS000123 和 GD20261123-00001", ["TS000123", "GD20261123-00001"], id="two"),
        pytest.param("电话13912345678", [], id="phone-is-not-a-number"),
        pytest.param("路灯不亮", [], id="none"),
    ],
)
def test_order_number_candidates(subject, candidates):
    assert mail.order_number_candidates(subject) == candidates


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        pytest.param("还是漏水\n\n> 原来的邮件\n> 第二行", "还是漏水", id="quoted-lines"),
        pytest.param(
            "还是漏水\n在 2026年11月23日 09:00，客服中心 写道：\n原来的邮件", "还是漏水", id="qq"
        ),
        pytest.param("好的\n-----原始邮件-----\n发件人: a", "好的", id="foxmail"),
        pytest.param("ok\nOn Mon, 23 Nov 2026 Li wrote:\n> x", "ok", id="english"),
        pytest.param("没有引用", "没有引用", id="plain"),
    ],
)
def test_strip_quoted(text, kept):
    assert mail.strip_quoted(text) == kept


@pytest.mark.parametrize(
    ("folder", "quoted"),
    [
        pytest.param("INBOX", '"INBOX"', id="ascii"),
        pytest.param("~peter/mail/台北/日本語", '"~peter/mail/&U,BTFw-/&ZeVnLIqe-"', id="rfc3501"),
        pytest.param("A&B", '"A&-B"', id="ampersand"),
    ],
)
def test_imap_folder_name(folder, quoted):
    assert mail.imap_folder_name(folder) == quoted


@pytest.mark.parametrize(
    ("last", "now", "due"),
    [
        pytest.param(None, 1000.0, True, id="never-read"),
        pytest.param(1000.0, 1000.0 + 60, False, id="one-minute-later"),
        pytest.param(1000.0, 1000.0 + 119, True, id="schedule-ran-early"),
        pytest.param(1000.0, 1000.0 + 89, False, id="too-early"),
    ],
)
def test_poll_due_every_two_minutes(last, now, due):
    assert mail.poll_due(last=last, now=now, minutes=2) is due


@pytest.mark.parametrize(
    ("started", "stale"),
    [
        pytest.param(None, False, id="holder-starting-or-finishing"),
        pytest.param(10_000.0 - 3599, False, id="running-an-hour"),
        pytest.param(10_000.0 - 3600, True, id="dead-holder"),
    ],
)
def test_lock_stale(started, stale):
    assert mail.lock_stale(started=started, now=10_000.0) is stale


# ---------------------------------------------------------------- a real IMAP server

IMAP_USER = "kefu"
IMAP_PASSWORD = "kefu-imap-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _unavailable(reason: str):
    if os.environ.get("KEFU_REQUIRE_SERVICES"):
        pytest.fail(f"IMAP server needed but unavailable: {reason}")
    print(f"skipping: IMAP server unavailable: {reason}")
    pytest.skip(f"IMAP server unavailable: {reason}")


@pytest.fixture(scope="module")
def imap_server():
    """pymap's in-memory server on a free port, for this module's tests."""
    pymap = shutil.which("pymap", path=str(Path(sys.executable).parent)) or shutil.which("pymap")
    if pymap is None:
        _unavailable("pymap is not installed (pip install -e '.[test]')")
    port = _free_port()
    process = subprocess.Popen(
        [
            pymap,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-tls",
            "dict",
            "--demo-user",
            IMAP_USER,
            "--demo-password",
            IMAP_PASSWORD,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                error = process.communicate()[1].decode(errors="replace")[-500:]
                _unavailable(f"pymap did not start on port {port}: {error}")
            time.sleep(0.05)  # waiting for the socket, bounded by the deadline
    yield port
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


class Mailbox:
    """One folder of the test server, filled and inspected over one IMAP connection (each
    login costs the server a slow password hash)."""

    def __init__(self, port: int, folder: str) -> None:
        self.port = port
        self.folder = folder
        self.conn = imaplib.IMAP4("127.0.0.1", port, timeout=10)
        self.conn.login(IMAP_USER, IMAP_PASSWORD)
        assert self.conn.create(folder)[0] == "OK"

    def close(self) -> None:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            self.conn.logout()

    def append(self, *raws: bytes) -> None:
        for raw in raws:
            assert self.conn.append(self.folder, None, None, raw)[0] == "OK"

    def unseen(self) -> int:
        self.conn.select(self.folder, readonly=True)
        return len(self.conn.search(None, "UNSEEN")[1][0].split())

    def total(self) -> int:
        return int(self.conn.select(self.folder, readonly=True)[1][0])


@pytest.fixture
def mailbox(imap_server, settings, catalog):
    """A fresh folder, with the intake settings pointing at it."""
    box = Mailbox(imap_server, f"intake-{uuid.uuid4().hex[:8]}")
    settings.IMAP_HOST = "127.0.0.1"
    settings.IMAP_PORT = imap_server
    settings.IMAP_USER = IMAP_USER
    settings.IMAP_PASSWORD = IMAP_PASSWORD
    settings.IMAP_SSL = False
    settings.IMAP_FOLDER = box.folder
    settings.IMAP_CATEGORY = catalog.repair.code
    settings.IMAP_POLL_MINUTES = 2
    yield box
    box.close()


@pytest.fixture(autouse=True)
def _fresh_fetch_state():
    """The in-memory task store outlives a test: clear the lock and the last-poll time."""

    def clear():
        HUEY.lock_task(tasks.FETCH_LOCK).clear()
        HUEY.delete(tasks._LAST_POLL_KEY)
        HUEY.delete(tasks._STARTED_KEY)

    clear()
    yield
    clear()


def fetch() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("fetch_mail", "--once", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_new_mail_becomes_orders_once_and_is_marked_seen(mailbox):
    mailbox.append(
        gbk_message(),
        utf8_message(
            attachments=[
                ("漏水照片.jpg", "image", "jpeg", JPEG),
                ("setup.exe", "application", "octet-stream", b"MZ"),
            ]
        ),
    )

    out, err = fetch()

    assert out.strip() == "新建工单 2 张，关联回复 0 封，失败 0 封"
    assert err == ""
    gbk, photo = Ticket.objects.order_by("id")
    assert (gbk.channel, gbk.title, gbk.contact_name, gbk.contact_phone) == (
        "email",
        "小区3栋漏水，请尽快处理",
        "张三",
        "13912345678",
    )
    assert (
        gbk.description
        == "楼上漏水，天花板一直滴水。\n联系电话：13912345678\n地址：城东区幸福小区3栋"
    )
    assert gbk.first_responder is None  # an agent claims it
    assert gbk.category.code == "repair-water"
    assert (photo.title, photo.description, photo.contact_name, photo.contact_phone) == (
        "路灯不亮",
        "幸福小区门口的路灯坏了三天。",
        "李四",
        "",
    )
    attachment = Attachment.objects.get()
    assert (attachment.ticket, attachment.name, attachment.content_type, attachment.size) == (
        photo,
        "漏水照片.jpg",
        "image/jpeg",
        len(JPEG),
    )
    assert attachment.uploaded_by is None
    assert attachment.file.read() == JPEG
    skipped = TicketEvent.objects.get(ticket=photo, kind=EventKind.NOTE)
    assert "setup.exe" in skipped.note
    assert skipped.public is False
    assert list(
        InboundEmail.objects.order_by("id").values_list("message_id", "status", "ticket")
    ) == [
        ("<gbk-1@example.cn>", "processed", gbk.pk),
        ("<photo-1@example.cn>", "processed", photo.pk),
    ]
    assert mailbox.unseen() == 0
    assert mailbox.total() == 2  # nothing is deleted

    again, _err = fetch()

    assert again.strip() == "新建工单 0 张，关联回复 0 封，失败 0 封"
    assert Ticket.objects.count() == 2


@pytest.mark.django_db
def test_replies_are_added_to_their_orders(mailbox):
    mailbox.append(gbk_message(), utf8_message(message_id="<first@example.cn>"))
    fetch()
    gbk, lamp = Ticket.objects.order_by("id")
    mailbox.append(
        utf8_message(
            message_id="<reply-number@example.cn>",
            subject=f"回复：工单{gbk.number}还没修好",
            body="还是漏水，请再派人来。\n\n> 楼上漏水，天花板一直滴水。",
        ),
        utf8_message(
            message_id="<reply-thread@example.cn>",
            subject="Re: 路灯不亮",
            body="补充：是2号路灯。",
            headers={"In-Reply-To": "<first@example.cn>"},
        ),
    )

    out, _err = fetch()

    assert out.strip() == "新建工单 0 张，关联回复 2 封，失败 0 封"
    assert Ticket.objects.count() == 2
    for ticket, note in [(gbk, "还是漏水，请再派人来。"), (lamp, "补充：是2号路灯。")]:
        ticket.refresh_from_db()
        assert (ticket.repeat_count, ticket.urge_count) == (1, 1)
        event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.NOTE)
        assert (event.note, event.public, event.actor) == (note, True, None)
        assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.REPEAT).count() == 1
    assert InboundEmail.objects.get(message_id="<reply-thread@example.cn>").ticket == lamp
    assert mailbox.unseen() == 0


@pytest.mark.django_db
def test_a_crash_between_commit_and_seen_flag_creates_no_second_order(mailbox, catalog):
    raw = gbk_message()
    mailbox.append(raw)
    # the worker took the message, then died before flagging it on the server
    mail.inbound_email_take(
        email=mail.parse_message(raw), mailbox="crashed", category=catalog.repair
    )
    assert mailbox.unseen() == 1

    out, _err = fetch()

    assert out.strip() == "新建工单 0 张，关联回复 0 封，失败 0 封"
    assert Ticket.objects.count() == 1
    assert mailbox.unseen() == 0


@pytest.mark.django_db
def test_a_message_that_cannot_be_taken_is_recorded_and_left_unread(mailbox):
    nobody = utf8_message(message_id="<nobody@example.cn>", sender=None, body="没有署名")
    mailbox.append(nobody, gbk_message())

    out, err = fetch()

    assert out.strip() == "新建工单 1 张，关联回复 0 封，失败 1 封"
    assert "<nobody@example.cn>" in err
    failed = InboundEmail.objects.get(message_id="<nobody@example.cn>")
    assert (failed.status, failed.ticket, failed.attempts) == ("failed", None, 1)
    assert failed.error  # ticket_create's message: no way to reach the customer
    assert mailbox.unseen() == 1
    assert Ticket.objects.count() == 1

    fetch()

    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("failed", 2)
    assert mailbox.unseen() == 1


@pytest.mark.django_db
def test_automatic_replies_make_no_order(mailbox):
    mailbox.append(
        utf8_message(subject="自动回复：休假中", headers={"Auto-Submitted": "auto-replied"})
    )

    out, _err = fetch()

    assert out.strip() == "新建工单 0 张，关联回复 0 封，失败 0 封，忽略自动回复 1 封"
    assert Ticket.objects.count() == 0
    assert InboundEmail.objects.get().status == InboundEmailStatus.IGNORED
    assert mailbox.unseen() == 0


@pytest.mark.django_db
def test_worker_job_reads_the_mailbox_at_its_interval_and_one_at_a_time(mailbox):
    mailbox.append(gbk_message())
    start = time.time()
    with time_machine.travel(start, tick=False):
        tasks.mail_poll.call_local()
        assert Ticket.objects.count() == 1
        mailbox.append(utf8_message())
        tasks.mail_poll.call_local()  # a minute is not two
        assert Ticket.objects.count() == 1
    with time_machine.travel(start + 120, tick=False):
        lock = HUEY.lock_task(tasks.FETCH_LOCK)
        lock.acquire()
        HUEY.put(tasks._STARTED_KEY, start + 60)  # another worker is reading right now
        assert tasks.mail_fetch_locked() is None
        assert Ticket.objects.count() == 1
    with time_machine.travel(start + 120 + 3600, tick=False):
        report = tasks.mail_fetch_locked()  # that worker died an hour ago: its lock is broken
    assert report is not None
    assert report.new == 1
    assert Ticket.objects.count() == 2
    assert not HUEY.lock_task(tasks.FETCH_LOCK).is_locked()


@pytest.mark.django_db
def test_intake_is_off_without_imap_host(settings):
    settings.IMAP_HOST = ""
    assert tasks.mail_poll.call_local() is None
    with pytest.raises(CommandError, match="IMAP_HOST"):
        call_command("fetch_mail", "--once")


@pytest.mark.django_db
def test_a_bad_configuration_stops_the_fetch_and_touches_no_message(mailbox, settings, catalog):
    mailbox.append(gbk_message())
    settings.IMAP_CATEGORY = "no-such-category"
    with pytest.raises(CommandError, match="IMAP_CATEGORY"):
        fetch()
    settings.IMAP_CATEGORY = catalog.leak.code  # asks for a floor that email cannot give
    with pytest.raises(CommandError, match="required"):
        fetch()
    settings.IMAP_CATEGORY = catalog.repair.code
    settings.IMAP_PASSWORD = "wrong"
    with pytest.raises(CommandError, match="cannot log in"):
        fetch()
    assert mailbox.unseen() == 1
    assert InboundEmail.objects.count() == 0
