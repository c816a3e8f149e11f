"""Phone numbers as people type them, as they are looked up, and as they are shown masked.

Pure: no ORM, no settings. Every screen, export, API answer and public page that shows a
phone number to someone who may not see it whole shows :func:`mask_phone`'s form.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-()（）]")


def normalise_phone(raw: str) -> str:
    """Digits only, without a leading +86/0086 country code.

    ``"138 0013 8000"`` → ``"13800138000"``; ``"028-8765 4321"`` → ``"02887654321"``;
    ``"+86 138-0013-8000"`` → ``"13800138000"``. An extension (``"-123"`` after a
    landline) is kept as trailing digits after ``"#"``.
    """
    text = (raw or "").strip()
    extension = ""
    for mark in ("#", "转", "ext", "EXT", "x"):
        if mark in text:
            text, _, extension = text.partition(mark)
            break
    digits = _SEPARATORS.sub("", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    extension = re.sub(r"\D", "", extension)
    return f"{digits}#{extension}" if extension else digits


def phone_lookup_value(raw: str) -> str:
    """The value a phone is indexed under for lookup: its digits without the extension."""
    return normalise_phone(raw).partition("#")[0]


def mask_phone(raw: str) -> str:
    """The number as shown to someone who may not see it whole.

    The rule: separators, the +86/0086 country code and any extension are dropped; a
    number of eight digits or more keeps its first three and last four digits and every
    digit between becomes ``*`` (mobile ``13812345678`` → ``138****5678``, landline
    ``028-87654321`` → ``028****4321``); a shorter number is all ``*``. Empty stays empty.
    """
    number = phone_lookup_value(raw)
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
