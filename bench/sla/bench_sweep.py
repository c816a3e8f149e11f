"""How long does one SLA sweep take over a large table of open work orders?

Target (issue 5): with 1,000,000 open tickets of which 1,000 are due, one sweep finishes in
under 1 s on PostgreSQL; doubling the open tickets changes that figure by at most 20 %.

    python bench/sla/bench_sweep.py \
        --database postgres://postgres@127.0.0.1:5432/kefu_bench_sweep \
        [--tickets 1000000] [--due 1000] [--repeat 5] [--reuse]

Without ``--reuse`` the database is dropped and created, migrated, the demo organisation
loaded (the org chart with its heads, service centres and general manager, and the demo's
repair and complaint categories; no demo orders) and the ``property`` preset loaded. Three
template orders are created through ``ticket_create`` (a repair waiting to be signed, a
repair signed by a handler, a complaint), then the open orders are generated server-side
(``INSERT … SELECT generate_series``) as copies of a template with every instant shifted,
so each copy's deadline rows stay consistent (start, warnings, due, next event):

* background, ``--tickets`` orders: 80 % running with their next event spread evenly over
  the three weeks after the benchmark instant, 20 % with no event pending (their
  milestones met); template mix 40 % repair to sign, 20 % signed repair, 40 % complaint.
  With ``--reuse`` only the missing background orders are added (1 M → 2 M);
* due sets, ``--due`` orders each, one per timed sweep (``--repeat``) plus one for the
  query count, each due 30 s after the previous one, all due events inside that window:
  60 % warnings (50 % and 80 % thresholds), 30 % breaches (urge, head, investigation,
  delay notice, escalation instants), 10 % escalations (60 % to the service centre, 40 % to
  the general manager). They are deleted and generated again on every run.

The templates are taken out of the sweep (their next event
cleared) so that exactly ``--due`` orders are due at each instant. Each sweep is
``kefu.sla.engine.sla_sweep(now=…)`` in this process, timed end to end (all its
transactions committed); its result is checked against the due set.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
SH = ZoneInfo("Asia/Shanghai")
# The benchmark instant (a Tuesday, 2026 is a loaded year) and the templates' acceptance.
T = datetime(2026, 12, 1, 10, 0, tzinfo=SH)
C0 = T - timedelta(days=40)
WINDOW = timedelta(seconds=30)
SPREAD = 21 * 86400  # background next events: the three weeks after the due windows
CHUNK = 200_000

# Background mix by g % 10: (template, running?)
BACKGROUND = {
    0: ("repair", True),
    1: ("repair", True),
    2: ("signed", True),
    3: ("signed", True),
    4: ("complaint", True),
    5: ("complaint", True),
    6: ("complaint", True),
    7: ("repair", True),
    8: ("repair", False),
    9: ("complaint", False),
}
# Per 1,000 due orders: (template, mode, level, count). The due row is the template's first
# running milestone: first contact (repair), arrival (signed repair), handling opinion
# (complaint).
DUE_MIX = [
    ("repair", "warning", 0, 200),
    ("repair", "warning", 1, 100),
    ("signed", "warning", 0, 100),
    ("complaint", "warning", 0, 150),
    ("complaint", "warning", 1, 50),
    ("repair", "breach", 0, 100),
    ("signed", "breach", 0, 100),
    ("complaint", "breach", 0, 100),
    ("signed", "escalation", 0, 30),
    ("complaint", "escalation", 0, 30),
    ("repair", "escalation", 1, 20),
    ("complaint", "escalation", 1, 20),
]
CENTRE_DELAY = timedelta(minutes=240)  # the preset's escalation delays, 24×7 arithmetic
GM_DELAY = timedelta(minutes=900)

HELPERS = """
CREATE OR REPLACE FUNCTION bench_iso(ts timestamptz) RETURNS jsonb LANGUAGE sql IMMUTABLE AS
$$ SELECT to_jsonb(to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')) $$;
CREATE OR REPLACE FUNCTION bench_shift(arr jsonb, s interval) RETURNS jsonb LANGUAGE sql
IMMUTABLE AS $$
    SELECT coalesce(jsonb_agg(bench_iso((e #>> '{}')::timestamptz + s) ORDER BY o), '[]')
    FROM jsonb_array_elements(arr) WITH ORDINALITY AS x(e, o) $$;
"""


def load_organisation() -> None:
    """The demo organisation (departments, heads, centres, general manager) and the demo's
    repair and complaint categories; no demo orders."""
    import random

    from kefu.org import demo as org_demo
    from kefu.org.models import Department
    from kefu.tickets import demo as tickets_demo
    from kefu.tickets import services as tickets
    from kefu.tickets.models import TicketType

    org_demo.load(rng=random.Random("bench"))
    departments = {d.code: d for d in Department.objects.all()}
    types = {t.code: t for t in TicketType.objects.all()}
    made = {}
    for code, name, type_code, parent, lead, priority, settle, extra in tickets_demo.CATEGORIES:
        if code not in {"bx", "bx-sd", "ts", "ts-td"}:
            continue
        made[code] = tickets.category_create(
            name=name,
            code=code,
            ticket_type=types[type_code],
            parent=made[parent] if parent else None,
            lead_department=departments[lead],
            default_priority=priority,
            settle_at_first_contact=settle,
            extra_fields=extra,
        )


def ticket_insert_sql() -> str:
    """Copy template ``t`` for each ``g``; instants shifted by ``s`` (a column of ``p``)."""
    from kefu.tickets.models import Ticket

    columns, values = [], []
    for field in Ticket._meta.concrete_fields:
        if field.primary_key:
            continue
        col = field.column
        columns.append(col)
        if col == "number":
            values.append("%(prefix)s || p.g")
        elif col == "contact_phone":
            values.append("'139' || lpad((p.g %% 100000000)::text, 8, '0')")
        elif col == "due_sort":
            values.append(
                "CASE WHEN t.next_due_at IS NULL THEN t.due_sort ELSE t.due_sort + p.s END"
            )
        elif field.get_internal_type() == "DateTimeField":
            values.append(f"t.{col} + p.s")
        else:
            values.append(f"t.{col}")
    return (
        f"INSERT INTO tickets_ticket ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM ("
        "  SELECT g, %(shift)s::interval"
        "    + make_interval(secs => %(step)s * ((g::bigint * 7919) %% %(span)s))"
        "    AS s FROM generate_series(%(start)s, %(stop)s) AS g WHERE g %% %(mod)s = ANY(%(rest)s)"
        ") AS p CROSS JOIN tickets_ticket t WHERE t.id = %(template)s"
    )


def deadline_insert_sql(mode: str, level: int) -> str:
    """Copy the template's deadline rows onto the new orders ``n`` (``s`` = their shift).

    mode: running (as the template), idle (every started milestone met), warning / breach /
    escalation (the first running milestone, position %(p)s, has that event due)."""
    from kefu.sla.models import TicketDeadline

    chosen = "d.position = %(p)s"
    met = {
        "idle": "d.started_at IS NOT NULL",
        "escalation": f"d.started_at IS NOT NULL AND NOT ({chosen})",
    }.get(mode, "false")
    wl = {
        "warning": str(level),
        "breach": "jsonb_array_length(d.warn_at)",
        "escalation": "jsonb_array_length(d.warn_at)",
    }.get(mode, "d.warned_levels")
    event = {
        "warning": f"(d.warn_at ->> {level})::timestamptz + z.s",
        "breach": "d.due_at + z.s",
        "escalation": "d.due_at + z.s + "
        + ("%(centre)s::interval" if level == 0 else "%(gm)s::interval"),
    }.get(mode, "d.next_event_at + z.s")
    esc = mode == "escalation"
    overrides = {
        "ticket_id": "n.id",
        "started_at": "d.started_at + z.s",
        "base_due_at": "d.base_due_at + z.s",
        "due_at": "d.due_at + z.s",
        "warn_at": "bench_shift(d.warn_at, z.s)",
        "met_at": f"CASE WHEN d.met_at IS NOT NULL THEN d.met_at + z.s "
        f"WHEN {met} THEN least(d.due_at + z.s, %(met_at)s) END",
        "warned_levels": f"CASE WHEN {chosen} THEN {wl} ELSE d.warned_levels END",
        "warned_at": f"CASE WHEN {chosen} AND {wl} > 0 "
        f"THEN (d.warn_at ->> ({wl} - 1))::timestamptz + z.s "
        "WHEN d.warned_at IS NOT NULL THEN d.warned_at + z.s END",
        "breached_at": f"CASE WHEN {chosen} THEN d.due_at + z.s END" if esc else "NULL",
        "escalate_at": (
            f"CASE WHEN {chosen} THEN jsonb_build_array("
            "bench_iso(d.due_at + z.s + %(centre)s::interval), "
            "bench_iso(d.due_at + z.s + %(gm)s::interval)) ELSE '[]'::jsonb END"
            if esc
            else "'[]'::jsonb"
        ),
        "escalated_levels": f"CASE WHEN {chosen} THEN {level} ELSE 0 END" if esc else "0",
        "escalated_at": (
            f"CASE WHEN {chosen} AND {level} > 0 THEN d.due_at + z.s + %(centre)s::interval END"
            if esc
            else "NULL"
        ),
        "next_event_at": (
            "NULL"
            if mode == "idle"
            else f"CASE WHEN d.next_event_at IS NULL OR ({met}) THEN NULL "
            f"WHEN {chosen} THEN {event} ELSE d.next_event_at + z.s END"
        ),
    }
    columns = [f.column for f in TicketDeadline._meta.concrete_fields if not f.primary_key]
    values = [overrides.get(col, f"d.{col}") for col in columns]
    return (
        f"INSERT INTO sla_ticketdeadline ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM tickets_ticket n "
        "CROSS JOIN LATERAL (SELECT n.created_at - %(created)s AS s) AS z "
        "JOIN bench_template_deadline d ON d.ticket_id = %(template)s "
        "WHERE n.number LIKE %(like)s AND n.id > %(after)s"
    )


def make_templates() -> None:
    """Three real orders through the services; their deadline rows are kept aside in
    ``bench_template_deadline`` and cleared from the sweep, like the demo's orders."""
    from django.db import connection

    from kefu.org.models import User
    from kefu.sla import services as sla_services
    from kefu.tickets import services as tickets
    from kefu.tickets.models import Category
    from kefu.tickets.states import Action

    sla_services.sla_preset_load(industry="property")
    agent = User.objects.get(username="agent")
    handler = User.objects.get(username="handler")
    head = User.objects.get(username="head")
    made = {}
    for key, code in (("repair", "bx-sd"), ("signed", "bx-sd"), ("complaint", "ts-td")):
        made[key] = tickets.ticket_create(
            actor=agent,
            category=Category.objects.get(code=code),
            channel="hotline",
            title=f"基准模板 {key}",
            contact_phone="13900000000",
            dispatch=True,
            now=C0,
        )
    tickets.ticket_transition(
        ticket=made["signed"],
        action=Action.SIGN,
        actor=head,
        owner=handler,
        now=C0 + timedelta(minutes=5),
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_template, bench_template_deadline")
        cursor.execute("CREATE TABLE bench_template (key text PRIMARY KEY, ticket_id bigint)")
        for key, ticket in made.items():
            cursor.execute("INSERT INTO bench_template VALUES (%s, %s)", [key, ticket.pk])
        cursor.execute(
            "CREATE TABLE bench_template_deadline AS SELECT * FROM sla_ticketdeadline "
            "WHERE ticket_id IN (SELECT ticket_id FROM bench_template)"
        )
        cursor.execute("UPDATE sla_ticketdeadline SET next_event_at = NULL")
        cursor.execute(HELPERS)


def templates() -> dict[str, dict]:
    """Per template: its id, acceptance, first running position and the instants of it."""
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT b.key, t.id, t.created_at FROM bench_template b "
            "JOIN tickets_ticket t ON t.id = b.ticket_id"
        )
        for key, pk, created in cursor.fetchall():
            cursor.execute(
                "SELECT position, next_event_at, due_at, warn_at FROM bench_template_deadline "
                "WHERE ticket_id = %s AND next_event_at IS NOT NULL "
                "ORDER BY next_event_at, position LIMIT 1",
                [pk],
            )
            position, first_event, due_at, warn_at = cursor.fetchone()
            out[key] = {
                "id": pk,
                "created": created,
                "p": position,
                "first_event": first_event,
                "due": due_at,
                "warn": [datetime.fromisoformat(v) for v in json.loads(warn_at)],
            }
    return out


def generate_background(total: int, tpl: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket WHERE number LIKE 'SWB-%%'")
        have = cursor.fetchone()[0]
        if have >= total:
            print(f"background: {have} open orders already there", file=sys.stderr)
            return
        cursor.execute("SELECT coalesce(max(id), 0) FROM tickets_ticket")
        after = cursor.fetchone()[0]
        started = time.perf_counter()
        first_due = T + WINDOW * 20  # after every due window and its follow-ups
        groups: dict[tuple[str, bool], list[int]] = {}
        for rest, key in BACKGROUND.items():
            groups.setdefault(key, []).append(rest)
        ticket_sql = ticket_insert_sql()
        for start in range(have + 1, total + 1, CHUNK):
            stop = min(total, start + CHUNK - 1)
            for (key, running), rests in groups.items():
                t = tpl[key]
                if running:
                    shift, step = first_due - t["first_event"], 1
                else:  # accepted 3 to 17 days before the benchmark instant, all met
                    shift, step = T - timedelta(days=17) - t["created"], 1
                cursor.execute(
                    ticket_sql,
                    {
                        "prefix": f"SWB-{key[0]}{'r' if running else 'i'}-",
                        "shift": shift,
                        "step": step,
                        "span": SPREAD if running else 14 * 86400,
                        "start": start,
                        "stop": stop,
                        "mod": 10,
                        "rest": rests,
                        "template": t["id"],
                    },
                )
            print(f"  orders {stop}/{total}", file=sys.stderr)
        for (key, running), _rests in groups.items():
            t = tpl[key]
            cursor.execute(
                deadline_insert_sql("running" if running else "idle", 0),
                {
                    "created": t["created"],
                    "template": t["id"],
                    "like": f"SWB-{key[0]}{'r' if running else 'i'}-%",
                    "after": after,
                    "p": t["p"],
                    "met_at": T - timedelta(hours=1),
                },
            )
        print(f"  deadline rows done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        cursor.execute("VACUUM ANALYZE tickets_ticket")
        cursor.execute("VACUUM ANALYZE sla_ticketdeadline")
        print(
            f"background: {total - have} open orders generated in "
            f"{time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )


def generate_due_sets(count: int, sets: int, tpl: dict) -> list[dict[str, int]]:
    """Delete the previous due sets, generate ``sets`` new ones; the expected counts."""
    from django.db import connection

    from kefu.notify.models import Notification
    from kefu.tickets.models import Ticket

    Notification.objects.filter(text__startswith="SWD-").delete()
    Ticket.objects.filter(number__startswith="SWD-").delete()
    ticket_sql = ticket_insert_sql()
    scale = count / 1000
    mix = [(key, mode, level, round(n * scale)) for key, mode, level, n in DUE_MIX]
    mix[0] = (*mix[0][:3], mix[0][3] + count - sum(m[3] for m in mix))
    expected = []
    with connection.cursor() as cursor:
        for k in range(1, sets + 1):
            at = T + WINDOW * k
            cursor.execute("SELECT coalesce(max(id), 0) FROM tickets_ticket")
            after = cursor.fetchone()[0]
            counts = {"warnings": 0, "breaches": 0, "escalations": 0}
            for i, (key, mode, level, n) in enumerate(mix):
                if n <= 0:
                    continue
                t = tpl[key]
                event = {
                    "warning": lambda t=t, level=level: t["warn"][level],
                    "breach": lambda t=t: t["due"],
                    "escalation": lambda t=t, level=level: (
                        t["due"] + (CENTRE_DELAY if level == 0 else GM_DELAY)
                    ),
                }[mode]()
                prefix = f"SWD-{k}-{i:02d}-"
                # events 0–24 s before the instant: inside this window, after the last one
                cursor.execute(
                    ticket_sql,
                    {
                        "prefix": prefix,
                        "shift": at - event,
                        "step": -1,
                        "span": 25,
                        "start": 1,
                        "stop": n,
                        "mod": 1,
                        "rest": [0],
                        "template": t["id"],
                    },
                )
                cursor.execute(
                    deadline_insert_sql(mode, level),
                    {
                        "created": t["created"],
                        "template": t["id"],
                        "like": prefix + "%",
                        "after": after,
                        "p": t["p"],
                        "met_at": at - timedelta(hours=1),
                        "centre": CENTRE_DELAY,
                        "gm": GM_DELAY,
                    },
                )
                counts[{"warning": "warnings", "breach": "breaches"}.get(mode, "escalations")] += n
            expected.append(counts)
        cursor.execute("ANALYZE sla_ticketdeadline")
        cursor.execute("ANALYZE tickets_ticket")
    return expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="postgres://…/name (dropped, created)")
    parser.add_argument("--tickets", type=int, default=1_000_000, help="open orders")
    parser.add_argument("--due", type=int, default=1000, help="orders due at each sweep")
    parser.add_argument("--repeat", type=int, default=5, help="timed sweeps")
    parser.add_argument("--reuse", action="store_true", help="keep the database, top it up")
    args = parser.parse_args()

    env = {
        **os.environ,
        "KEFU_DATA_DIR": tempfile.mkdtemp(prefix="kefu-bench-"),
        "DATABASE_URL": args.database,
        "LOG_LEVEL": "WARNING",
    }
    name = args.database.rsplit("/", 1)[1]
    if name in {"kefu_bench", "kefu_bench_queue", "postgres"}:
        parser.error(f"{name} is not a throw-away database")
    if not args.reuse:
        import psycopg

        admin_url = args.database.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')

    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "kefu.config.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from kefu.sla import engine
    from kefu.tickets.models import Ticket

    call_command("migrate", verbosity=0)  # a reused database may predate a migration
    if "bench_template" not in connection.introspection.table_names():
        load_organisation()
        make_templates()
    tpl = templates()
    generate_background(args.tickets, tpl)
    expected = generate_due_sets(args.due, args.repeat + 1, tpl)

    open_orders = Ticket.objects.filter(number__startswith="SWB-").count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sla_ticketdeadline")
        rows = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM sla_ticketdeadline WHERE next_event_at IS NOT NULL")
        pending = cursor.fetchone()[0]
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(
        f"open orders: {open_orders} background + {args.due} due per sweep; deadline rows "
        f"{rows} ({pending} with a pending event)"
    )
    reverse("tickets:detail", args=[1])  # a running worker has its URLs loaded already
    empty = []
    for _ in range(3):  # nothing due yet: the cost of looking
        started = time.perf_counter()
        result = engine.sla_sweep(now=T)
        empty.append((time.perf_counter() - started) * 1000)
        assert result == {"warnings": 0, "breaches": 0, "escalations": 0}, result
    timings = []
    for k in range(1, args.repeat + 1):
        started = time.perf_counter()
        result = engine.sla_sweep(now=T + WINDOW * k)
        timings.append((time.perf_counter() - started) * 1000)
        assert result == expected[k - 1], (result, expected[k - 1])
        print(f"  sweep {k}: {timings[-1]:.0f} ms {result}")
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        result = engine.sla_sweep(now=T + WINDOW * (args.repeat + 1))
    assert result == expected[-1], (result, expected[-1])
    median = statistics.median(timings)
    print(f"empty sweep (nothing due): median {statistics.median(empty):.1f} ms")
    print(
        f"sweep of {args.due} due orders: median {median:.0f} ms, max {max(timings):.0f} ms "
        f"(n={len(timings)}); {len(queries)} SQL queries ({result})"
    )
    verdict = "OK" if median < 1000 else "SLOWER THAN 1 s"
    print(f"target < 1 s: {verdict}")
    print("command: " + " ".join([Path(sys.executable).name, *sys.argv]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
