"""Helpers for tests of the API."""


def field_errors(response) -> dict[str | None, list[str]]:
    """The messages of an API error body by field (``None``: about the whole request)."""
    found: dict[str | None, list[str]] = {}
    for error in response.json()["errors"]:
        found.setdefault(error["field"], []).append(error["message"])
    return found
