"""A round's input workbook (pure: no Flask, no database): the template, reading with whole-workbook
validation, and writing a round's inputs back into the same layout.

Reading never stops at the first mistake: every problem in every sheet is reported with its sheet,
spreadsheet row (the header is row 1) and column, in Chinese. The caller writes ``result.inputs``
only when ``result.problems`` is empty; with problems, ``inputs`` holds just the rows that passed
their own checks and must not be written.

Conventions (also explained to organisers in the template's 填写说明 sheet):
- any of the six sheets may be absent; a workbook with none of them is a problem; other sheets are
  ignored (listed in ``notes``) unless the name looks like a misspelt known sheet, which is a problem;
  a known name with stray spaces or full-width characters is read as that sheet (with a note);
- header cells are matched after trimming spaces and dropping a trailing bracket remark, so
  "满意度(%)" and "类型（扣分/加分）" are accepted; extra columns are ignored (with a note); every
  template column is required in the header except 执政形象·依据 and 考试成绩·状态;
- organisations are matched by their exact 党组织名称 (surrounding spaces trimmed); only 责任单位 holds
  several, separated by 、 ， , ; ； or line breaks; every other 党组织 cell holds exactly one;
- periods (考核期) are free labels such as 2023Q1 or 2023年3月 (full-width characters and spaces
  are normalised, 2023q1 becomes 2023Q1); a date typed into a 考核期 cell (Excel turns "2023年3月"
  into 2023-03-01) is read as the month label "2023年3月". Two spellings of the same period
  (2023Q1 and 2023年第一季度) are a problem. ``inputs.periods`` lists the distinct periods of the
  指标排名 and 联企解困 sheets in chronological order when every label is recognised (see
  ``period_key``), otherwise in first-seen order (指标排名 first, then 联企解困) with a note.

The package: ``sheets`` (each sheet declared once: columns, help line, how inputs fill it), ``values``
(results and cell values: organisations, periods, dates), ``rows`` (a row's typed accessors), ``reader`` and
``writer``; the public names are re-exported here.
"""
from examapp.scoring.workbook.reader import read_workbook
from examapp.scoring.workbook.sheets import HELP_SHEET, KINDS, SHEETS
from examapp.scoring.workbook.values import (
    WorkbookProblem,
    WorkbookResult,
    normalise_period,
    period_key,
    split_organizations,
)
from examapp.scoring.workbook.writer import template_workbook, write_workbook

__all__ = ["HELP_SHEET", "KINDS", "SHEETS", "WorkbookProblem", "WorkbookResult", "normalise_period", "period_key",
           "read_workbook", "split_organizations", "template_workbook", "write_workbook"]
