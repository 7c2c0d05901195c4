"""The organiser's exam-day dashboard: open and upcoming exams with live counts, and what the current
考评批次 still needs before it can be computed and published."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from examapp.exams import proctoring
from examapp.exams.models import PUBLISHED, Exam
from examapp.extensions import db
from examapp.publishing.models import SNAPSHOT_RANKING, STATUS_FINAL, Snapshot
from examapp.scoring.models import (
    EvaluationRound,
    RoundAssistance,
    RoundConduct,
    RoundExamScore,
    RoundIndicator,
    RoundIndicatorRank,
    RoundOtherScore,
)
from examapp.scoring.scheme import ASSISTANCE, COMPONENT_LABELS, CONDUCT, EXAM, INDICATORS, SchemeError
from examapp.timeutil import format_local, utcnow

# The monitor marks a candidate red from this many focus losses when the exam sets no warning threshold.
DEFAULT_FOCUS_ALERT = 3
# The dashboard's count keys, in display order (the monitor's statuses, with 超时自动交卷 counted as 已交卷).
COUNT_LABELS = {"not_started": "未开始", "in_progress": "答题中", "submitted": "已交卷", "focus_alerts": "切屏告警"}
UPCOMING_LIMIT = 5


@dataclass
class ExamCard:
    id: int
    title: str
    opens_at: datetime
    closes_at: datetime
    is_open: bool
    counts: dict[str, int]

    def as_dict(self) -> dict:
        return {"id": self.id, "is_open": self.is_open, "counts": self.counts}


@dataclass
class RoundStatus:
    id: int
    name: str
    needs: list[str] = field(default_factory=list)     # what is still missing, in plain Chinese
    have: list[str] = field(default_factory=list)      # what is in place
    computed_at: datetime | None = None
    computation_id: int | None = None
    stale: bool = False                                # inputs or scheme changed after the last computation
    published: str = ""                                # "" | 公示 | 正式


def exam_counts(exam: Exam, now: datetime) -> dict[str, int]:
    rows = proctoring.monitor_rows(exam, now)
    by_status = proctoring.monitor_counts(rows)
    alert_at = exam.focus_warn_after or DEFAULT_FOCUS_ALERT
    return {"not_started": by_status.get(proctoring.NOT_STARTED, 0),
            "in_progress": by_status.get("in_progress", 0),
            "submitted": by_status.get("submitted", 0) + by_status.get("finalised_overdue", 0),
            "focus_alerts": sum(1 for r in rows if r.focus_losses >= alert_at)}


def exam_cards(now: datetime | None = None) -> list[ExamCard]:
    """Published exams open now, then the next few upcoming ones (an overdue attempt counted as submitted,
    as it will be finalised; nothing is written)."""
    now = now or utcnow()
    exams = db.session.scalars(select(Exam).where(Exam.status == PUBLISHED, Exam.closes_at > now)
                               .order_by(Exam.opens_at, Exam.id)).all()
    open_now = [e for e in exams if e.opens_at <= now]
    upcoming = [e for e in exams if e.opens_at > now][:UPCOMING_LIMIT]
    return [ExamCard(id=e.id, title=e.title, opens_at=e.opens_at, closes_at=e.closes_at, is_open=e.opens_at <= now,
                     counts=exam_counts(e, now)) for e in open_now + upcoming]


def current_round() -> EvaluationRound | None:
    """The round being worked on: the one most recently created or changed."""
    return db.session.scalar(select(EvaluationRound).order_by(EvaluationRound.updated_at.desc(),
                                                              EvaluationRound.id.desc()).limit(1))


def _count(model, round_id: int, **where) -> int:
    stmt = select(func.count(model.id)).where(model.round_id == round_id)
    for column, value in where.items():
        stmt = stmt.where(getattr(model, column) == value)
    return db.session.scalar(stmt) or 0


def round_status(round_: EvaluationRound) -> RoundStatus:
    from examapp.scoring import services as scoring
    status = RoundStatus(id=round_.id, name=round_.name)
    try:
        weights = scoring.scheme_of(round_).weights
    except (scoring.ScoringError, SchemeError):
        status.needs.append("计分方案无效，请在考评批次页重新保存")
        weights = {}
    rid = round_.id
    for key, weight in weights.items():
        if not weight:
            continue
        label = COMPONENT_LABELS.get(key, key)
        if key == EXAM:
            ok = bool(round_.counted_exams) or _count(RoundExamScore, rid) > 0
            missing = "考试成绩：尚未选定计入的考试，也未导入考试成绩"
        elif key == INDICATORS:
            indicators, ranks = _count(RoundIndicator, rid), _count(RoundIndicatorRank, rid)
            ok = indicators > 0 and ranks > 0
            missing = "指标排名：" + ("尚未导入指标" if not indicators else "尚未导入各期排名")
        elif key == ASSISTANCE:
            ok = _count(RoundAssistance, rid) > 0
            missing = "联企解困：尚未导入数据"
        elif key == CONDUCT:
            ok = _count(RoundConduct, rid) > 0
            missing = "执政形象：尚无加减分记录（如确无加减分，可不理会）"
        else:
            ok = _count(RoundOtherScore, rid, component=key) > 0
            missing = f"{label}：尚未导入得分"
        (status.have.append(label) if ok else status.needs.append(missing))
    latest = scoring.latest_computation(round_)
    if latest is not None:
        status.computed_at, status.computation_id = latest.computed_at, latest.id
        status.stale = round_.updated_at is not None and round_.updated_at > latest.computed_at
    snapshot = db.session.scalar(select(Snapshot).where(Snapshot.kind == SNAPSHOT_RANKING, Snapshot.round_id == rid)
                                 .order_by(Snapshot.id.desc()).limit(1))
    if snapshot is not None:
        status.published = "正式" if snapshot.status == STATUS_FINAL else "公示"
    return status


def live_counts(now: datetime | None = None) -> dict:
    """What the dashboard's script polls: per-exam counts and the time they were taken."""
    now = now or utcnow()
    return {"exams": [card.as_dict() for card in exam_cards(now)], "at": format_local(now, "%H:%M:%S")}
