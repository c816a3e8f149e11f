"""Excel (.xlsx) files the product writes: exports of lists, import templates, error files.

Every value goes into a sheet through :func:`append_row`, the one gate that keeps cells
inert. A value such as ``=HYPERLINK("http://…","查看详情")`` typed into the public report
form must never become a live formula in the export an agent opens, so a text that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written as a text cell with
Excel's quote prefix (shown exactly as typed, never evaluated, and kept as text if someone
edits the cell) instead of as a formula.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# what spreadsheet programs read as the start of a formula (OWASP's list for CSV injection)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def inert(sheet, value):
    """*value* as it goes into *sheet*: a formula-like text becomes a quoted text cell."""
    if not is_formula_like(value):
        return value
    if sheet.parent.write_only:
        cell = WriteOnlyCell(sheet, value=value)
    else:
        cell = Cell(sheet, value=value)
    cell.data_type = "s"  # openpyxl types a leading "=" as a formula; this is text
    cell.quotePrefix = True
    return cell


def append_row(sheet, values: Iterable) -> None:
    """Append one row to *sheet*, every text value inert (the only way rows are written)."""
    sheet.append([inert(sheet, value) for value in values])


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """One sheet with a bold header row, frozen under the header, columns sized to fit."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31]
    append_row(sheet, [str(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(str(h)) * 2 + 2 for h in headers]
    for row in rows:
        values = []
        for index, value in enumerate(row):
            if isinstance(value, datetime):
                value = timezone.localtime(value).replace(tzinfo=None)
            elif value is not None and not isinstance(value, int | float):
                value = str(value)
            values.append(value)
            widths[index] = min(60, max(widths[index], len(str(value or "")) * 2 + 2))
        append_row(sheet, values)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence]):
    response = HttpResponse(workbook_bytes(title, headers, rows), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
