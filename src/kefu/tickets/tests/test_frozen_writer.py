"""A writer frozen while it holds the database's write lock stops neither reads nor other
writers for longer than the configured deadline (``KEFU_DB_LOCK_TIMEOUT``).

The server and the frozen writer are separate processes on one SQLite file, as gunicorn's
workers are: the writer opens a transaction the way every kefu write does, writes, and
stops itself (SIGSTOP) before it commits, holding whatever lock kefu's writers take.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from django.db import connection

from kefu.org.services import token_regenerate

pytestmark = pytest.mark.django_db(transaction=True)

DEADLINE = 1  # KEFU_DB_LOCK_TIMEOUT given to the server, seconds
# what a request may take beyond the deadline on a loaded two-core machine
SLACK = 4

FREEZE = """
import os, signal, sys
import django
django.setup()
from django.db import transaction
from kefu.tickets.models import Ticket
with transaction.atomic():
    Ticket.objects.filter(pk=int(sys.argv[1])).update(title="冻结的写入")
    print("holding", flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """kefu on a file database, in a process of its own, served on a free local port."""

    def __init__(self, env: dict) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kefu", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        started = time.monotonic()
        while True:  # until it listens (a bound on start-up, not a wait for an event)
            try:
                self.request("GET", "/healthz", timeout=5)
                return
            except OSError:
                if time.monotonic() - started > 60 or self.process.poll() is not None:
                    raise
                time.sleep(0.2)

    def request(self, method, path, *, body=None, headers=None, timeout=DEADLINE + SLACK):
        """(status, headers, body, seconds taken)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            payload = response.read()
        finally:
            conn.close()
        return response.status, response.headers, payload, time.monotonic() - started

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@pytest.fixture
def on_a_file(tmp_path, org, new_ticket, client):
    """A copy of the test database in a file, with an order, the agent's API token and a
    logged-in session of the agent's; the environment for processes that use it."""
    if connection.vendor != "sqlite":
        pytest.skip("the frozen SQLite writer is tested on SQLite (no DATABASE_URL)")
    ticket = new_ticket()
    token = token_regenerate(user=org.agent).key
    client.force_login(org.agent)
    path = tmp_path / "kefu.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(path)])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kefu.config.settings",
        "DATABASE_URL": f"sqlite:///{path}",
        "KEFU_DATA_DIR": str(tmp_path / "data"),
        "SECRET_KEY": settings.SECRET_KEY,
        "KEFU_DB_LOCK_TIMEOUT": str(DEADLINE),
        "LOG_LEVEL": "ERROR",
    }
    return env, ticket, token, client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def frozen_writer():
    """Start a writer that stops while it holds the write lock; killed at the end."""
    processes = []

    def start(env, ticket):
        writer = subprocess.Popen(
            [sys.executable, "-c", FREEZE, str(ticket.pk)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        processes.append(writer)
        assert writer.stdout.readline().strip() == "holding"
        os.waitid(os.P_PID, writer.pid, os.WSTOPPED | os.WNOWAIT)  # until it has stopped
        return writer

    yield start
    for writer in processes:
        writer.kill()
        writer.wait(timeout=30)


def test_a_frozen_writer_holds_up_nobody_longer_than_the_deadline(on_a_file, frozen_writer):
    env, ticket, token, session = on_a_file
    api = {"Authorization": f"Token {token}"}
    browser = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}
    new_order = json.dumps(
        {
            "category": ticket.category.code,
            "channel": "hotline",
            "title": "又一单报修",
            "contact_phone": "13812345678",
        }
    )
    server = Server(env)
    try:
        # the order page once before, for the CSRF cookie its forms need
        status, headers, _, _ = server.request("GET", f"/tickets/{ticket.pk}/", headers=browser)
        assert status == 200
        csrf = SimpleCookie(headers["Set-Cookie"])[settings.CSRF_COOKIE_NAME].value
        writer = frozen_writer(env, ticket)

        # reads answer
        status, _, body, taken = server.request("GET", "/api/v1/tickets/", headers=api)
        assert status == 200, body
        assert [row["id"] for row in json.loads(body)["results"]] == [ticket.pk]
        status, _, body, taken = server.request("GET", f"/tickets/{ticket.pk}/", headers=browser)
        assert (status, taken < DEADLINE + SLACK) == (200, True)
        assert "厨房水管爆裂" in body.decode()

        # a write through the API gives up at the deadline: 503, retry later, in JSON
        headers_in = {
            **api,
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        }
        status, headers, body, taken = server.request(
            "POST", "/api/v1/tickets/", body=new_order, headers=headers_in
        )
        assert status == 503, body
        assert int(headers["Retry-After"]) >= 1
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body) == {
            "code": "database_busy",
            "message": "系统繁忙，本次操作未保存，请稍后重试。",
            "errors": [],
        }
        assert taken < DEADLINE + SLACK

        # a write from a page: a page in Chinese with a way back
        status, headers, body, taken = server.request(
            "POST",
            f"/tickets/{ticket.pk}/note/",
            body=f"note=%E5%A4%87%E6%B3%A8&csrfmiddlewaretoken={csrf}",
            headers={
                **browser,
                "Cookie": f"{browser['Cookie']}; {settings.CSRF_COOKIE_NAME}={csrf}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{server.port}/tickets/{ticket.pk}/",
            },
        )
        page = body.decode()
        assert status == 503
        assert int(headers["Retry-After"]) >= 1
        assert "系统繁忙" in page
        assert f'href="/tickets/{ticket.pk}/"' in page
        assert taken < DEADLINE + SLACK

        # the writer is gone: the next write gets in
        writer.kill()
        writer.wait(timeout=30)
        headers_in["Idempotency-Key"] = uuid.uuid4().hex
        status, _, body, _ = server.request(
            "POST", "/api/v1/tickets/", body=new_order, headers=headers_in
        )
        assert status == 201, body
    finally:
        server.stop()
