"""Sealing a tip-off reporter's identity at rest (Fernet: AES-128-CBC + HMAC-SHA256).

The keys come from ``TIPOFF_IDENTITY_KEYS`` (comma-separated Fernet keys, the first one
encrypts, all of them decrypt, so keys can be rotated); when it is empty a key is derived
from ``SECRET_KEY`` with HKDF. Changing ``SECRET_KEY`` without setting the dedicated keys
makes identities sealed before unreadable: production should set its own keys.
"""

from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _derived_key() -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"kefu.complaints", info=b"reporter-identity"
    )
    return base64.urlsafe_b64encode(hkdf.derive(settings.SECRET_KEY.encode()))


def _fernet() -> MultiFernet:
    configured = [k.strip() for k in getattr(settings, "TIPOFF_IDENTITY_KEYS", []) if k.strip()]
    try:
        keys = [Fernet(k) for k in configured] or [Fernet(_derived_key())]
    except ValueError as exc:
        raise ImproperlyConfigured(
            "TIPOFF_IDENTITY_KEYS must hold Fernet keys (32 url-safe base64-encoded bytes)"
        ) from exc
    return MultiFernet(keys)


def seal(identity: dict) -> str:
    """The identity as an encrypted token (text)."""
    payload = json.dumps(identity, ensure_ascii=False, sort_keys=True).encode()
    return _fernet().encrypt(payload).decode()


class UnreadableIdentity(Exception):
    """The token was sealed with a key this server no longer has."""


def unseal(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise UnreadableIdentity from exc
