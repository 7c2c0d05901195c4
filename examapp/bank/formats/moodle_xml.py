"""Moodle XML (<quiz><question type="…">), as exported and imported by Moodle's question bank.

By answer shape (bank/qtypes.py): one choice → multichoice (single true); several choices → multichoice
(single false, correct options share 100%, wrong options -100%); true/false → truefalse; one blank →
shortanswer (the stem keeps its blank); several blanks → cloze with {1:SHORTANSWER:=a~=b} at each blank.
Article, difficulty and tags travel as Moodle tags "条款:21", "难度:2" and the tag names themselves.
The policy document is a level of the category path, …/题库/《标题》（文号）/第一章 (see gift.py): questions belong
to the last category element above them, as in Moodle; under no such category they go to the current 《条例》.
"""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from xml.parsers import expat

from examapp.bank.core import (
    BLANK_RE,
    FALSE_WORDS,
    OPTION_KEYS,
    TRUE_WORDS,
    QuestionData,
    count_blanks,
    normalise_width,
)
from examapp.bank.formats import common
from examapp.bank.formats.common import (
    FULL_MARKS,
    clean_text,
    html_to_text,
    parse_article,
    parse_difficulty,
    text_to_html,
)
from examapp.bank.qtypes import BLANKS, CHOICE_MANY, CHOICE_ONE, TRUE_FALSE

NAME_LENGTH = 30

UNSUPPORTED_TYPES = {
    "essay": "论述题", "match": "匹配题", "matching": "匹配题", "randomsamatch": "随机简答匹配题",
    "numerical": "数值题", "calculated": "计算题", "calculatedsimple": "简单计算题", "calculatedmulti": "计算选择题",
    "description": "描述（非题目）", "ddwtos": "拖放文字填空题", "gapselect": "下拉选词填空题",
    "ddimageortext": "拖放到图片题", "ddmarker": "拖放标记题", "ordering": "排序题", "random": "随机题",
}
SHORTANSWER_KINDS = {"SHORTANSWER", "SA", "MW", "SHORTANSWER_C", "SAC", "MWC"}

_CLOZE_START_RE = re.compile(r"\{(\d*):([A-Za-z_]+):")
_ENTITY_RE = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_PLACEHOLDER = "\ue000"
# In cloze answers these characters have a meaning, so they are written as numeric HTML entities.
_CLOZE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "#": "&#35;", "~": "&#126;",
                                "{": "&#123;", "}": "&#125;", "=": "&#61;", "%": "&#37;", "\\": "&#92;",
                                ":": "&#58;"})
_EXPAT_MESSAGES = {
    "mismatched tag": "标签不匹配",
    "not well-formed (invalid token)": "含有无效的字符或标记",
    "unclosed token": "有未闭合的标记",
    "no element found": "文件不完整或为空",
    "junk after document element": "根元素之后还有多余的内容",
    "undefined entity": "含有未定义的实体",
    "syntax error": "语法错误",
    "unclosed CDATA section": "CDATA 段没有结束",
    "duplicate attribute": "属性重复",
}


class _Doctype(Exception):
    pass


class _Unsupported(Exception):
    """A question the bank cannot carry; the message says why (it goes to ParseResult.skipped)."""


# ---------------------------------------------------------------- export

def dump(items: list[common.ExportItem]) -> common.DumpResult:
    root = ET.Element("quiz")
    category: str | None = None
    for item in items:
        path = common.category_path(item.chapter, item.document, item.document_title)
        if path != category:
            category = path
            root.append(ET.Comment(" category "))
            element = ET.SubElement(root, "question", type="category")
            _text_element(element, "category", path)
            _text_element(element, "info", "", "moodle_auto_format")
        if item.id is not None:
            root.append(ET.Comment(f" question: {item.id} "))
        root.append(_question_element(item.data))
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=False)
    return common.DumpResult(content=('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8"))


def _text_element(parent: ET.Element, tag: str, text: str, fmt: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if fmt:
        element.set("format", fmt)
    ET.SubElement(element, "text").text = clean_text(text)
    return element


def _question_element(data: QuestionData) -> ET.Element:
    shape = common.shape_of(data)
    cloze = shape == BLANKS and len(data.answer or []) > 1
    moodle_type = {CHOICE_ONE: "multichoice", CHOICE_MANY: "multichoice", TRUE_FALSE: "truefalse"}.get(
        shape, "cloze" if cloze else "shortanswer")
    question = ET.Element("question", type=moodle_type)
    _text_element(question, "name", re.sub(r"\s+", " ", data.stem).strip()[:NAME_LENGTH] or "题目")
    stem_html = _cloze_text(data.stem, data.answer) if cloze else text_to_html(data.stem)
    _text_element(question, "questiontext", stem_html, "html")
    _text_element(question, "generalfeedback", text_to_html(data.explanation), "html")
    if not cloze:
        ET.SubElement(question, "defaultgrade").text = "1"
    ET.SubElement(question, "penalty").text = "1" if shape == TRUE_FALSE else "0.3333333"
    ET.SubElement(question, "hidden").text = "0"
    ET.SubElement(question, "idnumber").text = ""

    if shape in (CHOICE_ONE, CHOICE_MANY):
        one = shape == CHOICE_ONE
        ET.SubElement(question, "single").text = "true" if one else "false"
        ET.SubElement(question, "shuffleanswers").text = "false"
        ET.SubElement(question, "answernumbering").text = "ABCD"
        ET.SubElement(question, "showstandardinstruction").text = "0"
        for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            _text_element(question, tag, "", "html")
        correct = [data.answer] if one else list(data.answer or [])
        share = common.fraction_text(100 / len(correct)) if correct else "0"
        right, wrong = ("100", "0") if one else (share, "-100")
        for option in sorted(data.options, key=lambda o: o["key"]):
            _answer_element(question, right if option["key"] in correct else wrong, text_to_html(option["text"]), "html")
    elif shape == TRUE_FALSE:
        _answer_element(question, "100" if data.answer else "0", "true", "moodle_auto_format")
        _answer_element(question, "0" if data.answer else "100", "false", "moodle_auto_format")
    elif not cloze:
        ET.SubElement(question, "usecase").text = "0"
        for alternative in (data.answer or [[]])[0]:
            _answer_element(question, "100", alternative, "moodle_auto_format")

    tags = ET.SubElement(question, "tags")
    labels = ([f"条款:{data.article}"] if data.article is not None else []) + [f"难度:{data.difficulty}"]
    for label in labels + list(data.tags):
        tag = ET.SubElement(tags, "tag")
        ET.SubElement(tag, "text").text = clean_text(label)
    return question


def _answer_element(question: ET.Element, fraction: str, text: str, fmt: str) -> None:
    answer = ET.SubElement(question, "answer", fraction=fraction, format=fmt)
    ET.SubElement(answer, "text").text = clean_text(text)
    _text_element(answer, "feedback", "", "html")


def _cloze_text(stem: str, answer: list[list[str]]) -> str:
    """The stem as cloze HTML: each blank replaced by {1:SHORTANSWER:=alt1~=alt2}."""
    def html_part(text: str) -> str:
        return text_to_html(text).replace("{", "&#123;").replace("}", "&#125;")

    parts: list[str] = []
    position = 0
    blanks = iter(answer)
    for match in BLANK_RE.finditer(clean_text(stem)):
        alternatives = next(blanks, None)
        if alternatives is None:
            break
        parts.append(html_part(clean_text(stem)[position:match.start()]))
        parts.append(_cloze_subquestion(alternatives))
        position = match.end()
    parts.append(html_part(clean_text(stem)[position:]))
    parts.extend(_cloze_subquestion(alternatives) for alternatives in blanks)  # answers without a blank
    return "".join(parts)


def _cloze_subquestion(alternatives: list[str]) -> str:
    return "{1:SHORTANSWER:" + "~".join("=" + clean_text(a).translate(_CLOZE_ESCAPES) for a in alternatives) + "}"


# ---------------------------------------------------------------- import

def parse(content: bytes) -> common.ParseResult:
    result = common.ParseResult()
    if _declares_doctype(content):
        result.problem("文件", "不支持包含 DOCTYPE 的 XML")
        return result
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":")[0].strip()
        detail = _EXPAT_MESSAGES.get(reason, "格式不正确")
        result.problem(f"第 {line} 行", f"XML 格式有误（第 {column + 1} 列附近{detail}），无法读取文件")
        return result
    except (LookupError, ValueError):  # an encoding expat cannot read: unknown, or multi-byte such as GBK
        result.problem("文件", "XML 文件声明的编码无法读取，请另存为 UTF-8 编码后再导入")
        return result
    if root.tag != "quiz":
        result.problem("文件", f"这不是 Moodle XML 题目文件：根元素应为 <quiz>，而不是 <{root.tag}>")
        return result

    number, document = 0, None
    for element in root.findall("question"):
        qtype = (element.get("type") or "").strip()
        if qtype == "category":
            document = common.document_in_category(element.findtext("category/text") or "")
            continue
        number += 1
        location = f"第 {number} 题"
        reader = _READERS.get(qtype)
        if reader is None:
            label = UNSUPPORTED_TYPES.get(qtype, "未知题型")
            result.skipped.append(f"{location}：Moodle 题型“{qtype}”（{label}）不支持，已跳过")
            continue
        try:
            data = reader(element)
            _read_tags(element, data)
        except _Unsupported as exc:
            result.skipped.append(f"{location}：{exc}，已跳过")
        except ValueError as exc:
            result.problem(location, str(exc))
        else:
            result.add(location, data, document)
    return result


def _declares_doctype(content: bytes) -> bool:
    """Whether the document has a DOCTYPE or entity declaration (refused: entity expansion attacks)."""
    parser = expat.ParserCreate()

    def refuse(*_args) -> None:
        raise _Doctype

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(content, True)
    except _Doctype:
        return True
    except (expat.ExpatError, LookupError, ValueError):
        return False  # malformed or in an encoding expat cannot read: parse() reports it
    return False


def _formatted_text(element: ET.Element | None) -> str:
    """The <text> of a Moodle text field, as plain text."""
    if element is None:
        return ""
    text = element.findtext("text") or ""
    return html_to_text(text) if element.get("format", "html") == "html" else text.strip()


def _fraction(answer: ET.Element) -> float:
    raw = (answer.get("fraction") or "0").strip()
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        raise ValueError(f"答案的分值“{raw}”无效") from None


def _base(element: ET.Element, qtype: str) -> QuestionData:
    stem = _formatted_text(element.find("questiontext"))
    if not stem:
        raise ValueError("题干为空")
    return QuestionData(type=qtype, stem=stem, explanation=_formatted_text(element.find("generalfeedback")))


def _read_multichoice(element: ET.Element) -> QuestionData:
    single = (element.findtext("single") or "true").strip().lower() in ("true", "1")
    data = _base(element, common.type_for(CHOICE_ONE if single else CHOICE_MANY))
    answers = element.findall("answer")
    if len(answers) > len(OPTION_KEYS):
        raise ValueError(f"有 {len(answers)} 个选项，题库最多支持 {len(OPTION_KEYS)} 个（A–F）")
    if len(answers) < 2:
        raise ValueError("选项少于 2 个")
    fractions = []
    for key, answer in zip(OPTION_KEYS, answers, strict=False):
        text = _formatted_text(answer)
        if not text:
            raise ValueError(f"选项{key}为空")
        data.options.append({"key": key, "text": text})
        fractions.append((key, _fraction(answer)))
    if single:
        correct = [key for key, fraction in fractions if fraction >= FULL_MARKS]
        if len(correct) != 1:
            raise ValueError(f"单选题应有且只有一个满分（100%）选项，现有 {len(correct)} 个")
        data.answer = correct[0]
    else:
        data.answer = sorted(key for key, fraction in fractions if fraction > 0)
        if not data.answer:
            raise ValueError("多选题没有得分为正的正确选项")
    return data


def _read_truefalse(element: ET.Element) -> QuestionData:
    data = _base(element, common.type_for(TRUE_FALSE))
    for index, answer in enumerate(element.findall("answer")):
        word = normalise_width(answer.findtext("text") or "").upper()
        means_true = word in TRUE_WORDS if word in TRUE_WORDS | FALSE_WORDS else index == 0  # Moodle: true first
        if _fraction(answer) >= FULL_MARKS:
            data.answer = means_true
    if data.answer is None:
        raise ValueError("判断题没有标出正确答案（分值为 100 的答案）")
    return data


def _read_shortanswer(element: ET.Element) -> QuestionData:
    data = _base(element, common.type_for(BLANKS))
    accepted = [(answer.findtext("text") or "").strip() for answer in element.findall("answer")
                if _fraction(answer) >= FULL_MARKS]
    accepted = [text for text in accepted if text]
    if not accepted:
        raise ValueError("简答题没有满分（100%）的答案")
    if count_blanks(data.stem) == 0:
        data.stem += "____"
    data.answer = [accepted]
    return data


def _read_cloze(element: ET.Element) -> QuestionData:
    node = element.find("questiontext")
    markup = (node.findtext("text") if node is not None else None) or ""
    parts: list[str] = []
    blanks: list[list[str]] = []
    position = 0
    while match := _CLOZE_START_RE.search(markup, position):
        end = _scan(markup, match.end(), "}")
        if end is None:
            raise ValueError(f"完形填空的第 {len(blanks) + 1} 个空缺少结束的“}}”")
        kind = match.group(2).upper()
        if kind not in SHORTANSWER_KINDS:
            raise _Unsupported(f"Moodle 完形填空题中含有“{kind}”类型的空（题库只支持简答形式的空）")
        accepted = [text for fraction, text in _cloze_alternatives(markup[match.end():end])
                    if fraction >= FULL_MARKS and text]
        if not accepted:
            raise ValueError(f"完形填空的第 {len(blanks) + 1} 个空没有满分答案")
        parts.append(markup[position:match.start()])
        parts.append(_PLACEHOLDER)
        blanks.append(accepted)
        position = end + 1
    parts.append(markup[position:])
    if not blanks:
        raise ValueError("完形填空题中没有 {1:SHORTANSWER:=答案} 形式的空")
    stem = html_to_text("".join(parts)).replace(_PLACEHOLDER, "____")
    return QuestionData(type=common.type_for(BLANKS), stem=stem, answer=blanks,
                        explanation=_formatted_text(element.find("generalfeedback")))


def _scan(text: str, start: int, stops: str) -> int | None:
    """Index of the first of stops at or after start, skipping backslash escapes and HTML entities."""
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "&":
            entity = _ENTITY_RE.match(text, index)
            if entity:
                index = entity.end()
                continue
        if char in stops:
            return index
        index += 1
    return None


def _cloze_alternatives(body: str) -> list[tuple[float, str]]:
    alternatives = []
    position = 0
    while position <= len(body):
        end = _scan(body, position, "~")
        chunk = body[position:len(body) if end is None else end]
        if chunk.strip():
            fraction, chunk = common.split_weight(chunk, 0.0)
            feedback = _scan(chunk, 0, "#")
            answer = chunk if feedback is None else chunk[:feedback]
            answer = re.sub(r"\\(.)", r"\1", answer)
            alternatives.append((fraction, html.unescape(answer).strip()))
        if end is None:
            break
        position = end + 1
    return alternatives


def _read_tags(element: ET.Element, data: QuestionData) -> None:
    for tag in element.findall("tags/tag"):
        text = (tag.findtext("text") or "").strip()
        match = re.fullmatch(r"(条款|难度)\s*[:：]\s*(.*)", text)
        if match and match.group(1) == "条款":
            data.article = parse_article(match.group(2))
        elif match:
            data.difficulty = parse_difficulty(match.group(2))
        elif text:
            data.tags.append(text)


_READERS = {
    "multichoice": _read_multichoice,
    "truefalse": _read_truefalse,
    "shortanswer": _read_shortanswer,
    "cloze": _read_cloze,
    "multianswer": _read_cloze,
}
