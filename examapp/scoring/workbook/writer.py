"""Writing the input workbook: the empty template, or a round's inputs in the same layout."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.datavalidation import DataValidation

from examapp.scoring.inputs import RoundInputs
from examapp.scoring.workbook.sheets import HELP_ROWS, HELP_SHEET, KINDS, SheetKind
from examapp.spreadsheets import TEMPLATE_FILL, set_widths, style_header, write_text

_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _write_sheet(workbook: Workbook, kind: SheetKind, rows: list[list[object]]) -> None:
    sheet = workbook.create_sheet(kind.name)
    sheet.append(list(kind.headers))
    style_header(sheet[1], fill=TEMPLATE_FILL, alignment=_HEADER_ALIGNMENT)
    set_widths(sheet, [column.width for column in kind.columns])
    for position, column in enumerate(kind.columns, start=1):
        if column.number_format:
            sheet.column_dimensions[sheet.cell(row=1, column=position).column_letter].number_format = \
                column.number_format
    for row_number, values in enumerate(rows, start=2):
        for position, value in enumerate(values, start=1):
            cell = sheet.cell(row=row_number, column=position)
            write_text(cell, None if value == "" else value)
            column = kind.columns[position - 1]
            if column.number_format:
                cell.number_format = column.number_format
            elif column.wrap:
                cell.alignment = _WRAP
    sheet.freeze_panes = "A2"
    last_row = len(rows) + 1000
    for position, column in enumerate(kind.columns, start=1):
        if not column.choices:
            continue
        letter = sheet.cell(row=1, column=position).column_letter
        check = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True)
        check.error = f"请从下拉列表中选择{column.name}：{'、'.join(column.choices)}"
        check.errorTitle = f"{column.name}无效"
        check.add(f"{letter}2:{letter}{last_row}")
        sheet.add_data_validation(check)


def _new_workbook(inputs: RoundInputs | None) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for kind in KINDS:
        _write_sheet(workbook, kind, kind.rows(inputs) if inputs is not None else [])
    help_sheet = workbook.create_sheet(HELP_SHEET)
    for row_number, (topic, text) in enumerate(HELP_ROWS, start=1):
        help_sheet.cell(row=row_number, column=1, value=topic).alignment = _WRAP
        help_sheet.cell(row=row_number, column=2, value=text).alignment = _WRAP
    style_header(help_sheet[1], fill=TEMPLATE_FILL)
    set_widths(help_sheet, [12, 100])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_workbook() -> bytes:
    """The empty input workbook organisers download: the six sheets with styled headers, dropdowns, 填写说明."""
    return _new_workbook(None)


def write_workbook(inputs: RoundInputs) -> bytes:
    """The template filled with a round's inputs (people and data-less periods are not written);
    ``read_workbook`` of the result gives back the same inputs."""
    return _new_workbook(inputs)
