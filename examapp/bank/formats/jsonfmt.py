"""JSON: a list of question objects in the bank's canonical form (the lossless backup format).

"document" is the question's 政策文件: its 文号 (text) or, for a document without one, its id (a number);
"document_title" is written for the reader and not read back. A question without "document" goes to the
current 《条例》."""
from __future__ import annotations

import json

from examapp.bank.core import question_from_mapping
from examapp.bank.formats.common import (
    DumpResult,
    ExportItem,
    ParseResult,
    parse_article,
    parse_difficulty,
    parse_document,
)


def dump(items: list[ExportItem]) -> DumpResult:
    records = []
    for item in items:
        data = item.data
        records.append({
            "id": item.id,
            "version": item.version,
            "type": data.type,
            "stem": data.stem,
            "options": [{"key": o["key"], "text": o["text"]} for o in data.options],
            "answer": data.answer,
            "document": item.document,
            "document_title": item.document_title,
            "article": data.article,
            "chapter": item.chapter,
            "difficulty": data.difficulty,
            "explanation": data.explanation,
            "tags": list(data.tags),
        })
    text = json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    return DumpResult(content=text.encode("utf-8"))


def parse(content: bytes) -> ParseResult:
    result = ParseResult()
    text = result.text_of(content)
    if text is None:
        return result
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        result.problem(f"第 {exc.lineno} 行", f"JSON 格式有误（第 {exc.colno} 列附近），无法读取文件")
        return result
    except ValueError:  # a number with thousands of digits (Python's int conversion limit)
        result.problem("文件", "JSON 中有位数过多的数字，无法读取文件")
        return result
    except RecursionError:
        result.problem("文件", "JSON 的括号嵌套层数过多，无法读取文件")
        return result
    if isinstance(raw, dict) and isinstance(raw.get("questions"), list):
        raw = raw["questions"]
    if not isinstance(raw, list):
        result.problem("文件", "JSON 文件的最外层应为题目列表 [ … ]")
        return result
    for number, record in enumerate(raw, start=1):
        location = f"第 {number} 题"
        document = None
        try:
            if isinstance(record, dict):
                document = parse_document(record.get("document"))
                record = dict(record, article=parse_article(record.get("article")),
                              difficulty=parse_difficulty(record.get("difficulty")))
            data = question_from_mapping(record)
        except (ValueError, TypeError) as exc:
            message = str(exc) if isinstance(exc, ValueError) else "题目字段的类型不正确"
            result.problem(location, message)
            continue
        result.add(location, data, document)
    return result
