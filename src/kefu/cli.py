"""The ``kefu`` command: every Django management command, plus kefu's own.

``kefu demo``         migrate, load the demo organisation and start web app + worker
``kefu serve``        the web app under gunicorn (``--dev`` for the autoreloading server)
``kefu worker``       the background worker (Huey consumer)
``kefu createadmin``  create an administrator account
``kefu <command>``    any Django management command (``kefu migrate``, ``kefu shell`` …)
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([os.path.basename(sys.argv[0]) or "kefu", *sys.argv[1:]])
