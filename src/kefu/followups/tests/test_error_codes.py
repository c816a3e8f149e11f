"""Every error of the return visits carries a stable code (the API answers it as
``errors[*].code``, see test_interfaces and test_campaigns)."""

from __future__ import annotations

import ast
from pathlib import Path

from kefu.followups.errors import CODES

APP = Path(__file__).resolve().parent.parent


def _is_validation_error(node: ast.AST) -> bool:
    func = node.func if isinstance(node, ast.Call) else None
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name == "ValidationError"


# Every ValidationError of every app carries a code: kefu/api/tests/test_error_codes_in_source.py
# scans the whole source. Here: the codes this app uses are listed with their meaning.


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
