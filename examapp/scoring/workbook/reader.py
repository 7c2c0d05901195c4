"""Reading a whole input workbook: sheets matched by name, headers checked, each sheet's rows read and validated."""
from __future__ import annotations

import difflib
import io
import warnings
import zipfile
from collections.abc import Iterable

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from examapp.scoring.inputs import (
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
)
from examapp.scoring.workbook.rows import _Reader, _Row
from examapp.scoring.workbook.sheets import (
    ASSISTANCE,
    COMPONENT_KEYS,
    CONDUCT,
    CONDUCT_KINDS,
    EXAM_STATUSES,
    EXAMS,
    HELP_SHEET,
    INDICATORS,
    LEVEL_BY_LABEL,
    OPTIONAL_COLUMNS,
    OTHERS,
    RANKS,
    SHEETS,
)
from examapp.scoring.workbook.values import WorkbookResult
from examapp.spreadsheets import cell_text, header_name, normalise
from examapp.xlsxutil import check_xlsx_limits


def _data_rows(reader: _Reader, sheet_name: str, sheet: Worksheet) -> list[_Row] | None:
    """The sheet's non-blank data rows keyed by column name; None when the header is unusable.

    Problems name the sheet by its title in the workbook (which may differ from ``sheet_name`` by spaces)."""
    title = sheet.title
    rows = sheet.iter_rows()
    header = next(rows, ())
    if all(cell_text(c.value) == "" for c in header) and sheet.max_row <= 1:
        reader.note(f"工作表“{title}”是空的（没有表头），按未提供处理。")
        return None
    expected = SHEETS[sheet_name]
    index: dict[str, int] = {}
    extra: list[str] = []
    for position, cell in enumerate(header):
        name = header_name(cell.value)
        if not name:
            continue
        if name in expected:
            if name in index:
                reader.problem(title, 1, name, f"表头中“{name}”列出现了不止一次")
            else:
                index[name] = position
        else:
            extra.append(cell_text(cell.value))
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
        if all(cell_text(c.value) == "" for c in by_name.values()):
            continue
        result.append(_Row(reader, title, number, by_name, sheet_name))
    return result


def _read_indicators(reader: _Reader, rows: list[_Row]) -> None:
    first_row: dict[str, int] = {}
    levels: dict[str, int] = {}
    parsed: list[tuple[_Row, str, str, int | None]] = []
    for row in rows:
        code, name = row.text("指标编码", required=True), row.text("指标名称", required=True)
        level_text = normalise(row.text("指标层级"))
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
    squeezed = {normalise(name): name for name in (*SHEETS, HELP_SHEET)}
    for title in names:
        if title in SHEETS or title == HELP_SHEET:
            known = title
        elif normalise(title) in squeezed:
            known = squeezed[normalise(title)]
            if known != HELP_SHEET:
                reader.note(f"工作表“{title}”按“{known}”读取。")
        else:
            close = difflib.get_close_matches(normalise(title), list(squeezed), n=1, cutoff=0.6)
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
