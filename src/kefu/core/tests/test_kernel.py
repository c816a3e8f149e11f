"""kefu.core is the kernel: every other app may build on it, and it imports no other kefu
app (nor the settings package or the composition root, kefu.site). What puts the apps
together — the menu, the workspace, the seeds, the commands — lives in kefu.site."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1]
PACKAGE = CORE.parent


def imported(path: Path, root: Path = PACKAGE.parent) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in the file, at any depth (inside functions and
    classes too); relative imports resolved against the file's own package under *root*."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = list(path.parent.relative_to(root).parts)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # ``from kefu import org`` imports kefu.org
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def foreign(name: str) -> bool:
    """An import of kefu itself or of a kefu package other than kefu.core."""
    parts = name.split(".")
    return parts[0] == "kefu" and (len(parts) == 1 or parts[1] != "core")


def kernel_modules() -> list[Path]:
    return sorted(
        path
        for path in CORE.rglob("*.py")
        if "tests" not in path.relative_to(CORE).parts and "migrations" not in path.parts
    )


def test_the_kernel_imports_no_other_kefu_app():
    offences = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: imports {name}"
        for path in kernel_modules()
        for line, name in imported(path)
        if foreign(name)
    ]
    assert offences == [], "kefu.core must not import other kefu apps:\n" + "\n".join(offences)


def test_the_check_sees_imports_at_any_depth_and_relative_ones(tmp_path):
    """The check itself: a top-level, a nested and a relative import of another app are
    all caught; imports of the kernel, of Django and of the standard library are not."""
    probe = tmp_path / "kefu" / "core" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text(
        "import os\n"
        "from django.db import models\n"
        "from kefu.core import health\n"
        "from . import tree\n"
        "from kefu import org\n"
        "import kefu.tickets.models\n"
        "def f():\n"
        "    from kefu.notify.models import Notification\n"
        "class C:\n"
        "    def g(self):\n"
        "        from ..sla import services\n",
        encoding="utf-8",
    )
    found = {name: line for line, name in imported(probe, root=tmp_path)}
    assert {name: line for name, line in found.items() if foreign(name)} == {
        "kefu.org": 5,
        "kefu.tickets.models": 6,
        "kefu.notify.models.Notification": 8,
        "kefu.sla.services": 11,
    }
    assert "kefu.core.tree" in found and "kefu.core.health" in found
