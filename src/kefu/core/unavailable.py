"""A request that meets a busy or unreachable database answers 503 with ``Retry-After``.

Every wait for the database has a deadline (``KEFU_DB_LOCK_TIMEOUT``): a write that does
not get SQLite's write lock in time, a statement that does not get a PostgreSQL lock in
time, a connection that is refused or lost all fail with ``OperationalError``. Nothing was
saved, so the request can be sent again: the API answers ``{"code": "database_busy", …}``
in JSON and a page answers in the reader's language with a link back.

Two hooks lead here: :class:`DatabaseUnavailableMiddleware` for errors raised by a view
(including the API's, which DRF re-raises), and :func:`server_error`, the project's
``handler500``, for those raised outside a view (loading the session or the user).
"""

from __future__ import annotations

import logging
import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether *exc* says the database could not serve the request now (a lock or a
    connection not had within its deadline, a lost connection): worth a retry later."""
    return isinstance(exc, OperationalError | InterfaceError)


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with ``Retry-After``: JSON under ``/api/``, else a page with a way back.

    Renders without the request's context (no menu, no user): the database may be down.
    """
    message = _("The system is busy and this action was not saved. Please try again shortly.")
    if request.path_info.startswith("/api/"):
        response = JsonResponse(
            {"code": "database_busy", "message": message, "errors": []},
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        page = loader.render_to_string(
            "core/database_busy.html", {"message": message, "back_url": _back_url(request)}
        )
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(settings.DB_LOCK_TIMEOUT)
    return response


def _back_url(request: HttpRequest) -> str:
    """The page the request came from, when it is one of ours; else the start page."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return "/"


class DatabaseUnavailableMiddleware:
    """Turns a view's ``OperationalError`` into the 503 answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        logger.warning("database unavailable on %s %s: %s", request.method, request.path, exception)
        return database_unavailable_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: the 503 answer when the error being handled is the database's
    (raised outside a view, so no middleware's ``process_exception`` saw it)."""
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response(request)
    return defaults.server_error(request)
