"""Excel (.xlsx): one question per row, answers written the way Chinese organisers write them.

The 政策文件 column holds the question's document: its 文号, or its id for a document without one; empty (or no
such column, as in files written before documents existed) means the current 《条例》. The help sheet lists the
documents of an exported file."""
from __future__ import annotations

import datetime as dt
import io
import warnings

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from examapp.bank import qtypes
from examapp.bank.core import OPTION_KEYS, QuestionData, answer_from_text, answer_to_text, count_blanks, normalise_width
from examapp.bank.formats import common
from examapp.bank.formats.common import (
    FormatProblem,
    clean_text,
    option_keys_text,
    parse_article,
    parse_difficulty,
    parse_document,
)
from examapp.spreadsheets import TEMPLATE_FILL, cell_text, set_widths, style_header, workbook_bytes, write_text
from examapp.xlsxutil import check_xlsx_limits

SHEET_NAME = "题库"
HELP_SHEET_NAME = "填写说明"
OPTION_COLUMNS = tuple(f"选项{key}" for key in OPTION_KEYS)
HEADERS = ("题型", "题干", *OPTION_COLUMNS, "答案", "解析", "政策文件", "条款", "难度", "标签")
REQUIRED_HEADERS = ("题型", "题干", "答案")
COLUMN_WIDTHS = {"题型": 9, "题干": 50, "答案": 16, "解析": 45, "政策文件": 18, "条款": 7, "难度": 7, "标签": 18}
OPTION_WIDTH = 22

_MULTI_SEPARATORS = set(",、;/ ")

HELP_ROWS = (
    ("列", "填写方法"),
    ("题型", "单选题、多选题、判断题 或 填空题（也可写 单选、多选、判断、填空）。"),
    ("题干", "题目正文。选择题通常以“（　）”结尾；填空题用 ____（三个以上下划线）或（　）标出每个空。"),
    ("选项A–选项F", "单选题、多选题的选项，从选项A起连续填写，至少 2 个；判断题、填空题不填。"),
    ("答案", "单选题：一个字母，如 A。\n多选题：多个字母，如 ABD（也可写 A,B,D 或 A、B、D）。\n"
             "判断题：正确/错误（也可写 对/错、√/×、T/F、true/false）。\n"
             "填空题：各空的答案按顺序用 | 分隔，同一个空的多种可接受写法用 / 分隔，"
             "如“30日/三十日|市场主体”表示第 1 空答“30日”或“三十日”均可，第 2 空答“市场主体”。"),
    ("解析", "答案的解释，可以换行（Alt+Enter）。"),
    ("政策文件", "题目所考的政策文件：写它的文号（如 国务院令第722号）；没有文号的文件写它在“政策文件”页面上的编号。"
                 "留空（或没有这一列）表示《优化营商环境条例》。已修订的文件不能再导入题目，请写其现行版本。"),
    ("条款", "所考的该文件条款，写 21、第21条 或 第二十一条；不关联条款可留空（导入后需尽快补充）。"),
    ("难度", "1、2、3 或 易、中、难；留空按 2（中）处理。"),
    ("标签", "多个标签用 、 或逗号、分号、空格分隔。"),
    ("其他", "第 1 行为表头，请勿修改；空行会被跳过。导入时只读取名为“题库”的工作表（没有则读取第一个工作表）。"
             "文件中有任何错误时不会导入任何题目，请按提示的行号和列名修改后重新上传。"),
)


def _cell_text(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return clean_text(cell_text(value)).strip()


def _set(cell, value: object) -> None:
    write_text(cell, clean_text(value) if isinstance(value, str) else value)


# ---------------------------------------------------------------- export

def dump(items: list[common.ExportItem]) -> common.DumpResult:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    wrap = Alignment(wrap_text=True, vertical="top")
    for col, name in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=1, column=col, value=name)
        style_header([cell], fill=TEMPLATE_FILL, alignment=Alignment(horizontal="center", vertical="center"))
        sheet.column_dimensions[get_column_letter(col)].width = COLUMN_WIDTHS.get(name, OPTION_WIDTH)
    for row, item in enumerate(items, start=2):
        for col, value in enumerate(_row_values(item), start=1):
            cell = sheet.cell(row=row, column=col)
            _set(cell, value)
            cell.alignment = wrap
    sheet.freeze_panes = "A2"
    last_row = max(len(items) + 1, 2)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{last_row}"
    type_check = DataValidation(type="list", formula1='"单选题,多选题,判断题,填空题"', allow_blank=True)
    type_check.add(f"A2:A{last_row + 1000}")
    sheet.add_data_validation(type_check)

    help_sheet = workbook.create_sheet(HELP_SHEET_NAME)
    for row, (column, text) in enumerate(HELP_ROWS, start=1):
        help_sheet.cell(row=row, column=1, value=column).alignment = wrap
        help_sheet.cell(row=row, column=2, value=text).alignment = wrap
    documents = _documents_text(items)
    if documents:
        help_sheet.append(("本文件中的政策文件", documents))
        help_sheet.cell(row=help_sheet.max_row, column=2).alignment = wrap
    style_header(help_sheet[1], fill=None)
    set_widths(help_sheet, (14, 90))
    return common.DumpResult(content=workbook_bytes(workbook))


def _documents_text(items: list[common.ExportItem]) -> str:
    """"国务院令第722号：《优化营商环境条例》", one line per document the exported questions cite."""
    seen = dict.fromkeys((item.document, item.document_title) for item in items if item.document is not None)
    return "\n".join(f"{reference}：《{title}》" for reference, title in seen)


def _row_values(item: common.ExportItem) -> list[object]:
    data = item.data
    options = {o["key"]: o["text"] for o in data.options}
    return [
        qtypes.label(data.type),
        data.stem,
        *(options.get(key, "") for key in OPTION_KEYS),
        answer_to_text(data.type, data.answer),
        data.explanation,
        item.document,
        data.article,
        data.difficulty,
        "、".join(data.tags),
    ]


# ---------------------------------------------------------------- import

def parse(content: bytes) -> common.ParseResult:
    result = common.ParseResult()
    with warnings.catch_warnings():
        # openpyxl warns about features of files saved by Excel/WPS that it does not read; irrelevant here.
        warnings.simplefilter("ignore")
        try:
            sheet = _open_sheet(content)
            rows = list(sheet.iter_rows(values_only=True))
        except ValueError as exc:
            result.problem("文件", str(exc))
            return result
    if not rows:
        result.problem("文件", f"工作表“{sheet.title}”是空的，第 1 行应为表头")
        return result

    columns: dict[str, int] = {}
    for index, value in enumerate(rows[0]):
        name = normalise_width(_cell_text(value)).upper()  # "选项 a" and "选项Ａ" both mean 选项A
        if name.startswith("选项") or name in HEADERS:
            columns.setdefault(name, index)
    missing = [name for name in REQUIRED_HEADERS if name not in columns]
    if missing:
        result.problem(
            "第 1 行", f"表头缺少必需的列：{'、'.join(missing)}。表头应为：{'、'.join(HEADERS)}")
        return result

    for rownum, values in enumerate(rows[1:], start=2):
        if all(_cell_text(v) == "" for v in values):
            continue

        def get(name: str, values: tuple = values) -> object:
            index = columns.get(name)
            return values[index] if index is not None and index < len(values) else None

        data, problems = _parse_row(rownum, get)
        try:
            document = parse_document(_document_cell(get("政策文件")))
        except ValueError as exc:
            problems.append(FormatProblem(f"第 {rownum} 行「政策文件」列", str(exc)))
        result.problems.extend(problems)
        if data is not None and not problems:
            result.add(f"第 {rownum} 行", data, document)
    return result


def _document_cell(value: object) -> object:
    """A number stays a number (a document id); anything else is read as text (a 文号)."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else _cell_text(value)


def _open_sheet(content: bytes):
    if content[:4] == b"\xd0\xcf\x11\xe0":
        raise ValueError("这是旧版 Excel（.xls）文件，请在 Excel 中“另存为”.xlsx 格式后再导入")
    check_xlsx_limits(content)     # its SpreadsheetTooLarge is a ValueError with the message to show
    try:
        workbook = load_workbook(io.BytesIO(content), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors for files that are not xlsx
        raise ValueError("文件不是有效的 Excel（.xlsx）文件，无法读取") from exc
    if SHEET_NAME in workbook.sheetnames:
        return workbook[SHEET_NAME]
    if not workbook.worksheets:
        raise ValueError("Excel 文件中没有工作表")
    return workbook.worksheets[0]


def _parse_row(rownum: int, get) -> tuple[QuestionData | None, list[FormatProblem]]:
    problems: list[FormatProblem] = []

    def problem(column: str, message: str) -> None:
        problems.append(FormatProblem(f"第 {rownum} 行「{column}」列", message))

    type_text = _cell_text(get("题型"))
    qtype = qtypes.from_name(normalise_width(type_text).lower())
    if not type_text:
        problem("题型", "题型为空，应为 单选题、多选题、判断题 或 填空题")
    elif qtype is None:
        problem("题型", f"题型“{type_text}”无效，应为 单选题、多选题、判断题 或 填空题")
    label = qtypes.label(qtype) if qtype else "题目"

    stem = _cell_text(get("题干"))
    if not stem:
        problem("题干", "题干为空")

    texts = [_cell_text(get(column)) for column in OPTION_COLUMNS]
    options: list[dict] = []
    if qtypes.has_options(qtype):
        filled = [i for i, text in enumerate(texts) if text]
        last = filled[-1] if filled else -1
        gap = next((i for i in range(last) if not texts[i]), None)
        if gap is not None:
            problem(OPTION_COLUMNS[gap], f"选项应从 A 开始连续填写：选项{OPTION_KEYS[gap]}为空，但其后还有选项")
        options = [{"key": OPTION_KEYS[i], "text": texts[i]} for i in filled]
        if len(filled) < 2 and gap is None:
            problem(OPTION_COLUMNS[len(filled)], f"{label}至少需要 2 个选项（从选项A起填写）")
    elif qtype is not None:
        extra = next((i for i, text in enumerate(texts) if text), None)
        if extra is not None:
            problem(OPTION_COLUMNS[extra], f"{label}不应填写选项")

    answer_text = _cell_text(get("答案"))
    answer: object = None
    if not answer_text:
        problem("答案", "答案为空")
    elif qtype is not None:
        try:
            answer = _read_answer(qtype, answer_text, [o["key"] for o in options])
        except ValueError as exc:
            problem("答案", str(exc))
        else:
            if qtypes.has_blanks(qtype) and stem:
                blanks = count_blanks(stem)
                if blanks == 0:
                    problem("题干", f"{label}题干中没有空（用 ____ 或（　）标出）")
                elif blanks != len(answer):
                    problem("答案", f"题干有 {blanks} 个空，答案有 {len(answer)} 个"
                                    "（各空的答案用 | 分隔，同一空的多种写法用 / 分隔）")

    try:
        article = parse_article(get("条款"))
    except ValueError as exc:
        problem("条款", str(exc))
        article = None
    try:
        difficulty = parse_difficulty(get("难度"))
    except ValueError as exc:
        problem("难度", str(exc))
        difficulty = 2

    if problems or qtype is None:
        return None, problems
    return QuestionData(type=qtype, stem=stem, options=options, answer=answer,
                        explanation=_cell_text(get("解析")), article=article, difficulty=difficulty,
                        tags=common.split_tags(_cell_text(get("标签")))), problems


def _read_answer(qtype: str, text: str, keys: list[str]) -> object:
    shape, label = qtypes.get(qtype).shape.name, qtypes.label(qtype)
    if shape == qtypes.CHOICE_ONE:
        letter = normalise_width(text).upper()
        if len(letter) != 1 or letter not in OPTION_KEYS:
            raise ValueError(f"{label}答案“{text}”应为一个选项字母，如 A")
        if letter not in keys:
            raise ValueError(f"{label}答案“{text}”是不存在的选项（本题选项为 {option_keys_text(keys)}）")
        return letter
    if shape == qtypes.CHOICE_MANY:
        letters = [ch for ch in normalise_width(text).upper() if ch not in _MULTI_SEPARATORS]
        bad = [ch for ch in letters if ch not in keys]
        if bad:
            raise ValueError(f"{label}答案“{text}”含有不存在的选项{''.join(bad)}"
                             f"（本题选项为 {option_keys_text(keys)}）")
        if len(letters) != len(set(letters)):
            raise ValueError(f"{label}答案“{text}”中有重复的选项")
        return sorted(letters)
    return answer_from_text(qtype, text)
