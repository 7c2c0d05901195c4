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
"""
from __future__ import annotations

import datetime as dt
import difflib
import io
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from examapp.scoring.inputs import (
    CONDUCT_BONUS,
    CONDUCT_DEDUCTION,
    EXAM_ABSENT,
    EXAM_EXCUSED,
    EXAM_NORMAL,
    LEVELS,
    AssistanceRecord,
    ConductItem,
    ExamScore,
    Indicator,
    IndicatorRank,
    OtherScore,
    RoundInputs,
)
from examapp.xlsxutil import check_xlsx_limits

INDICATORS, RANKS, ASSISTANCE, CONDUCT, EXAMS, OTHERS = "指标", "指标排名", "联企解困", "执政形象", "考试成绩", "其他指标"
HELP_SHEET = "填写说明"

SHEETS: dict[str, tuple[str, ...]] = {
    INDICATORS: ("指标编码", "指标名称", "指标层级", "上级指标编码", "指标长", "牵头单位", "责任单位"),
    RANKS: ("指标编码", "考核期", "全市排名", "参评地区数"),
    ASSISTANCE: ("党组织", "考核期", "走访企业数", "收集问题数", "已解决数", "按期解决数", "满意度"),
    CONDUCT: ("党组织", "日期", "类型", "分值", "事由", "依据"),
    EXAMS: ("党组织", "考试名称", "得分", "状态"),
    OTHERS: ("党组织", "指标名称", "得分"),
}
# Columns a sheet's header may leave out (every other template column must be present).
OPTIONAL_COLUMNS: dict[str, frozenset[str]] = {CONDUCT: frozenset({"依据"}), EXAMS: frozenset({"状态"})}

LEVEL_BY_LABEL = {label: level for level, label in LEVELS.items()}
CONDUCT_KINDS = (CONDUCT_DEDUCTION, CONDUCT_BONUS)
EXAM_STATUSES = (EXAM_NORMAL, EXAM_ABSENT, EXAM_EXCUSED)
COMPONENT_KEYS = ("E", "I", "A", "C")   # the scheme's own component keys: not usable as 其他指标 names
ORG_SEPARATORS = re.compile(r"[、，,;；\r\n]+")
MIN_YEAR, MAX_YEAR = 2000, 2100
# Longest texts the round's tables hold (examapp/scoring/models.py), by (sheet, column); 考核期 in every sheet.
MAX_TEXT_LENGTHS = {(INDICATORS, "指标编码"): 32, (INDICATORS, "上级指标编码"): 32, (INDICATORS, "指标名称"): 200,
                    (INDICATORS, "指标长"): 100, (RANKS, "指标编码"): 32, (EXAMS, "考试名称"): 200,
                    (OTHERS, "指标名称"): 100}
MAX_PERIOD_LENGTH = 32
MAX_COUNT = 1_000_000   # ranks and counts: far above any real value, far below an SQL INTEGER's limit
MAX_POINTS = 100        # one conduct item's points: a whole score at most (1e308 overflowed the computation)

COLUMN_WIDTHS = {
    "指标编码": 12, "指标名称": 36, "指标层级": 10, "上级指标编码": 14, "指标长": 12, "牵头单位": 26, "责任单位": 44,
    "考核期": 12, "全市排名": 10, "参评地区数": 12, "党组织": 28, "走访企业数": 12, "收集问题数": 12,
    "已解决数": 10, "按期解决数": 12, "满意度": 10, "日期": 12, "类型": 8, "分值": 8, "事由": 40, "依据": 30,
    "考试名称": 28, "得分": 8, "状态": 8,
}
TEXT_COLUMNS = {"指标编码", "上级指标编码", "考核期"}   # formatted as text so Excel keeps 1.10 and 2023年3月 as typed
DROPDOWNS = {
    (INDICATORS, "指标层级"): tuple(LEVELS.values()),
    (CONDUCT, "类型"): CONDUCT_KINDS,
    (EXAMS, "状态"): EXAM_STATUSES,
}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")

HELP_ROWS: tuple[tuple[str, str], ...] = (
    ("工作表", "填写方法"),
    ("通用", "每个工作表第 1 行是表头，请勿修改；每行一条记录，空行会被跳过。不需要的工作表可以整张删除。"
             "导入时系统先检查整个工作簿，有任何错误都不会写入，并按“工作表、行、列”列出所有错误；改正后重新导入即可。"),
    ("党组织", "填写系统中的党组织名称，须与系统中完全一致。只有“责任单位”可填多个党组织，用顿号“、”分隔"
               "（也可用逗号、分号或换行）；其他列每格只填一个党组织。"),
    ("考核期", "填写考核期的名称，如 2023Q1（季度）或 2023年3月（月份），也可写 2023年第一季度、2023年上半年；"
               "同一期在各工作表中的写法要一致。"),
    ("日期", "写成 2023-10-20（也可写 2023/10/20、2023年10月20日），或直接使用 Excel 日期。"),
    (INDICATORS, "营商环境评价的重点任务指标，每行一个。指标编码不能重复；指标层级从下拉列表选择 一级、二级 或 三级。"
                 "二级指标的上级指标编码填所属一级指标的编码，三级指标的填所属二级指标的编码（可以是本表中的指标，"
                 "也可以是系统中已有的指标）；一级指标不填上级指标编码。指标长填分管领导姓名；牵头单位填一个党组织，"
                 "责任单位可填多个，牵头单位不要重复列为责任单位。"),
    (RANKS, "全市评价中本区的排名：每个指标每个考核期一行。指标编码须在“指标”工作表或系统中已有；"
            "全市排名为 1 起的整数（1 为最好），不能大于参评地区数；同一指标同一考核期只填一行。"),
    (ASSISTANCE, "每个党组织每个考核期一行。走访企业数、收集问题数、已解决数、按期解决数为不小于 0 的整数，"
                 "已解决数不能大于收集问题数，按期解决数不能大于已解决数。满意度为百分数 0–100（可写 95 或 95%），"
                 "未开展满意度调查的留空。"),
    (CONDUCT, "执政形象的扣分、加分，每条一行，便于核查。类型从下拉列表选择 扣分 或 加分；分值为大于 0 的数；"
              "事由必填；依据填写通报、文件的名称或编号。"),
    (EXAMS, "在系统外举行的考试的成绩：每个党组织每场考试一行。得分为百分制 0–100；状态从下拉列表选择 正常、缺考 或 请假，"
            "留空按正常处理；缺考、请假时得分留空。"),
    (OTHERS, "本区自定的其他考核指标（如 党建工作）的得分：每个党组织每个指标一行，得分为百分制 0–100。"
             "指标名称不能用 E、I、A、C（这是考试、指标排名、联企解困、执政形象的代号）。"),
)


# ---------------------------------------------------------------- results

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

def _normalise(text: str) -> str:
    """Full-width → half-width, no whitespace (for matching sheet names, headers and period labels)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _header_name(value: object) -> str:
    text = _normalise(_cell_text(value))
    return re.sub(r"\(.*\)$", "", text)   # "满意度(%)", "类型(扣分/加分)" after NFKC


def _cell_text(value: object) -> str:
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
    text = _normalise(label)
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
        text = unicodedata.normalize("NFKC", _cell_text(value))
        match = _DATE_RE.match(text) or re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
        if not match:
            return None
        try:
            result = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None
    return result if MIN_YEAR <= result.year <= MAX_YEAR else None


# ---------------------------------------------------------------- reading

class _Reader:
    """State shared by the sheets of one workbook: problems, notes, organisations, periods."""

    def __init__(self, known_organizations: set[str], existing_indicator_codes: Iterable[str]) -> None:
        self.result = WorkbookResult()
        self.known = set(known_organizations)
        self.known_squeezed = {_normalise(name): name for name in sorted(self.known)}
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
        suggestion = self.known_squeezed.get(_normalise(name))
        if suggestion is None:
            close = difflib.get_close_matches(name, sorted(self.known), n=1, cutoff=0.6)
            suggestion = close[0] if close else None
        if suggestion is not None:
            return f"党组织“{name}”不在系统中，是否应为“{suggestion}”？"
        return f"党组织“{name}”不在系统中（请填写系统中的党组织名称，须完全一致）"


class _Row:
    """One data row of a sheet, with typed accessors that record problems as they go."""

    def __init__(self, reader: _Reader, sheet: str, number: int, cells: dict[str, Cell], kind: str = "") -> None:
        self.reader, self.sheet, self.number, self.cells = reader, sheet, number, cells
        self.kind = kind   # the template's name of the sheet (``sheet`` is its title in the workbook)
        self.ok = True

    def problem(self, column: str, message: str) -> None:
        self.ok = False
        self.reader.problem(self.sheet, self.number, column, message)

    def unique(self, seen: dict, key: tuple, column: str, what: str) -> None:
        """A key that may appear once per sheet: the second row with it is a problem naming the first."""
        if key in seen:
            self.problem(column, f"{what}与第 {seen[key]} 行重复")
        else:
            seen[key] = self.number

    def value(self, column: str) -> object:
        cell = self.cells.get(column)
        value = cell.value if cell is not None else None
        return None if isinstance(value, str) and not value.strip() else value

    def text(self, column: str, required: bool = False) -> str:
        text = _cell_text(self.value(column))
        if required and not text:
            self.problem(column, f"{column}不能为空")
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
        text = unicodedata.normalize("NFKC", _cell_text(value)).replace(" ", "")
        if percent and text.endswith("%"):
            text = text[:-1]
        try:
            number = float(text)
        except ValueError:
            self.problem(column, f"{column}“{_cell_text(value)}”不是数字")
            return None
        if number != number or number in (float("inf"), float("-inf")):
            self.problem(column, f"{column}“{_cell_text(value)}”不是数字")
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
            self.problem(column, f"日期“{_cell_text(value)}”无法识别，应写成 2023-10-20 或使用 Excel 日期"
                                 f"（年份在 {MIN_YEAR}–{MAX_YEAR} 之间）")
        return result


def _data_rows(reader: _Reader, sheet_name: str, sheet: Worksheet) -> list[_Row] | None:
    """The sheet's non-blank data rows keyed by column name; None when the header is unusable.

    Problems name the sheet by its title in the workbook (which may differ from ``sheet_name`` by spaces)."""
    title = sheet.title
    rows = sheet.iter_rows()
    header = next(rows, ())
    if all(_cell_text(c.value) == "" for c in header) and sheet.max_row <= 1:
        reader.note(f"工作表“{title}”是空的（没有表头），按未提供处理。")
        return None
    expected = SHEETS[sheet_name]
    index: dict[str, int] = {}
    extra: list[str] = []
    for position, cell in enumerate(header):
        name = _header_name(cell.value)
        if not name:
            continue
        if name in expected:
            if name in index:
                reader.problem(title, 1, name, f"表头中“{name}”列出现了不止一次")
            else:
                index[name] = position
        else:
            extra.append(_cell_text(cell.value))
    missing = [name for name in expected if name not in index and name not in OPTIONAL_COLUMNS.get(sheet_name, ())]
    for name in missing:
        reader.problem(title, 1, name, f"表头缺少“{name}”列（表头应为：{' | '.join(expected)}）")
    if extra:
        reader.note(f"「{title}」表头中的列 {'、'.join(extra)} 不是模板中的列，已忽略。")
    if missing or any(p.sheet == title and p.row == 1 for p in reader.result.problems):
        return None
    result: list[_Row] = []
    for number, cells in enumerate(rows, start=2):
        by_name = {name: cells[i] for name, i in index.items() if i < len(cells)}
        if all(_cell_text(c.value) == "" for c in by_name.values()):
            continue
        result.append(_Row(reader, title, number, by_name, sheet_name))
    return result


def _read_indicators(reader: _Reader, rows: list[_Row]) -> None:
    first_row: dict[str, int] = {}
    levels: dict[str, int] = {}
    parsed: list[tuple[_Row, str, str, int | None]] = []
    for row in rows:
        code, name = row.text("指标编码", required=True), row.text("指标名称", required=True)
        level_text = _normalise(row.text("指标层级"))
        level = LEVEL_BY_LABEL.get(level_text) or ({"1": 1, "2": 2, "3": 3}.get(level_text))
        if not level_text:
            row.problem("指标层级", "指标层级不能为空")
        elif level is None:
            row.problem("指标层级", f"指标层级“{row.text('指标层级')}”无效，应为 一级、二级 或 三级")
        if code:
            if code in first_row:
                row.problem("指标编码", f"指标编码“{code}”与第 {first_row[code]} 行重复")
            else:
                first_row[code] = row.number
                if level is not None:
                    levels[code] = level
        parsed.append((row, code, name, level))
    reader.defined_codes = set(first_row)

    for row, code, name, level in parsed:
        parent = row.text("上级指标编码") or None
        if level == 1 and parent:
            row.problem("上级指标编码", "一级指标不应填写上级指标编码")
        elif level in (2, 3) and not parent:
            row.problem("上级指标编码", f"{LEVELS[level]}指标必须填写上级指标编码")
        elif parent and parent == code:
            row.problem("上级指标编码", "上级指标编码不能是本指标自己")
        elif parent and parent not in first_row and parent not in reader.existing_codes:
            row.problem("上级指标编码", f"上级指标编码“{parent}”在“指标”工作表和系统中都不存在")
        elif parent and level in (2, 3) and parent in levels and levels[parent] != level - 1:
            row.problem("上级指标编码", f"{LEVELS[level]}指标的上级应为{LEVELS[level - 1]}指标，"
                                     f"而“{parent}”是{LEVELS[levels[parent]]}指标")
        leader = row.text("指标长")
        lead_text = row.text("牵头单位")
        lead: str | None = None
        if lead_text:
            lead = row.organization("牵头单位")
        responsible = row.organizations("责任单位")
        if lead and lead in responsible:
            row.problem("责任单位", f"“{lead}”已是牵头单位，不应再列为责任单位")
        if row.ok and level is not None:
            reader.result.inputs.indicators.append(
                Indicator(code=code, name=name, level=level, parent_code=parent, leader=leader,
                          lead_org=lead, responsible_orgs=responsible))


def _read_ranks(reader: _Reader, rows: list[_Row]) -> None:
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        code = row.text("指标编码", required=True)
        if code and code not in reader.defined_codes and code not in reader.existing_codes:
            row.problem("指标编码", f"指标编码“{code}”在“指标”工作表和系统中都不存在")
        period = row.period("考核期")
        rank = row.integer("全市排名", minimum=1)
        count = row.integer("参评地区数", minimum=1)
        if rank is not None and count is not None and rank > count:
            row.problem("全市排名", f"全市排名 {rank} 大于参评地区数 {count}")
        if code and period:
            row.unique(seen, (code, period), "考核期", f"指标“{code}”在考核期“{period}”的排名")
        if row.ok:
            reader.result.inputs.ranks.append(IndicatorRank(code, period, rank, count))


def _read_assistance(reader: _Reader, rows: list[_Row]) -> None:
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        org = row.organization("党组织")
        period = row.period("考核期")
        visited = row.integer("走访企业数", minimum=0)
        collected = row.integer("收集问题数", minimum=0)
        resolved = row.integer("已解决数", minimum=0)
        on_time = row.integer("按期解决数", minimum=0)
        satisfaction = row.score("满意度", required=False, percent=True)
        if resolved is not None and collected is not None and resolved > collected:
            row.problem("已解决数", f"已解决数 {resolved} 大于收集问题数 {collected}")
        if on_time is not None and resolved is not None and on_time > resolved:
            row.problem("按期解决数", f"按期解决数 {on_time} 大于已解决数 {resolved}")
        if org and period:
            row.unique(seen, (org, period), "考核期", f"“{org}”在考核期“{period}”的记录")
        if row.ok:
            reader.result.inputs.assistance.append(
                AssistanceRecord(org, period, visited, collected, resolved, on_time, satisfaction))


def _read_conduct(reader: _Reader, rows: list[_Row]) -> None:
    seen: dict[ConductItem, int] = {}
    for row in rows:
        org = row.organization("党组织")
        day = row.date("日期")
        kind = row.text("类型", required=True)
        if kind and kind not in CONDUCT_KINDS:
            row.problem("类型", f"类型“{kind}”无效，应为 扣分 或 加分")
        points = row.positive("分值")
        reason = row.text("事由", required=True)
        evidence = row.text("依据")
        if row.ok:
            item = ConductItem(org, day, kind, points, reason, evidence)
            if item in seen:
                reader.note(f"「{row.sheet}」第 {row.number} 行与第 {seen[item]} 行内容完全相同，请确认不是重复录入。")
            seen.setdefault(item, row.number)
            reader.result.inputs.conduct.append(item)


def _read_exams(reader: _Reader, rows: list[_Row]) -> None:
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        org = row.organization("党组织")
        exam = row.text("考试名称", required=True)
        status = row.text("状态") or EXAM_NORMAL
        score_text = row.text("得分")
        if score_text in (EXAM_ABSENT, EXAM_EXCUSED) and not row.text("状态"):
            status, score = score_text, None   # 缺考/请假 written in the 得分 cell
        elif status not in EXAM_STATUSES:
            row.problem("状态", f"状态“{status}”无效，应为 正常、缺考 或 请假（留空按正常处理）")
            score = None
        elif status == EXAM_NORMAL:
            score = row.score("得分")
        else:
            score = None
            if score_text:
                row.problem("得分", f"状态为{status}时得分应留空")
        if org and exam:
            row.unique(seen, (org, exam), "考试名称", f"“{org}”的“{exam}”成绩")
        if row.ok:
            reader.result.inputs.exams.append(ExamScore(org, exam, score, status))


def _read_others(reader: _Reader, rows: list[_Row]) -> None:
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        org = row.organization("党组织")
        name = row.text("指标名称", required=True)
        if name.upper() in COMPONENT_KEYS:
            row.problem("指标名称", f"指标名称不能用“{name}”（E、I、A、C 是系统内置考核项的代号）")
        score = row.score("得分")
        if org and name:
            row.unique(seen, (org, name), "指标名称", f"“{org}”的“{name}”得分")
        if row.ok:
            reader.result.inputs.others.append(OtherScore(org, name, score))


_SHEET_READERS = {
    INDICATORS: _read_indicators, RANKS: _read_ranks, ASSISTANCE: _read_assistance,
    CONDUCT: _read_conduct, EXAMS: _read_exams, OTHERS: _read_others,
}


def _open(content: bytes) -> Workbook:
    if content[:4] == b"\xd0\xcf\x11\xe0":
        raise ValueError("这是旧版 Excel（.xls）文件，请在 Excel 中“另存为”.xlsx 格式后再导入")
    if not content or not zipfile.is_zipfile(io.BytesIO(content)):
        raise ValueError("文件不是有效的 Excel（.xlsx）文件，无法读取")
    check_xlsx_limits(content)     # its SpreadsheetTooLarge is a ValueError with the message to show
    with warnings.catch_warnings():
        # openpyxl warns about Excel/WPS features it does not read (extensions, styles); irrelevant here.
        warnings.simplefilter("ignore")
        try:
            return load_workbook(io.BytesIO(content), data_only=True)
        except Exception as exc:  # openpyxl raises many kinds of errors for damaged or foreign files
            raise ValueError("文件不是有效的 Excel（.xlsx）文件或已损坏，无法读取") from exc


def _match_sheets(reader: _Reader, names: list[str]) -> dict[str, str]:
    """Known sheet name → the workbook's sheet title; misspelt names are problems, others notes."""
    matched: dict[str, str] = {}
    squeezed = {_normalise(name): name for name in (*SHEETS, HELP_SHEET)}
    for title in names:
        if title in SHEETS or title == HELP_SHEET:
            known = title
        elif _normalise(title) in squeezed:
            known = squeezed[_normalise(title)]
            if known != HELP_SHEET:
                reader.note(f"工作表“{title}”按“{known}”读取。")
        else:
            close = difflib.get_close_matches(_normalise(title), list(squeezed), n=1, cutoff=0.6)
            if close and squeezed[close[0]] != HELP_SHEET:
                reader.problem(title, 0, "", f"工作表名“{title}”不是模板中的名称，是否应为“{squeezed[close[0]]}”？"
                                             f"（工作表名应为：{'、'.join(SHEETS)}）")
            else:
                reader.note(f"工作表“{title}”不是模板中的工作表，已忽略。")
            continue
        if known == HELP_SHEET:
            continue
        if known in matched:
            reader.problem(title, 0, "", f"工作簿中有两个“{known}”工作表（“{matched[known]}”和“{title}”），请合并为一个")
            continue
        matched[known] = title
    return matched


def read_workbook(content: bytes, known_organizations: set[str],
                  existing_indicator_codes: Iterable[str] = frozenset()) -> WorkbookResult:
    """Read and validate a whole input workbook; write ``result.inputs`` only if ``result.problems`` is empty.

    ``known_organizations`` are the 党组织名称 in the system; ``existing_indicator_codes`` the indicator
    codes already stored for the round (a 上级指标编码 or 指标排名 row may refer to them).
    ``inputs.people`` is left empty (the caller knows the secretaries).
    """
    reader = _Reader(known_organizations, existing_indicator_codes)
    try:
        workbook = _open(content)
    except ValueError as exc:
        reader.problem("", 0, "", str(exc))
        return reader.result
    matched = _match_sheets(reader, workbook.sheetnames)
    if not matched and not reader.result.problems:
        reader.problem("", 0, "", f"工作簿中没有可识别的工作表，工作表名应为：{'、'.join(SHEETS)}（请使用系统提供的模板）")
    any_data = False
    for name in SHEETS:   # 指标 first: 指标排名 refers to its codes
        if name not in matched:
            continue
        rows = _data_rows(reader, name, workbook[matched[name]])
        if rows is None:
            continue
        any_data = any_data or bool(rows)
        _SHEET_READERS[name](reader, rows)
    workbook.close()
    if matched and not any_data and not reader.result.problems:
        reader.note("工作簿中没有数据行。")

    periods = list(reader.periods)
    if all(key is not None for key in reader.periods.values()):
        periods.sort(key=lambda label: reader.periods[label])
    else:
        unknown = [label for label, key in reader.periods.items() if key is None]
        reader.note(f"考核期 {'、'.join(unknown)} 无法识别为季度或月份，考核期按在工作簿中首次出现的顺序排列："
                    f"{'、'.join(periods)}。")
    reader.result.inputs.periods = periods
    order = {name: i for i, name in enumerate(SHEETS)}
    order.update({title: order[name] for name, title in matched.items()})
    reader.result.problems.sort(key=lambda p: (p.sheet != "", order.get(p.sheet, -1), p.row))
    return reader.result


# ---------------------------------------------------------------- writing

def _set(cell: Cell, value: object) -> None:
    cell.value = None if value == "" else value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"   # text, not a formula


def _new_workbook(data: dict[str, list[list[object]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_name, headers in SHEETS.items():
        sheet = workbook.create_sheet(sheet_name)
        rows = data.get(sheet_name, [])
        for position, name in enumerate(headers, start=1):
            cell = sheet.cell(row=1, column=position, value=name)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(horizontal="center", vertical="center")
            letter = get_column_letter(position)
            sheet.column_dimensions[letter].width = COLUMN_WIDTHS.get(name, 14)
            if name in TEXT_COLUMNS:
                sheet.column_dimensions[letter].number_format = "@"
            elif name == "日期":
                sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
        for row_number, values in enumerate(rows, start=2):
            for position, value in enumerate(values, start=1):
                cell = sheet.cell(row=row_number, column=position)
                _set(cell, value)
                name = headers[position - 1]
                if name in TEXT_COLUMNS:
                    cell.number_format = "@"
                elif name == "日期":
                    cell.number_format = "yyyy-mm-dd"
                elif name == "责任单位":
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
        last_row = len(rows) + 1000
        for (dropdown_sheet, column), choices in DROPDOWNS.items():
            if dropdown_sheet != sheet_name:
                continue
            letter = get_column_letter(headers.index(column) + 1)
            check = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
            check.error = f"请从下拉列表中选择{column}：{'、'.join(choices)}"
            check.errorTitle = f"{column}无效"
            check.add(f"{letter}2:{letter}{last_row}")
            sheet.add_data_validation(check)

    help_sheet = workbook.create_sheet(HELP_SHEET)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row_number, (topic, text) in enumerate(HELP_ROWS, start=1):
        help_sheet.cell(row=row_number, column=1, value=topic).alignment = wrap
        help_sheet.cell(row=row_number, column=2, value=text).alignment = wrap
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    help_sheet.column_dimensions["A"].width = 12
    help_sheet.column_dimensions["B"].width = 100

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_workbook() -> bytes:
    """The empty input workbook organisers download: the six sheets with styled headers, dropdowns, 填写说明."""
    return _new_workbook({})


def write_workbook(inputs: RoundInputs) -> bytes:
    """The template filled with a round's inputs (people and data-less periods are not written);
    ``read_workbook`` of the result gives back the same inputs."""
    return _new_workbook({
        INDICATORS: [[i.code, i.name, LEVELS[i.level], i.parent_code or "", i.leader, i.lead_org or "",
                      "、".join(i.responsible_orgs)] for i in inputs.indicators],
        RANKS: [[r.code, r.period, r.rank, r.ranked_count] for r in inputs.ranks],
        ASSISTANCE: [[a.organization, a.period, a.visited, a.collected, a.resolved, a.resolved_on_time,
                      a.satisfaction] for a in inputs.assistance],
        CONDUCT: [[c.organization, c.date, c.kind, c.points, c.reason, c.evidence] for c in inputs.conduct],
        EXAMS: [[e.organization, e.exam, e.score, e.status] for e in inputs.exams],
        OTHERS: [[o.organization, o.component, o.score] for o in inputs.others],
    })
