"""GIFT, Moodle's plain-text question format (https://docs.moodle.org/en/GIFT_format).

    // 条款: 21  难度: 2  标签: 市场主体、登记
    ::Q12::题干（　）{
        =正确选项
        ~错误选项
        ####解析
    }

Questions are separated by blank lines; ~ = # { } : and backslash are escaped with a backslash and line
breaks inside a text are written as \\n. Single choice: =right ~wrong; multiple choice: ~%50%right ~%-100%wrong;
true/false: {TRUE} / {FALSE}; a fill-in question with one blank is written as a missing-word short answer
"前文{=答案 =同义写法}后文" (on import the braces become "____" again). Fill-in questions with several blanks
cannot be written in GIFT. The comment line before each question carries the article, difficulty and tags.

The policy document (政策文件) is a level of the Moodle category, as Moodle users file questions by source:
"$CATEGORY: $course$/top/题库/《优化营商环境条例》（国务院令第722号）/第一章". The 文号 in full-width brackets (or
"编号2" for a document without one) is what the import reads; like Moodle, every question belongs to the last
$CATEGORY above it, so the document survives a trip through Moodle (whose GIFT export drops our comments but
writes the categories). Questions under no such category (hand-written files, files from before documents)
go to the current 《条例》.
"""
from __future__ import annotations

import re

from examapp.bank import qtypes
from examapp.bank.core import BLANK_RE, OPTION_KEYS, QuestionData, count_blanks
from examapp.bank.formats import common
from examapp.bank.formats.common import FULL_MARKS, clean_text, html_to_text, parse_article, parse_difficulty
from examapp.bank.qtypes import BLANKS, CHOICE_MANY, CHOICE_ONE, TRUE_FALSE

HEADER = (
    "// 题库导出（GIFT 格式，可导入 Moodle 或本系统）\n"
    "// 每道题前的注释行记录所考条款、难度和标签；本系统导入时会读取，Moodle 会忽略。\n"
    "// 有多个空的填空题无法用 GIFT 表示，未导出。"
)

# Escaped characters are swapped for private-use placeholders while the structure is parsed.
_ESCAPABLE = "\\~=#{}:n"
_PLACEHOLDERS = {char: chr(0xE100 + index) for index, char in enumerate(_ESCAPABLE)}
_RESTORE = str.maketrans({ph: ("\n" if char == "n" else char) for char, ph in _PLACEHOLDERS.items()})
_ESCAPE_RE = re.compile(r"\\([\\~=#{}:n])")
_FORMAT_RE = re.compile(r"\[(html|moodle|plain|markdown)\]")
# The comment line before a question: "条款: 21  难度: 2  标签: 市场主体、登记" (tags run to the next field).
_META_RE = {field: re.compile(field + r"\s*[:：]\s*" + value) for field, value in (
    ("条款", r"(\S+)"), ("难度", r"(\S+)"), ("标签", r"(.*?)\s*(?=(?:条款|难度)\s*[:：]|$)"))}

UNSUPPORTED_TYPES = {"essay": "论述题", "matching": "匹配题", "numerical": "数值题", "description": "描述（非题目）"}


class _Skip(Exception):
    """A question of a type the bank does not carry."""


# ---------------------------------------------------------------- export

def escape(text: str) -> str:
    """Escape GIFT's special characters (as Moodle's exporter does) and write line breaks as \\n."""
    text = clean_text(text).replace("\\", "\\\\")
    for char in "~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def dump(items: list[common.ExportItem]) -> common.DumpResult:
    blocks = [HEADER]
    skipped: list[str] = []
    category: str | None = None
    per_article: dict[int | None, int] = {}
    for index, item in enumerate(items, start=1):
        data = item.data
        if common.shape_of(data) == BLANKS and len(data.answer or []) != 1:
            who = f"编号 {item.id}，" if item.id is not None else ""
            skipped.append(f"第 {index} 题（{who}填空题，多个空）GIFT 格式不支持，未导出")
            continue
        path = common.category_path(item.chapter, item.document, item.document_title)
        if path != category:
            category = path
            blocks.append(f"$CATEGORY: {path}")
        per_article[data.article] = per_article.get(data.article, 0) + 1
        if item.id is not None:
            title = f"Q{item.id}"
        elif data.article is not None:
            title = f"R{data.article:02d}-{per_article[data.article]:02d}"
        else:
            title = f"Q{index}"
        blocks.append(_meta_comment(data) + "\n" + f"::{escape(title)}::" + _question_body(data))
    return common.DumpResult(content=("\n\n".join(blocks) + "\n").encode("utf-8"), skipped=skipped)


def _meta_comment(data: QuestionData) -> str:
    parts = [f"条款: {data.article}"] if data.article is not None else []
    parts.append(f"难度: {data.difficulty}")
    if data.tags:
        parts.append("标签: " + "、".join(clean_text(t).replace("\n", " ") for t in data.tags))
    return "// " + "  ".join(parts)


def _answer(prefix: str, weight: str | None, text: str) -> str:
    """One answer. Text that itself starts like a weight (%50%…) gets an explicit weight in front of it,
    except after a multiple-choice "=", where Moodle reads no weight."""
    if weight is None and common.WEIGHT_RE.match(text):
        weight = {"=": "100", "~": "0"}[prefix]
    return prefix + (f"%{weight}%" if weight is not None else "") + escape(text)


def _needs_plain_marker(data: QuestionData) -> bool:
    """Moodle renders GIFT text as HTML-ish "moodle" format; text with < or & is marked [plain] so it shows as is.
    Answers and feedback inherit the question text's format."""
    texts = [data.stem, data.explanation, *(o["text"] for o in data.options)]
    if common.shape_of(data) == BLANKS:
        texts += [alt for blank in data.answer or [] for alt in blank]
    return any("<" in text or "&" in text for text in texts)


def _question_body(data: QuestionData) -> str:
    marker = "[plain]" if _needs_plain_marker(data) or _FORMAT_RE.match(data.stem) else ""
    return marker + _question_text(data)


def _question_text(data: QuestionData) -> str:
    feedback = f"####{escape(data.explanation)}" if data.explanation else ""
    shape = common.shape_of(data)
    if shape in (CHOICE_ONE, CHOICE_MANY):
        one = shape == CHOICE_ONE
        correct = [data.answer] if one else list(data.answer or [])
        share = common.fraction_text(100 / len(correct)) if correct else "0"
        lines = []
        for option in sorted(data.options, key=lambda o: o["key"]):
            if one and option["key"] in correct:
                lines.append("=" + escape(option["text"]))
            elif one:
                lines.append(_answer("~", None, option["text"]))
            else:
                lines.append(_answer("~", share if option["key"] in correct else "-100", option["text"]))
        if feedback:
            lines.append(feedback)
        return escape(data.stem) + "{\n" + "".join(f"\t{line}\n" for line in lines) + "}"
    if shape == TRUE_FALSE:
        return escape(data.stem) + "{" + ("TRUE" if data.answer else "FALSE") + feedback + "}"
    alternatives = (data.answer or [[]])[0]
    block = "{" + " ".join(_answer("=", None, alt) for alt in alternatives) + feedback + "}"
    stem = clean_text(data.stem)
    blank = BLANK_RE.search(stem)
    if blank is None:
        return escape(stem) + block
    return escape(stem[:blank.start()]) + block + escape(stem[blank.end():])


# ---------------------------------------------------------------- import

def parse(content: bytes) -> common.ParseResult:
    result = common.ParseResult()
    text = result.text_of(content)
    if text is None:
        return result
    number = 0
    document: str | None = None   # of the last $CATEGORY
    for lines in _blocks(text):
        comments = [line.strip()[2:] for _, line in lines if line.strip().startswith("//")]
        body = [(lineno, line) for lineno, line in lines if not line.strip().startswith("//")]
        if body and body[0][1].strip().startswith("$CATEGORY:"):
            document = common.document_in_category(body[0][1].strip()[len("$CATEGORY:"):])
            continue
        if not body:
            continue
        number += 1
        try:
            data = _read_question(body, comments)
        except _Skip as exc:
            result.skipped.append(f"第 {number} 题（第 {body[0][0]} 行）：{exc}，已跳过")
        except _Problem as exc:
            result.problem(f"第 {number} 题（第 {exc.line or body[0][0]} 行）", exc.message)
        else:
            result.add(f"第 {number} 题", data, document)
    return result


class _Problem(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    """Questions are separated by blank lines; each block keeps its line numbers."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for lineno, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if line.strip():
            current.append((lineno, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _protect(text: str) -> str:
    return _ESCAPE_RE.sub(lambda m: _PLACEHOLDERS[m.group(1)], text)


def _plain(text: str, html: bool = False) -> str:
    """A protected piece of text back to plain text: format marker removed, escapes restored.
    html: the question text is in [html] format, which answers and feedback without a marker inherit."""
    text = text.strip()
    marker = _FORMAT_RE.match(text)
    if marker:
        text = text[marker.end():]
        html = marker.group(1) == "html"
    text = text.translate(_RESTORE)
    return html_to_text(text) if html else text.strip()


def _read_question(body: list[tuple[int, str]], comments: list[str]) -> QuestionData:
    text = _protect("\n".join(line for _, line in body))

    def line_at(position: int) -> int:
        return body[text.count("\n", 0, position)][0]

    start = len(text) - len(text.lstrip())
    if text.startswith("::", start):
        name_end = text.find("::", start + 2)
        if name_end == -1:
            raise _Problem("题目名称缺少结束的“::”", line_at(start))
        start = name_end + 2
    opening, closing = text.find("{", start), text.find("}", start)
    if opening == -1 and closing == -1:
        raise _Skip("GIFT 题型“description”（描述，没有答案部分）不支持")
    if opening == -1 or -1 < closing < opening:
        raise _Problem("多了一个右花括号“}”，或缺少左花括号“{”（题干中的花括号请写成 \\{ 和 \\}）", line_at(closing))
    if closing == -1 or text.find("{", opening + 1, closing) != -1:
        raise _Problem("答案部分缺少右花括号“}”", line_at(opening))
    extra = min((p for p in (text.find("{", closing + 1), text.find("}", closing + 1)) if p != -1), default=-1)
    if extra != -1:
        raise _Problem("一道题只能有一组答案 {…}：两道题之间要空一行，题干中的花括号请写成 \\{ 和 \\}",
                       line_at(extra))

    before, after = text[start:opening], text[closing + 1:]
    marker = _FORMAT_RE.match(before.strip())
    html = bool(marker) and marker.group(1) == "html"
    answer_text = text[opening + 1:closing]
    explanation = ""
    feedback_at = answer_text.rfind("####")
    if feedback_at != -1:
        explanation = _plain(answer_text[feedback_at + 4:], html)
        answer_text = answer_text[:feedback_at]
    answer_text = answer_text.strip()
    answer_line = line_at(opening)

    if not answer_text:
        raise _Skip("GIFT 题型“essay”（论述题）不支持")
    if answer_text.startswith("#"):
        raise _Skip("GIFT 题型“numerical”（数值题）不支持")
    if "~" in answer_text:
        data = _read_choice(answer_text, answer_line, html)
    elif "=" in answer_text and "->" in answer_text:
        raise _Skip("GIFT 题型“matching”（匹配题）不支持")
    elif answer_text.split("#", 1)[0].strip().upper() in ("T", "TRUE", "F", "FALSE"):
        data = QuestionData(type=common.type_for(TRUE_FALSE), stem="",
                            answer=answer_text.split("#", 1)[0].strip().upper() in ("T", "TRUE"))
    else:
        data = QuestionData(type=common.type_for(BLANKS), stem="", answer=[_read_short_answers(answer_text, answer_line)])

    if common.shape_of(data) == BLANKS:
        # Missing-word form: the braces mark the blank, unless the stem already marks it and answers follow.
        if not after.strip() and (count_blanks(_plain(before)) > 0 or html):
            blank = "" if count_blanks(_plain(before)) > 0 else "____"
            data.stem = _plain(before) + blank  # in HTML the blank goes after the last paragraph's text
        else:
            data.stem = _plain(before + "____" + after)
    elif after.strip():
        data.stem = _plain(before + ("（　）" if qtypes.has_options(data.type) else "____") + after)
    else:
        data.stem = _plain(before)
    if not data.stem:
        raise _Problem("题干为空", line_at(start))
    data.explanation = explanation
    _read_meta(comments, data, body[0][0])
    return data


def _read_choice(answer_text: str, line: int, html: bool) -> QuestionData:
    single = "=" in answer_text  # as in Moodle: without a fully right "=" answer, several may be chosen
    chunks = [c.strip() for c in answer_text.replace("=", "~=").split("~")]
    if chunks and not chunks[0]:
        chunks = chunks[1:]
    if len(chunks) > len(OPTION_KEYS):
        raise _Problem(f"有 {len(chunks)} 个选项，题库最多支持 {len(OPTION_KEYS)} 个（A–F）", line)
    if len(chunks) < 2:
        raise _Problem("选择题至少需要 2 个选项", line)
    options, weights = [], []
    for key, chunk in zip(OPTION_KEYS, chunks, strict=False):
        weight, chunk = common.split_weight(chunk, 0.0)
        option = _plain(chunk.split("#", 1)[0], html)  # text after # is per-answer feedback, not kept
        if not option:
            raise _Problem(f"选项{key}为空", line)
        options.append({"key": key, "text": option})
        weights.append((key, weight))
    if single:
        correct = [key for key, weight in weights if weight >= FULL_MARKS]
        if len(correct) != 1:
            raise _Problem(f"单选题应有且只有一个正确选项（用 = 标出），现有 {len(correct)} 个；"
                           "多选题请用 ~%50% 这样的正分值标出每个正确选项", line)
        return QuestionData(type=common.type_for(CHOICE_ONE), stem="", options=options, answer=correct[0])
    correct = sorted(key for key, weight in weights if weight > 0)
    if not correct:
        raise _Problem("没有标出正确选项：单选题用 = 标出，多选题用 ~%50% 这样的正分值标出", line)
    return QuestionData(type=common.type_for(CHOICE_MANY), stem="", options=options, answer=correct)


def _read_short_answers(answer_text: str, line: int) -> list[str]:
    chunks = [c.strip() for c in answer_text.split("=")]
    if chunks and not chunks[0]:
        chunks = chunks[1:]
    accepted = []
    for chunk in chunks:
        weight, chunk = common.split_weight(chunk, 100.0)
        text = _plain(chunk.split("#", 1)[0])
        if text and weight >= FULL_MARKS:
            accepted.append(text)
    if not accepted:
        raise _Problem("填空题没有满分答案（用 =答案 标出）", line)
    return accepted


def _read_meta(comments: list[str], data: QuestionData, line: int) -> None:
    for comment in comments:
        try:
            if match := _META_RE["条款"].search(comment):
                value = match.group(1)
                data.article = None if value in ("无", "-", "—") else parse_article(value)
            if match := _META_RE["难度"].search(comment):
                data.difficulty = parse_difficulty(match.group(1))
        except ValueError as exc:
            raise _Problem(str(exc), line) from None
        if match := _META_RE["标签"].search(comment):
            data.tags = common.split_tags(match.group(1))
