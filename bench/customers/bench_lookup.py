"""Latency of the agent's customer lookup (``selectors.customer_lookup``) on a filled database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_bench \
        .venv/bin/python bench/customers/bench_lookup.py --per-kind 200

Fill the database first with ``bench/customers/gen_customers.py``. The queries are real
values sampled from the database (full phones, phone prefixes, account numbers, document
numbers, customer numbers, names, name fragments) plus misses, run as the hotline agent
(no scope filter) and as an account manager (scoped to their team). Prints p50 / p95 / max
per kind and overall, in milliseconds, measured around the selector call (query + Python).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from kefu.customers import selectors  # noqa: E402
from kefu.customers.models import Customer, CustomerKey  # noqa: E402
from kefu.org.models import User  # noqa: E402


def sample(kind: str, n: int, rng: random.Random) -> list[str]:
    """*n* stored values of a key kind, spread over the table (not timed)."""
    top = CustomerKey.objects.order_by("-id").values_list("id", flat=True).first() or 0
    found: list[str] = []
    while len(found) < n:
        start = rng.randrange(1, max(2, top))
        found += list(
            CustomerKey.objects.filter(kind=kind, id__gte=start)
            .order_by("id")
            .values_list("value", flat=True)[:5]
        )
    return found[:n]


def queries(per_kind: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    phones = sample("phone", per_kind, rng)
    names = sample("name", per_kind * 3, rng)
    people = [n for n in names if len(n) <= 3][:per_kind]
    companies = [n for n in names if len(n) > 6][:per_kind]
    return {
        "phone (full)": phones,
        "phone (first 7 digits)": [p[:7] for p in sample("phone", per_kind, rng)],
        "account number": sample("account", per_kind, rng),
        "document number": sample("id_number", per_kind, rng),
        "customer number": sample("code", per_kind, rng),
        "person name (full)": people,
        "name prefix (2 chars)": [c[:2] for c in companies],
        "name inside (4 chars)": [c[2:6] for c in companies],
        "name inside (2 chars)": [c[2:4] for c in companies],
        "miss (unknown phone)": [f"199{rng.randrange(10**8):08d}" for _ in range(per_kind)],
    }


def measure(user, values: list[str]) -> list[float]:
    timings = []
    for value in values:
        started = time.perf_counter()
        selectors.customer_lookup(user, value)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    agent = User.objects.get(username="bench-agent")
    manager = User.objects.filter(username__startswith="bench-cm").order_by("username").first()
    plan = queries(args.per_kind, args.seed)
    print(
        f"{Customer.objects.count()} customers, {CustomerKey.objects.count()} lookup keys, "
        f"{connection.vendor}"
    )
    for label, user in (("agent (whole directory)", agent), ("account manager (scoped)", manager)):
        # warm up connections and caches the way a running server has them
        measure(user, plan["phone (full)"][:20])
        everything: list[float] = []
        print(f"\n{label}")
        print(f"  {'query kind':26} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for kind, values in plan.items():
            timings = measure(user, values)
            everything += timings
            print(
                f"  {kind:26} {len(timings):5d} {statistics.median(timings):8.1f} "
                f"{percentile(timings, 95):8.1f} {max(timings):8.1f}"
            )
        print(
            f"  {'ALL':26} {len(everything):5d} {statistics.median(everything):8.1f} "
            f"{percentile(everything, 95):8.1f} {max(everything):8.1f}"
        )


if __name__ == "__main__":
    main()
