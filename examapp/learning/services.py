"""Learning logic: the practice pool, graded practice answers (the hot path) and the day's settings.

Loads plain rows and hands them to the pure scheduler (scheduler.py) and to the exams domain's pure grading
and statistics. The rest of learning: `progress` (evidence, the daily drill, the 错题本, mastery), `reading`
(a policy document with key phrases), `overview` (the organiser's overview and its workbook)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select

from examapp.access.policy import ended_session_error
from examapp.access.roles import CANDIDATE
from examapp.accounts.models import User
from examapp.audit.services import record
from examapp.bank import qtypes
from examapp.bank.core import OPTION_KEYS, count_blanks, int_to_cn_numeral
from examapp.bank.models import DOCUMENT_CURRENT, Article, Document, Question, QuestionVersion
from examapp.bank.services import in_default_document
from examapp.exams import grading
from examapp.exams.papers import display_answer, present_item
from examapp.extensions import db, insert_for
from examapp.learning import scheduler
from examapp.learning.models import (
    DAILY,
    DEFAULT_DAILY_COUNT,
    MAX_DAILY_COUNT,
    MODES,
    DailyDrill,
    LearningSettings,
    PracticeAnswer,
)
from examapp.timeutil import to_local, utcnow
from examapp.usererror import UserError

PRACTICE_PAGE_SIZE = 10


class LearningError(UserError):
    """A learning request that cannot be done; the message is Chinese and shown as is."""

    def __init__(self, message: str, status: int = 400, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


def local_day(value: datetime) -> date:
    """The server's calendar day (display zone, Asia/Shanghai) of a stored naive-UTC time."""
    return to_local(value).date()


def today(now: datetime | None = None) -> date:
    return local_day(now or utcnow())


# --- settings -------------------------------------------------------------------------------------

def daily_count() -> int:
    settings = db.session.get(LearningSettings, 1)
    return settings.daily_count if settings else DEFAULT_DAILY_COUNT


def set_daily_count(count: int, *, actor_id: int | None = None) -> None:
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_DAILY_COUNT:
        raise LearningError(f"每日一练题数应为 1 到 {MAX_DAILY_COUNT} 之间的整数。")
    settings = db.session.get(LearningSettings, 1)
    if settings is None:
        settings = LearningSettings(id=1)
        db.session.add(settings)
    old = settings.daily_count if settings.daily_count else DEFAULT_DAILY_COUNT
    settings.daily_count, settings.updated_at, settings.updated_by_id = count, utcnow(), actor_id
    record("learning.daily_count", target_type="learning", target_id=1, actor_id=actor_id,
           summary=f"每日一练题数由 {old} 改为 {count}", detail={"old": old, "new": count})
    db.session.flush()


# --- the practice pool ----------------------------------------------------------------------------

def pool_filter(document_id: int | None = None, *, every_current: bool = False):
    """Questions a candidate may practise: active, not 仅用于考试, on the given document (None: the 《条例》, as
    practice and reading choose one), or with ``every_current`` on any 现行 document (the daily drill, the
    错题本)."""
    if every_current:
        on_document = Question.document_id.in_(select(Document.id).where(Document.status == DOCUMENT_CURRENT))
    elif document_id is None:
        on_document = in_default_document(Question.document_id)
    else:
        on_document = Question.document_id == document_id
    return (Question.active.is_(True), Question.exam_only.is_(False), on_document)


def practice_pool() -> list[scheduler.Candidate]:
    """Every question the daily drill may choose: active, not 仅用于考试, on a 现行 document; each keyed by its
    (document, article) so that two documents' 第三条 are different articles."""
    return [scheduler.Candidate(qid, article_key(document_id, number)) for qid, document_id, number in db.session.execute(
        select(Question.id, Question.document_id, Question.article_number).where(*pool_filter(every_current=True))
        .order_by(Question.id))]


def article_key(document_id: int | None, number: int | None) -> tuple[int, int] | None:
    """An article as the schedule and the mastery map know it: (document, number); None without an article."""
    return None if number is None or document_id is None else (document_id, number)


def present_question(version: QuestionVersion) -> dict:
    """A question for the practice page: never its key or explanation.

    Options are shown in bank order (no shuffle), so that an explanation's references to option letters
    ("A、D 主张…") are right as written; exams shuffle and need the letters remapped, practice does not.
    """
    bank_order = [o["key"] for o in version.options or []]
    item = present_item(version, bank_order, version.question_id, 1.0)
    item["question"] = version.question_id
    item["article"] = version.article_number
    item["document"] = version.document_id
    item["type_label"] = qtypes.label(version.type)
    if "blanks" in item:
        item["blank_numbers"] = list(range(1, item["blanks"] + 1))
    return item


def _current_versions(question_ids: list[int], document_id: int | None = None,
                      every_current: bool = False) -> dict[int, QuestionVersion]:
    if not question_ids:
        return {}
    rows = db.session.scalars(
        select(QuestionVersion).join(Question, (Question.id == QuestionVersion.question_id)
                                     & (Question.version == QuestionVersion.version))
        .where(Question.id.in_(question_ids), *pool_filter(document_id, every_current=every_current)))
    return {v.question_id: v for v in rows}


def present_questions(question_ids: list[int], document_id: int | None = None, *,
                      every_current: bool = False) -> list[dict]:
    """The practice cards of these questions still in the pool (of one document, or ``every_current``), in order."""
    versions = _current_versions(question_ids, document_id, every_current)
    return [present_question(versions[qid]) for qid in question_ids if qid in versions]


@dataclass
class PracticeSelection:
    chapter: int | None = None
    article: int | None = None
    qtype: str | None = None
    page: int = 1
    document: int | None = None   # None: the current 《条例》


def select_practice(user_id: int, selection: PracticeSelection) -> tuple[list[dict], int]:
    """One page of practice questions for the selection, those the candidate has not answered first,
    then those last answered wrongly, then the rest; and how many questions the selection has."""
    stmt = select(Question.id).where(*pool_filter(selection.document))
    if selection.article is not None:
        stmt = stmt.where(Question.article_number == selection.article)
    elif selection.chapter is not None:
        stmt = stmt.join(Article, (Article.document_id == Question.document_id) & (Article.number == Question.article_number)).where(Article.chapter == selection.chapter)
    if selection.qtype:
        stmt = stmt.where(Question.type == selection.qtype)
    ids = list(db.session.scalars(stmt.order_by(Question.article_number, Question.id)))
    last = _last_practice_results(user_id, ids)

    def order(qid: int) -> tuple[int, int]:
        if qid not in last:
            return (0, ids.index(qid))
        return (1 if not last[qid] else 2, ids.index(qid))

    ordered = sorted(ids, key=order)
    start = (max(1, selection.page) - 1) * PRACTICE_PAGE_SIZE
    return present_questions(ordered[start:start + PRACTICE_PAGE_SIZE], selection.document), len(ids)


def _last_practice_results(user_id: int, question_ids: list[int]) -> dict[int, bool]:
    if not question_ids:
        return {}
    last: dict[int, bool] = {}
    for qid, right in db.session.execute(
            select(PracticeAnswer.question_id, PracticeAnswer.right)
            .where(PracticeAnswer.user_id == user_id, PracticeAnswer.question_id.in_(question_ids))
            .order_by(PracticeAnswer.answered_at, PracticeAnswer.id)):
        last[qid] = right
    return last


# --- answering (the hot path: one lookup, one insert, like the exam autosave) -----------------------

_ANSWER_LOOKUP = (
    select(Question.active, Question.exam_only, QuestionVersion.id.label("version_id"), QuestionVersion.type,
           QuestionVersion.stem, QuestionVersion.options, QuestionVersion.answer, QuestionVersion.explanation,
           QuestionVersion.article_number, Article.text.label("article_text"), Article.chapter,
           User.session_nonce, User.active.label("user_active"), User.role, User.must_change_password)
    .join(QuestionVersion, (QuestionVersion.question_id == Question.id) & (QuestionVersion.version == Question.version))
    .outerjoin(Article, (Article.document_id == QuestionVersion.document_id)
               & (Article.number == QuestionVersion.article_number))
    .join(User, User.id == bindparam("user_id"))
    .where(Question.id == bindparam("question_id")))

@functools.cache
def _answer_insert(dialect: str):
    """INSERT … ON CONFLICT (user_id, client_id) DO NOTHING: a retried request records nothing twice."""
    table = PracticeAnswer.__table__
    return insert_for(dialect)(table).values(
        user_id=bindparam("user_id"), question_id=bindparam("question_id"),
        question_version_id=bindparam("version_id"), client_id=bindparam("client_id"), mode=bindparam("mode"),
        value=bindparam("value", type_=table.c.value.type), earned=bindparam("earned"),
        right=bindparam("right"), day=bindparam("day"), answered_at=bindparam("answered_at"),
    ).on_conflict_do_nothing(index_elements=[table.c.user_id, table.c.client_id])


@dataclass
class Feedback:
    right: bool
    earned: float
    correct: object          # the key in the letters shown (bank order)
    explanation: str
    article: int | None
    article_label: str
    article_text: str
    drill_completed: bool = False
    streak: int | None = None     # with a completed drill: the days in a row, today included

    def as_dict(self) -> dict:
        return {"right": self.right, "earned": self.earned, "correct": self.correct,
                "explanation": self.explanation, "article": self.article, "article_label": self.article_label,
                "article_text": self.article_text, "drill_completed": self.drill_completed, "streak": self.streak}


def answer_question(user_id: int, question_id: int, value: object, mode: str, client_id: int,
                    now: datetime | None = None, *, session_nonce: str | None = None) -> Feedback:
    """Grade one practice answer with the exams' grading and record it; nothing counts toward an exam.

    With ``session_nonce`` (the API), the lookup also checks the candidate's session, as the autosave does.
    """
    now = now or utcnow()
    if mode not in MODES:
        raise LearningError("未知的练习方式。")
    row = db.session.execute(_ANSWER_LOOKUP, {"question_id": question_id, "user_id": user_id}).first()
    if session_nonce is not None and row is not None:
        if not row.user_active or row.role != CANDIDATE or row.session_nonce != session_nonce:
            message, code = ended_session_error(row.user_active, row.session_nonce)
            raise LearningError(message, status=401, code=code)
        if row.must_change_password:
            raise LearningError("请先在页面上修改初始密码。", status=403)
    if row is None or not row.active or row.exam_only:
        raise LearningError("找不到这道练习题。", status=404)
    bank_order = [o["key"] for o in row.options or []]
    problem = grading.validate_response(row.type, value, list(OPTION_KEYS[:len(bank_order)]),
                                        max(1, count_blanks(row.stem)))
    if problem:
        raise LearningError(problem)
    if value is None:
        raise LearningError("请先作答再提交。")
    value = qtypes.get(row.type).canonical_response(value)
    correct = display_answer(row, bank_order)
    earned = grading.grade_item(grading.ItemKey(type=row.type, points=1.0, answer=correct), value,
                                grading.PARTIAL_HALF)
    right = earned >= 1.0 - 1e-9
    day = local_day(now)
    db.session.execute(_answer_insert(db.engine.dialect.name), {
        "user_id": user_id, "question_id": question_id, "version_id": row.version_id, "client_id": client_id,
        "mode": mode, "value": value, "earned": earned, "right": right, "day": day, "answered_at": now})
    feedback = Feedback(right=right, earned=earned, correct=correct, explanation=row.explanation or "",
                        article=row.article_number,
                        article_label=f"第{int_to_cn_numeral(row.article_number)}条" if row.article_number else "",
                        article_text=row.article_text or "")
    if mode == DAILY:
        feedback.drill_completed = _complete_drill_if_done(user_id, day, now)
        if feedback.drill_completed:
            feedback.streak = scheduler.current_streak(completed_days(user_id), day)
    return feedback


def _complete_drill_if_done(user_id: int, day: date, now: datetime) -> bool:
    drill = db.session.scalar(select(DailyDrill).where(DailyDrill.user_id == user_id, DailyDrill.day == day))
    if drill is None:
        return False
    if drill.completed_at is None and set(drill.question_ids) <= answered_on_day(user_id, day):
        drill.completed_at = now
        db.session.flush()
    return drill.completed_at is not None


def answered_on_day(user_id: int, day: date) -> set[int]:
    return set(db.session.scalars(select(PracticeAnswer.question_id).where(
        PracticeAnswer.user_id == user_id, PracticeAnswer.day == day, PracticeAnswer.mode == DAILY)))


def completed_days(user_id: int) -> set[date]:
    return set(db.session.scalars(select(DailyDrill.day).where(DailyDrill.user_id == user_id,
                                                               DailyDrill.completed_at.is_not(None))))
