"""The OpenAPI schema's description of the errors each operation may answer."""

from __future__ import annotations

from drf_spectacular import openapi
from rest_framework.permissions import AllowAny

from kefu.api.errors import ErrorSerializer

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
        for status in self.error_statuses(operation):
            operation["responses"].setdefault(
                status,
                {
                    "description": DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": envelope}},
                },
            )
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
