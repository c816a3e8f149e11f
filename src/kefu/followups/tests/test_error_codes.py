"""Every error of the return visits carries a stable code (the API answers it as
``errors[*].code``, see test_interfaces and test_campaigns), and a scan keeps uncoded errors
out of the code."""

from __future__ import annotations

import ast
from pathlib import Path

from kefu.followups.errors import CODES

APP = Path(__file__).resolve().parent.parent

#: calls that write a message: ``_("…")``, ``gettext(…)`` …
_TRANSLATORS = {"_", "gettext", "gettext_lazy", "ngettext", "pgettext"}


def _is_validation_error(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name == "ValidationError"


def _writes_a_message(node: ast.AST) -> bool:
    """Whether *node* is message text written here (a string, a translation, either side of
    ``or`` / ``if``, the text of a ``%``, an item of a dict or list): a nested
    ``ValidationError`` is checked on its own, a name or a call carries errors made elsewhere."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Call):
        return getattr(node.func, "id", None) in _TRANSLATORS
    if isinstance(node, ast.BinOp):
        return _writes_a_message(node.left)
    if isinstance(node, ast.BoolOp):
        return any(_writes_a_message(value) for value in node.values)
    if isinstance(node, ast.IfExp):
        return _writes_a_message(node.body) or _writes_a_message(node.orelse)
    if isinstance(node, ast.Dict):
        return any(_writes_a_message(value) for value in node.values)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return any(_writes_a_message(element) for element in node.elts)
    return False


def uncoded_validation_errors(root: Path) -> list[str]:
    """``file:line`` of each ``ValidationError(…)`` under *root* that writes its message
    without a ``code=``. A dict of coded ``ValidationError``s counts as coded, and so does
    one built from errors made elsewhere (a name, ``exc.error_dict``), which the scan
    checks where they are made."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not _is_validation_error(node):
                continue
            if any(keyword.arg == "code" for keyword in node.keywords):
                continue
            if any(_writes_a_message(arg) for arg in node.args):
                found.append(f"{path.relative_to(root.parent)}:{node.lineno}")
    return found


def test_every_validation_error_of_the_app_has_a_code():
    assert uncoded_validation_errors(APP) == []


def test_the_scan_finds_an_uncoded_error(tmp_path):
    (tmp_path / "rules.py").write_text(
        "raise ValidationError(_('bad'))\n"
        "raise ValidationError({'f': _('bad')})\n"
        "raise ValidationError({'f': ValidationError(_('bad'), code='bad')})\n"
        "raise ValidationError(_('bad'), code='bad')\n"
        "raise ValidationError(errors)\n"
    )
    assert uncoded_validation_errors(tmp_path) == [
        f"{tmp_path.name}/rules.py:1",
        f"{tmp_path.name}/rules.py:2",
    ]


def test_the_codes_are_listed_with_a_description():
    used = set()
    for path in APP.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _is_validation_error(node):
                used |= {
                    k.value.value
                    for k in node.keywords
                    if k.arg == "code" and isinstance(k.value, ast.Constant)
                }
    assert used - set(CODES) == set()
    assert all(str(description) for description in CODES.values())


def test_the_codes_of_survey_answers_are_listed():
    """The codes of bad answers are chosen at run time (``surveys._clean_answers``)."""
    assert {"required", "invalid_choice", "answer_out_of_scale", "invalid", "max_length"} <= set(
        CODES
    )
