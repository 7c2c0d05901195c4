"""Running an exam: the live monitor's rows and the organiser's interventions, each audited with a reason."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from examapp.accounts.models import PartyOrganization, User
from examapp.audit.models import AuditEntry
from examapp.audit.services import record
from examapp.exams import services, timer
from examapp.exams.attempts import as_finalised, finish_attempt, touch_attempt
from examapp.exams.models import (
    ATTEMPT_STATUS_LABELS,
    END_ORGANISER,
    END_REASON_LABELS,
    FINALISED_OVERDUE,
    FINISHED,
    IN_PROGRESS,
    READY,
    SUBMITTED,
    Answer,
    Attempt,
    AttemptEvent,
    Exam,
    PaperItem,
)
from examapp.exams.services import ExamError
from examapp.extensions import db
from examapp.timeutil import format_local, utcnow

NOT_STARTED = "not_started"
MONITOR_LABELS = {NOT_STARTED: "未开始"} | {s: ATTEMPT_STATUS_LABELS[s] for s in (IN_PROGRESS, SUBMITTED, FINALISED_OVERDUE)}


@dataclass
class MonitorRow:
    user_id: int
    login: str
    name: str
    organization: str
    attempt_id: int | None
    status: str
    answered: int
    total: int
    seconds_left: int | None
    last_activity: datetime | None
    focus_losses: int
    extra_minutes: int
    score: float | None
    away_seconds: int = 0      # total time away from the exam page over the counted focus losses
    ended: str = ""          # how a finished attempt ended, e.g. 组织者强制交卷（原因：…）

    @property
    def status_label(self) -> str:
        return MONITOR_LABELS.get(self.status, self.status)

    @property
    def away_label(self) -> str:
        return f"共离开 {duration_label(self.away_seconds)}" if self.away_seconds else ""

    @property
    def end_label(self) -> str:
        """The end reason, unless the status already says it (服务器超时处理)."""
        return "" if self.ended == self.status_label else self.ended

    def as_dict(self) -> dict:
        return {"user": self.user_id, "login": self.login, "name": self.name, "organization": self.organization,
                "attempt": self.attempt_id, "status": self.status, "status_label": self.status_label,
                "answered": self.answered, "total": self.total, "seconds_left": self.seconds_left,
                "last_activity": format_local(self.last_activity, "%H:%M:%S") if self.last_activity else "—",
                "focus_losses": self.focus_losses, "away_seconds": self.away_seconds, "away_label": self.away_label,
                "extra_minutes": self.extra_minutes, "score": self.score,
                "end_reason": self.end_label}


def duration_label(seconds: int) -> str:
    """65 -> "1 分 5 秒"; 3720 -> "1 小时 2 分"."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} 秒"
    if seconds < 3600:
        return f"{seconds // 60} 分 {seconds % 60} 秒" if seconds % 60 else f"{seconds // 60} 分钟"
    return f"{seconds // 3600} 小时 {seconds % 3600 // 60} 分"


def away_totals(exam_id: int) -> dict[int, int]:
    """attempt id -> seconds away from the exam page, summed over its counted focus losses."""
    totals: dict[int, int] = {}
    for attempt_id, detail in db.session.execute(
            select(AttemptEvent.attempt_id, AttemptEvent.detail).join(Attempt, Attempt.id == AttemptEvent.attempt_id)
            .where(Attempt.exam_id == exam_id, AttemptEvent.kind == "focus_loss")):
        away = (detail or {}).get("away_seconds")
        if isinstance(away, int):
            totals[attempt_id] = totals.get(attempt_id, 0) + away
    return totals


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ExamError("请填写原因（将记入操作日志）。")
    return reason


def monitor_rows(exam: Exam, now: datetime | None = None) -> list[MonitorRow]:
    """One row per eligible candidate (latest attempt); reads only: an overdue attempt shows as it will be
    finalised (服务器超时处理, with the score it will get) until `flask exams finalise-overdue` writes it."""
    now = now or utcnow()
    users = db.session.execute(services.eligible_users_query(exam).outerjoin(PartyOrganization)
                               .with_only_columns(User.id, User.username, User.name, PartyOrganization.name)
                               .order_by(PartyOrganization.sort_order, User.username)).all()
    latest: dict[int, Attempt] = {}
    for attempt in db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id).order_by(Attempt.number)):
        latest[attempt.user_id] = attempt  # the latest attempt wins
    attempts = {user_id: as_finalised(attempt, now) for user_id, attempt in latest.items()}
    answered = dict(db.session.execute(
        select(Answer.attempt_id, func.count(Answer.id)).join(Attempt, Attempt.id == Answer.attempt_id)
        .where(Attempt.exam_id == exam.id, Answer.value.is_not(None)).group_by(Answer.attempt_id)).all())
    last_saved = dict(db.session.execute(
        select(Answer.attempt_id, func.max(Answer.saved_at)).join(Attempt, Attempt.id == Answer.attempt_id)
        .where(Attempt.exam_id == exam.id).group_by(Answer.attempt_id)).all())
    totals = dict(db.session.execute(
        select(PaperItem.attempt_id, func.count(PaperItem.id)).join(Attempt, Attempt.id == PaperItem.attempt_id)
        .where(Attempt.exam_id == exam.id).group_by(PaperItem.attempt_id)).all())
    away = away_totals(exam.id)
    rows = []
    for user_id, login, name, org in users:
        attempt = attempts.get(user_id)
        status = NOT_STARTED if attempt is None or attempt.status == READY else attempt.status
        left = timer.seconds_left(attempt.deadline_at, now) if attempt and attempt.status == IN_PROGRESS else None
        rows.append(MonitorRow(
            user_id=user_id, login=login, name=name, organization=org or "—",
            attempt_id=attempt.id if attempt else None, status=status,
            answered=answered.get(attempt.id, 0) if attempt else 0,
            total=totals.get(attempt.id, exam.question_count) if attempt else exam.question_count,
            seconds_left=left, last_activity=_latest(attempt.last_activity_at, last_saved.get(attempt.id))
            if attempt else None,
            focus_losses=attempt.focus_losses if attempt else 0,
            extra_minutes=(attempt.extra_seconds // 60) if attempt else 0,
            score=attempt.score if attempt and attempt.status in FINISHED else None,
            away_seconds=away.get(attempt.id, 0) if attempt else 0,
            ended=attempt.end_description if attempt else ""))
    return rows


def _latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def monitor_counts(rows: list[MonitorRow]) -> dict[str, int]:
    counts = dict.fromkeys(MONITOR_LABELS, 0)
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def _event(attempt: Attempt, kind: str, now: datetime, **detail) -> None:
    db.session.add(AttemptEvent(attempt_id=attempt.id, at=now, kind=kind, detail=detail))


def grant_extra_time(attempt: Attempt, minutes: int, reason: str, *, actor_id: int | None = None,
                     now: datetime | None = None) -> Attempt:
    """More time for one candidate (e.g. a device failure); the page picks it up at its next sync."""
    now = now or utcnow()
    reason = _reason(reason)
    if not 1 <= minutes <= 240:
        raise ExamError("延长时间应在 1 到 240 分钟之间。")
    if attempt.status == READY:
        attempt.extra_seconds += minutes * 60   # counts from the start, when the candidate begins
    elif attempt.status == IN_PROGRESS:
        touch_attempt(attempt, now)
        if attempt.status != IN_PROGRESS:
            raise ExamError("该考生的作答已过截止时间，已由服务器交卷（服务器超时处理）；如需继续，请使用“重新开放”。")
        attempt.extra_seconds += minutes * 60
        attempt.deadline_at = attempt.deadline_at + timedelta(minutes=minutes)
    else:
        raise ExamError("该考生已交卷；如需继续作答，请使用“重新开放”。")
    _event(attempt, "extra_time", now, minutes=minutes, reason=reason)
    record("attempt.extra_time", target_type="attempt", target_id=attempt.id, reason=reason, actor_id=actor_id,
           summary=f"为 {attempt.user.name} 延长 {minutes} 分钟", detail={"minutes": minutes})
    return attempt


def force_submit(attempt: Attempt, reason: str, *, actor_id: int | None = None,
                 now: datetime | None = None) -> Attempt:
    now = now or utcnow()
    reason = _reason(reason)
    touch_attempt(attempt, now)     # an overdue attempt is the server's to end, not the organiser's
    if attempt.status != IN_PROGRESS or not finish_attempt(attempt, SUBMITTED, END_ORGANISER, now,
                                                                    note=reason, actor_id=actor_id):
        raise ExamError("该作答不在答题中，无需强制交卷。")
    return attempt


def reopen(attempt: Attempt, minutes: int, reason: str, *, actor_id: int | None = None,
           now: datetime | None = None) -> Attempt:
    """Let a candidate continue a finalised attempt with a new deadline; earlier answers are kept. An overdue
    attempt (shown as 服务器超时处理 by the pages that only read) is finalised first, as the server's."""
    now = now or utcnow()
    reason = _reason(reason)
    touch_attempt(attempt, now)
    if attempt.status not in FINISHED:
        raise ExamError("只有已交卷的作答才能重新开放。")
    if not 1 <= minutes <= 240:
        raise ExamError("重新开放的时长应在 1 到 240 分钟之间。")
    old_score = attempt.score
    attempt.status = IN_PROGRESS
    attempt.deadline_at = now + timedelta(minutes=minutes)
    attempt.submitted_at = None
    attempt.finished_by = ""
    attempt.end_note = None
    attempt.score = None
    attempt.graded_at = None
    _event(attempt, "reopen", now, minutes=minutes, reason=reason, old_score=old_score)
    record("attempt.reopen", target_type="attempt", target_id=attempt.id, reason=reason, actor_id=actor_id,
           summary=f"重新开放 {attempt.user.name} 的作答 {minutes} 分钟（原得分 {old_score}）",
           detail={"minutes": minutes, "old_score": old_score})
    return attempt


def set_window_close(exam: Exam, closes_at: datetime, reason: str, *, actor_id: int | None = None,
                     now: datetime | None = None) -> int:
    """Extend or shorten the window for everyone; running attempts' deadlines follow the new close."""
    now = now or utcnow()
    reason = _reason(reason)
    if closes_at <= exam.opens_at:
        raise ExamError("结束时间应晚于开始时间。")
    old = exam.closes_at
    exam.closes_at = max(closes_at, now)  # a close in the past means now
    changed = 0
    for attempt in db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id,
                                                            Attempt.status == IN_PROGRESS)):
        attempt.deadline_at = timer.compute_deadline(attempt.started_at, exam.duration_minutes, exam.closes_at,
                                                     attempt.extra_seconds)
        changed += 1
    record("exam.window", target_type="exam", target_id=exam.id, reason=reason, actor_id=actor_id,
           summary=f"考试结束时间由 {format_local(old)} 改为 {format_local(exam.closes_at)}",
           detail={"old": old.isoformat(), "new": exam.closes_at.isoformat()})
    return changed


def close_now(exam: Exam, reason: str, *, actor_id: int | None = None, now: datetime | None = None) -> int:
    """End the exam for everyone now: running attempts are submitted and graded with what they saved."""
    now = now or utcnow()
    set_window_close(exam, now, reason, actor_id=actor_id, now=now)
    finished = 0
    for attempt in db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id,
                                                            Attempt.status == IN_PROGRESS)).all():
        if finish_attempt(attempt, SUBMITTED, END_ORGANISER, now, note=reason, actor_id=actor_id):
            finished += 1
    return finished


def attempt_timeline(attempt: Attempt) -> list[dict]:
    """Start, focus losses, saves summary, interventions and the end (with how it ended), oldest first."""
    labels = {"start": "开始答题", "focus_loss": "离开考试页面（切屏）", "extra_time": "延长时间", "reopen": "重新开放",
              "regrade": "重新评分",
              # before the end event carried the organiser's reason, it had events of its own
              "force_submit": "组织者强制交卷", "window_closed": "组织者结束考试"}
    entries = [{"at": e.at, "kind": e.kind, "label": _event_label(e, labels), "detail": e.detail or {}}
               for e in db.session.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == attempt.id)
                                           .order_by(AttemptEvent.at, AttemptEvent.id))]
    saves = db.session.execute(select(func.count(Answer.id), func.min(Answer.saved_at), func.max(Answer.saved_at))
                               .where(Answer.attempt_id == attempt.id)).one()
    if saves[0]:
        entries.append({"at": saves[2], "kind": "saves", "label": f"最后一次保存（共 {saves[0]} 题有保存记录）",
                        "detail": {}})
        entries.sort(key=lambda e: e["at"])
    return entries


def _event_label(event: AttemptEvent, labels: dict[str, str]) -> str:
    if event.kind in ("submit", "overdue"):
        return f"交卷（{END_REASON_LABELS.get((event.detail or {}).get('by', ''), '交卷方式未记录')}）"
    label = labels.get(event.kind, event.kind)
    away = (event.detail or {}).get("away_seconds") if event.kind == "focus_loss" else None
    return f"{label}，离开 {duration_label(away)}后返回" if isinstance(away, int) else label


def audit_for_attempt(attempt: Attempt) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "attempt",
                                                            AuditEntry.target_id == str(attempt.id))
                                   .order_by(AuditEntry.at)))

