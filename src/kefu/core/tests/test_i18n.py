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


def test_one_english_message_has_one_chinese_translation_across_the_apps():
    """Django merges every app's catalogue and the first one wins: a message that two apps
    translate differently shows the other app's words (the order page's 退单 button once
    read 返回时间). Where an English word has two meanings, the code gives each a message
    context (``pgettext``)."""
    import polib

    seen: dict[tuple[str | None, str], dict[str, str]] = {}
    for po_path in sorted((ROOT / "src" / "kefu").glob("**/locale/zh_Hans/LC_MESSAGES/*.po")):
        for entry in polib.pofile(str(po_path)).translated_entries():
            key = (entry.msgctxt, entry.msgid)
            seen.setdefault(key, {})[str(po_path.relative_to(ROOT))] = entry.msgstr
    clashes = {
        key: translations
        for key, translations in seen.items()
        if len(set(translations.values())) > 1
    }
    assert clashes == {}


@pytest.mark.django_db
def test_words_with_two_meanings_read_right_in_each_place():
    from django.utils import translation

    from kefu.customers.forms import TripForm
    from kefu.customers.models import Contact
    from kefu.tickets.models import Ticket
    from kefu.tickets.states import Action

    with translation.override("zh-hans"):
        assert str(Action.RETURN.label) == "退单"  # the order page's button
        assert str(TripForm().fields["return_at"].label) == "返回时间"
        assert str(Contact._meta.get_field("title").verbose_name) == "职务"
        assert str(Ticket._meta.get_field("description").verbose_name) == "问题描述"
