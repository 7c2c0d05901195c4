"""Pure reading of a policy document's text: .txt/.md/.docx into chapters (第X章) and articles (第X条).

No Flask, no database: the import page, `flask bank import-document` and the tests all call `read_document`
and show its `ParsedDocument` (or its `DocumentTextError`'s problems, in Chinese) before anything is saved.
A .docx is read with python-docx (its paragraphs' and table cells' text; the unzipped size is checked first).
"""
from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from examapp.bank.core import article_range_label, cn_numeral_to_int, int_to_cn_numeral

MAX_BYTES = 2 * 1024 * 1024          # the upload itself
MAX_DOCX_XML_BYTES = 20 * 1024 * 1024  # document.xml once unzipped (a zip bomb stops here)
TITLE_LENGTH = 200
CHAPTER_TITLE_LENGTH = 40
EXTENSIONS = ("txt", "md", "docx")

_NUMERAL = "[零〇一二两三四五六七八九十百]+"
_SPACE = "[ \t\u3000]"
_CHAPTER_RE = re.compile(rf"^第({_NUMERAL})章({_SPACE}*)(.*)$")
_SECTION_RE = re.compile(rf"^第({_NUMERAL})节(?:{_SPACE}|$)")
_ARTICLE_RE = re.compile(rf"^第({_NUMERAL})条({_SPACE}*)(.*)$")


class DocumentTextError(ValueError):
    """The text cannot become a document; `problems` lists every reason, in Chinese."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ParsedChapter:
    number: int
    title: str

    @property
    def label(self) -> str:
        return f"第{int_to_cn_numeral(self.number)}章 {self.title}".rstrip()


@dataclass(frozen=True)
class ParsedArticle:
    number: int
    chapter: int   # 0 when the document has no chapters
    text: str      # paragraphs after "第X条", joined by newlines

    @property
    def label(self) -> str:
        return f"第{int_to_cn_numeral(self.number)}条"


@dataclass
class ParsedDocument:
    title: str
    preamble: list[str] = field(default_factory=list)
    chapters: list[ParsedChapter] = field(default_factory=list)
    articles: list[ParsedArticle] = field(default_factory=list)

    def chapter_summary(self) -> list[tuple[str, int, int, int]]:
        """(chapter label, first article, last article, article count) per chapter, for the preview."""
        rows = []
        for chapter in self.chapters or [ParsedChapter(0, "")]:
            numbers = [a.number for a in self.articles if a.chapter == chapter.number]
            label = chapter.label if chapter.number else "（不分章）"
            rows.append((label, min(numbers, default=0), max(numbers, default=0), len(numbers)))
        return rows

    def chapter_rows(self) -> list[tuple[str, str, int]]:
        """(chapter label, its articles as 第一条至第二条, article count) per chapter, as the preview shows them."""
        return [(label, article_range_label(first, last), count) for label, first, last, count in self.chapter_summary()]

    def texts(self) -> dict[int, str]:
        return {a.number: a.text for a in self.articles}


def read_document(filename: str, data: bytes) -> ParsedDocument:
    """Read an uploaded file (by its extension) into a document, or raise DocumentTextError."""
    return parse_paragraphs(file_paragraphs(filename, data))


def file_paragraphs(filename: str, data: bytes) -> list[str]:
    """The file's paragraphs as text lines."""
    if len(data) > MAX_BYTES:
        raise DocumentTextError([f"文件过大（{len(data) / 1024 / 1024:.1f} MB），最大 {MAX_BYTES // 1024 // 1024} MB"])
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS:
        raise DocumentTextError(["不支持的文件类型：只支持 .txt、.md（纯文本）和 .docx（Word）文件"])
    if extension == "docx":
        return docx_paragraphs(data)
    return decode_text(data).splitlines()


def decode_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentTextError(["文件不是 UTF-8 或 GBK 编码的文本，请另存为 UTF-8 编码后再上传"])


def docx_paragraphs(data: bytes) -> list[str]:
    """The paragraphs of a Word .docx, read with python-docx: body paragraphs and table cells in document order
    (tabs as spaces, line breaks as new lines)."""
    unreadable = DocumentTextError(["无法读取该 Word 文件：请确认是 .docx 格式（不是 .doc），或另存为 .txt 后上传"])
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > MAX_DOCX_XML_BYTES:      # checked before anything is unzipped (a zip bomb stops here)
                raise DocumentTextError(["Word 文件内容过大，请删去图片等内容或另存为 .txt 后上传"])
            xml = archive.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError) as exc:
        raise unreadable from exc
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise unreadable
    try:
        document = docx.Document(BytesIO(data))
        paragraphs = [line for block in document.iter_inner_content() for line in _block_lines(block)]
    except (PackageNotFoundError, etree.XMLSyntaxError, KeyError, ValueError, AttributeError) as exc:
        raise unreadable from exc
    return paragraphs


def _block_lines(block: Paragraph | Table) -> list[str]:
    if isinstance(block, Table):
        return [line for row in block.rows for cell in row.cells for paragraph in cell.paragraphs
                for line in _block_lines(paragraph)]
    return block.text.replace("\t", " ").split("\n")


def _clean(line: str) -> str:
    line = unicodedata.normalize("NFC", line).replace("\ufeff", "").strip(" \t\u3000\r")
    return line


def _heading(line: str) -> str:
    """A markdown heading's text ("## 第一章 总则" → "第一章 总则"); other lines unchanged."""
    return line.lstrip("#").strip(" \t\u3000") if line.startswith("#") else line


def parse_paragraphs(lines: list[str]) -> ParsedDocument:
    """Recognise the title, 第X章 headings and 第X条 articles; raise DocumentTextError listing every problem."""
    problems: list[str] = []
    title = ""
    preamble: list[str] = []
    chapters: list[ParsedChapter] = []
    raw: list[tuple[int, int, list[str]]] = []   # (number, chapter, paragraphs)
    for original in lines:
        line = _heading(_clean(original))
        if not line:
            continue
        chapter = _CHAPTER_RE.match(line)
        # As for articles below: "第二章规定的……" is text unless it is the next chapter's heading.
        if chapter and (chapter.group(2) or not chapter.group(3)
                        or cn_numeral_to_int(chapter.group(1)) == len(chapters) + 1):
            number = cn_numeral_to_int(chapter.group(1))
            name = chapter.group(3).strip(" \t\u3000")
            if len(name) > CHAPTER_TITLE_LENGTH:
                problems.append(f"第{chapter.group(1)}章的标题过长（最多 {CHAPTER_TITLE_LENGTH} 字）")
            chapters.append(ParsedChapter(number, name[:CHAPTER_TITLE_LENGTH]))
            continue
        if _SECTION_RE.match(line):
            continue   # 第X节 headings group articles inside a chapter; the articles keep their numbers
        article = _ARTICLE_RE.match(line)
        if article:
            number = cn_numeral_to_int(article.group(1))
            expected = raw[-1][0] + 1 if raw else 1
            # "第三十条规定的……" opening a paragraph is a reference, not a heading: without a space after
            # 条 a line only starts an article when it carries the next number.
            if article.group(2) or number == expected:
                raw.append((number, chapters[-1].number if chapters else 0, [article.group(3).strip()]))
                continue
        if raw:
            raw[-1][2].append(line)
        elif not title and not chapters:
            title = line.strip("《》")
        else:
            preamble.append(line)
    articles = [ParsedArticle(number, chapter, "\n".join(p for p in paragraphs if p))
                for number, chapter, paragraphs in raw]
    problems.extend(_numbering_problems(chapters, articles))
    if len(title) > TITLE_LENGTH:
        problems.append(f"标题过长（最多 {TITLE_LENGTH} 字）")
    if problems:
        raise DocumentTextError(problems)
    return ParsedDocument(title=title, preamble=preamble, chapters=chapters, articles=articles)


def _label(number: int) -> str:
    return f"第{int_to_cn_numeral(number)}条"


def _numbering_problems(chapters: list[ParsedChapter], articles: list[ParsedArticle]) -> list[str]:
    if not articles:
        return ["未识别到任何条款：每条应另起一行，以“第一条”“第二条”……开头，如“第一条 为了……”"]
    problems = []
    if articles[0].number != 1:
        problems.append(f"第一个条款是{_label(articles[0].number)}，条款应从第一条开始")
    seen: set[int] = set()
    for previous, current in zip(articles, articles[1:], strict=False):
        if current.number in seen or current.number == previous.number:
            problems.append(f"{_label(current.number)}重复出现")
        elif current.number < previous.number:
            problems.append(f"{_label(previous.number)}之后是{_label(current.number)}，条款顺序颠倒")
        elif current.number > previous.number + 1:
            missing = range(previous.number + 1, current.number)
            gap = _label(missing[0]) if len(missing) == 1 else f"{_label(missing[0])}至{_label(missing[-1])}"
            problems.append(f"{_label(previous.number)}之后是{_label(current.number)}，缺少{gap}")
        seen.add(previous.number)
    problems.extend(f"{a.label}没有内容" for a in articles if not a.text.strip())
    for index, chapter in enumerate(chapters, start=1):
        if chapter.number != index:
            problems.append(f"第{int_to_cn_numeral(index)}章的位置是{chapter.label}，章的编号应连续且不重复")
            break
    for chapter in chapters:
        if not any(a.chapter == chapter.number for a in articles):
            problems.append(f"{chapter.label}下没有条款")
    if chapters and articles[0].chapter == 0:
        problems.append(f"{articles[0].label}出现在第一章之前")
    return problems


def _normalised(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", unicodedata.normalize("NFKC", text))


@dataclass
class Revision:
    """How a revised text differs from its predecessor, article by article (by number)."""
    changed: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    added: list[int] = field(default_factory=list)


def compare_articles(old: dict[int, str], new: dict[int, str]) -> Revision:
    """Articles whose text changed (ignoring white space and full/half width), were removed or added."""
    return Revision(changed=sorted(n for n in old if n in new and _normalised(old[n]) != _normalised(new[n])),
                    removed=sorted(n for n in old if n not in new),
                    added=sorted(n for n in new if n not in old))
