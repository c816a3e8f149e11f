"""Keep the translations in step: `python scripts/i18n.py compile` writes every .mo from its
.po (pure Python, no gettext tools needed); `check` fails if a .po has untranslated or
fuzzy entries or a .mo is out of date.

core, org and site keep their messages in src/kefu/locale; every other app keeps its own in
src/kefu/<app>/locale. `python scripts/i18n.py extract` updates every catalogue from the
code (it needs GNU gettext's xgettext)."""

from __future__ import annotations

import sys
from pathlib import Path

import polib

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "kefu"


def catalogs() -> list[Path]:
    """The project catalogue (src/kefu/locale) and each app's own (src/kefu/<app>/locale)."""
    return sorted(
        [*PACKAGE.glob("locale/*/LC_MESSAGES/*.po"), *PACKAGE.glob("*/locale/*/LC_MESSAGES/*.po")]
    )


def problems(po_path: Path) -> list[str]:
    po = polib.pofile(str(po_path))
    found = [f"{po_path}: untranslated: {e.msgid!r}" for e in po.untranslated_entries()]
    found += [f"{po_path}: fuzzy: {e.msgid!r}" for e in po.fuzzy_entries()]
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        found.append(f"{mo_path}: missing; run python scripts/i18n.py compile")
    else:
        compiled = {
            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in polib.mofile(str(mo_path))
        }
        source = {
            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in po.translated_entries()
        }
        compiled.pop((None, ""), None)
        if compiled != source:
            found.append(f"{mo_path}: out of date; run python scripts/i18n.py compile")
    return found


def extract() -> None:
    """Run makemessages for the project catalogue and for every app that has its own."""
    import os
    import subprocess

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kefu.config.test_settings",
        "PYTHONPATH": str(PACKAGE.parent),
    }
    # core, org, site, config and api share the project catalogue; every other app has its own
    shared = {"core", "org", "site", "config", "api", "locale"}
    own = sorted(
        p.name
        for p in PACKAGE.iterdir()
        if p.is_dir() and p.name not in shared and (p / "apps.py").exists()
    )
    for app in own:
        (PACKAGE / app / "locale").mkdir(exist_ok=True)
    base = [
        sys.executable,
        "-P",
        "-m",
        "django",
        "makemessages",
        "-l",
        "zh_Hans",
        "--no-obsolete",
        "--ignore=tests/*",
        "--ignore=*/tests/*",
    ]
    subprocess.run([*base, *(f"--ignore={app}/*" for app in own)], cwd=PACKAGE, env=env, check=True)
    for app in own:
        subprocess.run(base, cwd=PACKAGE / app, env=env, check=True)
        print(f"extracted {app}")


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "extract":
        extract()
        return 0
    if command == "compile":
        for po_path in catalogs():
            polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
            print(f"compiled {po_path.with_suffix('.mo')}")
        return 0
    found = [problem for po_path in catalogs() for problem in problems(po_path)]
    print("\n".join(found) or "translations complete")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
