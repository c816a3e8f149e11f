"""Phone numbers and ID numbers are kept out of log lines.

They reach the access logs in query strings: the phone switch opens the intake page with
``?calling_number=…``, the caller panel and the searches send what was typed. In a query
string, the value of a parameter that names a person's data (phone, ID number, search text)
is replaced by ``***``, and so is any value holding seven digits or more; anywhere in a line,
a mobile number, a landline number or an ID number is replaced too. Everything else (paths,
filters, page numbers) stays readable.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

from gunicorn.glogging import Logger

MASK = "***"

# parameters whose value is a person's data whatever it looks like
PERSONAL_PARAMETERS = frozenset(
    {
        "phone",
        "mobile",
        "tel",
        "telephone",
        "calling_number",
        "contact_phone",
        "contact_name",
        "caller",
        "id_number",
        "id_no",
        "idcard",
        "id_card",
        "q",
        "query",
        "search",
        "name",
        "reporter",
    }
)

_DIGITS = re.compile(r"\d{7,}")
_SEPARATORS = re.compile(r"[\s\-+().]")
# a query string: from "?" to the next space or quote
_QUERY = re.compile(r"\?([^\s\"']*)")
# mobile (+86 optional), landline with area code, 18-character ID number; not inside a
# longer run of digits or letters
_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])(?:"
    r"\d{17}[\dXx]"
    r"|(?:(?:\+|%2[Bb]|00)?86[-\s]?)?1[3-9]\d{9}"
    r"|0\d{2,3}-?\d{7,8}"
    r")(?![0-9A-Za-z])"
)


def mask_query(query: str) -> str:
    """A query string (without ``?``) with personal values replaced by ``***``."""
    if not query:
        return query
    parts = []
    for pair in query.split("&"):
        name, equals, value = pair.partition("=")
        plain = unquote_plus(value)
        if (
            equals
            and value
            and (
                unquote_plus(name).strip().lower() in PERSONAL_PARAMETERS
                or _DIGITS.search(_SEPARATORS.sub("", plain))
            )
        ):
            value = MASK
        parts.append(f"{name}{equals}{value}")
    return "&".join(parts)


def mask_text(text: str) -> str:
    """A log line with the query strings in it masked, and any phone or ID number."""
    text = _QUERY.sub(lambda match: "?" + mask_query(match.group(1)), text)
    return _NUMBER.sub(MASK, text)


class MaskPersonalData(logging.Filter):
    """A logging filter that masks phone and ID numbers in every record it passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class GunicornLogger(Logger):
    """gunicorn's logger, with the access log's request line, query string, referrer and
    headers masked."""

    # atoms that hold a bare query string (no "?")
    QUERY_ATOMS = frozenset({"q", "{query_string}e"})

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if isinstance(value, str):
                atoms[name] = mask_query(value) if name in self.QUERY_ATOMS else mask_text(value)
        return atoms
