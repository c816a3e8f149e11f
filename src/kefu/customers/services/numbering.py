"""Counters that number customers without gaps or clashes."""

from __future__ import annotations

from django.db.models import F

from kefu.customers.models import (
    Sequence as CounterRow,
)


def next_numbers(name: str, count: int = 1) -> range:
    """Reserve *count* consecutive numbers of the counter *name* in the caller's transaction.

    The UPDATE takes the row lock first, so concurrent callers never get the same numbers.
    """
    CounterRow.objects.get_or_create(name=name)
    CounterRow.objects.filter(name=name).update(value=F("value") + count)
    last = CounterRow.objects.values_list("value", flat=True).get(name=name)
    return range(last - count + 1, last + 1)


def customer_code(number: int) -> str:
    return f"KH{number:08d}"
