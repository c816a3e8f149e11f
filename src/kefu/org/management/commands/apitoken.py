from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kefu.org import selectors, services
from kefu.org.models import User


class Command(BaseCommand):
    help = (
        "API tokens of a staff member: `create` prints a new token once (only its digest is "
        "kept), `list` shows each token's first characters, expiry and last use, `revoke` "
        "ends one token (--token) or all of them (--all)."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create a token and print it once")
        create.add_argument("username")
        listing = actions.add_parser("list", help="the user's tokens (never their values)")
        listing.add_argument("username")
        revoke = actions.add_parser("revoke", help="revoke a token, or all of them")
        revoke.add_argument("username")
        which = revoke.add_mutually_exclusive_group(required=True)
        which.add_argument("--token", help="the token's first characters, as `list` shows them")
        which.add_argument("--all", action="store_true", help="every token of the user")

    def handle(self, *args, action, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if action == "create":
            try:
                issued = services.token_create(user=user)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            self.stderr.write(
                f"New token for {username}, expires {_when(issued.token.expiry)}. "
                "Copy it now: it is not stored and cannot be shown again."
            )
            self.stdout.write(issued.key)
        elif action == "list":
            for row in selectors.api_tokens(user, now=timezone.now()):
                expiry = _when(row.expiry) if row.expiry else "never"
                used = _when(row.last_used) if row.last_used else "-"
                state = "expired" if row.expired else "active"
                self.stdout.write(
                    f"{row.token_key}\tcreated {_when(row.created)}\t"
                    f"expires {expiry}\tlast used {used}\t{state}"
                )
        else:
            token_key = None if options["all"] else options["token"]
            if token_key is not None:
                token_key = _full_key(user, token_key)
            count = services.token_revoke(user=user, token_key=token_key)
            if token_key is not None and not count:
                raise CommandError(f"{username} has no token starting with {options['token']!r}.")
            self.stdout.write(f"Revoked {count} token(s) of {username}.")


def _full_key(user, start: str) -> str:
    """The stored first characters of the one token of *user* that begins with *start*."""
    from knox.models import AuthToken

    keys = list(
        AuthToken.objects.filter(user=user, token_key__startswith=start).values_list(
            "token_key", flat=True
        )
    )
    if len(keys) > 1:
        raise CommandError(f"{start!r} matches {len(keys)} tokens; give more characters.")
    return keys[0] if keys else start


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
