"""Take the screenshots in docs/screenshots from a freshly loaded demo.

    .venv/bin/python scripts/screenshots.py

Loads the demo into a temporary data directory, starts `kefu serve`, and drives Debian's
chromium (1366×768, the agents' usual screen) through the main pages. Chinese text needs a
CJK font: on Debian `apt-get install fonts-wqy-microhei`. Playwright comes with the test
tools (`./scripts/test` installs them into .venv).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

try:
    import playwright  # noqa: F401 - only to say what is missing
except ImportError:
    sys.exit(
        "scripts/screenshots.py needs Playwright, one of the test tools: run ./scripts/test once "
        "(or .venv/bin/pip install -r requirements/test.txt)"
    )

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PASSWORD = "kefu-demo-2026"  # noqa: S105 (the published demo password)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    env = {**os.environ, "KEFU_DATA_DIR": tempfile.mkdtemp(prefix="kefu-shots-")}
    env.pop("DATABASE_URL", None)
    kefu = [sys.executable, "-m", "kefu"]
    subprocess.run([*kefu, "demo", "--no-serve"], env=env, check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*kefu, "serve", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            shoot(browser, base)
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def shoot(browser, base: str) -> None:
    def session(username):
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.goto(base + "/accounts/login/")
        if username:
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
        return page

    page = session(None)
    page.screenshot(path=OUT / "login.png")

    page = session("agent")
    page.screenshot(path=OUT / "workspace-agent.png")
    page.goto(base + "/tickets/new/?calling_number=13812345678&recording=REC-0001")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / "intake.png")
    page.goto(base + "/tickets/?queue=all")
    page.screenshot(path=OUT / "queue.png")
    page.click("table[data-testid=ticket-table] tbody tr:first-child td:nth-child(2) a")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / "ticket.png", full_page=True)
    for path, name in (("/customers/", "customers.png"),):
        response = page.goto(base + path)
        if response and response.ok:
            page.screenshot(path=OUT / name)

    page = session("admin")
    page.screenshot(path=OUT / "workspace-admin.png")
    page.goto(base + "/org/departments/")
    page.screenshot(path=OUT / "departments.png")
    page.goto(base + "/sla/calendars/")
    page.screenshot(path=OUT / "calendars.png")

    page = session("head")
    page.screenshot(path=OUT / "workspace-head.png")
    page.goto(base + "/sla/compliance/")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / "compliance.png", full_page=True)

    page = session("gm")
    page.goto(base + "/followups/report/")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / "return-visit-report.png", full_page=True)
    page.goto(base + "/complaints/")
    page.screenshot(path=OUT / "complaints.png")
    page.click("table tbody tr:first-child td:first-child a")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / "complaint.png", full_page=True)

    page = session(None)
    page.goto(base + "/track/")
    page.screenshot(path=OUT / "track.png")
    print("screenshots written to", OUT)


if __name__ == "__main__":
    main()
