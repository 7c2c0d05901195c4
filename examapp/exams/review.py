"""What a candidate sees of an attempt: the review level, the API state, the paper, the exam list, the result page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from examapp.accounts.models import User
from examapp.bank.letters import remap_option_letters
from examapp.bank.models import Article, Document, QuestionVersion
from examapp.exams import timer
from examapp.exams.attempts import AsFinalised, attempts_of, focus_warning, touch_attempt, window_state
from examapp.exams.autosave import saved_answers
from examapp.exams.models import (
    FINISHED,
    IN_PROGRESS,
    PUBLISHED,
    REVIEW_AFTER_CLOSE,
    REVIEW_AFTER_SUBMIT,
    Attempt,
    Exam,
    PaperItem,
)
from examapp.exams.papers import display_answer, display_options, present_item
from examapp.exams.services import is_eligible
from examapp.extensions import db
from examapp.timeutil import utcnow


def review_level(attempt: Attempt, now: datetime | None = None) -> str:
    """What the candidate may see now: 'none' (still running), 'score', or 'full' (answers, 解析, article)."""
    now = now or utcnow()
    if not attempt.finished:
        return "none"
    policy = attempt.exam.review_policy
    if policy == REVIEW_AFTER_SUBMIT or (policy == REVIEW_AFTER_CLOSE and now >= attempt.exam.closes_at):
        return "full"
    return "score"


def attempt_state(attempt: Attempt, now: datetime | None = None) -> dict:
    """The attempt as the API returns it; keys and score only as the review policy allows."""
    now = now or utcnow()
    level = review_level(attempt, now)
    answers = saved_answers(attempt)
    data = {"attempt": attempt.id, "exam": attempt.exam_id, "status": attempt.status,
            "deadline": iso(attempt.deadline_at), "server_time": iso(now),
            "seconds_left": timer.seconds_left(attempt.deadline_at, now) if attempt.status == IN_PROGRESS else 0,
            "answers": [{"item": item_id, "answer": value, "seq": seq} for item_id, (value, seq) in answers.items()],
            "focus_losses": attempt.focus_losses, "focus_limit": attempt.exam.focus_submit_after,
            "focus_warning": attempt.status == IN_PROGRESS and focus_warning(attempt.exam, attempt.focus_losses)}
    if attempt.finished:
        data["end_reason"] = attempt.finished_by or None
        data["end_reason_label"] = attempt.end_description
    if level in ("score", "full"):
        data["score"] = attempt.score
        data["max_score"] = attempt.max_score
    return data


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


# The paper as shown: plain rows of the columns a candidate sees (present_item reads .type/.stem/.options).
_PAPER_ROWS = (
    select(PaperItem.id, PaperItem.points, PaperItem.section, PaperItem.option_order, QuestionVersion.type,
           QuestionVersion.stem, QuestionVersion.options)
    .join(QuestionVersion, QuestionVersion.id == PaperItem.question_version_id)
    .where(PaperItem.attempt_id == bindparam("attempt_id"))
    .order_by(PaperItem.position))


def paper_payload(attempt: Attempt, now: datetime | None = None) -> dict:
    """The running attempt's paper for the exam page: items in order, saved answers, the server's clock."""
    now = now or utcnow()
    data = attempt_state(attempt, now)
    data["title"] = attempt.exam.title
    data["items"] = [present_item(row, row.option_order, row.id, row.points, row.section)
                     for row in db.session.execute(_PAPER_ROWS, {"attempt_id": attempt.id})]
    return data


@dataclass
class CandidateExamRow:
    exam: Exam
    window: str            # upcoming | open | closed
    attempt_id: int | None
    attempt_status: str | None
    can_start: bool
    attempts_used: int
    score: float | None    # shown only when the review policy allows


def candidate_exam_rows(user: User, now: datetime | None = None) -> list[CandidateExamRow]:
    now = now or utcnow()
    rows = []
    for exam in db.session.scalars(select(Exam).where(Exam.status == PUBLISHED).order_by(Exam.opens_at.desc())):
        if not is_eligible(exam, user):
            continue
        attempts = [touch_attempt(a, now) for a in attempts_of(exam, user)]
        current = next((a for a in attempts if a.status == IN_PROGRESS), None)
        finished = [a for a in attempts if a.status in FINISHED]
        latest = current or (finished[-1] if finished else None)
        window = window_state(exam, now)
        can_start = window == "open" and (current is not None or len(finished) < exam.attempts_allowed)
        score = latest.score if latest is not None and review_level(latest, now) != "none" else None
        rows.append(CandidateExamRow(exam=exam, window=window, attempt_id=latest.id if latest else None,
                                     attempt_status=latest.status if latest else None, can_start=can_start,
                                     attempts_used=len(finished), score=score))
    return rows

def review_context(attempt: Attempt | AsFinalised, now, *, force_full: bool = False) -> dict:
    """What the result page shows; organisers (force_full) always see the whole paper, an overdue attempt
    with the marks it will get (AsFinalised)."""
    level = "full" if force_full else review_level(attempt, now)
    items = []
    if level == "full":
        marks = attempt.marks if isinstance(attempt, AsFinalised) else {}
        answers = saved_answers(attempt)
        paper = db.session.scalars(select(PaperItem).where(PaperItem.attempt_id == attempt.id)
                                   .options(selectinload(PaperItem.version)).order_by(PaperItem.position)).all()
        numbers = {i.version.article_number for i in paper if i.version.article_number}
        documents = {i.version.document_id for i in paper if i.version.article_number}
        articles = {(a.document_id, a.number): a for a in db.session.scalars(
            select(Article).where(Article.document_id.in_(documents), Article.number.in_(numbers)))}
        # Named with each article: 第四条 of another document is not the 《条例》's 第四条.
        titles = dict(db.session.execute(select(Document.id, Document.title).where(Document.id.in_(documents))).all())
        for position, item in enumerate(paper, start=1):
            response = answers.get(item.id, (None, 0))[0]
            items.append({"position": position, "item": item, "version": item.version,
                          "options": display_options(item.version, item.option_order),
                          "correct": display_answer(item.key_version, item.option_order),
                          "explanation": remap_option_letters(item.key_version.explanation, item.option_order),
                          "response": response, "earned": marks.get(item.id, item.earned) or 0,
                          "article": articles.get((item.version.document_id, item.version.article_number)),
                          "document": titles.get(item.version.document_id)})
    # An attempt in progress has no marks yet (a reopened one still carries its old ones).
    return {"attempt": attempt, "exam": attempt.exam, "level": level, "items": items,
            "graded": attempt.finished, "organiser_view": force_full,
            "passed": attempt.score is not None and attempt.score >= attempt.exam.pass_mark}
