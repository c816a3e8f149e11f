"""Change history helpers (the history itself is kept by django-simple-history)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models.signals import post_save


@contextmanager
def one_history_record(instance, *, created: bool) -> Iterator[None]:
    """Record the saves and many-to-many changes made inside the block as one history row.

    Without this, setting a many-to-many field (roles) writes a row per remove and per add,
    and the history would show a change in three confusing steps.
    """
    instance.skip_history_when_saving = True
    try:
        yield
    finally:
        del instance.skip_history_when_saving
    post_save.send(
        sender=type(instance),
        instance=instance,
        created=created,
        using=instance._state.db,
        update_fields=None,
        raw=False,
    )
