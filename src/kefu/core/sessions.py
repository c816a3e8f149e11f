"""Sessions in the database, where a read is answered even when its refresh cannot be
written.

Every request saves its session to slide the idle timeout forward. When the database
cannot take that write within its deadline (another writer holds the lock, see
``KEFU_DB_LOCK_TIMEOUT``) and nothing in the session changed, the answer goes out anyway
and the expiry stays where the previous request put it. A session that did change (a
login, a stored choice) must be saved: its error stands, and the request answers 503
(:mod:`kefu.core.unavailable`).
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import OperationalError

logger = logging.getLogger(__name__)


class SessionStore(db.SessionStore):
    #: set by a view answering a request the page made by itself (the bell's polling): an
    #: unchanged session is then not saved, so it does not keep the person signed in
    background = False

    def save(self, must_create=False):
        if self.background and not self.modified and not must_create:
            return None
        try:
            return super().save(must_create=must_create)
        except UpdateError as exc:
            # Django reports any database error of an update as UpdateError, which its
            # middleware answers with 400 ("session interrupted"); the database's own
            # error is the context
            cause = exc.__context__
            if not isinstance(cause, OperationalError):
                raise
            if self.modified:
                raise cause from None
            logger.warning("session expiry not refreshed: %s", cause)
            return None
