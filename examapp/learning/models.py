"""Practice answers, each day's drill and the organiser's learning settings."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from examapp.extensions import db
from examapp.timeutil import utcnow

# Where a practice answer was given (nothing here counts toward any exam).
PRACTICE = "practice"
DAILY = "daily"
WRONG_BOOK = "wrongbook"
MODES = (PRACTICE, DAILY, WRONG_BOOK)
MODE_LABELS = {PRACTICE: "练习", DAILY: "每日一练", WRONG_BOOK: "错题本"}

DEFAULT_DAILY_COUNT = 10
MAX_DAILY_COUNT = 50


class PracticeAnswer(db.Model):
    """One graded practice answer; written once (a retry with the same client id is ignored).

    The only index besides the primary key is the unique (user_id, client_id), which also serves every
    per-candidate read: each extra index would be one more write on the practice hot path.
    """
    __tablename__ = "practice_answer"
    __table_args__ = (UniqueConstraint("user_id", "client_id", name="uq_practice_answer_user_id_client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(BigInteger)   # chosen by the page, so that a retry is harmless
    mode: Mapped[str] = mapped_column(String(16))
    value: Mapped[object | None] = mapped_column(JSON)
    earned: Mapped[float]           # 0..1, the share of the marks (grading.grade_item with 1 point)
    right: Mapped[bool]             # fully right
    day: Mapped[date] = mapped_column(Date)   # the server's local day (Asia/Shanghai)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class DailyDrill(db.Model):
    """The questions of one candidate's drill on one day, fixed when the day's drill is first opened."""
    __tablename__ = "daily_drill"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_daily_drill_user_id_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))   # (user_id, day) indexes it
    day: Mapped[date] = mapped_column(Date)
    question_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class LearningSettings(db.Model):
    """One row: what the organiser set for learning (the daily drill's size)."""
    __tablename__ = "learning_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    daily_count: Mapped[int] = mapped_column(default=DEFAULT_DAILY_COUNT)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
