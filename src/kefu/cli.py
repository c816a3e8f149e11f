"""The ``kefu`` command: kefu's own commands first, and every Django management command.

``kefu``              kefu's own commands, each with its one-line help
``kefu --version``    kefu's version
``kefu demo``         migrate, load the demo organisation and start web app + worker
``kefu serve``        the web app under gunicorn (``--dev`` for the autoreloading server)
``kefu worker``       the background worker (Huey consumer)
``kefu createadmin``  create an administrator account
``kefu help --all``   every command, Django's included (``kefu migrate``, ``kefu shell`` …)

A setting that cannot be used (a malformed ``DATABASE_URL``, a short ``SECRET_KEY`` …)
stops the command with one line naming it, and exit status 2.
"""

from __future__ import annotations

import os
import sys

import kefu

HELP_FLAGS = {"-h", "--help", "help"}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["--version"], ["version"]):
        print(f"kefu {kefu.__version__}")
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings")
    _load_settings_or_exit()
    if not args or (args[0] in HELP_FLAGS and len(args) == 1):
        print(own_commands_help())
        return
    if args[0] in HELP_FLAGS and args[1:] == ["--all"]:
        args = ["help"]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kefu", *args])


def _load_settings_or_exit() -> None:
    """Read the settings now, so that a bad one ends in one line instead of a traceback."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 - reading it loads the settings module
    except ImproperlyConfigured as exc:
        print(f"kefu: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def own_commands_help() -> str:
    """kefu's own commands with the first line of their help, then how to see the rest."""
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    own = sorted(
        (name, app) for name, app in get_commands().items() if str(app).startswith("kefu.")
    )
    width = max(len(name) for name, _app in own)
    lines = [f"kefu {kefu.__version__} — 客户服务管理系统", "", "kefu's commands:"]
    for name, app in own:
        summary = _first_sentence(load_command_class(app, name).help or "")
        lines.append(f"  kefu {name.ljust(width)}  {summary}")
    lines += [
        "",
        "kefu <command> --help   what a command does and its options",
        "kefu help --all         every command, Django's own included (migrate, shell …)",
        "kefu --version          kefu's version",
    ]
    return "\n".join(lines)


def _first_sentence(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    for stop in (". ", "。"):
        if stop in text:
            text = text.split(stop, 1)[0] + stop.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
