"""Exam definitions written as YAML files (`flask exams create FILE.yaml`), read into ExamDefinition."""
from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import select

from examapp.bank import qtypes
from examapp.bank.models import DOCUMENT_CURRENT, Document
from examapp.exams import grading
from examapp.exams.assembly import Section
from examapp.exams.models import REVIEW_LABELS
from examapp.exams.services import ExamDefinition, ExamError, section_document
from examapp.extensions import db
from examapp.timeutil import local_to_utc
from examapp.yamlutil import YamlInputError, load_yaml

TIME_FORMAT = "%Y-%m-%d %H:%M"


def _time(value: object, key: str) -> datetime:
    if isinstance(value, datetime):
        return local_to_utc(value)
    try:
        return local_to_utc(datetime.strptime(str(value).strip(), TIME_FORMAT))
    except ValueError as exc:
        raise ExamError(f"{key} 应写成“YYYY-MM-DD HH:MM”（北京时间），现为“{value}”") from exc


def _bool(value: object, key: str, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    raise ExamError(f"{key} 应为 true 或 false")


def _whole(value: object, key: str, low: int, high: int) -> int:
    """A whole number within the exam form's own bounds (10**30 minutes overflowed the database: a 500)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ExamError(f"{key} 应为整数")
    if not low <= value <= high:
        raise ExamError(f"{key} 应在 {low}–{high} 之间")
    return int(value)


def _optional_whole(value: object, key: str) -> int | None:
    return None if value is None else _whole(value, key, 1, 1000)


def _pass_mark(value: object) -> float | str | None:
    """pass_mark: 36 (points), 60% (of the paper's total) or absent (60% of the total); checked on saving."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)     # .nan was stored as the pass mark
    raise ExamError(f"pass_mark 应写分数（如 36）或总分的百分比（如 60%），现为“{value}”")


def _document(value: object, index: int) -> int | None:
    """A section's `document`: a 现行 document's id or 文号 (absent: the current 《条例》)."""
    if value is None:
        return None
    text = str(value).strip()
    query = select(Document.id).where(Document.status == DOCUMENT_CURRENT)
    found = db.session.scalar(query.where(Document.number == text).limit(1)) if text else None
    if found is None and text.isdigit() and not isinstance(value, bool):
        found = db.session.scalar(query.where(Document.id == int(text)))
    if found is None:
        raise ExamError(f"sections 第 {index} 项：找不到现行政策文件“{text}”（document 应写文件编号或文号）")
    return section_document(found)


def definition_from_yaml(text: str) -> ExamDefinition:
    try:
        data = load_yaml(text)
    except YamlInputError as exc:
        raise ExamError(str(exc)) from None
    if not isinstance(data, dict):
        raise ExamError("考试定义文件应为键值对象")
    for key in ("title", "opens_at", "closes_at", "duration_minutes", "sections"):
        if key not in data:
            raise ExamError(f"缺少 {key}")
    sections = []
    for index, raw in enumerate(data["sections"] or [], start=1):
        if not isinstance(raw, dict) or qtypes.find(raw.get("type")) is None:
            raise ExamError(f"sections 第 {index} 项：type 应为 {'/'.join(qtypes.codes())} 之一")
        raw = {**raw, "document": _document(raw.get("document"), index)}
        try:
            sections.append(Section.from_dict(raw))
        except (KeyError, TypeError, ValueError) as exc:
            raise ExamError(f"sections 第 {index} 项：应有 type、count、points，章和条为数字列表") from exc
    rule = data.get("multiple_rule", grading.ALL_OR_NOTHING)
    review = data.get("review", "after_close")
    if review not in REVIEW_LABELS:
        raise ExamError(f"review 应为 {'/'.join(REVIEW_LABELS)} 之一")
    try:
        return ExamDefinition(
            title=str(data["title"]), description=str(data.get("description") or ""),
            opens_at=_time(data["opens_at"], "opens_at"), closes_at=_time(data["closes_at"], "closes_at"),
            duration_minutes=_whole(data["duration_minutes"], "duration_minutes", 1, 600), sections=sections,
            attempts_allowed=_whole(data.get("attempts", 1), "attempts", 1, 10),
            shuffle_questions=_bool(data.get("shuffle_questions"), "shuffle_questions", True),
            shuffle_options=_bool(data.get("shuffle_options"), "shuffle_options", True),
            multiple_rule=str(rule), pass_mark=_pass_mark(data.get("pass_mark")), review_policy=review,
            focus_warn_after=_optional_whole(data.get("focus_warn_after"), "focus_warn_after"),
            focus_submit_after=_optional_whole(data.get("focus_submit_after"), "focus_submit_after"))
    except (TypeError, ValueError) as exc:
        raise ExamError(f"数值格式错误：{exc}") from exc
