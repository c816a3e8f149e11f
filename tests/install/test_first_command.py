"""The README's first command, run as a new user would: install into a fresh virtual
environment, create the SQLite database, load the demo data, serve the Chinese UI with the
worker, and run again without duplicating anything."""

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(
    ".venv*", "var", "test-artifacts", "__pycache__", "*.egg-info", ".git"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    target = tmp_path_factory.mktemp("fresh") / "kefu"
    shutil.copytree(ROOT, target, ignore=SKIP)
    return target


def run_env(clone: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "KEFU_", "DATABASE_URL", "REDIS_URL"))
    }
    env["KEFU_VENV"] = str(clone / ".venv")
    # the whole demo set takes a minute to load; a tenth of it proves the same steps
    env["DEMO_PERCENT"] = "10"
    return env


def counts(clone: Path) -> str:
    result = subprocess.run(
        [
            str(clone / ".venv" / "bin" / "kefu"),
            "shell",
            "-v",
            "0",
            "-c",
            "from kefu.org.models import User, Department as D;"
            "print(User.objects.count(), D.objects.count())",
        ],
        cwd=clone,
        env={**run_env(clone), "KEFU_DATA_DIR": str(clone / "var")},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout.strip()


def wait_for_health(url: str, *, deadline: float) -> dict:
    import json

    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                last = json.loads(response.read())
                if last["status"] == "ok":
                    return last
        except OSError:
            pass
        time.sleep(0.5)  # waiting on a real server process to start, not on simulated time
    raise AssertionError(f"kefu did not become healthy: {last}")


def log_in(base: str, username: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/accounts/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    )
    request = urllib.request.Request(
        base + "/accounts/login/", data=data.encode(), headers={"Referer": base + "/"}
    )
    return opener.open(request, timeout=10).read().decode()


def test_first_command_installs_serves_and_reruns_without_duplicates(clone):
    env = run_env(clone)
    first = subprocess.run(
        [str(clone / "scripts" / "demo"), "--no-serve"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert first.returncode == 0, first.stdout + first.stderr
    assert "kefu-demo-2026" in first.stdout
    for login in (
        "agent",
        "handler",
        "shiftlead",
        "manager",
        "cmsuper",
        "inspector",
        "head",
        "gm",
        "admin",
    ):
        assert re.search(rf"^\s+{login}\s", first.stdout, re.MULTILINE), login
    after_first = counts(clone)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # the server's output goes to a file: a pipe nobody reads fills up and blocks the
    # worker and the web process as soon as the worker logs its first few hundred tasks
    log_path = clone / "serve.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [str(clone / "scripts" / "demo"), "--bind", f"127.0.0.1:{port}"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        try:
            health = wait_for_health(base + "/healthz", deadline=time.monotonic() + 180)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{log_path.read_text()[-4000:]}") from None
        assert health["checks"]["queue"]["backend"] == "SqliteStorage"
        assert health["checks"]["database"]["vendor"] == "sqlite"
        workspace = log_in(base, "agent", "kefu-demo-2026")
        assert "我的工作台" in workspace
        assert "李晓燕" in workspace and "坐席" in workspace
        css = urllib.request.urlopen(base + "/static/kefu/kefu.css", timeout=5)
        assert css.status == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
    output = log_path.read_text()
    assert "http://127.0.0.1:" in output
    assert counts(clone) == after_first  # the second run duplicated nothing
    assert after_first.split() == ["52", "17"]
