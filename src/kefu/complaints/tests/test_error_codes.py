"""Every refusal in complaints names the rule it enforces with a code, so the API's error
envelope carries it; the codes are those of ``kefu.complaints.errors.CODES`` or Django's own.

The scans read the source with ``ast`` (no import) and name file:line of each offender."""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.functional import Promise

from kefu.complaints.errors import CODES

APP = Path(__file__).resolve().parents[1]
#: Django's codes the app reuses where they fit (documented by Django, not in CODES)
DJANGO_CODES = {"required", "invalid", "invalid_choice", "min_value"}


def _sources(root: Path = APP):
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if {"tests", "migrations"} & set(relative.parts):
            continue
        yield relative, ast.parse(path.read_text(), filename=str(path))


def _is_validation_error(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name == "ValidationError"


def _has_code(call: ast.Call) -> bool:
    return any(keyword.arg == "code" for keyword in call.keywords)


def _caught_names(function: ast.AST) -> set[str]:
    """Names bound by ``except ValidationError as name``: a caught error keeps its codes."""
    return {
        handler.name
        for handler in ast.walk(function)
        if isinstance(handler, ast.ExceptHandler)
        and handler.name
        and isinstance(handler.type, ast.Name | ast.Attribute)
        and (getattr(handler.type, "id", None) or handler.type.attr) == "ValidationError"
    }


def _filled_with_coded_errors(function: ast.AST, name: str) -> bool:
    """Whether the dict *name* is filled only as ``name[field] = ValidationError(…, code=…)``
    (after starting empty)."""
    fills = []
    for node in ast.walk(function):
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign) and node.value is not None
            else []
        )
        for target in targets:
            if isinstance(target, ast.Name) and target.id == name:
                if not (isinstance(node.value, ast.Dict) and not node.value.keys):
                    return False  # anything but an empty dict to start with
            elif (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id == name
            ):
                fills.append(node.value)
    return bool(fills) and all(_is_validation_error(v) and _has_code(v) for v in fills)


def _coded(call: ast.Call, function: ast.AST | None) -> bool:
    if _has_code(call):
        return True
    message = call.args[0] if call.args else None
    if isinstance(message, ast.Dict):
        return all(
            (_is_validation_error(value) and _has_code(value))
            or (
                isinstance(value, ast.Name)
                and function is not None
                and value.id in _caught_names(function)
            )
            for value in message.values
        )
    if isinstance(message, ast.Name) and function is not None:
        return _filled_with_coded_errors(function, message.id)
    return False


def _functions(tree: ast.Module):
    """(function, call) for every call, with the innermost function it is in."""
    found = {}
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                found[id(node)] = function  # inner functions come later and win
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield found.get(id(node)), node


def uncoded(root: Path = APP) -> list[str]:
    offenders = []
    for relative, tree in _sources(root):
        for function, call in _functions(tree):
            where = f"complaints/{relative.as_posix()}:{call.lineno}"
            if _is_validation_error(call) and not _coded(call, function):
                offenders.append(f"{where}: ValidationError without code=")
            elif (
                isinstance(call.func, ast.Attribute)
                and call.func.attr == "add_error"
                and len(call.args) == 2
                and not (_is_validation_error(call.args[1]) and _has_code(call.args[1]))
            ):
                offenders.append(f"{where}: add_error with a text, not a coded ValidationError")
    return sorted(offenders, key=lambda o: (o.split(":")[0], int(o.split(":")[1])))


def codes_used(root: Path = APP) -> dict[str, str]:
    """Each code given in the app (to a ValidationError, a Blocker, a constraint) → where."""
    used = {}
    for relative, tree in _sources(root):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if (getattr(func, "id", None) or getattr(func, "attr", None)) not in (
                "ValidationError",
                "Blocker",
                "CheckConstraint",
            ):
                continue
            for keyword in node.keywords:
                if (
                    keyword.arg in ("code", "violation_error_code")
                    and isinstance(keyword.value, ast.Constant)
                    and isinstance(keyword.value.value, str)
                ):
                    used.setdefault(keyword.value.value, f"{relative.as_posix()}:{node.lineno}")
    return used


def test_every_validation_error_of_complaints_has_a_code():
    assert uncoded() == []


def test_every_code_is_listed_with_its_meaning_or_is_djangos():
    used = codes_used()
    unknown = {code: where for code, where in used.items() if code not in {*CODES, *DJANGO_CODES}}
    assert unknown == {}
    assert sorted(set(CODES) - set(used)) == []  # no meaning left for a code gone


def test_the_codes_are_snake_case_with_a_translated_meaning():
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", code) for code in CODES)
    assert all(isinstance(meaning, Promise) for meaning in CODES.values())
    assert not set(CODES) & DJANGO_CODES


def test_the_scan_names_what_it_refuses(tmp_path):
    (tmp_path / "services.py").write_text(
        "from django.core.exceptions import ValidationError\n"
        "def fine(errors, field):\n"
        '    raise ValidationError("a", code="a")\n'
        '    raise ValidationError({"f": ValidationError("a", code="a")})\n'
        "    found = {}\n"
        '    found["f"] = ValidationError("a", code="a")\n'
        "    raise ValidationError(found)\n"
        "    try:\n"
        "        pass\n"
        "    except ValidationError as exc:\n"
        '        raise ValidationError({"f": exc})\n'
        "def bad(errors, form):\n"
        '    raise ValidationError("a")\n'
        '    raise ValidationError({"f": "a"})\n'
        '    raise ValidationError({"f": ValidationError("a")})\n'
        "    raise ValidationError(errors)\n"
        "    found = {}\n"
        '    found["f"] = "a"\n'
        "    raise ValidationError(found)\n"
        '    form.add_error("f", "a")\n'
    )
    assert uncoded(tmp_path) == [
        "complaints/services.py:13: ValidationError without code=",
        "complaints/services.py:14: ValidationError without code=",
        "complaints/services.py:15: ValidationError without code=",
        "complaints/services.py:15: ValidationError without code=",
        "complaints/services.py:16: ValidationError without code=",
        "complaints/services.py:19: ValidationError without code=",
        "complaints/services.py:20: add_error with a text, not a coded ValidationError",
    ]


def test_the_meanings_read_in_chinese():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert str(CODES["numbering_full"]) == "该月的投诉编号已用完。"
        assert str(CODES["remedy_needs_valid"]) == "投诉认定成立后才能申请补救措施。"


@pytest.mark.django_db
def test_the_constraints_name_their_rule():
    """Refusals the services check first, the database keeps too: with the same codes."""
    from kefu.complaints.models import ComplaintSettings

    inverted = ComplaintSettings(fine_min=Decimal(500), fine_max=Decimal(100))
    with pytest.raises(ValidationError) as caught:
        inverted.validate_constraints()
    assert [e.code for e in caught.value.error_dict[NON_FIELD_ERRORS]] == ["fine_band_inverted"]
