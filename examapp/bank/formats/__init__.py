"""Import/export formats of the question bank, as pure functions (no Flask, no database).

    parse(fmt, content) -> ParseResult   (items with their locations, problems, skipped questions)
    dump(fmt, items)    -> DumpResult    (file content, questions the format cannot carry)

Formats: "json" (lossless backup), "xlsx" (for organisers editing in Excel/WPS), "moodle-xml" and "gift"
(exchange with Moodle). All messages are Simplified Chinese.
"""
from __future__ import annotations

from examapp.bank.core import QuestionData
from examapp.bank.formats import gift, jsonfmt, moodle_xml, xlsx
from examapp.bank.formats.common import (
    DumpResult,
    ExportItem,
    FormatProblem,
    ParsedQuestion,
    ParseResult,
    clean_text,
    shape_of,
)
from examapp.bank.qtypes import BLANKS

FORMATS = ("json", "xlsx", "moodle-xml", "gift")
FORMAT_LABELS = {"json": "JSON", "xlsx": "Excel（.xlsx）", "moodle-xml": "Moodle XML", "gift": "GIFT（Moodle 文本格式）"}
FILE_EXTENSIONS = {"json": "json", "xlsx": "xlsx", "moodle-xml": "xml", "gift": "gift.txt"}
MIME_TYPES = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "moodle-xml": "application/xml",
    "gift": "text/plain",
}
_BY_EXTENSION = {".json": "json", ".xlsx": "xlsx", ".xml": "moodle-xml", ".gift": "gift", ".txt": "gift"}
_MODULES = {"json": jsonfmt, "xlsx": xlsx, "moodle-xml": moodle_xml, "gift": gift}

__all__ = ["FORMATS", "FORMAT_LABELS", "FILE_EXTENSIONS", "MIME_TYPES", "DumpResult", "ExportItem", "FormatProblem",
           "ParsedQuestion", "ParseResult", "dump", "guess_format", "parse"]


def guess_format(filename: str) -> str | None:
    """The format of an uploaded file from its extension (.json, .xlsx, .xml, .gift, .txt), or None."""
    name = (filename or "").strip().lower()
    for extension, fmt in _BY_EXTENSION.items():
        if name.endswith(extension):
            return fmt
    return None


def parse(fmt: str | None, content: bytes) -> ParseResult:
    """Read a file. Never raises for bad content: everything wrong is in ParseResult.problems."""
    if fmt not in _MODULES:
        return ParseResult(problems=[FormatProblem(
            "文件", "无法识别的文件格式，请上传 .xlsx、.xml（Moodle XML）、.gift/.txt（GIFT）或 .json 文件")])
    if not content or not content.strip():
        return ParseResult(problems=[FormatProblem("文件", "文件是空的")])
    result = _MODULES[fmt].parse(content)
    for item in result.items:
        _remove_control_characters(item.data)
    if not result.items and not result.problems and not result.skipped:
        result.problems.append(FormatProblem("文件", "文件中没有找到题目"))
    return result


def _remove_control_characters(data: QuestionData) -> None:
    """Control characters (a NUL written as \\u0000 in JSON, or typed into a GIFT file) are invisible, and
    PostgreSQL cannot store a NUL: every format drops them, as the Excel reader always did."""
    data.stem, data.explanation = clean_text(data.stem), clean_text(data.explanation)
    data.options = [dict(o, text=clean_text(o["text"])) for o in data.options]
    data.tags = [clean_text(t) for t in data.tags]
    if shape_of(data) == BLANKS and isinstance(data.answer, list):
        data.answer = [[clean_text(alt) for alt in blank] for blank in data.answer]


def dump(fmt: str, items: list[ExportItem]) -> DumpResult:
    if fmt not in _MODULES:
        raise ValueError(f"未知的导出格式：{fmt}")
    return _MODULES[fmt].dump(list(items))
