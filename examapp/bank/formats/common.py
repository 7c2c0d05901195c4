"""Shared types and small readers used by every import/export format (pure: no Flask, no database).

A format writes and reads a question by its type's answer shape (``bank/qtypes.py``): ``shape_of`` on export,
``type_for`` on import, so a format names no type code.

Every format carries the question's policy document (政策文件) as a *reference*: the document's 文号
(e.g. 国务院令第722号), or its id (an int) when it has none. Formats only write and read the reference; the bank
(``bank/document_refs.py``) resolves it, and a question whose file names no document goes to the current 《条例》.
In Moodle's categories (GIFT and Moodle XML) the document is a path segment "《标题》（文号）"."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from examapp.bank import qtypes
from examapp.bank.core import DIFFICULTY_LABELS, QuestionData, cn_numeral_to_int, int_to_cn_numeral

# XML 1.0 and xlsx both reject most C0 control characters; tab and newline are fine.
CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
TAG_SPLIT_RE = re.compile(r"[、,，;；\s]+")

# Moodle's question categories (GIFT and XML): one per chapter under this root.
CATEGORY_ROOT = "$course$/top/题库"
FULL_MARKS = 99.999  # a fraction of 100 (Moodle stores 1.0000000)
WEIGHT_RE = re.compile(r"%(-?\d+(?:[.,]\d*)?)%")

DIFFICULTY_WORDS = {"1": 1, "2": 2, "3": 3, "易": 1, "容易": 1, "简单": 1, "中": 2, "中等": 2, "一般": 2,
                    "难": 3, "较难": 3, "困难": 3}


@dataclass
class ParsedQuestion:
    location: str  # in Chinese, e.g. "第 3 行" (xlsx) or "第 2 题" (XML, GIFT, JSON)
    data: QuestionData
    document: str | int | None = None  # the 政策文件 as the file names it (文号 or id); None when it names none


@dataclass
class FormatProblem:
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}：{self.message}" if self.location else self.message


@dataclass
class ParseResult:
    items: list[ParsedQuestion] = field(default_factory=list)
    problems: list[FormatProblem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # questions of types the bank does not carry

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, location: str, data: QuestionData, document: str | int | None = None) -> None:
        self.items.append(ParsedQuestion(location, data, document))

    def problem(self, location: str, message: str) -> None:
        self.problems.append(FormatProblem(location, message))

    def text_of(self, content: bytes) -> str | None:
        """The upload as text (see decode_text), or None with the problem noted."""
        try:
            return decode_text(content)
        except ValueError as exc:
            self.problem("文件", str(exc))
            return None


@dataclass
class ExportItem:
    id: int | None
    version: int | None
    chapter: int | None
    data: QuestionData
    document: str | int | None = None  # the question's 政策文件: its 文号, or its id when it has none
    document_title: str = ""           # shown beside the reference where a format has room (categories, JSON)


@dataclass
class DumpResult:
    content: bytes
    skipped: list[str] = field(default_factory=list)  # questions the format cannot carry, in Chinese


def clean_text(text: str | None) -> str:
    """Text as written to a file: newlines normalised to \\n, control characters removed."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL_CHARS_RE.sub("", text)


def shape_of(data: QuestionData) -> str:
    """The answer shape of a question's type, which decides how a format writes it ("" for an unknown type)."""
    qtype = qtypes.find(data.type)
    return qtype.shape.name if qtype else ""


def type_for(shape: str) -> str:
    """The type a format reads a question of this answer shape as."""
    return qtypes.for_shape(shape).code


def category_path(chapter: int | None, document: str | int | None = None, title: str = "") -> str:
    """The Moodle category of a question: 题库/《标题》（文号）/第一章 (without a document: 题库/第一章)."""
    root = CATEGORY_ROOT if document is None else f"{CATEGORY_ROOT}/{document_category(document, title)}"
    return f"{root}/第{int_to_cn_numeral(chapter)}章" if chapter else f"{root}/未关联条款"


def document_category(document: str | int, title: str) -> str:
    """A document's category name, "《优化营商环境条例》（国务院令第722号）" or "《…》（编号2）" without a 文号.
    Moodle writes a / inside a category name as //."""
    reference = f"编号{document}" if isinstance(document, int) else document
    return clean_text(f"《{title}》（{reference}）").replace("\n", " ").replace("/", "//")


_DOCUMENT_CATEGORY_RE = re.compile(r"《[^》]*》（(.+)）")


def document_in_category(path: str) -> str | None:
    """The document reference in a category path written by category_path, or None (any other category)."""
    for segment in re.split(r"(?<!/)/(?!/)", path or ""):
        match = _DOCUMENT_CATEGORY_RE.fullmatch(segment.strip())
        if match:
            return match.group(1).replace("//", "/").strip() or None
    return None


def parse_document(value: object) -> str | int | None:
    """Read a 政策文件 reference: a 文号 (text), a document id (a whole number), or empty (None)."""
    if value is None:
        return None
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(f"政策文件“{value}”无效，应写文号（如 国务院令第722号）或文件编号")
    if isinstance(value, int | float):
        if value < 1:
            raise ValueError(f"政策文件编号“{value:g}”无效，应为正整数")
        return int(value)
    if not isinstance(value, str):
        raise ValueError("政策文件应写文号或文件编号")
    text = re.sub(r"\s+", " ", clean_text(value)).strip()
    return text or None


def decode_text(content: bytes) -> str:
    """Decode a text upload: UTF-8 (with or without BOM), else GB18030 as saved by Chinese Windows editors."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ValueError("文件编码无法识别，请另存为 UTF-8 编码") from exc


def parse_article(value: object) -> int | None:
    """Read an article reference: 21, "21", "第21条", "第二十一条" or empty (None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"条款“{value}”无法识别")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"条款“{value:g}”应为整数条号")
        number = int(value)
    else:
        text = re.sub(r"\s+", "", str(value)).translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        if not text:
            return None
        match = re.fullmatch(r"第?(\d+)条?", text) or re.fullmatch(r"第?([零〇一二两三四五六七八九十百]+)条?", text)
        if not match:
            raise ValueError(f"条款“{value}”无法识别，应写成 21、第21条 或 第二十一条")
        digits = match.group(1)
        number = int(digits) if digits.isdigit() else cn_numeral_to_int(digits)
    if number < 1:
        raise ValueError(f"条款“{value}”无效，条号应为正整数")
    return number


def parse_difficulty(value: object) -> int:
    """Read a difficulty: 1/2/3 or 易/中/难 (empty means 2, medium)."""
    if value is None:
        return 2
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"\s+", "", str(value))
    if not text:
        return 2
    if text in DIFFICULTY_WORDS:
        return DIFFICULTY_WORDS[text]
    raise ValueError(f"难度“{value}”无效，应为 1、2、3 或 易、中、难")


def difficulty_label(difficulty: int) -> str:
    return DIFFICULTY_LABELS.get(difficulty, str(difficulty))


def split_tags(text: str | None) -> list[str]:
    """Tags separated by 、 , ， ; ； or whitespace."""
    return [t for t in TAG_SPLIT_RE.split(text or "") if t]


def option_keys_text(keys: list[str]) -> str:
    """"A–D" for contiguous keys, used in messages."""
    if not keys:
        return "无"
    return keys[0] if len(keys) == 1 else f"{keys[0]}–{keys[-1]}"


def split_weight(answer: str, default: float) -> tuple[float, str]:
    """An answer's weight in percent as GIFT and cloze write it ("=text" fully right, "%50%text"), or default,
    and the text after it."""
    if answer.startswith("="):
        return 100.0, answer[1:]
    match = WEIGHT_RE.match(answer)
    if match:
        return float(match.group(1).replace(",", ".")), answer[match.end():]
    return default, answer


def fraction_text(value: float) -> str:
    """A Moodle grade fraction in percent as Moodle writes it: 100, 50, 33.33333, -100."""
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# ---------------------------------------------------------------- HTML text (Moodle question texts)

_NL = r"(?:[ \t]*\n\s*)?"  # raw line breaks next to block tags are layout, not content
_LINE_BREAK_RE = re.compile(_NL + r"(?:<br\s*/?>|</(?:p|div|li|h[1-6]|tr|blockquote|pre)\s*>)" + _NL, re.IGNORECASE)
_BLOCK_START_RE = re.compile(_NL + r"(?:<(?:p|div|li|ul|ol|h[1-6]|tr|table|tbody|blockquote|pre)\b[^>]*>"
                             r"|</(?:ul|ol|table|tbody)\s*>)" + _NL, re.IGNORECASE)
_TAG_RE = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
_BREAK_MARK = "\ue0ff"


def text_to_html(text: str) -> str:
    """Plain text to the HTML of a Moodle text field: escaped, line breaks as <br>."""
    return html.escape(clean_text(text), quote=False).replace("\n", "<br>")


def html_to_text(markup: str) -> str:
    """HTML of a Moodle text field back to plain text: line breaks kept, other tags dropped, entities decoded."""
    text = (markup or "").replace("\r\n", "\n").replace("\r", "\n").replace(_BREAK_MARK, "")
    text = _LINE_BREAK_RE.sub(_BREAK_MARK, text)
    text = _BLOCK_START_RE.sub("", text)
    text = re.sub(r"[ \t]*\n[ \t]*", " ", text)  # other raw line breaks are just white space in HTML
    text = _TAG_RE.sub("", text).replace("&nbsp;", " ").replace(_BREAK_MARK, "\n")
    return html.unescape(text).strip()
