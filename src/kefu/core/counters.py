"""Gapless counters for register numbers (work orders, complaint registers …)."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction


def counter_next(model, key: str) -> int:
    """Add one to the counter row ``key`` of ``model`` (a table with unique ``key`` and an
    integer ``value``) and return the new value; the row is created on first use.

    Runs in the caller's transaction: the row stays locked until it commits, so concurrent
    callers get consecutive values, and a rollback takes the increment back with it.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"UPDATE {table} SET value = value + 1 WHERE key = %s RETURNING value"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
        if row is None:
            try:
                with transaction.atomic():
                    model.objects.create(key=key, value=0)
            except IntegrityError:
                pass  # a concurrent caller created it a moment ago
            cursor.execute(sql, [key])
            row = cursor.fetchone()
    return row[0]
