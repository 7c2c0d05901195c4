"""The spreadsheet kit every export and import uses (examapp/spreadsheets.py)."""
from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import Workbook, load_workbook

from examapp.spreadsheets import (
    CENTER,
    EXPORT_FILL,
    SheetRow,
    cell_text,
    csv_safe,
    header_name,
    table_sheet,
    workbook_bytes,
    write_text,
)

HOSTILE = ["=HYPERLINK(\"http://evil\",\"点我\")", "+1+1", "-2+3", "@SUM(A1:A2)", "=1+1"]


def _reload(content: bytes):
    return load_workbook(io.BytesIO(content))


def test_formula_like_text_is_stored_as_text_not_a_formula():
    workbook = Workbook()
    sheet = workbook.active
    for row, text in enumerate(HOSTILE, start=1):
        write_text(sheet.cell(row=row, column=1), text)
    sheet.append(["=2*3"])   # written without the kit: workbook_bytes still keeps it text
    reloaded = _reload(workbook_bytes(workbook)).active
    for row, text in enumerate([*HOSTILE, "=2*3"], start=1):
        cell = reloaded.cell(row=row, column=1)
        assert cell.data_type == "s" and cell.value == text


def test_csv_fields_that_excel_would_run_get_an_apostrophe():
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_safe(v) for v in [*HOSTILE, "\tx", "普通文字", 3, None]])
    fields = next(csv.reader(io.StringIO(buffer.getvalue())))
    assert fields[:6] == ["'" + v for v in HOSTILE] + ["'\tx"]
    assert fields[6:] == ["普通文字", "3", ""]


def test_table_sheet_styles_the_header_sets_widths_and_freezes_it():
    workbook = Workbook()
    table_sheet(workbook, "成绩", ["名次", "姓名"], [[1, "张三"], [2, "=李四"]], [8, 20], alignment=CENTER)
    sheet = _reload(workbook_bytes(workbook))["成绩"]
    header = sheet[1]
    assert [c.value for c in header] == ["名次", "姓名"]
    assert all(c.font.bold for c in header)
    assert all(c.fill.fgColor.rgb.endswith(EXPORT_FILL) for c in header)
    assert all(c.alignment.horizontal == "center" for c in header)
    assert sheet.column_dimensions["A"].width == 8 and sheet.column_dimensions["B"].width == 20
    assert sheet.freeze_panes == "A2"
    assert sheet["B3"].value == "=李四" and sheet["B3"].data_type == "s"
    assert not any(c.font.bold for c in sheet[2])


def test_cell_text_is_what_the_user_typed():
    assert cell_text(None) == ""
    assert cell_text(3.0) == "3" and cell_text(2.5) == "2.5"
    assert cell_text(True) == "TRUE"
    assert cell_text(dt.datetime(2023, 10, 20)) == "2023-10-20"
    assert cell_text(dt.datetime(2023, 10, 20, 8, 30)) == "2023-10-20 08:30:00"
    assert cell_text("  区财政局 ") == "区财政局"
    assert header_name(" 满意度（%） ") == "满意度"


def test_a_row_reports_problems_with_its_sheet_row_and_column():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["党组织", "得分"])
    sheet.append(["区财政局", "   "])
    reported: list[tuple] = []
    cells = dict(zip(["党组织", "得分"], sheet[2], strict=True))
    row = SheetRow("考试成绩", 2, cells, lambda *where: reported.append(where))
    assert row.text("党组织") == "区财政局" and row.ok
    assert row.value("得分") is None and row.value("没有的列") is None
    assert row.text("得分", required=True) == ""
    seen: dict = {}
    row.unique(seen, ("区财政局",), "党组织", "“区财政局”的成绩")
    SheetRow("考试成绩", 5, cells, lambda *where: reported.append(where)).unique(
        seen, ("区财政局",), "党组织", "“区财政局”的成绩")
    assert not row.ok
    assert reported == [("考试成绩", 2, "得分", "得分不能为空"),
                        ("考试成绩", 5, "党组织", "“区财政局”的成绩与第 2 行重复")]
