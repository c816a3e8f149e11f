"""Counters that number customers without gaps or clashes."""

from __future__ import annotations

from kefu.core.counters import counter_next
from kefu.customers.models import Sequence as CounterRow


def next_numbers(name: str, count: int = 1) -> range:
    """Reserve *count* consecutive numbers of the counter *name* in the caller's transaction
    (the row stays locked until it commits, so concurrent callers never get the same
    numbers)."""
    last = counter_next(CounterRow, name, count=count)
    return range(last - count + 1, last + 1)


def customer_code(number: int) -> str:
    return f"KH{number:08d}"
