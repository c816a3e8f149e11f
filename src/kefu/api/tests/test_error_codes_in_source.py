"""Every ``ValidationError`` raised in kefu names the rule it enforces with a ``code``, so the
API's error envelope carries a machine-readable code (listed in ``kefu.<app>.errors.CODES``)
instead of a generic ``invalid``.

The scan reads the source (no import): a ``ValidationError(...)`` call passes when it has
``code=``, or when its message is built only of other ``ValidationError``s (``{"field":
ValidationError(..., code=...)}``, lists of them, or a variable that holds them). Django
ignores ``code=`` beside a dict or list of messages, so there each entry needs its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

KEFU = Path(__file__).resolve().parents[2]

#: calls that make a message text (not a ValidationError)
MESSAGE_MAKERS = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext", "str"}


def imported_names(tree: ast.Module) -> dict[str, str]:
    """Local name → the dotted name it was imported as."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def validation_error_kind(call: ast.Call, names: dict[str, str]) -> str | None:
    """ "drf" or "django" when *call* makes a ValidationError, else None."""
    name = dotted(call.func)
    if name is None or name.rsplit(".", 1)[-1] != "ValidationError":
        return None
    head, _, rest = name.partition(".")
    full = names.get(head, head) + (f".{rest}" if rest else "")
    return "drf" if full.startswith("rest_framework") else "django"


def uncoded_text(node: ast.expr, names: dict[str, str]) -> bool:
    """Whether *node* (a message or a container of messages) holds a text without a code."""
    if isinstance(node, ast.Call):
        if validation_error_kind(node, names):
            return False  # checked on its own
        return dotted(node.func) in MESSAGE_MAKERS or (
            isinstance(node.func, ast.Attribute) and node.func.attr == "format"
        )
    if isinstance(node, ast.Dict):
        return any(uncoded_text(value, names) for value in node.values)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return any(uncoded_text(item, names) for item in node.elts)
    if isinstance(node, ast.DictComp):
        return uncoded_text(node.value, names)
    if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp):
        return uncoded_text(node.elt, names)
    # a text; anything else is a variable whose errors are made (and checked) where it is filled
    return isinstance(node, ast.Constant | ast.JoinedStr | ast.BinOp)


def problem(call: ast.Call, kind: str, names: dict[str, str]) -> str | None:
    has_code = any(k.arg == "code" for k in call.keywords)
    message = call.args[0] if call.args else None
    if message is None:
        message = next((k.value for k in call.keywords if k.arg in ("message", "detail")), None)
    container = isinstance(message, ast.Dict | ast.List | ast.DictComp | ast.ListComp)
    if has_code:
        if kind == "django" and container and uncoded_text(message, names):
            return "Django ignores code= beside a dict or list: give each entry its own code"
        return None
    if message is None or uncoded_text(message, names):
        return "ValidationError without code="
    return None


def uncoded_validation_errors(root: Path = KEFU) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if {"tests", "migrations"} & set(relative.parts):
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        names = imported_names(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            kind = validation_error_kind(node, names)
            if kind is None:
                continue
            reason = problem(node, kind, names)
            if reason:
                found.append(f"src/kefu/{relative.as_posix()}:{node.lineno}: {reason}")
    return found


def test_every_validation_error_names_its_rule():
    assert uncoded_validation_errors() == []


def test_the_scan_finds_an_uncoded_error(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "services.py").write_text(
        "from django.core.exceptions import ValidationError\n"
        "from rest_framework import serializers\n"
        "from django.utils.translation import gettext as _\n"
        "def f(errors):\n"
        '    raise ValidationError(_("Bad."), code="bad")\n'
        '    raise ValidationError({"a": ValidationError(_("Bad."), code="bad")})\n'
        "    raise ValidationError(errors)\n"
        '    raise serializers.ValidationError({"a": ["Bad."]}, code="bad")\n'
        '    raise ValidationError(_("Bad."))\n'
        '    raise ValidationError({"a": _("Bad.")})\n'
        '    raise ValidationError({"a": _("Bad.")}, code="bad")\n'
        '    raise serializers.ValidationError(f"{errors}")\n'
    )

    assert uncoded_validation_errors(tmp_path) == [
        "src/kefu/app/services.py:9: ValidationError without code=",
        "src/kefu/app/services.py:10: ValidationError without code=",
        "src/kefu/app/services.py:11: Django ignores code= beside a dict or list: give each "
        "entry its own code",
        "src/kefu/app/services.py:12: ValidationError without code=",
    ]
