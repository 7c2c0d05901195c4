"""Marking: grading an attempt by each item's key, and regrading a corrected question."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, update

from examapp.audit.services import record
from examapp.bank.models import Question, QuestionVersion
from examapp.bank.services import mark_versions_used
from examapp.exams import grading
from examapp.exams.models import (
    FINISHED,
    Answer,
    Attempt,
    AttemptEvent,
    Exam,
    PaperItem,
)
from examapp.exams.papers import display_answer
from examapp.exams.services import ExamError
from examapp.extensions import db
from examapp.timeutil import utcnow

# Grading reads each item's key (the corrected version after a regrade) and response in one query and
# writes the marks in one executemany: at the deadline a whole district submits within seconds.
_GRADING_ROWS = (
    select(PaperItem.id, PaperItem.points, PaperItem.option_order, QuestionVersion.type, QuestionVersion.answer,
           Answer.value)
    .join(QuestionVersion, QuestionVersion.id == func.coalesce(PaperItem.graded_version_id,
                                                               PaperItem.question_version_id))
    .outerjoin(Answer, Answer.item_id == PaperItem.id)
    .where(PaperItem.attempt_id == bindparam("attempt_id")))
_SET_EARNED = (update(PaperItem.__table__).where(PaperItem.__table__.c.id == bindparam("b_id"))
               .values(earned=bindparam("b_earned")))


def item_marks(attempt: Attempt) -> dict[int, float]:
    """Each item's mark by its key and the stored answers (reads only; grade_attempt stores them)."""
    rule = attempt.exam.multiple_rule
    return {row.id: grading.grade_item(grading.ItemKey(type=row.type, points=row.points,
                                                       answer=display_answer(row, row.option_order)),
                                       row.value, rule)
            for row in db.session.execute(_GRADING_ROWS, {"attempt_id": attempt.id})}


def marks_total(marks: dict[int, float]) -> float:
    return round(sum(marks.values()), 2)


def grade_attempt(attempt: Attempt, now: datetime | None = None) -> float:
    """Mark every item of the attempt by its key and store the total."""
    db.session.flush()   # e.g. a regrade's new graded_version_id
    marks = item_marks(attempt)
    if marks:
        db.session.execute(_SET_EARNED, [{"b_id": item_id, "b_earned": earned} for item_id, earned in marks.items()])
    for loaded in [o for o in db.session.identity_map.values()
                   if isinstance(o, PaperItem) and o.attempt_id == attempt.id]:
        db.session.expire(loaded, ["earned"])
    attempt.score = marks_total(marks)
    attempt.graded_at = now or utcnow()
    return attempt.score


@dataclass
class RegradeChange:
    attempt_id: int
    name: str
    old_score: float | None
    new_score: float | None


def regradable_questions(exam: Exam) -> list[dict]:
    """Questions on this exam's papers whose bank version is newer than the one that grades them."""
    rows = db.session.execute(
        select(Question, func.count(PaperItem.id))
        .join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .join(PaperItem, func.coalesce(PaperItem.graded_version_id, PaperItem.question_version_id) == QuestionVersion.id)
        .join(Attempt, Attempt.id == PaperItem.attempt_id)
        .where(Attempt.exam_id == exam.id, QuestionVersion.version < Question.version)
        .group_by(Question.id)).all()
    return [{"question": q, "items": n} for q, n in rows]


def regrade_question(exam: Exam, question_id: int, reason: str, *, actor_id: int | None = None,
                     now: datetime | None = None) -> list[RegradeChange]:
    """Grade this exam's items of a question by its current (corrected) version; keep old and new scores."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise ExamError("请填写重新评分的原因（将记入操作日志）。")
    question = db.session.get(Question, question_id)
    if question is None:
        raise ExamError("找不到这道题目。", status=404)
    current = question.current
    items = db.session.scalars(
        select(PaperItem).join(Attempt, Attempt.id == PaperItem.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == PaperItem.question_version_id)
        .where(Attempt.exam_id == exam.id, QuestionVersion.question_id == question_id)).all()
    changes: list[RegradeChange] = []
    for item in items:
        shown_keys = sorted(o["key"] for o in item.version.options or [])
        if sorted(o["key"] for o in current.options or []) != shown_keys or current.type != item.type:
            raise ExamError("更正后的题目与考生所见的题型或选项不一致，不能据此重新评分；请只更正答案或解析。")
        item.graded_version_id = current.id if current.id != item.question_version_id else None
    mark_versions_used([current.id])
    db.session.flush()
    for attempt in {item.attempt for item in items}:
        if attempt.status not in FINISHED:
            continue  # graded with the new key when it is submitted
        old = attempt.score
        new = grade_attempt(attempt, now)
        db.session.add(AttemptEvent(attempt_id=attempt.id, at=now, kind="regrade",
                                    detail={"question": question_id, "version": current.version,
                                            "old_score": old, "new_score": new, "reason": reason}))
        changes.append(RegradeChange(attempt.id, attempt.user.name, old, new))
    record("exam.regrade", target_type="exam", target_id=exam.id, reason=reason, actor_id=actor_id,
           summary=f"按题目 {question_id} 第 {current.version} 版重新评分，影响 {len(changes)} 份答卷",
           detail={"question": question_id, "version": current.version,
                   "changes": [{"attempt": c.attempt_id, "old": c.old_score, "new": c.new_score} for c in changes]})
    return changes
