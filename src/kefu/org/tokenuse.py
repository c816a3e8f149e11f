"""When each API token was last used, kept in the cache rather than the database.

Recording a use must not cost an API request a database write (on SQLite every write waits
for the one writer's lock), so the time is kept in the shared cache, at most once a minute
per token. After the cache is cleared a token shows no last use until it is used again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache

RECORD_INTERVAL = timedelta(minutes=1)


def _key(digest: str) -> str:
    return f"kefu:api-token-used:{digest[:32]}"


def record_use(digest: str, now: datetime) -> None:
    """Note that the token with this digest was used at *now* (at most once a minute)."""
    last = cache.get(_key(digest))
    if last is None or now - last >= RECORD_INTERVAL:
        cache.set(_key(digest), now, timeout=int(settings.API_TOKEN_TTL.total_seconds()))


def last_uses(digests: Iterable[str]) -> dict[str, datetime]:
    """The last recorded use of each token that has one, by digest."""
    keys = {_key(digest): digest for digest in digests}
    return {keys[key]: when for key, when in cache.get_many(list(keys)).items()}
