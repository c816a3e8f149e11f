"""Ticket creation through the API under concurrency.

    python bench/tickets/bench_create.py [--requests 3000] [--concurrency 16] [--database URL]

Prepares a fresh database (SQLite in a temporary directory by default, or the PostgreSQL
database named by --database, which is dropped and recreated), loads the demo organisation,
starts `kefu serve` (and, with --worker, `kefu worker`, which sends the acceptance SMS of
each order while the run goes on), then sends POST /api/v1/tickets/ from --concurrency
client threads, each request with its own Idempotency-Key. Reports throughput, latency
percentiles, errors, whether every number is distinct, and where the CPU went: the web
server's processes, the client, PostgreSQL's processes, the worker and the whole machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEFU = [sys.executable, "-m", "kefu"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def kefu_shell(env: dict, script: str) -> str:
    out = subprocess.run(
        [*KEFU, "shell", "-v", "0", "-c", script],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def prepare(env: dict) -> str:
    subprocess.run([*KEFU, "demo", "--no-serve"], env=env, check=True, capture_output=True)
    return kefu_shell(
        env,
        "from kefu.org.models import User; from kefu.org.services import token_regenerate;"
        "print(token_regenerate(user=User.objects.get(username='agent')).key)",
    )


def sms_waiting(env: dict) -> int:
    """Acceptance messages recorded but not yet handed to the SMS backend."""
    return int(
        kefu_shell(
            env,
            "from kefu.notify.models import OutboundMessage;"
            "print(OutboundMessage.objects.filter(status='queued').count())",
        )
    )


def wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status in (200, 503):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def session_cpu_seconds(sid: int | None = None, command: str = "") -> float:
    """CPU time (user + system) used so far by the processes of session *sid*, or by the
    processes named *command* (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                name, fields = fh.read().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, IndexError):
            continue
        fields = fields.split()
        if (sid is not None and int(fields[3]) == sid) or name == command:  # session id
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idling and waiting for I/O (Linux)."""
    with open("/proc/stat") as fh:
        fields = [int(v) for v in fh.readline().split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def run(port: int, token: str, total: int, concurrency: int) -> dict:
    latencies: list[float] = []
    numbers: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(total))
    body_base = {
        "category": "bx-sd",
        "channel": "sms",
        "title": "压力测试报修",
        "contact_phone": "13812345678",
        "description": "bench",
    }

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            body = json.dumps({**body_base, "title": f"压力测试报修 {n}"})
            headers = {
                "Authorization": f"Token {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": uuid.uuid4().hex,
            }
            started = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/tickets/", body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
            except OSError as exc:
                with lock:
                    errors.append(str(exc))
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status == 201:
                    numbers.append(json.loads(payload)["number"])
                else:
                    errors.append(f"{response.status} {payload[:200]!r}")

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": total,
        "concurrency": concurrency,
        "seconds": round(wall, 2),
        "tickets_per_second": round(len(numbers) / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "errors": len(errors),
        "first_errors": errors[:3],
        "distinct_numbers": len(set(numbers)) == len(numbers),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database", default="", help="postgres://… (default: SQLite)")
    parser.add_argument("--workers", type=int, help="gunicorn processes (kefu serve's default)")
    parser.add_argument("--threads", type=int, help="threads per worker (kefu serve's default)")
    parser.add_argument("--worker", action="store_true", help="run kefu worker alongside")
    parser.add_argument(
        "--redis",
        default="",
        help="redis://…/N for the task queue, a database of its own: emptied first "
        "(default: the SQLite store)",
    )
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="kefu-bench-")
    env = {
        **os.environ,
        "KEFU_DATA_DIR": data_dir,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if args.redis:
        import redis

        # the queue of an earlier run holds tasks for messages of a dropped database
        redis.Redis.from_url(args.redis).flushdb()
        env["REDIS_URL"] = args.redis
    if args.database:
        import psycopg

        name = args.database.rsplit("/", 1)[1]
        admin_url = args.database.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = args.database
    token = prepare(env)
    port = free_port()
    serve = [*KEFU, "serve", "--bind", f"127.0.0.1:{port}"]
    if args.workers:
        serve += ["--workers", str(args.workers)]
    if args.threads:
        serve += ["--threads", str(args.threads)]
    server = subprocess.Popen(
        serve,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    worker = None
    if args.worker:
        worker = subprocess.Popen(
            [*KEFU, "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        wait_ready(port)
        run(port, token, min(200, args.requests), args.concurrency)  # warm-up
        cpu_before = session_cpu_seconds(server.pid)
        worker_before = session_cpu_seconds(worker.pid) if worker else 0.0
        client_before = time.process_time()
        machine_before = machine_busy_seconds()
        postgres_before = session_cpu_seconds(command="postgres")
        result = run(port, token, args.requests, args.concurrency)
        client_cpu = time.process_time() - client_before
        machine_cpu = machine_busy_seconds() - machine_before
        postgres_cpu = session_cpu_seconds(command="postgres") - postgres_before
        # The server's own CPU per ticket: on a machine shared with other work this
        # shows whether a slower run was slower code or less CPU to run on.
        cpu = session_cpu_seconds(server.pid) - cpu_before
        if worker:
            worker_cpu = session_cpu_seconds(worker.pid) - worker_before
            result["worker_cpu_ms_per_ticket"] = round(worker_cpu * 1000 / args.requests, 1)
            result["sms_waiting_at_end"] = sms_waiting(env)
        result["server_cpu_ms_per_ticket"] = round(cpu * 1000 / args.requests, 1)
        result["client_cpu_ms_per_ticket"] = round(client_cpu * 1000 / args.requests, 1)
        if args.database:
            result["postgres_cpu_ms_per_ticket"] = round(postgres_cpu * 1000 / args.requests, 1)
        # everything the machine did: server, client, database server, anything else
        result["machine_cpu_ms_per_ticket"] = round(machine_cpu * 1000 / args.requests, 1)
        result["machine_cores_busy"] = round(machine_cpu / result["seconds"], 2)
    finally:
        for process in (server, worker):
            if process is not None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
    result["database"] = "postgresql" if args.database else "sqlite"
    result["task_queue"] = "redis" if args.redis else "sqlite"
    result["server"] = " ".join(serve[2:])
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
