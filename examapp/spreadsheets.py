"""The spreadsheet kit shared by every Excel export and import (pure: openpyxl only, no Flask, no database).

Writing: ``table_sheet`` (a sheet with a styled header, column widths, its rows and a frozen header),
``style_header``, ``set_widths``, ``write_text`` / ``workbook_bytes`` (formula-safe text: a string cell is
never a formula) and ``csv_safe`` for CSV. Reading: ``cell_text``, ``normalise``, ``header_name`` and
``SheetRow``, one data row with its location (sheet, spreadsheet row, column) for error messages.
Upload limits (``check_xlsx_limits``) are in ``examapp.xlsxutil``.

Formula-safe text: openpyxl stores a string as a formula only when it begins with “=”; such a cell is marked
as text, so “=HYPERLINK(…)” is shown as written. Strings beginning with + - @ are stored as strings already
and Excel/WPS shows them as such. In a CSV any of = + - @ (and a tab or carriage return) starts a formula
when the file is opened, so ``csv_safe`` puts an apostrophe in front.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from examapp.xlsxutil import FORMULA_PREFIXES, keep_text_as_text

EXPORT_FILL = "FCE4D6"      # header of an export (results, rankings, overviews)
TEMPLATE_FILL = "DDEBF7"    # header of a template organisers fill in (question bank, round inputs)
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CENTER = Alignment(horizontal="center")


# ---------------------------------------------------------------- writing

def write_text(cell: Cell, value: object) -> None:
    """Set a cell's value; a string beginning with “=” stays text, never a formula."""
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"


def csv_safe(value: object) -> object:
    """A CSV field that Excel/WPS will not run as a formula (an apostrophe before = + - @ tab CR)."""
    if isinstance(value, str) and value.startswith(CSV_FORMULA_PREFIXES):
        return "'" + value
    return value


def style_header(cells: Iterable[Cell], *, fill: str | None = EXPORT_FILL,
                 alignment: Alignment | None = None) -> None:
    """Bold header cells, with the kit's fill (None: no fill) and an optional alignment."""
    font = Font(bold=True)
    pattern = PatternFill("solid", fgColor=fill) if fill else None
    for cell in cells:
        cell.font = font
        if pattern is not None:
            cell.fill = pattern
        if alignment is not None:
            cell.alignment = alignment


def set_widths(sheet: Worksheet, widths: Sequence[float], first_column: int = 1) -> None:
    for column, width in enumerate(widths, start=first_column):
        sheet.column_dimensions[get_column_letter(column)].width = width


def table_sheet(workbook: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[object]],
                widths: Sequence[float], *, fill: str | None = EXPORT_FILL,
                alignment: Alignment | None = None) -> Worksheet:
    """A new sheet: styled header row, column widths (one per header column at most), the rows, header frozen."""
    sheet = workbook.create_sheet(title)
    sheet.append(list(header))
    style_header(sheet[1], fill=fill, alignment=alignment)
    set_widths(sheet, list(widths)[:len(header)])
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    return sheet


def workbook_bytes(workbook: Workbook) -> bytes:
    """The .xlsx file, every string cell formula-safe."""
    buffer = io.BytesIO()
    keep_text_as_text(workbook).save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- reading

def cell_text(value: object) -> str:
    """A cell's value as the text a user typed: 3.0 is “3”, a date at midnight “2023-10-20”, spaces trimmed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def normalise(text: str) -> str:
    """Full-width → half-width, no whitespace (for matching sheet names, headers and labels)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def header_name(value: object) -> str:
    """A header cell's column name: normalised, a trailing bracket remark dropped (“满意度(%)” → “满意度”)."""
    return re.sub(r"\(.*\)$", "", normalise(cell_text(value)))


class SheetRow:
    """One data row of a sheet with its location: ``sheet`` (the title in the workbook), ``number`` (the
    spreadsheet row; the header is row 1) and the cells by column name. ``problem`` reports a problem at
    (sheet, row, column) through ``report`` and marks the row as not ok."""

    def __init__(self, sheet: str, number: int, cells: dict[str, Cell],
                 report: Callable[[str, int, str, str], None]) -> None:
        self.sheet, self.number, self.cells, self.report = sheet, number, cells, report
        self.ok = True

    def problem(self, column: str, message: str) -> None:
        self.ok = False
        self.report(self.sheet, self.number, column, message)

    def value(self, column: str) -> object:
        """The cell's value; None for a missing column or a cell holding only spaces."""
        cell = self.cells.get(column)
        value = cell.value if cell is not None else None
        return None if isinstance(value, str) and not value.strip() else value

    def text(self, column: str, required: bool = False) -> str:
        text = cell_text(self.value(column))
        if required and not text:
            self.problem(column, f"{column}不能为空")
        return text

    def unique(self, seen: dict, key: tuple, column: str, what: str) -> None:
        """A key that may appear once per sheet: the second row with it is a problem naming the first."""
        if key in seen:
            self.problem(column, f"{what}与第 {seen[key]} 行重复")
        else:
            seen[key] = self.number
