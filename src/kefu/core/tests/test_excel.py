"""Every .xlsx the product writes keeps text inert: nothing a customer typed becomes a
formula in the file a member of staff opens."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from kefu.core.excel import append_row, workbook_bytes

ATTACKS = [
    '=HYPERLINK("http://evil.example/x","查看详情")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_formula_like_text_is_written_as_quoted_text(attack):
    content = workbook_bytes("清单", ["标题"], [[attack]])
    cell = load_workbook(BytesIO(content)).active["A2"]
    assert cell.data_type == "s"  # a string cell: Excel shows it, never evaluates it
    assert cell.value.strip() == attack.strip()  # as typed (XML reads a CR as a LF)
    assert cell.quotePrefix  # stays text if someone edits the cell


def test_ordinary_values_keep_their_types():
    content = workbook_bytes("清单", ["a", "b", "c", "d"], [["楼上漏水", 3, -2.5, None]])
    row = next(load_workbook(BytesIO(content)).active.iter_rows(min_row=2, values_only=True))
    assert row == ("楼上漏水", 3, -2.5, None)


@pytest.mark.parametrize("write_only", [True, False])
def test_the_gate_works_for_both_kinds_of_workbook(write_only):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("s") if write_only else workbook.active
    append_row(sheet, ["=1+1", "ok"])
    buffer = BytesIO()
    workbook.save(buffer)
    cell = load_workbook(buffer)["s" if write_only else sheet.title]["A1"]
    assert (cell.data_type, cell.value) == ("s", "=1+1")


def test_every_sheet_row_goes_through_the_gate():
    """No module writes rows into a sheet except through append_row (and only the Excel
    module and the customer import/export use openpyxl to write at all)."""
    package = Path(__file__).resolve().parents[2]
    writers = []
    direct_appends = []
    for path in package.rglob("*.py"):
        if "tests" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"from openpyxl import .*Workbook|openpyxl\.Workbook", text):
            writers.append(path.relative_to(package).as_posix())
        if path.name != "excel.py" and re.search(r"\b\w*sheet\w*\.append\(", text):
            direct_appends.append(path.relative_to(package).as_posix())
    assert sorted(writers) == ["core/excel.py", "customers/importing.py"]
    assert direct_appends == []
