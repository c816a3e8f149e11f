"""Token authentication for the API."""

from __future__ import annotations

import functools

from django.db import connection
from rest_framework import authentication
from rest_framework.authtoken.models import Token

from kefu.org.models import User


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's ``Authorization: Token <key>``, with the user read in one plain query.

    Building DRF's ``select_related`` query cost every API request about 0.25 ms of CPU,
    as much as the rest of the check. An unknown key or an inactive user is left to DRF's
    own check, which refuses it with DRF's messages.
    """

    def authenticate_credentials(self, key):
        users = list(User.objects.raw(_user_by_token_sql(), [key]))
        if not users or not users[0].is_active:
            return super().authenticate_credentials(key)
        user = users[0]
        return user, Token(key=key, user=user)


@functools.cache
def _user_by_token_sql() -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT u.* FROM {quote(User._meta.db_table)} u "  # noqa: S608 - names, not input
        f"INNER JOIN {quote(Token._meta.db_table)} t ON t.user_id = u.id WHERE t.key = %s"
    )
