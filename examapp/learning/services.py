"""Learning logic: the practice pool, graded practice answers, each day's drill, the 错题本, mastery and
the organiser's overview. Loads plain rows and hands them to the pure scheduler (scheduler.py) and to the
exams domain's pure grading and statistics.
"""
from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from openpyxl import Workbook
from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from examapp.accounts.models import PartyOrganization, User
from examapp.accounts.policy import SESSION_REPLACED
from examapp.accounts.roles import CANDIDATE
from examapp.audit.services import record
from examapp.bank.core import OPTION_KEYS, TYPE_LABELS, count_blanks, int_to_cn_numeral
from examapp.bank.models import Article, Question, QuestionVersion
from examapp.exams import grading, statistics
from examapp.exams.models import FINISHED, PUBLISHED, REVIEW_AFTER_CLOSE, REVIEW_AFTER_SUBMIT, Attempt, Exam, PaperItem
from examapp.exams.papers import display_answer, present_item
from examapp.extensions import db
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
from examapp.spreadsheets import CENTER, table_sheet, workbook_bytes
from examapp.timeutil import to_local, utcnow

PRACTICE_PAGE_SIZE = 10


class LearningError(ValueError):
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

def _pool_filter():
    return (Question.active.is_(True), Question.exam_only.is_(False))


def practice_pool() -> list[scheduler.Candidate]:
    """Every question a candidate may practise: active and not marked 仅用于考试."""
    return [scheduler.Candidate(qid, article) for qid, article in db.session.execute(
        select(Question.id, Question.article_number).where(*_pool_filter()).order_by(Question.id))]


def present_question(version: QuestionVersion) -> dict:
    """A question for the practice page: never its key or explanation.

    Options are shown in bank order (no shuffle), so that an explanation's references to option letters
    ("A、D 主张…") are right as written; exams shuffle and need the letters remapped, practice does not.
    """
    bank_order = [o["key"] for o in version.options or []]
    item = present_item(version, bank_order, version.question_id, 1.0)
    item["question"] = version.question_id
    item["article"] = version.article_number
    item["type_label"] = TYPE_LABELS.get(version.type, version.type)
    if version.type == "fill":
        item["blank_numbers"] = list(range(1, item["blanks"] + 1))
    return item


def _current_versions(question_ids: list[int]) -> dict[int, QuestionVersion]:
    if not question_ids:
        return {}
    rows = db.session.scalars(
        select(QuestionVersion).join(Question, (Question.id == QuestionVersion.question_id)
                                     & (Question.version == QuestionVersion.version))
        .where(Question.id.in_(question_ids), *_pool_filter()))
    return {v.question_id: v for v in rows}


def present_questions(question_ids: list[int]) -> list[dict]:
    versions = _current_versions(question_ids)
    return [present_question(versions[qid]) for qid in question_ids if qid in versions]


@dataclass
class PracticeSelection:
    chapter: int | None = None
    article: int | None = None
    qtype: str | None = None
    page: int = 1


def select_practice(user_id: int, selection: PracticeSelection) -> tuple[list[dict], int]:
    """One page of practice questions for the selection, those the candidate has not answered first,
    then those last answered wrongly, then the rest; and how many questions the selection has."""
    stmt = select(Question.id).where(*_pool_filter())
    if selection.article is not None:
        stmt = stmt.where(Question.article_number == selection.article)
    elif selection.chapter is not None:
        stmt = stmt.join(Article, Article.number == Question.article_number).where(Article.chapter == selection.chapter)
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
    return present_questions(ordered[start:start + PRACTICE_PAGE_SIZE]), len(ids)


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
    .outerjoin(Article, Article.number == QuestionVersion.article_number)
    .join(User, User.id == bindparam("user_id"))
    .where(Question.id == bindparam("question_id")))
_INSERTS: dict[str, object] = {}


def _answer_insert(dialect: str):
    """INSERT … ON CONFLICT (user_id, client_id) DO NOTHING: a retried request records nothing twice."""
    stmt = _INSERTS.get(dialect)
    if stmt is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        table = PracticeAnswer.__table__
        stmt = insert(table).values(
            user_id=bindparam("user_id"), question_id=bindparam("question_id"),
            question_version_id=bindparam("version_id"), client_id=bindparam("client_id"), mode=bindparam("mode"),
            value=bindparam("value", type_=table.c.value.type), earned=bindparam("earned"),
            right=bindparam("right"), day=bindparam("day"), answered_at=bindparam("answered_at"),
        ).on_conflict_do_nothing(index_elements=[table.c.user_id, table.c.client_id])
        _INSERTS[dialect] = stmt
    return stmt


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
            raise LearningError(SESSION_REPLACED if row.user_active else "账号已停用。", status=401,
                                code="session_replaced" if row.user_active else "login_required")
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
    if row.type == "multiple":
        value = sorted(value)
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
    if drill.completed_at is None and set(drill.question_ids) <= _answered_in_drill(user_id, day):
        drill.completed_at = now
        db.session.flush()
    return drill.completed_at is not None


def _answered_in_drill(user_id: int, day: date) -> set[int]:
    return set(db.session.scalars(select(PracticeAnswer.question_id).where(
        PracticeAnswer.user_id == user_id, PracticeAnswer.day == day, PracticeAnswer.mode == DAILY)))


# --- evidence: practice and reviewable exam answers ------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    question_id: int
    article: int | None
    earned: float            # 0..1
    at: datetime
    source: str              # "practice" | "exam"
    exam_title: str = ""


def exam_answers_reviewable(attempt_status: str, policy: str, closes_at: datetime, now: datetime) -> bool:
    """A finished exam answer counts for learning once its review policy shows the answers (as the
    result page does): after submit, or after the exam closed; never under 'score only'."""
    if attempt_status not in FINISHED:
        return False
    return policy == REVIEW_AFTER_SUBMIT or (policy == REVIEW_AFTER_CLOSE and now >= closes_at)


def user_evidence(user_id: int, now: datetime | None = None) -> list[Evidence]:
    now = now or utcnow()
    evidence = [Evidence(qid, article, earned, at, "practice") for qid, article, earned, at in db.session.execute(
        select(PracticeAnswer.question_id, QuestionVersion.article_number, PracticeAnswer.earned,
               PracticeAnswer.answered_at)
        .join(QuestionVersion, QuestionVersion.id == PracticeAnswer.question_version_id)
        .where(PracticeAnswer.user_id == user_id))]
    key_version = func.coalesce(PaperItem.graded_version_id, PaperItem.question_version_id)
    for row in db.session.execute(
            select(QuestionVersion.question_id, QuestionVersion.article_number, PaperItem.earned, PaperItem.points,
                   Attempt.submitted_at, Attempt.status, Exam.review_policy, Exam.closes_at, Exam.title)
            .join(Attempt, Attempt.id == PaperItem.attempt_id).join(Exam, Exam.id == Attempt.exam_id)
            .join(QuestionVersion, QuestionVersion.id == key_version)
            .where(Attempt.user_id == user_id, Attempt.status.in_(FINISHED))):
        if row.points > 0 and exam_answers_reviewable(row.status, row.review_policy, row.closes_at, now):
            evidence.append(Evidence(row.question_id, row.article_number, (row.earned or 0.0) / row.points,
                                     row.submitted_at, "exam", row.title))
    return evidence


def reviews_by_question(evidence: list[Evidence]) -> dict[int, list[scheduler.Review]]:
    reviews: dict[int, list[scheduler.Review]] = defaultdict(list)
    for e in evidence:
        reviews[e.question_id].append(scheduler.Review(at=e.at, day=local_day(e.at), right=e.earned >= 1 - 1e-9))
    return reviews


def article_priority(evidence: list[Evidence]) -> dict[int, float]:
    totals: dict[int, list[float]] = defaultdict(list)
    for e in evidence:
        if e.article is not None:
            totals[e.article].append(e.earned)
    return {article: scheduler.smoothed_mastery(sum(values), len(values)) for article, values in totals.items()}


# --- the daily drill ---------------------------------------------------------------------------------

def todays_drill(user_id: int, now: datetime | None = None) -> DailyDrill | None:
    day = local_day(now or utcnow())
    return db.session.scalar(select(DailyDrill).where(DailyDrill.user_id == user_id, DailyDrill.day == day))


def drill_for(user_id: int, now: datetime | None = None) -> DailyDrill:
    """Today's drill, chosen by the scheduler the first time it is asked for today and then fixed."""
    now = now or utcnow()
    day = local_day(now)
    drill = todays_drill(user_id, now)
    if drill is not None:
        return drill
    evidence = user_evidence(user_id, now)
    cards = {qid: card for qid, reviews in reviews_by_question(evidence).items()
             if (card := scheduler.card_after(reviews)) is not None}
    data = scheduler.DrillInput(questions=practice_pool(), cards=cards, priority=article_priority(evidence))
    seed = zlib.crc32(f"{user_id}:{day.isoformat()}".encode())
    chosen = scheduler.choose_daily(data, day, daily_count(), seed)
    try:
        with db.session.begin_nested():
            drill = DailyDrill(user_id=user_id, day=day, question_ids=chosen, created_at=now)
            db.session.add(drill)
    except IntegrityError:   # the same candidate's other tab chose it a moment ago
        drill = db.session.scalar(select(DailyDrill).where(DailyDrill.user_id == user_id, DailyDrill.day == day))
    return drill


def answered_in_drill(drill: DailyDrill) -> set[int]:
    return _answered_in_drill(drill.user_id, drill.day) & set(drill.question_ids)


def drill_progress(drill: DailyDrill) -> tuple[int, int]:
    return len(answered_in_drill(drill)), len(drill.question_ids)


def completed_days(user_id: int) -> set[date]:
    return set(db.session.scalars(select(DailyDrill.day).where(DailyDrill.user_id == user_id,
                                                               DailyDrill.completed_at.is_not(None))))


@dataclass
class LearningSummary:
    """What the candidate's home page shows of learning today."""
    streak: int
    done_today: bool
    answered_today: int
    drill_size: int
    wrong_open: int


def summary_for(user_id: int, now: datetime | None = None) -> LearningSummary:
    now = now or utcnow()
    day = local_day(now)
    drill = db.session.scalar(select(DailyDrill).where(DailyDrill.user_id == user_id, DailyDrill.day == day))
    answered, size = drill_progress(drill) if drill else (0, daily_count())
    return LearningSummary(streak=scheduler.current_streak(completed_days(user_id), day),
                           done_today=bool(drill and drill.completed_at), answered_today=answered, drill_size=size,
                           wrong_open=wrong_count(user_id, now))


# --- the 错题本 ------------------------------------------------------------------------------------

@dataclass
class WrongEntry:
    question: dict
    entry: scheduler.BookEntry
    source: str             # where it was last answered wrongly: 练习 / exam title


def _open_book_entries(evidence: list[Evidence]) -> dict[int, scheduler.BookEntry]:
    return {qid: entry for qid, reviews in reviews_by_question(evidence).items()
            if (entry := scheduler.book_entry(reviews)) is not None and entry.open}


def wrong_count(user_id: int, now: datetime | None = None) -> int:
    """How many questions of the practice pool are in the candidate's 错题本 (for the home page)."""
    open_ids = list(_open_book_entries(user_evidence(user_id, now)))
    if not open_ids:
        return 0
    return db.session.scalar(select(func.count(Question.id)).where(Question.id.in_(open_ids), *_pool_filter()))


def wrong_book(user_id: int, now: datetime | None = None) -> list[WrongEntry]:
    """Questions still in the 错题本 (practice pool only), the most recent mistake first."""
    evidence = user_evidence(user_id, now)
    last_wrong_source = {}
    for e in sorted(evidence, key=lambda e: e.at):
        if e.earned < 1 - 1e-9:
            last_wrong_source[e.question_id] = e.exam_title or "练习"
    entries = _open_book_entries(evidence)
    ordered = sorted(entries, key=lambda qid: entries[qid].wrong_at, reverse=True)
    questions = {q["question"]: q for q in present_questions(ordered)}
    return [WrongEntry(questions[qid], entries[qid], last_wrong_source.get(qid, "练习"))
            for qid in ordered if qid in questions]


# --- mastery ----------------------------------------------------------------------------------------

@dataclass
class ArticleCell:
    article: Article
    responses: int = 0
    earned: float = 0.0
    practice: int = 0
    practice_right: int = 0
    exam: int = 0
    exam_earned: float = 0.0
    last_at: datetime | None = None
    exams: list[str] = field(default_factory=list)

    @property
    def mastery(self) -> float | None:
        return self.earned / self.responses if self.responses else None

    @property
    def level(self) -> str:
        """The cell's colour band."""
        m = self.mastery
        if m is None:
            return "none"
        return "low" if m < 0.6 else "mid" if m < 0.85 else "high"


def mastery_map(user_id: int, now: datetime | None = None) -> list[ArticleCell]:
    """All articles in order, each with the candidate's evidence (practice and reviewable exams)."""
    cells = {a.number: ArticleCell(a) for a in db.session.scalars(select(Article).order_by(Article.number))}
    for e in user_evidence(user_id, now):
        cell = cells.get(e.article)
        if cell is None:
            continue
        cell.responses += 1
        cell.earned += e.earned
        if e.source == "practice":
            cell.practice += 1
            cell.practice_right += e.earned >= 1 - 1e-9
        else:
            cell.exam += 1
            cell.exam_earned += e.earned
            if e.exam_title not in cell.exams:
                cell.exams.append(e.exam_title)
        cell.last_at = max(cell.last_at or e.at, e.at)
    return list(cells.values())


# --- reading -------------------------------------------------------------------------------------------

def chapters() -> list[dict]:
    rows = db.session.execute(select(Article.chapter, Article.chapter_title, func.min(Article.number),
                                     func.max(Article.number), func.count(Article.number))
                              .group_by(Article.chapter, Article.chapter_title).order_by(Article.chapter)).all()
    return [{"number": c, "label": f"第{int_to_cn_numeral(c)}章 {t}", "first": lo, "last": hi, "articles": n}
            for c, t, lo, hi, n in rows]


def key_phrases(article_numbers: list[int]) -> dict[int, list[str]]:
    """Per article, the phrases its fill-in questions ask for (the bank checks they appear in the article's
    text): the words a secretary should know by heart."""
    phrases: dict[int, list[str]] = defaultdict(list)
    rows = db.session.execute(
        select(QuestionVersion.article_number, QuestionVersion.answer)
        .join(Question, (Question.id == QuestionVersion.question_id) & (Question.version == QuestionVersion.version))
        .where(QuestionVersion.type == "fill", QuestionVersion.article_number.in_(article_numbers),
               Question.active.is_(True)).order_by(Question.id))
    for article, answer in rows:
        for blank in answer or []:
            if blank and blank[0] not in phrases[article]:
                phrases[article].append(blank[0])
    return phrases


def highlight(text: str, phrases: list[str]) -> list[tuple[str, bool]]:
    """The text cut into (piece, is_key_phrase) runs, longest phrase first where they overlap."""
    marks = [False] * len(text)
    for phrase in sorted(phrases, key=len, reverse=True):
        start = text.find(phrase)
        while phrase and start != -1:
            for i in range(start, start + len(phrase)):
                marks[i] = True
            start = text.find(phrase, start + len(phrase))
    runs: list[tuple[str, bool]] = []
    for char, mark in zip(text, marks, strict=True):
        if runs and runs[-1][1] == mark:
            runs[-1] = (runs[-1][0] + char, mark)
        else:
            runs.append((char, mark))
    return runs


def practice_counts_by_article() -> dict[int, int]:
    return dict(db.session.execute(select(Question.article_number, func.count(Question.id))
                                   .where(*_pool_filter()).group_by(Question.article_number)).all())


# --- the organiser's overview --------------------------------------------------------------------------

@dataclass
class ParticipationRow:
    user_id: int
    name: str
    login: str
    organization: str
    kind: str
    answers: int
    answers_week: int
    days: int
    last_day: date | None
    streak: int
    done_today: bool


def participation(now: datetime | None = None) -> list[ParticipationRow]:
    """Every active candidate's practice: answers (all, last 7 days), days practised, streak, today's drill."""
    now = now or utcnow()
    day = local_day(now)
    week_start = day - timedelta(days=6)
    stats = {uid: (n, week, days, last) for uid, n, week, days, last in db.session.execute(
        select(PracticeAnswer.user_id, func.count(PracticeAnswer.id),
               func.count(PracticeAnswer.id).filter(PracticeAnswer.day >= week_start),
               func.count(func.distinct(PracticeAnswer.day)), func.max(PracticeAnswer.day))
        .group_by(PracticeAnswer.user_id))}
    completed: dict[int, set[date]] = defaultdict(set)
    for uid, d in db.session.execute(select(DailyDrill.user_id, DailyDrill.day)
                                     .where(DailyDrill.completed_at.is_not(None))):
        completed[uid].add(d)
    rows = []
    for uid, name, login, org, kind in db.session.execute(
            select(User.id, User.name, User.username, PartyOrganization.name, PartyOrganization.kind)
            .outerjoin(PartyOrganization, PartyOrganization.id == User.organization_id)
            .where(User.role == CANDIDATE, User.active.is_(True))
            .order_by(PartyOrganization.sort_order, User.username)):
        n, week, days, last = stats.get(uid, (0, 0, 0, None))
        rows.append(ParticipationRow(uid, name, login, org or "—", kind or "—", n, week, days, last,
                                     scheduler.current_streak(completed[uid], day), day in completed[uid]))
    return rows


def district_mastery_rows(now: datetime | None = None) -> list[statistics.MasteryResponse]:
    """Every candidate's practice answers and finished answers in closed exams, one response weighing 1."""
    now = now or utcnow()
    chapters_of = dict(db.session.execute(select(Article.number, Article.chapter)).all())
    kinds = {uid: kind or "—" for uid, kind in db.session.execute(
        select(User.id, PartyOrganization.kind).outerjoin(PartyOrganization,
                                                          PartyOrganization.id == User.organization_id))}
    rows = [statistics.MasteryResponse(article, chapters_of.get(article), kinds.get(uid, "—"), earned, 1.0)
            for uid, article, earned in db.session.execute(
                select(PracticeAnswer.user_id, QuestionVersion.article_number, PracticeAnswer.earned)
                .join(QuestionVersion, QuestionVersion.id == PracticeAnswer.question_version_id))]
    key_version = func.coalesce(PaperItem.graded_version_id, PaperItem.question_version_id)
    for uid, article, earned, points in db.session.execute(
            select(Attempt.user_id, QuestionVersion.article_number, PaperItem.earned, PaperItem.points)
            .join(Attempt, Attempt.id == PaperItem.attempt_id).join(Exam, Exam.id == Attempt.exam_id)
            .join(QuestionVersion, QuestionVersion.id == key_version)
            .where(Attempt.status.in_(FINISHED), Exam.closes_at <= now)):
        if points > 0:
            rows.append(statistics.MasteryResponse(article, chapters_of.get(article), kinds.get(uid, "—"),
                                                   (earned or 0.0) / points, 1.0))
    return rows


def closed_exams(now: datetime | None = None) -> list[Exam]:
    now = now or utcnow()
    return list(db.session.scalars(select(Exam).where(Exam.status == PUBLISHED, Exam.closes_at <= now)
                                   .order_by(Exam.closes_at, Exam.id)))


@dataclass(frozen=True)
class MasteryChange:
    article: int
    chapter: int | None
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before


def mastery_change(before: list[statistics.Mastery], after: list[statistics.Mastery]) -> list[MasteryChange]:
    """Per article, mastery in the earlier and the later exam and the change, largest gain first
    (articles tested in only one of them last, by number)."""
    first = {m.article: m for m in before if m.article is not None}
    second = {m.article: m for m in after if m.article is not None}
    changes = [MasteryChange(a, (first.get(a) or second.get(a)).chapter,
                             first[a].mastery if a in first else None, second[a].mastery if a in second else None)
               for a in sorted(set(first) | set(second))]
    return sorted(changes, key=lambda c: (c.change is None, -(c.change or 0), c.article))


def learning_effect(before: Exam, after: Exam) -> list[MasteryChange]:
    from examapp.exams import results
    return mastery_change(results.exam_results(before).mastery.articles, results.exam_results(after).mastery.articles)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _article_label(number: int | None) -> str:
    return f"第{int_to_cn_numeral(number)}条" if number else "未关联条款"


def _chapter_label(number: int | None) -> str:
    return f"第{int_to_cn_numeral(number)}章" if number else "—"


def overview_workbook(rows: list[ParticipationRow], report: statistics.MasteryReport,
                      effect: list[MasteryChange] | None, effect_title: str = "") -> bytes:
    """学习情况 as an Excel workbook (Chinese headers)."""
    workbook = Workbook()
    workbook.remove(workbook.active)

    def sheet(title: str, header: list[str], body: list[list], widths: list[int]):
        return table_sheet(workbook, title, header, body, widths, alignment=CENTER)

    sheet("参与情况", ["党组织", "类别", "姓名", "登录名", "练习题数", "近7天题数", "练习天数", "最近练习", "连续完成每日一练（天）", "今日已完成"],
          [[r.organization, r.kind, r.name, r.login, r.answers, r.answers_week, r.days,
            r.last_day.isoformat() if r.last_day else "—", r.streak, "是" if r.done_today else "否"] for r in rows],
          [34, 10, 12, 12, 10, 10, 10, 12, 20, 10])
    sheet("条款掌握", ["条款", "所属章", "作答次数", "掌握率"],
          [[_article_label(m.article), _chapter_label(m.chapter), m.questions_answered, _percent(m.mastery)]
           for m in report.articles], [12, 10, 10, 10])
    sheet("章掌握", ["章", "作答次数", "掌握率"],
          [[_chapter_label(m.chapter), m.questions_answered, _percent(m.mastery)] for m in report.chapters],
          [10, 10, 10])
    sheet("党组织类别", ["党组织类别", "章", "作答次数", "掌握率"],
          [[m.organization_kind, _chapter_label(m.chapter), m.questions_answered, _percent(m.mastery)]
           for m in report.by_kind_chapter], [14, 10, 10, 10])
    if effect is not None:
        ws = sheet("学习效果", ["条款", "所属章", "前一次考试掌握率", "后一次考试掌握率", "变化（百分点）"],
                   [[_article_label(c.article), _chapter_label(c.chapter), _percent(c.before), _percent(c.after),
                     "—" if c.change is None else round(c.change * 100, 1)] for c in effect], [12, 10, 18, 18, 16])
        ws.append([])
        ws.append([effect_title])
    return workbook_bytes(workbook)
