"""Gapless counters: the one way every numbered series takes its numbers.

Work-order numbers (``tickets.NumberCounter``), complaint and tip-off register numbers
(``complaints.RegisterCounter``) and customer codes draw from counter rows through
:func:`counter_next`. A counter table has a unique ``key`` and an integer ``value`` (the
last number issued).
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction


def counter_next(model, key: str, *, count: int = 1) -> int:
    """Add *count* to the counter row ``key`` of ``model`` and return the new value (the
    last of the *count* numbers taken; they are ``value - count + 1 … value``). The row is
    created on first use.

    Runs in the caller's transaction: the one ``UPDATE … RETURNING`` both increments and
    locks the row until the caller commits, so concurrent callers get consecutive values
    and never the same one, and a rollback takes the increment back with it (no gaps).
    """
    if count < 0:
        raise ValueError("count must not be negative")
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"UPDATE {table} SET value = value + %s WHERE key = %s RETURNING value"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [count, key])
        row = cursor.fetchone()
        if row is None:
            _counter_create(model, key)
            cursor.execute(sql, [count, key])
            row = cursor.fetchone()
    return row[0]


def counter_at_least(model, key: str, value: int) -> int:
    """Raise the counter row ``key`` to *value* unless it is there already (numbers loaded
    from elsewhere, such as a history import, go on after the highest); return its value.

    Like :func:`counter_next` it locks the row in the caller's transaction.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    sql = (
        f"UPDATE {table} SET value = CASE WHEN value < %s THEN %s ELSE value END "  # noqa: S608
        "WHERE key = %s RETURNING value"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value, value, key])
        row = cursor.fetchone()
        if row is None:
            _counter_create(model, key)
            cursor.execute(sql, [value, value, key])
            row = cursor.fetchone()
    return row[0]


def _counter_create(model, key: str) -> None:
    try:
        with transaction.atomic():
            model.objects.create(key=key, value=0)
    except IntegrityError:
        pass  # a concurrent caller created it a moment ago
