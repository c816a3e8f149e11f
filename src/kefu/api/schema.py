"""The OpenAPI schema's description of the errors each operation may answer: every 4xx
response is the error envelope of :mod:`kefu.api.errors`, and the envelope's ``code`` and
``errors[].code`` list every code the API answers (:func:`error_codes`)."""

from __future__ import annotations

import inspect
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core import validators
from django.db.models import fields as model_fields
from django.db.models.fields import json as model_json_fields
from django.db.models.fields import related as model_related_fields
from django.forms import fields as form_fields
from django.forms import models as form_models
from drf_spectacular import openapi
from rest_framework import exceptions
from rest_framework import fields as drf_fields
from rest_framework import relations as drf_relations
from rest_framework import serializers as drf_serializers
from rest_framework.permissions import AllowAny

from kefu.api import errors
from kefu.api.errors import ErrorSerializer

#: the component the envelope's codes are published as
CODE_COMPONENT = "ErrorCode"

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

DESCRIPTIONS = {
    "400": "The input is not valid (body, query or path): `errors` names each field at fault "
    "and the rule it broke.",
    "401": "No credentials, or credentials that are not valid.",
    "403": "The caller may not do this (role, data scope, or the record's state).",
    "404": "No such record in the caller's data scope (or a list cursor that is not valid).",
    "413": "The request body is larger than the server accepts.",
    "415": "The request body is in a media type the operation does not take.",
    "429": "Too many requests from this address; `Retry-After` says when to try again.",
    "503": "The database cannot be reached just now; `Retry-After` says when to try again.",
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the error responses (the error envelope of
    :mod:`kefu.api.errors`) that the operation can answer."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        envelope = self.resolve_serializer(ErrorSerializer, "response").ref
        responses = operation["responses"]
        for status in self.error_statuses(operation):
            responses.setdefault(status, {"description": DESCRIPTIONS[status]})
        for status, response in responses.items():
            if str(status).startswith("4"):
                response["content"] = {"application/json": {"schema": envelope}}
        return operation

    def error_statuses(self, operation: dict) -> list[str]:
        """The error statuses this operation may answer."""
        view = self.view
        parameters = operation.get("parameters", [])
        statuses = []
        takes_input = self.method in BODY_METHODS or self.method == "DELETE"
        if takes_input or parameters:
            statuses.append("400")
        public = all(issubclass(p, AllowAny) for p in view.permission_classes)
        if not public:
            statuses += ["401", "403"]
        if any(p["in"] in ("path", "query") for p in parameters):
            statuses.append("404")
        if self.method in BODY_METHODS:
            statuses += ["413", "415"]
        if view.throttle_classes:
            statuses.append("429")
        statuses.append("503")
        return statuses


def error_codes() -> dict[str, str]:
    """Every ``code`` the API's errors can carry, with what it means: DRF's (its exceptions,
    its fields' rules), Django's (its validators', model and form fields' rules, which
    services' ``full_clean`` and the list filters raise), the API's own
    (:data:`kefu.api.errors.CODES`) and each installed kefu app's
    (``kefu.<app>.errors.CODES``)."""
    codes: dict[str, str] = {}

    def add(code, meaning) -> None:
        if isinstance(code, str) and code not in codes:
            codes[code] = " ".join(str(meaning).split())

    for _name, exc in inspect.getmembers(exceptions, inspect.isclass):
        if issubclass(exc, exceptions.APIException) and exc is not exceptions.APIException:
            add(exc.default_code, exc.default_detail)
    fields = [
        (drf_fields.Field, (drf_fields, drf_relations, drf_serializers)),
        (model_fields.Field, (model_fields, model_json_fields, model_related_fields)),
        (form_fields.Field, (form_fields, form_models)),
    ]
    for base, modules in fields:
        for module in modules:
            for _name, field in inspect.getmembers(module, inspect.isclass):
                if not issubclass(field, base):
                    continue
                for klass in reversed(field.__mro__):
                    for code, message in getattr(klass, "default_error_messages", {}).items():
                        add(code, message)
    for _name, validator in inspect.getmembers(validators):
        code = getattr(validator, "code", None)
        if code is not None:
            add(code, getattr(validator, "message", code))
    # Django's model validation beyond its fields' own messages (Model.unique_error_message)
    add("unique_together", "%(model_name)s with this %(field_labels)s already exists.")
    for code, meaning in errors.CODES.items():
        add(code, meaning)
    for config in apps.get_app_configs():
        if config.name.startswith("kefu.") and find_spec(f"{config.name}.errors") is not None:
            for code, meaning in import_module(f"{config.name}.errors").CODES.items():
                add(code, meaning)
    return dict(sorted(codes.items()))


def postprocess_error_codes(result, generator, request, public):
    """drf-spectacular postprocessing hook: publish :func:`error_codes` as the
    ``ErrorCode`` component and let the envelope's ``code`` fields refer to it."""
    schemas = result.get("components", {}).get("schemas", {})
    if "Error" not in schemas:
        return result
    codes = error_codes()
    schemas[CODE_COMPONENT] = {
        "type": "string",
        "enum": list(codes),
        "description": "What went wrong, machine-readable; one of:\n\n"
        + "\n".join(f"* `{code}`: {meaning}" for code, meaning in codes.items()),
    }
    ref = {"$ref": f"#/components/schemas/{CODE_COMPONENT}"}
    for name in ("Error", "FieldError"):
        code = schemas.get(name, {}).get("properties", {}).get("code")
        if code is not None:
            schemas[name]["properties"]["code"] = {
                "allOf": [ref],
                "description": code.get("description", ""),
            }
    return result
