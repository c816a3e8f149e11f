"""Token authentication for the API: ``Authorization: Token <key>``.

Tokens are django-rest-knox ``AuthToken`` rows: only a SHA-512 digest of each key is
stored, with its first characters (to show which token is which) and an expiry.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework import authentication, exceptions

from kefu.org import tokenuse


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's ``Authorization: Token <key>`` header, checked against knox's hashed tokens.

    The key is hashed and the token read with its user in one query by the digest (knox's
    primary key). An unknown or revoked key, an expired token and an inactive user are
    refused with 401 and a message saying which.
    """

    def authenticate_credentials(self, key):
        digest = hash_token(key)
        token = AuthToken.objects.select_related("user").filter(digest=digest).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.expiry is not None and token.expiry <= now:
            raise exceptions.AuthenticationFailed(
                _("This API token has expired; create a new one on your staff page.")
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        tokenuse.record_use(digest, now)
        return token.user, token
