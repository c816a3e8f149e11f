"""Per-process copies of configuration that every intake reads and administrators rarely
change: categories, message templates, time-limit policies and calendars.

Reading them from the database on every new order cost more than writing the order.
A :class:`ConfigCache` keeps what its ``build`` function read and hands it out until one
of its tables changes:

- in this process, a save or delete of one of its models drops the copy at once;
- in other processes, every change to these tables writes a history row (the admin, the
  API, the services and the seeding all do) and committed history ids only grow, so the
  newest history id of each table is a stamp of their content. Each copy carries the stamp
  read before it was built; a process reads the stamp again (one indexed query) at most
  once every ``CHECK_EVERY`` seconds and builds a new copy when it moved. A change made in
  another process (or committed while another thread of this one was building a copy)
  is in use within that time;
- as a guard against a write that skipped both signals and history (a bulk ``update()``),
  no copy is older than ``MAX_AGE`` seconds.

A copy is kept only when read outside a transaction, hence from committed rows; inside one
(a test, or a service that just changed the configuration) ``get`` reads afresh every time.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import connection
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")


class _Entry(Generic[T]):
    __slots__ = ("built_at", "checked_at", "stamp", "value")

    def __init__(self, value: T, stamp: tuple, now: float) -> None:
        self.value = value
        self.stamp = stamp
        self.built_at = now
        self.checked_at = now


class ConfigCache(Generic[T]):
    CHECK_EVERY = 2.0
    MAX_AGE = 60.0
    _instances: weakref.WeakSet[ConfigCache] = weakref.WeakSet()

    @classmethod
    def clear_all(cls) -> None:
        """Drop every copy in this process (the next ``get`` of each reads afresh)."""
        for cache in list(cls._instances):
            cache.clear()

    def __init__(self, models: Callable[[], list], build: Callable[[], T]) -> None:
        ConfigCache._instances.add(self)
        self._models = models
        self._build = build
        self._entry: _Entry[T] | None = None
        self._sql: str | None = None
        self._connected = False
        self._lock = threading.Lock()
        self.clock = time.monotonic

    def get(self) -> T:
        self._connect()
        now = self.clock()
        entry = self._entry  # replaced whole, never changed in place
        if entry is not None and now - entry.checked_at < self.CHECK_EVERY:
            return entry.value
        stamp = self._stamp()
        if entry is not None and entry.stamp == stamp and now - entry.built_at < self.MAX_AGE:
            entry.checked_at = now
            return entry.value
        value = self._build()
        if not connection.in_atomic_block:
            self._entry = _Entry(value, stamp, now)
        return value

    def clear(self, **kwargs) -> None:
        self._entry = None

    def _connect(self) -> None:
        if self._connected:
            return
        with self._lock:
            if self._connected:
                return
            for model in self._models():
                post_save.connect(self.clear, sender=model, weak=False)
                post_delete.connect(self.clear, sender=model, weak=False)
            self._connected = True

    def _stamp(self) -> tuple:
        if self._sql is None:
            quote = connection.ops.quote_name
            parts = [
                f"(SELECT MAX(history_id) FROM {quote(model.history.model._meta.db_table)})"  # noqa: S608
                for model in self._models()
            ]
            self._sql = "SELECT " + ", ".join(parts)
        with connection.cursor() as cursor:
            cursor.execute(self._sql)
            return tuple(cursor.fetchone())
