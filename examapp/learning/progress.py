"""A candidate's progress, derived from the evidence (practice answers, and exam answers once their review
policy shows them): the daily drill, the summary, the 错题本 and the mastery map."""
from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from examapp.bank.models import Article, Question, QuestionVersion
from examapp.exams.models import FINISHED, REVIEW_AFTER_CLOSE, REVIEW_AFTER_SUBMIT, Attempt, Exam, PaperItem
from examapp.extensions import db
from examapp.learning import scheduler
from examapp.learning.models import (
    DailyDrill,
    PracticeAnswer,
)
from examapp.learning.services import (
    answered_on_day,
    article_key,
    completed_days,
    daily_count,
    local_day,
    pool_filter,
    practice_pool,
    present_questions,
)
from examapp.timeutil import utcnow

# --- evidence: practice and reviewable exam answers ------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    question_id: int
    article: tuple[int, int] | None   # (document, number): two documents' 第三条 are different articles
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
    """The candidate's practice answers and reviewable exam answers. The article is the answered version's number
    in the question's current document, so that a revision of a document carries the evidence over."""
    now = now or utcnow()
    evidence = [Evidence(qid, article_key(document, number), earned, at, "practice")
                for qid, document, number, earned, at in db.session.execute(
                    select(PracticeAnswer.question_id, Question.document_id, QuestionVersion.article_number,
                           PracticeAnswer.earned, PracticeAnswer.answered_at)
                    .join(QuestionVersion, QuestionVersion.id == PracticeAnswer.question_version_id)
                    .join(Question, Question.id == PracticeAnswer.question_id)
                    .where(PracticeAnswer.user_id == user_id))]
    key_version = func.coalesce(PaperItem.graded_version_id, PaperItem.question_version_id)
    for row in db.session.execute(
            select(QuestionVersion.question_id, Question.document_id, QuestionVersion.article_number,
                   PaperItem.earned, PaperItem.points,
                   Attempt.submitted_at, Attempt.status, Exam.review_policy, Exam.closes_at, Exam.title)
            .join(Attempt, Attempt.id == PaperItem.attempt_id).join(Exam, Exam.id == Attempt.exam_id)
            .join(QuestionVersion, QuestionVersion.id == key_version)
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(Attempt.user_id == user_id, Attempt.status.in_(FINISHED))):
        if row.points > 0 and exam_answers_reviewable(row.status, row.review_policy, row.closes_at, now):
            evidence.append(Evidence(row.question_id, article_key(row.document_id, row.article_number),
                                     (row.earned or 0.0) / row.points, row.submitted_at, "exam", row.title))
    return evidence


def reviews_by_question(evidence: list[Evidence]) -> dict[int, list[scheduler.Review]]:
    reviews: dict[int, list[scheduler.Review]] = defaultdict(list)
    for e in evidence:
        reviews[e.question_id].append(scheduler.Review(at=e.at, day=local_day(e.at), right=e.earned >= 1 - 1e-9))
    return reviews


def article_priority(evidence: list[Evidence]) -> dict[tuple[int, int], float]:
    """Smoothed mastery per (document, article) over all the evidence (the drill's weakest-article order)."""
    totals: dict[tuple[int, int], list[float]] = defaultdict(list)
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
    return answered_on_day(drill.user_id, drill.day) & set(drill.question_ids)


def drill_progress(drill: DailyDrill) -> tuple[int, int]:
    return len(answered_in_drill(drill)), len(drill.question_ids)


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
    """How many questions of the practice pool (every 现行 document) are in the candidate's 错题本 (home page)."""
    open_ids = list(_open_book_entries(user_evidence(user_id, now)))
    if not open_ids:
        return 0
    return db.session.scalar(select(func.count(Question.id)).where(Question.id.in_(open_ids),
                                                                   *pool_filter(every_current=True)))


def wrong_book(user_id: int, now: datetime | None = None) -> list[WrongEntry]:
    """Questions still in the 错题本 (practice pool of every 现行 document), the most recent mistake first."""
    evidence = user_evidence(user_id, now)
    last_wrong_source = {}
    for e in sorted(evidence, key=lambda e: e.at):
        if e.earned < 1 - 1e-9:
            last_wrong_source[e.question_id] = e.exam_title or "练习"
    entries = _open_book_entries(evidence)
    ordered = sorted(entries, key=lambda qid: entries[qid].wrong_at, reverse=True)
    questions = {q["question"]: q for q in present_questions(ordered, every_current=True)}
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


def mastery_map(user_id: int, document_id: int, now: datetime | None = None) -> list[ArticleCell]:
    """A document's articles in order, each with the candidate's evidence on it (practice and reviewable
    exams); another document's article of the same number is not this one."""
    cells = {(document_id, a.number): ArticleCell(a) for a in db.session.scalars(
        select(Article).where(Article.document_id == document_id).order_by(Article.number))}
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
