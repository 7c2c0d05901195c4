"""Hypothesis strategies for hostile input: odd cell values, and mutations of valid files (tables, workbooks,
zip members, XML trees, JSON documents, GIFT text), plus the small helpers that build the files."""
from __future__ import annotations

import copy
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile

from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

CHINESE_RE = re.compile(r"[\u4e00-\u9fff]")
# What PostgreSQL text columns cannot hold and what no importer should let through.
NUL = "\x00"


def has_chinese(text: str) -> bool:
    return bool(CHINESE_RE.search(text))


# ---------------------------------------------------------------- values

TRICKY_TEXTS = (
    "", " ", "\u3000", "\u200b", "\ufeff", "\t", "\n", "\r\n", "=1+1", "=HYPERLINK(\"http://x\",\"点我\")", "+1", "-1",
    "@SUM(A1)", "😀", "👨‍👩‍👧", "Ａ", "１２", "ＡＢＤ", "a", "A", "ABD", "A,B", "G", "正确", "错误", "对", "√", "TRUE",
    "第二十一条", "第0条", "第一百零五条", "第21条", "0", "-0", "1.5", "1e400", "nan", "NaN", "inf", "-inf",
    "9" * 30, "2023Q1", "2023q1", "2023年3月", "2023年第一季度", "2023-02-30", "2023/13/01", "1899-12-30",
    "一级", "四级", "扣分", "加分", "缺考", "请假", "正常", "95%", "100.0001", "%50%", "{=a}", "<b>粗</b>", "&amp;",
    "____", "（　）", "()", "单选题", "多选题", "判断题", "填空题", "essay", "易", "极难", "、", "，", "|", "/",
    "示例·区财政局党组", "示例·区财政局党组 ", "示例·区财政局党组、示例·区商务局党组", "机关部门", "外星部门",
    "zhouym", "ZHOUYM", "b a d", "13800000001", "1380000000１", "\\", "{", "}", "~", "#", "::",
)
COMMON_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
CJK_TEXT = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80), min_size=1, max_size=12)
HUGE_TEXT = st.builds(lambda char, n: char * n, st.sampled_from(["长", "a", "1", "、", " "]), st.integers(100, 40000))


def hostile_texts() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(TRICKY_TEXTS), COMMON_TEXT, CJK_TEXT, HUGE_TEXT)


def hostile_values() -> st.SearchStrategy[object]:
    """Anything a spreadsheet cell may hold: text, numbers, booleans, dates, nothing."""
    return st.one_of(
        hostile_texts(),
        st.none(),
        st.booleans(),
        st.integers(-(10 ** 20), 10 ** 20),
        st.sampled_from([0, 1, 2, 3, -1, 16, 2 ** 31, 2 ** 63, 10 ** 15]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
        st.dates(min_value=dt.date(1900, 3, 1)),
        st.times(),
    )


def cell_safe(value: object) -> object:
    """A value openpyxl agrees to write (it refuses control characters; those are injected at XML level)."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


# ---------------------------------------------------------------- tables and workbooks

Table = list[list[object]]


def _index(draw, size: int) -> int:
    return draw(st.integers(0, max(size - 1, 0)))


def _near_miss(draw, text: str) -> str:
    """A header or sheet name as people misspell it: spaces, full width, a remark, a missing or extra character."""
    kind = draw(st.sampled_from(["space", "fullwidth", "remark", "drop", "extra", "random", "upper"]))
    if kind == "space":
        return " " + text + " "
    if kind == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    if kind == "remark":
        return text + draw(st.sampled_from(["（必填）", "(%)", "（", "）", "(备注"]))
    if kind == "drop" and len(text) > 1:
        i = _index(draw, len(text))
        return text[:i] + text[i + 1:]
    if kind == "extra":
        i = _index(draw, len(text) + 1)
        return text[:i] + draw(st.sampled_from(["的", "x", "1", "·"])) + text[i:]
    if kind == "upper":
        return text.upper()
    return draw(hostile_texts())


@st.composite
def mutated_table(draw, table: Table, max_ops: int = 4, header: bool = True) -> Table:
    """The table (first row a header when ``header``) after 1..max_ops random edits."""
    rows = [list(row) for row in table]
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(["set", "set", "set", "set", "drop", "dup", "shuffle", "append", "blank",
                                   "swap_cols", "rename_header", "drop_header", "clear_header", "truncate_row"]))
        if not rows:
            rows.append([])
        if op == "set":
            row = rows[_index(draw, len(rows))]
            col = draw(st.integers(0, max(len(row), 1) + 1))
            row.extend([None] * (col + 1 - len(row)))
            row[col] = draw(hostile_values())
        elif op == "drop":
            del rows[_index(draw, len(rows))]
        elif op == "dup":
            rows.insert(_index(draw, len(rows) + 1), list(rows[_index(draw, len(rows))]))
        elif op == "shuffle":
            body = rows[1:] if header else rows
            body = draw(st.permutations(body)) if body else body
            rows = ([rows[0]] if header else []) + [list(r) for r in body]
        elif op == "append":
            rows.append(draw(st.lists(hostile_values(), max_size=10)))
        elif op == "blank":
            rows.insert(_index(draw, len(rows) + 1), [None] * draw(st.integers(0, 5)))
        elif op == "swap_cols":
            width = max(len(r) for r in rows)
            if not width:
                continue
            a, b = draw(st.integers(0, max(width - 1, 0))), draw(st.integers(0, max(width - 1, 0)))
            for row in rows:
                row.extend([None] * (width - len(row)))
                row[a], row[b] = row[b], row[a]
        elif op in ("rename_header", "drop_header", "clear_header") and header and rows[0]:
            col = _index(draw, len(rows[0]))
            if op == "rename_header":
                rows[0][col] = _near_miss(draw, str(rows[0][col] or ""))
            elif op == "drop_header":
                del rows[0][col]
            else:
                rows[0] = []
        elif op == "truncate_row":
            row = rows[_index(draw, len(rows))]
            del row[_index(draw, len(row) + 1):]
    return rows


def _sheet_title(text: str, taken: set[str]) -> str:
    """A title openpyxl accepts as is (it renames duplicates, compared ignoring case, by appending digits)."""
    title = re.sub(r"[\[\]:*?/\\]", "", ILLEGAL_CHARACTERS_RE.sub("", text)).strip("'")[:31] or "Sheet"
    while title.lower() in taken:
        title = title[:29] + "副本"
    taken.add(title.lower())
    return title


def build_xlsx(sheets: dict[str, Table]) -> bytes:
    """A workbook with these sheets (in order) holding these rows."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for name, rows in sheets.items():
        title = _sheet_title(name, taken)
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append([cell_safe(v) for v in row])
    if not workbook.worksheets:
        workbook.create_sheet("Sheet1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_xlsx(content: bytes) -> dict[str, Table]:
    """The cell values of every sheet of a workbook (to use a generated file as a base for mutation)."""
    workbook = load_workbook(io.BytesIO(content))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


@st.composite
def mutated_workbook(draw, sheets: dict[str, Table], max_ops: int = 4) -> dict[str, Table]:
    """Sheets renamed, dropped, duplicated, emptied or added, and rows and cells of some sheets mutated."""
    result = {name: [list(r) for r in rows] for name, rows in sheets.items()}
    for _ in range(draw(st.integers(1, max_ops))):
        names = list(result)
        op = draw(st.sampled_from(["table", "table", "table", "table", "rename", "drop", "dup", "empty", "add",
                                   "reorder"]))
        if not names:
            op = "add"
        name = names[_index(draw, len(names))] if names else ""
        if op == "table":
            result[name] = draw(mutated_table(result[name]))
        elif op == "rename":
            new = _near_miss(draw, name)
            result = {(new if key == name else key): rows for key, rows in result.items()}
        elif op == "drop":
            del result[name]
        elif op == "dup":
            result[_near_miss(draw, name)] = [list(r) for r in result[name]]
        elif op == "empty":
            result[name] = draw(st.sampled_from([[], [[]], result[name][:1]]))
        elif op == "add":
            result[draw(hostile_texts())] = draw(st.lists(st.lists(hostile_values(), max_size=6), max_size=4))
        else:
            order = draw(st.permutations(names))
            result = {key: result[key] for key in order}
    return result


# ---------------------------------------------------------------- bytes, zip members, XML inside xlsx

SNIPPETS = (b"<", b">", b"&", b"&#0;", b"&#1;", b"&#xFFFF;", b"_x0001_", b"_x0000_", b"\x00", b"\xff\xfe", b'"',
            b"]]>", b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"&a;", b"<![CDATA[", b"</", b"<?xml version='1.0'?>",
            b"\xe9", b"\xa1\xa1", b"\r\n", b"\x1b", b"t=\"e\"", b"t=\"s\"", b"<v>99999</v>", b"<v>1e999</v>")


@st.composite
def mutated_bytes(draw, content: bytes) -> bytes:
    """Truncated, with a range deleted, bytes flipped or hostile snippets inserted."""
    data = bytearray(content)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["truncate", "delete", "flip", "insert", "insert_random"]))
        position = _index(draw, len(data) + 1)
        if op == "truncate":
            del data[position:]
        elif op == "delete":
            del data[position:position + draw(st.integers(1, 64))]
        elif op == "flip" and data:
            data[min(position, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == "insert":
            data[position:position] = draw(st.sampled_from(SNIPPETS))
        else:
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data)


CELL_TYPES = (b"s", b"n", b"b", b"e", b"str", b"inlineStr", b"d", b"x")
CELL_VALUES = (b"", b"0", b"-1", b"99999999", b"1e999", b"nan", b"abc", b"2023-13-45T25:00:00", b"1.5", b"&#1;",
               b"_x0001_", b"\xe4\xb8\xad")


@st.composite
def mutated_sheet_xml(draw, xml: bytes) -> bytes:
    """Plausible damage inside a worksheet or shared-strings part: cell types and values changed."""
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            spots = [m.span(1) for m in re.finditer(rb' t="([^"]*)"', xml)]
            replacement = draw(st.sampled_from(CELL_TYPES))
        else:
            spots = [m.span(1) for m in re.finditer(rb"<(?:v|t)(?: [^>]*)?>([^<]*)</(?:v|t)>", xml)]
            replacement = draw(st.sampled_from(CELL_VALUES))
        if spots:
            start, end = spots[_index(draw, len(spots))]
            xml = xml[:start] + replacement + xml[end:]
    return xml


@st.composite
def mutated_zip(draw, content: bytes) -> bytes:
    """An xlsx whose zip is cut short, or one of whose members is damaged, dropped or renamed."""
    op = draw(st.sampled_from(["member_xml", "member_xml", "member_bytes", "drop", "rename", "whole"]))
    if op == "whole":
        return draw(mutated_bytes(content))
    source = zipfile.ZipFile(io.BytesIO(content))
    names = sorted(source.namelist())
    target = draw(st.sampled_from(names))
    if op == "member_xml":
        target = draw(st.sampled_from([n for n in names if n.startswith("xl/worksheets/")
                                       or n == "xl/sharedStrings.xml"] or names))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as sink:
        for name in names:
            data = source.read(name)
            if name == target:
                if op == "drop":
                    continue
                if op == "rename":
                    name = name + draw(st.sampled_from(["x", ".bak", "/"]))
                elif op == "member_xml":
                    data = draw(mutated_sheet_xml(data))
                else:
                    data = draw(mutated_bytes(data))
            sink.writestr(name, data)
    return out.getvalue()


# ---------------------------------------------------------------- XML trees, JSON, text

XML_TAGS = ("question", "questiontext", "text", "answer", "single", "tags", "tag", "quiz", "generalfeedback",
            "name", "category", "feedback", "foo")
XML_ATTRIBUTE_VALUES = ("", "100", "-100", "50", "33.33333", "99.999", "nan", "inf", "1e999", "abc", "html",
                        "plain_text", "moodle_auto_format", "cloze", "multianswer", "essay", "multichoice",
                        "truefalse", "shortanswer", "category", "numerical", "matching", "1,5")
CLOZE_TEXTS = ("{1:SHORTANSWER:=甲~=乙}", "{1:SA:%50%部分#反馈~=全对}", "{1:MULTICHOICE:=甲~乙}", "{", "}",
               "{1:SHORTANSWER:}", "{:SA:=a}", "{1:SHORTANSWER:=a\\}b}", "{1:SA:=&#123;}", "{1:SA:=a", "____",
               "<p>段落</p>", "<br>", "&nbsp;", "&lt;&gt;", "条款:21", "难度:9", "条款:第零条", "难度:易")


@st.composite
def mutated_xml(draw, content: bytes) -> bytes:
    """A Moodle XML document with elements removed, duplicated, moved or renamed, and texts and attributes
    replaced; sometimes damaged as bytes afterwards."""
    root = ET.fromstring(content)
    for _ in range(draw(st.integers(1, 4))):
        elements = list(root.iter())
        parents = {child: parent for parent in elements for child in parent}
        element = elements[_index(draw, len(elements))]
        op = draw(st.sampled_from(["remove", "dup", "move", "rename", "text", "text", "cloze", "attr", "delattr"]))
        if op in ("remove", "dup", "move") and element in parents:
            parent = parents[element]
            if op == "remove":
                parent.remove(element)
            elif op == "dup":
                parent.append(copy.deepcopy(element))
            else:
                parent.remove(element)
                candidates = [e for e in root.iter()]
                candidates[_index(draw, len(candidates))].append(element)
        elif op == "rename":
            element.tag = draw(st.sampled_from(XML_TAGS))
        elif op == "text":
            element.text = draw(hostile_texts())
        elif op == "cloze":
            element.text = (element.text or "") + draw(st.sampled_from(CLOZE_TEXTS))
        elif op == "attr":
            element.set(draw(st.sampled_from(["type", "fraction", "format"])),
                        draw(st.sampled_from(XML_ATTRIBUTE_VALUES)))
        elif element.attrib:
            del element.attrib[draw(st.sampled_from(sorted(element.attrib)))]
    data = ET.tostring(root, encoding="utf-8")
    if draw(st.integers(0, 4)) == 0:
        data = draw(mutated_bytes(data))
    return data


def json_values() -> st.SearchStrategy[object]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10 ** 30), 10 ** 30),
                        st.floats(allow_nan=True, allow_infinity=True), hostile_texts(),
                        st.sampled_from(["single", "multiple", "truefalse", "fill", "A", "AB", 21, "第二十一条"]))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.sampled_from(
                                                             ["type", "stem", "options", "answer", "key", "text",
                                                              "article", "difficulty", "tags", "explanation",
                                                              "questions", "x"]), inner, max_size=4)),
                        max_leaves=8)


def _containers(node) -> list:
    """Every list and object of a JSON document, outermost first."""
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict | list):
            found.append(current)
            stack.extend(current.values() if isinstance(current, dict) else current)
    return found


@st.composite
def mutated_json(draw, content: bytes) -> bytes:
    """A JSON document with values replaced by values of the wrong type, keys dropped, items duplicated."""
    document = json.loads(content)
    for _ in range(draw(st.integers(1, 4))):
        containers = _containers(document)
        if not containers or draw(st.integers(0, 9)) == 0:
            document = draw(json_values())
            continue
        node = containers[_index(draw, len(containers))]
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        op = draw(st.sampled_from(["replace", "replace", "replace", "delete", "dup"]))
        if not keys:
            op = "add"
        if op == "replace":
            node[keys[_index(draw, len(keys))]] = draw(json_values())
        elif op == "delete":
            del node[keys[_index(draw, len(keys))]]
        elif op == "dup" and isinstance(node, list):
            node.append(json.loads(json.dumps(node[keys[_index(draw, len(keys))]])))
        elif isinstance(node, dict):
            node[draw(st.sampled_from(["type", "stem", "answer", "y"]))] = draw(json_values())
        else:
            node.append(draw(json_values()))
    data = json.dumps(document, ensure_ascii=draw(st.booleans())).encode("utf-8")
    if draw(st.integers(0, 4)) == 0:
        data = draw(mutated_bytes(data))
    return data


GIFT_PUNCTUATION = ("~", "=", "#", "####", "{", "}", "::", ":", "%", "%50%", "%-100%", "\\", "\\n", "->", "[html]",
                    "[plain]", "// 条款: 9999", "// 难度: 极难", "$CATEGORY: x", "\n", "\n\n", "TRUE", "F", " ", "）")


@st.composite
def mutated_text(draw, text: str) -> str:
    """GIFT text with punctuation sprinkled in, lines dropped, duplicated or swapped, blank lines removed."""
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(["insert", "insert", "insert", "delete", "dup_line", "swap_lines", "join_blocks",
                                   "random"]))
        lines = text.split("\n")
        if op == "insert":
            i = _index(draw, len(text) + 1)
            text = text[:i] + draw(st.sampled_from(GIFT_PUNCTUATION)) + text[i:]
        elif op == "delete":
            i = _index(draw, len(text) + 1)
            text = text[:i] + text[i + draw(st.integers(1, 20)):]
        elif op == "dup_line":
            i = _index(draw, len(lines))
            lines.insert(i, lines[i])
            text = "\n".join(lines)
        elif op == "swap_lines":
            i, j = _index(draw, len(lines)), _index(draw, len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        elif op == "join_blocks":
            text = text.replace("\n\n", "\n", 1)
        else:
            i = _index(draw, len(text) + 1)
            text = text[:i] + draw(hostile_texts()) + text[i:]
    return text


def examples(n: int) -> int:
    """n examples under the "ci" profile (max_examples 100), scaled alike under the others."""
    from hypothesis import settings
    return max(1, n * settings.default.max_examples // 100)


@st.composite
def one_cell_replaced(draw, sheets: dict[str, Table]) -> dict[str, Table]:
    """A valid workbook with a single data cell replaced by a hostile value (the rest stays valid, so the
    value itself, not the damage around it, decides the outcome)."""
    result = {name: [list(r) for r in rows] for name, rows in sheets.items()}
    candidates = [name for name, rows in result.items() if len(rows) > 1 and rows[0]]
    rows = result[draw(st.sampled_from(candidates))]
    row = rows[draw(st.integers(1, len(rows) - 1))]
    column = draw(st.integers(0, len(rows[0]) - 1))
    row.extend([None] * (column + 1 - len(row)))
    row[column] = draw(hostile_values())
    return result
