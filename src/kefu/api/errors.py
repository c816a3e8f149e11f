"""One shape for every error the API answers, whatever raised it.

```json
{"code": "invalid", "message": "请检查以下字段：title",
 "errors": [{"field": "title", "code": "required", "message": "该字段是必填项。"}]}
```

``code`` is a machine-readable name of what went wrong (DRF's own codes: ``invalid``,
``not_authenticated``, ``permission_denied``, ``not_found``, ``method_not_allowed``,
``throttled`` …, and ``request_too_large``, ``database_busy``, ``server_error``);
``message`` says it in the user's language; ``errors`` lists each field at fault (``field``
is null for a rule about the whole request; nested fields are joined with dots:
``contacts.0.mobile``) with the code of the rule it broke.

:func:`exception_handler` (REST_FRAMEWORK's ``EXCEPTION_HANDLER``) shapes what DRF views
raise: DRF's exceptions, and Django's ``ValidationError`` and ``PermissionDenied`` raised by
the services, so views let them through untranslated. The ``handler*`` views
(``kefu.config.urls``) shape what happens outside DRF's views for paths under ``/api/``: an
unknown URL, a body too large for Django to read, an unexpected error.
"""

from __future__ import annotations

import logging
import sys

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
#: keys of DRF and Django error dictionaries that name no field
NON_FIELD_KEYS = frozenset({api_settings.NON_FIELD_ERRORS_KEY, "__all__", "detail"})


#: the codes of the API's own errors (beside DRF's and Django's, and the apps' rules in
#: ``kefu.<app>.errors.CODES``), each with what it means
CODES = {
    "bad_request": gettext_lazy("The request could not be read."),
    "database_busy": gettext_lazy("The database cannot be reached just now."),
    # kefu.core.dates: a year outside the span the calendars cover
    "date_out_of_span": gettext_lazy("The date is outside the years the system covers."),
    "request_too_large": gettext_lazy("The request body is too large."),
    "server_error": gettext_lazy("Something went wrong on the server's side."),
}


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True, help_text="the field at fault (dotted when nested); null: the request"
    )
    code = serializers.CharField(help_text="the rule broken, e.g. required, invalid, max_length")
    message = serializers.CharField(help_text="in the user's language")


class ErrorSerializer(serializers.Serializer):
    """The body of every API error."""

    code = serializers.CharField(help_text="what went wrong, machine-readable")
    message = serializers.CharField(help_text="a summary in the user's language")
    errors = FieldErrorSerializer(many=True)


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "request_too_large"


def exception_handler(exc, context):
    """DRF's handler, with every error in the envelope above; ``None`` (a 500, logged by
    Django and answered by :func:`server_error`) for anything unexpected."""
    if isinstance(exc, OperationalError | InterfaceError):
        # busy or unreachable: the one 503 answer the rest of the product gives, too
        from kefu.core.unavailable import database_unavailable_response

        logger.warning("database unavailable", exc_info=exc)
        return database_unavailable_response(context["request"])
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = envelope(exc)
    return response


def _as_api_exception(exc):
    if isinstance(exc, Http404):
        # Django's messages name models ("No WorkCalendar matches …"): say it in the
        # user's language instead
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(serializers.as_serializer_error(exc))
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    return exc


def envelope(exc: exceptions.APIException) -> dict:
    """The error body for a DRF exception."""
    if isinstance(exc, exceptions.ValidationError) or isinstance(exc.detail, dict | list):
        errors = list(_field_errors(exc.detail))
        fields = list(dict.fromkeys(e["field"] for e in errors if e["field"] is not None))
        if fields:
            message = _("Check these fields: %(fields)s") % {"fields": ", ".join(fields)}
        elif errors:
            message = errors[0]["message"]
        else:
            message = str(exc.default_detail)
        return {"code": exc.default_code, "message": message, "errors": errors}
    return {
        "code": getattr(exc.detail, "code", None) or exc.default_code,
        "message": str(exc.detail),
        "errors": [],
    }


def _field_errors(detail, path: str | None = None):
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = None if key in NON_FIELD_KEYS else str(key)
            yield from _field_errors(value, _join(path, name))
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            nested = isinstance(item, dict | list)
            yield from _field_errors(item, _join(path, str(index)) if nested else path)
    else:
        yield {
            "field": path,
            "code": getattr(detail, "code", None) or "invalid",
            "message": str(detail),
        }


def _join(path: str | None, name: str | None) -> str | None:
    if name is None:
        return path
    return name if path is None else f"{path}.{name}"


def error_response(code: str, message: str, status_code: int, **headers) -> JsonResponse:
    response = JsonResponse(
        {"code": code, "message": message, "errors": []},
        status=status_code,
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


# Django's error views, with JSON for the API's paths (``kefu.config.urls`` names them).


def bad_request(request, exception):
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        too_large = RequestTooLarge()
        return error_response(too_large.default_code, str(too_large.detail), 413)
    return error_response("bad_request", _("The request could not be read."), 400)


def permission_denied(request, exception):
    if not _is_api(request):
        return defaults.permission_denied(request, exception)
    refused = exceptions.PermissionDenied()
    return error_response(refused.default_code, str(refused.detail), 403)


def page_not_found(request, exception):
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return error_response("not_found", _("There is no such address in the API."), 404)


def server_error(request):
    from kefu.core.unavailable import database_unavailable_response, is_database_unavailable

    # called while Django handles the exception (outside a view, e.g. in a middleware)
    if is_database_unavailable(sys.exception()):
        return database_unavailable_response(request)
    if not _is_api(request):
        return defaults.server_error(request)
    return error_response(
        "server_error", _("Something went wrong on our side. The error has been logged."), 500
    )
