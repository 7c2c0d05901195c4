"""Reading state: the workbook's problems and notes, and one data row with typed accessors that record problems."""
from __future__ import annotations

import datetime as dt
import difflib
import math
import unicodedata
from collections.abc import Iterable

from openpyxl.cell.cell import Cell

from examapp.scoring.workbook.sheets import (
    MAX_COUNT,
    MAX_PERIOD_LENGTH,
    MAX_POINTS,
    MAX_TEXT_LENGTHS,
    MAX_YEAR,
    MIN_YEAR,
)
from examapp.scoring.workbook.values import (
    WorkbookProblem,
    WorkbookResult,
    _fmt,
    _parse_date,
    normalise_period,
    period_key,
    split_organizations,
)
from examapp.spreadsheets import SheetRow, cell_text, normalise


class _Reader:
    """State shared by the sheets of one workbook: problems, notes, organisations, periods."""

    def __init__(self, known_organizations: set[str], existing_indicator_codes: Iterable[str]) -> None:
        self.result = WorkbookResult()
        self.known = set(known_organizations)
        self.known_squeezed = {normalise(name): name for name in sorted(self.known)}
        self.existing_codes = set(existing_indicator_codes)
        self.defined_codes: set[str] = set()
        self.periods: dict[str, tuple[int, int, int] | None] = {}   # first-seen order
        self.period_spelling: dict[tuple[int, int, int], str] = {}

    def problem(self, sheet: str, row: int, column: str, message: str) -> None:
        self.result.problems.append(WorkbookProblem(sheet, row, column, message))

    def note(self, text: str) -> None:
        self.result.notes.append(text)

    def organization_problem(self, name: str) -> str | None:
        if name in self.known:
            return None
        suggestion = self.known_squeezed.get(normalise(name))
        if suggestion is None:
            close = difflib.get_close_matches(name, sorted(self.known), n=1, cutoff=0.6)
            suggestion = close[0] if close else None
        if suggestion is not None:
            return f"党组织“{name}”不在系统中，是否应为“{suggestion}”？"
        return f"党组织“{name}”不在系统中（请填写系统中的党组织名称，须完全一致）"


class _Row(SheetRow):
    """One data row of a sheet, with typed accessors that record problems as they go."""

    def __init__(self, reader: _Reader, sheet: str, number: int, cells: dict[str, Cell], kind: str = "") -> None:
        super().__init__(sheet, number, cells, reader.problem)
        self.reader = reader
        self.kind = kind   # the template's name of the sheet (``sheet`` is its title in the workbook)

    def text(self, column: str, required: bool = False) -> str:
        text = super().text(column, required)
        limit = MAX_TEXT_LENGTHS.get((self.kind, column))
        if limit is not None and len(text) > limit:
            self.problem(column, f"{column}过长（最多 {limit} 个字，现有 {len(text)} 个字）")
        return text

    def _number(self, column: str, required: bool, percent: bool = False) -> float | None:
        value = self.value(column)
        if value is None:
            if required:
                self.problem(column, f"{column}不能为空")
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
            if not math.isfinite(number):   # a cell holding 1e999 or nan (a damaged or generated file)
                self.problem(column, f"{column}“{value}”不是有效的数字")
                return None
            cell = self.cells[column]
            if percent and "%" in (cell.number_format or ""):
                number = round(number * 100, 10)   # a cell formatted as percent holds 0.95 for 95%
            return number
        text = unicodedata.normalize("NFKC", cell_text(value)).replace(" ", "")
        if percent and text.endswith("%"):
            text = text[:-1]
        try:
            number = float(text)
        except ValueError:
            self.problem(column, f"{column}“{cell_text(value)}”不是数字")
            return None
        if number != number or number in (float("inf"), float("-inf")):
            self.problem(column, f"{column}“{cell_text(value)}”不是数字")
            return None
        return number

    def integer(self, column: str, minimum: int) -> int | None:
        number = self._number(column, required=True)
        if number is None:
            return None
        if not number.is_integer():
            self.problem(column, f"{column} {_fmt(number)} 应为整数")
            return None
        if number < minimum:
            self.problem(column, f"{column} {_fmt(number)} 不能小于 {minimum}")
            return None
        if number > MAX_COUNT:
            self.problem(column, f"{column} {_fmt(number)} 过大（不能大于 {MAX_COUNT}）")
            return None
        return int(number)

    def score(self, column: str, required: bool = True, percent: bool = False) -> float | None:
        number = self._number(column, required, percent)
        if number is not None and not 0 <= number <= 100:
            self.problem(column, f"{column} {_fmt(number)} 应在 0–100 之间")
            return None
        return number

    def positive(self, column: str) -> float | None:
        number = self._number(column, required=True)
        if number is not None and number <= 0:
            self.problem(column, f"{column} {_fmt(number)} 应大于 0")
            return None
        if number is not None and number > MAX_POINTS:
            self.problem(column, f"{column} {_fmt(number)} 过大（不能大于 {MAX_POINTS}）")
            return None
        return number

    def organization(self, column: str) -> str | None:
        text = self.text(column, required=True)
        if not text:
            return None
        if text in self.reader.known:    # the whole cell is one organisation, separators and all
            return text
        names = split_organizations(text, self.reader.known)
        if not names:   # only separators, such as "、"
            self.problem(column, f"{column}“{text}”中没有党组织名称")
            return None
        if len(names) > 1:
            self.problem(column, f"每行只能填一个党组织，此处填了 {len(names)} 个（{'、'.join(names)}），请分成多行")
            return None
        message = self.reader.organization_problem(names[0])
        if message:
            self.problem(column, message)
            return None
        return names[0]

    def organizations(self, column: str) -> tuple[str, ...]:
        names: list[str] = []
        for name in split_organizations(self.text(column), self.reader.known):
            message = self.reader.organization_problem(name)
            if message:
                self.problem(column, message)
            elif name in names:
                self.problem(column, f"党组织“{name}”重复填写")
            else:
                names.append(name)
        return tuple(names)

    def period(self, column: str) -> str | None:
        value = self.value(column)
        if isinstance(value, dt.datetime | dt.date):
            day = value.date() if isinstance(value, dt.datetime) else value
            if day.day != 1:
                self.problem(column, f"考核期“{day.isoformat()}”是一个日期，应填写考核期名称，如 2023Q1 或 2023年3月")
                return None
            label = f"{day.year}年{day.month}月"   # Excel turned a typed "2023年3月" into 2023-03-01
        else:
            label = normalise_period(self.text(column, required=True))
            if not label:
                return None
            if len(label) > MAX_PERIOD_LENGTH:
                self.problem(column, f"考核期过长（最多 {MAX_PERIOD_LENGTH} 个字），应填写考核期名称，如 2023Q1 或 2023年3月")
                return None
        key = period_key(label)
        if key is not None:
            spelling = self.reader.period_spelling.setdefault(key, label)
            if spelling != label:
                self.problem(column, f"考核期“{label}”与“{spelling}”是同一期，请统一写法")
                return None
        self.reader.periods.setdefault(label, key)
        return label

    def date(self, column: str) -> dt.date | None:
        value = self.value(column)
        if value is None:
            self.problem(column, f"{column}不能为空")
            return None
        result = _parse_date(value)
        if result is None:
            self.problem(column, f"日期“{cell_text(value)}”无法识别，应写成 2023-10-20 或使用 Excel 日期"
                                 f"（年份在 {MIN_YEAR}–{MAX_YEAR} 之间）")
        return result
