"""PostgreSQL with a health check that costs no round trip while the connection is quiet.

Django checks a kept connection at the start of each request (``CONN_HEALTH_CHECKS``) by
sending ``SELECT 1``: a round trip on every request. An idle connection has nothing to
read; when the server ends it (a restart, an administrator's ``pg_terminate_backend``,
an idle timeout) it sends its farewell and closes the socket, which makes it readable.
So the socket is polled first, without waiting: nothing to read means the connection is
as the last request left it; anything to read, and only then, gets the ``SELECT 1``,
which fails on a closed connection and lets Django open a new one before the request
uses it.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        if self.connection is None or self.connection.closed:
            return False
        try:
            readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        if not readable:
            return True
        return super().is_usable()
