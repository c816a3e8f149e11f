"""The zh-Hans translation is complete and compiled."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]


def test_every_message_is_translated_and_compiled():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "i18n.py"), "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) not installed")
def test_no_message_in_the_code_is_missing_from_the_catalog(tmp_path):
    import polib

    copy = tmp_path / "kefu"
    shutil.copytree(
        ROOT / "src" / "kefu", copy, ignore=shutil.ignore_patterns("__pycache__", "tests")
    )
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        capture_output=True,
        check=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "kefu.config.test_settings",
            "PYTHONPATH": str(tmp_path),
        },
    )
    extracted = {
        e.msgid
        for po in copy.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")
        for e in polib.pofile(str(po))
    }
    known = {
        e.msgid
        for po in (ROOT / "src" / "kefu").glob("**/locale/zh_Hans/LC_MESSAGES/django.po")
        for e in polib.pofile(str(po))
    }
    assert extracted - known == set()
