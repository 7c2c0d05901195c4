"""Attempts: start (never a second), the deadline, finishing and how it ended, finalising overdue ones, focus losses."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, select, update
from sqlalchemy.exc import IntegrityError

from examapp.accounts.models import User
from examapp.audit.services import record
from examapp.exams import timer
from examapp.exams.marking import grade_attempt, item_marks, marks_total
from examapp.exams.models import (
    ATTEMPT_STATUS_LABELS,
    AUTOMATIC_ENDS,
    END_CANDIDATE,
    END_FOCUS_LIMIT,
    END_ORGANISER,
    END_REASON_LABELS,
    END_SERVER,
    FINALISED_OVERDUE,
    FINISHED,
    IN_PROGRESS,
    PUBLISHED,
    READY,
    SUBMITTED,
    Attempt,
    AttemptEvent,
    Exam,
)
from examapp.exams.services import ExamError, active_pool, create_attempt, exam_sections, is_eligible
from examapp.extensions import db
from examapp.timeutil import utcnow


def settings_grace() -> int:
    return int(current_app.config.get("SAVE_GRACE_SECONDS", 30))


def attempts_of(exam: Exam, user: User) -> list[Attempt]:
    return list(db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == user.id)
                                   .order_by(Attempt.number)))


def window_state(exam: Exam, now: datetime) -> str:
    if now < exam.opens_at:
        return "upcoming"
    if now >= exam.closes_at:
        return "closed"
    return "open"


def start_attempt(exam: Exam, user: User, now: datetime | None = None) -> Attempt:
    """Start the candidate's attempt, or return the one already running (never a second)."""
    now = now or utcnow()
    if exam.status != PUBLISHED or not is_eligible(exam, user):
        raise ExamError("您不在本场考试的参考人员名单中。", status=403)
    attempts = attempts_of(exam, user)
    running = next((a for a in attempts if a.status == IN_PROGRESS), None)
    if running is not None:
        touch_attempt(running, now)
        if running.status == IN_PROGRESS:
            return running
        attempts = attempts_of(exam, user)
    state = window_state(exam, now)
    if state == "upcoming":
        raise ExamError("考试尚未开始，请在开考时间后再进入。", status=409)
    if state == "closed":
        raise ExamError("考试已结束，不能再开始作答。", status=409)
    finished = [a for a in attempts if a.status in FINISHED]
    if len(finished) >= exam.attempts_allowed:
        raise ExamError("您已完成本场考试，作答次数已用完。", status=409)
    ready = next((a for a in attempts if a.status == READY), None)
    if ready is None:
        try:
            with db.session.begin_nested():
                ready = create_attempt(exam, user.id, len(attempts) + 1, active_pool(), exam_sections(exam))
        except IntegrityError:
            # Another request of the same candidate drew it a moment ago: use that one.
            ready = next(a for a in attempts_of(exam, user) if a.status in (READY, IN_PROGRESS))
    deadline = timer.compute_deadline(now, exam.duration_minutes, exam.closes_at, ready.extra_seconds)
    # Conditional update: of two simultaneous starts only one moves READY -> IN_PROGRESS.
    db.session.execute(update(Attempt).where(Attempt.id == ready.id, Attempt.status == READY)
                       .values(status=IN_PROGRESS, started_at=now, deadline_at=deadline, last_activity_at=now))
    db.session.refresh(ready)
    if ready.started_at == now:
        db.session.add(AttemptEvent(attempt_id=ready.id, at=now, kind="start", detail={}))
    return ready


def is_overdue(attempt: Attempt, now: datetime) -> bool:
    """In progress past its deadline and grace: finalise_overdue will end it (overdue_clause, in SQL)."""
    return (attempt.status == IN_PROGRESS and attempt.deadline_at is not None
            and timer.is_overdue(attempt.deadline_at, now, settings_grace()))


def touch_attempt(attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Finalise the attempt if its deadline (plus grace) has passed: a writer's first step (the candidate's
    own requests, the organiser's interventions); pages that only read use as_finalised instead."""
    now = now or utcnow()
    if is_overdue(attempt, now):
        finish_attempt(attempt, FINALISED_OVERDUE, END_SERVER, now)
    return attempt


class AsFinalised:
    """An overdue attempt as the server will finalise it, for pages that read without writing: its status,
    how it ended, the score and item marks (`marks`, by paper item) it will get; not handed in yet
    (`submitted_at` is None). Everything else is the attempt's own."""
    status = FINALISED_OVERDUE
    status_label = ATTEMPT_STATUS_LABELS[FINALISED_OVERDUE]
    finished = True
    finished_by = END_SERVER
    end_note = None
    end_reason_label = end_description = END_REASON_LABELS[END_SERVER]
    submitted_at = graded_at = None

    def __init__(self, attempt: Attempt):
        self.attempt = attempt
        self.marks = item_marks(attempt)
        self.score = marks_total(self.marks)

    def __getattr__(self, name: str):
        if name == "attempt":
            raise AttributeError(name)
        return getattr(self.attempt, name)


def as_finalised(attempt: Attempt, now: datetime) -> Attempt | AsFinalised:
    """The attempt as a page that only reads shows it: an overdue one as it will be finalised."""
    return AsFinalised(attempt) if is_overdue(attempt, now) else attempt


def finish_attempt(attempt: Attempt, status: str, by: str, now: datetime | None = None, *,
                   note: str | None = None, actor_id: int | None = None) -> bool:
    """Move an in-progress attempt to a final state, grade it and log how it ended; False if already final.

    `by` is one of END_REASON_LABELS; `note` the organiser's reason when an organiser ended it.
    """
    now = now or utcnow()
    changed = db.session.execute(update(Attempt).where(Attempt.id == attempt.id, Attempt.status == IN_PROGRESS)
                                 .values(status=status, submitted_at=now, finished_by=by, end_note=note)).rowcount
    db.session.refresh(attempt)
    if not changed:
        return False
    detail = {"by": by} | ({"reason": note} if note else {})
    db.session.add(AttemptEvent(attempt_id=attempt.id, at=now, kind="submit" if status == SUBMITTED else "overdue",
                                detail=detail))
    score = grade_attempt(attempt, now)
    label = END_REASON_LABELS[by]
    # Automatic ends are the system's doing, whoever's request happened to trigger them.
    record("attempt.force_submit" if by == END_ORGANISER else
           "attempt.submitted" if by == END_CANDIDATE else "attempt.auto_submit",
           target_type="attempt", target_id=attempt.id, reason=note or label,
           summary=f"{attempt.user.name} {label}，得分 {score:g}",
           detail={"end_reason": by, "score": score, "exam": attempt.exam_id},
           actor_id=attempt.user_id if by == END_CANDIDATE else actor_id, system=by in AUTOMATIC_ENDS)
    return True


def submit_attempt(attempt: Attempt, by: str = END_CANDIDATE, now: datetime | None = None) -> Attempt:
    """Hand in (idempotent): a second submit, or one after the server finalised it, changes nothing."""
    now = now or utcnow()
    touch_attempt(attempt, now)
    if attempt.status == IN_PROGRESS:
        finish_attempt(attempt, SUBMITTED, by, now)
    return attempt

def overdue_cutoff(now: datetime) -> datetime:
    """An in-progress attempt whose deadline is before this is overdue (timer.is_overdue)."""
    return now - timedelta(seconds=settings_grace())


def overdue_clause(now: datetime):
    """In progress but past the deadline and its grace: finalise_overdue will end it."""
    return and_(Attempt.status == IN_PROGRESS, Attempt.deadline_at < overdue_cutoff(now))


def finalise_overdue(now: datetime | None = None, exam_id: int | None = None) -> int:
    """Finalise every in-progress attempt whose deadline and grace have passed (safe to run from cron)."""
    now = now or utcnow()
    stmt = select(Attempt).where(overdue_clause(now))
    if exam_id is not None:
        stmt = stmt.where(Attempt.exam_id == exam_id)
    count = 0
    for attempt in db.session.scalars(stmt).all():
        if finish_attempt(attempt, FINALISED_OVERDUE, END_SERVER, now):
            count += 1
    return count

def focus_warning(exam: Exam, focus_losses: int) -> bool:
    """Whether the candidate is warned at this count: from the exam's warning threshold on, and at every
    count under a force-submit limit (the candidate must know how many are left)."""
    if focus_losses <= 0:
        return False
    return bool(exam.focus_submit_after or (exam.focus_warn_after and focus_losses >= exam.focus_warn_after))


def record_focus_loss(attempt: Attempt, now: datetime | None = None, *, away_seconds: int | None = None) -> dict:
    """Count one time the candidate left the exam page and came back (the page reports it on return, with
    how long it was away; a reload or closing the page is never reported) and apply the exam's optional
    warn / force-submit policy."""
    now = now or utcnow()
    exam = attempt.exam
    if attempt.status != IN_PROGRESS:
        return {"focus_losses": attempt.focus_losses, "action": "none", "focus_limit": exam.focus_submit_after}
    db.session.execute(update(Attempt).where(Attempt.id == attempt.id)
                       .values(focus_losses=Attempt.focus_losses + 1, last_activity_at=now))
    detail = {} if away_seconds is None else {"away_seconds": away_seconds}
    db.session.add(AttemptEvent(attempt_id=attempt.id, at=now, kind="focus_loss", detail=detail))
    db.session.refresh(attempt)
    action = "none"
    if exam.focus_submit_after and attempt.focus_losses >= exam.focus_submit_after:
        finish_attempt(attempt, SUBMITTED, END_FOCUS_LIMIT, now)
        action = "submitted"
    elif focus_warning(exam, attempt.focus_losses):
        action = "warn"
    return {"focus_losses": attempt.focus_losses, "action": action, "focus_limit": exam.focus_submit_after}
