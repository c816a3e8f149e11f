"""Queue pages over a large work-order table.

    python bench/tickets/bench_queue.py \
        --database postgres://postgres@127.0.0.1:5432/kefu_bench_queue \
        [--tickets 1000000] [--repeat 30] [--reuse]

Creates the database (dropped first unless --reuse), loads the demo organisation, generates
--tickets work orders server-side (spread over the demo departments, agents, handlers,
statuses, priorities and grades), then requests each queue page through the real view for
several personas and reports the p50/p95 time of a page and its number of SQL queries.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NEXT_LINK = re.compile(r'href="\?[^"]*&amp;after=([^"&]+)" data-testid="next-page"')

GENERATE = """
INSERT INTO tickets_ticket (
    number, ticket_type_id, category_id, status, priority, priority_rank, channel, title,
    description, extra, contact_name, contact_phone, calling_number, call_recording_ref,
    address, customer_grade, grade_rank, first_responder_id, department_id, owner_id,
    parent_id, merged_into_id, resolution, settled_at_first_contact, return_count,
    ruling_binding, repeat_count, urge_count, supervised, supervision_due, reopen_count,
    sla_policy_code, next_due_at, due_sort, created_at, dispatched_at, signed_at,
    resolved_at, closed_at, updated_at)
SELECT
    'BQ' || lpad(g::text, 9, '0'),
    c.ticket_type_id, c.id,
    CASE WHEN g %% 100 < 3  -- 3 %% of the history is still open, as in a real centre
         THEN (ARRAY['received','dispatched','signed','in_progress','resolved',
                     'dispatched'])[1 + (g / 100) %% 6]
         ELSE 'closed' END,
    (ARRAY['urgent','high','normal','normal','low'])[1 + (g::bigint * 7919) %% 5],
    (ARRAY[0,1,2,2,3])[1 + (g::bigint * 7919) %% 5],
    'hotline', '批量生成的工单 ' || g, '', '{}'::jsonb, '客户' || g,
    '138' || lpad((g %% 100000000)::text, 8, '0'), '', '', '城东区',
    (ARRAY['A','B','C',''])[1 + (g::bigint * 104729) %% 4],
    (ARRAY[0,1,2,3])[1 + (g::bigint * 104729) %% 4],
    (SELECT array_agg(id ORDER BY id) FROM org_user
     WHERE username IN ('agent','shiftlead'))[1 + g %% 2],
    d.ids[1 + (g::bigint * 31337) %% array_length(d.ids, 1)],
    CASE WHEN g %% 100 >= 3 OR (g / 100) %% 6 IN (2, 3, 4)
         THEN h.ids[1 + g %% array_length(h.ids, 1)] END,
    NULL, NULL, '', false, 0, false, 0, (g %% 700 = 0)::int, false, NULL, 0, '',
    CASE WHEN g %% 100 < 3 THEN now() + make_interval(mins => g %% 10000) END,
    CASE WHEN g %% 100 < 3 THEN now() + make_interval(mins => g %% 10000)
         ELSE '9999-12-31 00:00:00+00' END,
    now() - make_interval(mins => g %% 500000), now(), now(), NULL, NULL, now()
FROM generate_series(%(start)s, %(stop)s) AS g
CROSS JOIN (SELECT id, ticket_type_id FROM tickets_category WHERE code = 'bx-sd') AS c
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM org_department
            WHERE code IN ('wxb','wxb-sd','wxb-qx','wyb','gcb','cd-wx','pzb','kfzx-yyt')) AS d
CROSS JOIN (SELECT array_agg(u.id ORDER BY u.id) AS ids FROM org_user u
            JOIN org_user_roles ur ON ur.user_id = u.id JOIN org_role r ON r.id = ur.role_id
            WHERE r.code = 'handler') AS h
"""


def sh(cmd, env):
    subprocess.run(cmd, env=env, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="postgres://… (created and dropped)")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="keep an existing database")
    args = parser.parse_args()

    env = {
        **os.environ,
        "KEFU_DATA_DIR": tempfile.mkdtemp(prefix="kefu-bench-"),
        "DATABASE_URL": args.database,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
    }
    import psycopg

    name = args.database.rsplit("/", 1)[1]
    admin_url = args.database.rsplit("/", 1)[0] + "/postgres"
    if not args.reuse:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        sh([sys.executable, "-m", "kefu", "demo", "--no-serve"], env)
        started = time.perf_counter()
        with psycopg.connect(args.database, autocommit=True) as conn:
            batch = 200_000
            for start in range(1, args.tickets + 1, batch):
                stop = min(args.tickets, start + batch - 1)
                conn.execute(GENERATE, {"start": start, "stop": stop})
            conn.execute("ANALYZE")
        print(
            f"generated {args.tickets} tickets in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )

    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client

    from kefu.org.models import User
    from kefu.tickets.models import Ticket

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = True  # to count queries
    results = {"tickets": Ticket.objects.count(), "database": connection.vendor, "pages": []}
    cases = [
        ("agent", "first_responder"),
        ("agent", "all"),
        ("head", "to_sign"),
        ("head", "all"),
        ("handler", "mine"),
        ("gm", "all"),
        ("gm", "urged"),
    ]
    for username, queue in cases:
        client = Client()
        client.force_login(User.objects.get(username=username))
        url = f"/tickets/?queue={queue}"
        client.get(url)  # warm
        timings, queries, cpu, sql = [], [], [], []
        next_url, page, deepest = url, 1, 1
        for _ in range(args.repeat):
            reset_queries()
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(next_url)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            sql.append(sum(float(q["time"]) for q in connection.queries) * 1000)
            queries.append(len(connection.queries))
            assert response.status_code == 200, response.status_code
            # (response.context is only recorded under the test runner: read the link)
            found = NEXT_LINK.search(response.content.decode())
            cursor = found.group(1) if found else ""
            # walk forward through the pages: deep pages must cost what the first does
            next_url = f"{url}&after={cursor}" if cursor else url
            page = page + 1 if cursor else 1
            deepest = max(deepest, page if cursor else 1)
        timings.sort()
        results["pages"].append(
            {
                "persona": username,
                "queue": queue,
                "p50_ms": round(statistics.median(timings), 1),
                "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
                # on a shared machine: this process's CPU and the time spent in SQL
                "cpu_p50_ms": round(statistics.median(cpu), 1),
                "sql_p50_ms": round(statistics.median(sql), 1),
                "queries": sorted(set(queries)),
                "pages_walked": deepest,
            }
        )
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
