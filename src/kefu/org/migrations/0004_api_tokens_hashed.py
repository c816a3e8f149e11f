"""API tokens are kept as digests (django-rest-knox) instead of in clear (DRF's authtoken).

Each existing key is hashed into a knox token with the same first characters, so programs
that use it keep working until it expires (API_TOKEN_TTL_DAYS from now) or is revoked; the
clear keys are then deleted. Going back cannot restore clear keys: it removes nothing and
the tokens must be created again.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"


def hash_clear_tokens(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS

    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote('key')}, user_id, created FROM {quote(OLD_TABLE)}")  # noqa: S608
        rows = cursor.fetchall()
    expiry = timezone.now() + settings.API_TOKEN_TTL
    tokens = [
        AuthToken(
            digest=hash_token(key),
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=user_id,
            expiry=expiry,
        )
        for key, user_id, _created in rows
    ]
    AuthToken.objects.bulk_create(tokens)
    # keep when each token was made (auto_now_add stamped the copies with now)
    for token, (_key, _user_id, created) in zip(tokens, rows, strict=True):
        AuthToken.objects.filter(digest=token.digest).update(created=created)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(OLD_TABLE)}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0003_confidential_handler_role"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(hash_clear_tokens, migrations.RunPython.noop)]
