"""What reading a workbook returns (problems, notes, inputs) and the values its cells hold: organisations,
periods, dates."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from openpyxl.utils.datetime import from_excel

from examapp.scoring.inputs import (
    RoundInputs,
)
from examapp.scoring.workbook.sheets import (
    MAX_YEAR,
    MIN_YEAR,
    ORG_SEPARATORS,
)
from examapp.spreadsheets import cell_text, normalise


@dataclass(frozen=True)
class WorkbookProblem:
    sheet: str      # 工作表名；"" for the file as a whole
    row: int        # spreadsheet row (header = 1); 0 for the sheet or file as a whole
    column: str     # the Chinese column name; "" for the whole row or sheet
    message: str

    def __str__(self) -> str:
        where = (f"「{self.sheet}」" if self.sheet else "") + (f"第 {self.row} 行" if self.row else "") \
            + (f"「{self.column}」列" if self.column else "")
        return f"{where}：{self.message}" if where else self.message


@dataclass
class WorkbookResult:
    inputs: RoundInputs = field(default_factory=RoundInputs)
    problems: list[WorkbookProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # informational only: ignored sheets and columns, ordering

    @property
    def ok(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------- small helpers

def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() and abs(number) < 1e15 else f"{number:g}"


_ORG_SPLIT = re.compile(f"({ORG_SEPARATORS.pattern})")
_MAX_PARTS_IN_A_NAME = 8     # a known name spanning more separators than this is not looked for


def split_organizations(text: str, known: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The organisations in one cell, in order, without blanks (separators: 、 ， , ; ； line breaks).

    A known organisation's name is kept whole even when it contains a separator (“Bahamas, The”): at each
    position the longest run of parts that, with its separators, is a known name is taken as one."""
    tokens = _ORG_SPLIT.split(text)          # name, separator, name, separator, ..., name
    names: list[str] = []
    start = 0
    while start < len(tokens):
        end = start
        last = min(len(tokens) - 1, start + 2 * _MAX_PARTS_IN_A_NAME)
        for candidate in range(last - (last - start) % 2, start, -2):
            if "".join(tokens[start:candidate + 1]).strip() in known:
                end = candidate
                break
        name = "".join(tokens[start:end + 1]).strip()
        if name:
            names.append(name)
        start = end + 2
    return names


_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}
_PERIOD_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(\d{4})Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})年?第?([1-4一二三四])季度?$"), "quarter"),
    (re.compile(r"^(\d{4})(?:年|-|/|\.)(\d{1,2})月?份?$"), "month"),
    (re.compile(r"^(\d{4})年?([上下])半年$"), "half"),
    (re.compile(r"^(\d{4})年?度?$"), "year"),
)


def normalise_period(label: str) -> str:
    """A 考核期 label as stored: full-width and spaces normalised, 2023q1 → 2023Q1."""
    text = normalise(label)
    return re.sub(r"^(\d{4})q([1-4])$", r"\1Q\2", text)


def period_key(label: str) -> tuple[int, int, int] | None:
    """(year, first month, months covered) of a recognised 考核期 label, else None.

    Recognised: 2023Q1, 2023年第一季度 / 2023年1季度, 2023年3月 / 2023-03 / 2023/3, 2023年上半年, 2023年 / 2023年度.
    """
    text = normalise_period(label)
    for pattern, kind in _PERIOD_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        year = int(match.group(1))
        if kind == "quarter":
            quarter = _CN_DIGITS.get(match.group(2)) or int(match.group(2))
            return (year, 3 * quarter - 2, 3)
        if kind == "month":
            month = int(match.group(2))
            return (year, month, 1) if 1 <= month <= 12 else None
        if kind == "half":
            return (year, 1 if match.group(2) == "上" else 7, 6)
        return (year, 1, 12)
    return None


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _parse_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        result = value.date()
    elif isinstance(value, dt.date):
        result = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not float(value).is_integer() or not 1 <= value <= 2958465:
            return None
        result = from_excel(int(value)).date()
    else:
        text = unicodedata.normalize("NFKC", cell_text(value))
        match = _DATE_RE.match(text) or re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
        if not match:
            return None
        try:
            result = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None
    return result if MIN_YEAR <= result.year <= MAX_YEAR else None
