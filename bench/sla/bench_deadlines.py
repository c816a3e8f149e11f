"""How long does it take to compute a new ticket's milestone deadlines from a policy?

Target: under 2 ms per ticket. Run from the repository root:

    .venv/bin/python bench/sla/bench_deadlines.py            # SQLite in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        bench/sla/bench_deadlines.py                          # an existing PostgreSQL

It migrates a fresh database (the built-in calendars with every statutory year), loads the
property and heating presets, and times

* ``pure``: ``kefu.sla.policy.plan_deadlines`` with the policy and calendars in hand (what a
  caller that already holds them pays);
* ``selector``: ``kefu.sla.selectors.new_ticket_deadlines`` — choose the policy from the
  database, build the calendars (holiday rows of three years), compute, with no copy kept;
* ``intake``: the SLA participant's ``prepare_creation`` on a new order (``kefu.sla.lifecycle``)
  — what ticket intake pays:
  the policies, calendars and category codes come from the process's copy
  (``kefu.core.configcache``), checked against the newest change-history ids (one query)
  at most every 2 seconds.

The target is judged on ``intake``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
workdir = tempfile.mkdtemp(prefix="kefu-bench-")
os.environ.setdefault("KEFU_DATA_DIR", workdir)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
os.environ.setdefault("SECRET_KEY", "kefu-bench-secret-key-not-for-production-use")
os.environ["DJANGO_SETTINGS_MODULE"] = "kefu.config.settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from kefu.sla import selectors, services  # noqa: E402
from kefu.sla.lifecycle import SlaParticipant  # noqa: E402
from kefu.sla.policy import Facts, plan_deadlines  # noqa: E402
from kefu.tickets import services as tickets  # noqa: E402
from kefu.tickets.models import Ticket, TicketType  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
CASES = [
    ("repair, leak (24×7, 3 milestones)", Facts(ticket_type="repair", category="leak")),
    ("repair (24×7, 4 milestones)", Facts(ticket_type="repair")),
    ("complaint (working days, 3 milestones)", Facts(ticket_type="complaint")),
]


def timed(func, repeat: int) -> list[float]:
    samples = []
    for i in range(repeat):
        started = time.perf_counter()
        func(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def report(label: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(
        f"  {label:<10} median {statistics.median(ordered):.3f} ms   p95 {p95:.3f} ms   "
        f"n={len(ordered)}"
    )


def main() -> int:
    call_command("migrate", verbosity=0)
    services.sla_preset_load(industry="property")
    services.sla_preset_load(industry="heating")
    base = datetime(2026, 9, 28, 8, 0, tzinfo=SH)
    worst = 0.0
    print(f"database: {django.db.connection.vendor}")
    for name, facts in CASES:
        policy, _plan = selectors.new_ticket_deadlines(facts=facts, accepted_at=base)
        calendars = selectors.calendars_for({m.calendar for m in policy.milestones})
        print(f"{name}: policy {policy.code}")
        pure = timed(
            lambda i, p=policy, c=calendars: plan_deadlines(
                p, c, accepted_at=base + timedelta(minutes=37 * i)
            ),
            2000,
        )
        full = timed(
            lambda i, f=facts: selectors.new_ticket_deadlines(
                facts=f, accepted_at=base + timedelta(minutes=37 * i)
            ),
            300,
        )
        category = tickets.category_create(
            name=name,
            code=facts.category or f"bench-{facts.ticket_type}",
            ticket_type=TicketType.objects.get(code=facts.ticket_type),
        )

        def prepare(i, category=category):
            ticket = Ticket(
                category=category,
                ticket_type=category.ticket_type,
                channel="hotline",
                created_at=base + timedelta(minutes=37 * i),
            )
            prepared = SlaParticipant().prepare_creation(draft=ticket, now=ticket.created_at)
            assert prepared.deadline is not None and prepared.deadline.policy_code

        intake = timed(prepare, 300)
        report("pure", pure)
        report("selector", full)
        report("intake", intake)
        worst = max(worst, statistics.median(intake))
    verdict = "OK" if worst < 2.0 else "SLOWER THAN 2 ms"
    print(f"worst median at intake: {worst:.3f} ms — target < 2 ms: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
