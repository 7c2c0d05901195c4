"""Exams, their audiences, attempts with frozen papers, saved answers and the attempt timeline."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examapp.accounts.models import PartyOrganization, User
from examapp.bank.models import QuestionVersion
from examapp.extensions import db
from examapp.timeutil import utcnow

# Exam states
DRAFT = "draft"
PUBLISHED = "published"
EXAM_STATUS_LABELS = {DRAFT: "草稿", PUBLISHED: "已发布"}

# Attempt states
READY = "ready"                      # paper drawn at publication, not started yet
IN_PROGRESS = "in_progress"
SUBMITTED = "submitted"
FINALISED_OVERDUE = "finalised_overdue"
FINISHED = (SUBMITTED, FINALISED_OVERDUE)
ATTEMPT_STATUS_LABELS = {READY: "未开始", IN_PROGRESS: "答题中", SUBMITTED: "已交卷",
                         FINALISED_OVERDUE: "服务器超时处理"}

# How an attempt ended (Attempt.finished_by). The result page, the monitor, the attempt page and the
# audit log all use these words.
END_CANDIDATE = "candidate"          # the candidate pressed 交卷
END_TIMER = "timer"                  # the exam page's own countdown submitted at the deadline
END_FOCUS_LIMIT = "focus_policy"     # too many switches away from the page (the exam's 切屏 policy)
END_ORGANISER = "organiser"          # an organiser's 强制交卷 or 立即结束, with a reason (Attempt.end_note)
END_SERVER = "server"                # the deadline passed with the browser gone: finalise-overdue, or on read
END_REASON_LABELS = {END_CANDIDATE: "本人交卷", END_TIMER: "时间到自动交卷", END_FOCUS_LIMIT: "切屏超限自动交卷",
                     END_ORGANISER: "组织者强制交卷", END_SERVER: "服务器超时处理"}
END_REASON_UNKNOWN = "未记录"
AUTOMATIC_ENDS = (END_TIMER, END_FOCUS_LIMIT, END_SERVER)

# Review policies
REVIEW_SCORE_ONLY = "score_only"
REVIEW_AFTER_SUBMIT = "after_submit"
REVIEW_AFTER_CLOSE = "after_close"
REVIEW_LABELS = {REVIEW_SCORE_ONLY: "交卷后只显示分数",
                 REVIEW_AFTER_SUBMIT: "交卷后显示分数、答案、解析和条款原文",
                 REVIEW_AFTER_CLOSE: "交卷后显示分数；考试结束后显示答案、解析和条款原文"}


class Exam(db.Model):
    __tablename__ = "exam"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    duration_minutes: Mapped[int]
    attempts_allowed: Mapped[int] = mapped_column(default=1)
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    multiple_rule: Mapped[str] = mapped_column(String(20), default="all_or_nothing")
    pass_mark: Mapped[float] = mapped_column(default=60.0)
    review_policy: Mapped[str] = mapped_column(String(20), default=REVIEW_AFTER_CLOSE)
    # Optional focus-loss policy: warn after N switches / submit after M (None = off).
    focus_warn_after: Mapped[int | None]
    focus_submit_after: Mapped[int | None]
    audience_all: Mapped[bool] = mapped_column(default=True)
    sections: Mapped[list] = mapped_column(JSON, default=list)  # [Section.as_dict()]
    status: Mapped[str] = mapped_column(String(16), default=DRAFT, index=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    audience_organizations: Mapped[list[PartyOrganization]] = relationship(secondary="exam_audience_org")
    audience_users: Mapped[list[User]] = relationship(secondary="exam_audience_user")

    @property
    def total_points(self) -> float:
        return round(sum(float(s["count"]) * float(s["points"]) for s in self.sections or []), 2)

    @property
    def question_count(self) -> int:
        return sum(int(s["count"]) for s in self.sections or [])

    @property
    def status_label(self) -> str:
        return EXAM_STATUS_LABELS.get(self.status, self.status)


class ExamAudienceOrg(db.Model):
    __tablename__ = "exam_audience_org"
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("party_organization.id", ondelete="CASCADE"),
                                                 primary_key=True)


class ExamAudienceUser(db.Model):
    __tablename__ = "exam_audience_user"
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)


class Attempt(db.Model):
    __tablename__ = "attempt"
    __table_args__ = (UniqueConstraint("exam_id", "user_id", "number", name="uq_attempt_exam_id_user_id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20), default=READY, index=True)
    seed: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    extra_seconds: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime | None]
    finished_by: Mapped[str] = mapped_column(String(20), default="")  # how it ended: END_REASON_LABELS' keys
    end_note: Mapped[str | None] = mapped_column(Text)                 # the organiser's reason for 强制交卷
    score: Mapped[float | None]
    max_score: Mapped[float] = mapped_column(default=0.0)
    graded_at: Mapped[datetime | None]
    focus_losses: Mapped[int] = mapped_column(default=0)
    last_activity_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    exam: Mapped[Exam] = relationship()
    user: Mapped[User] = relationship()
    items: Mapped[list[PaperItem]] = relationship(back_populates="attempt", order_by="PaperItem.position",
                                                  cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return ATTEMPT_STATUS_LABELS.get(self.status, self.status)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def end_reason_label(self) -> str:
        """How the attempt ended, e.g. 时间到自动交卷; 未记录 for a finished attempt that never said."""
        if not self.finished:
            return ""
        return END_REASON_LABELS.get(self.finished_by, END_REASON_UNKNOWN)

    @property
    def end_description(self) -> str:
        """The end reason with the organiser's reason, as every page shows it."""
        label = self.end_reason_label
        return f"{label}（原因：{self.end_note}）" if label and self.end_note else label


class PaperItem(db.Model):
    """One question on one candidate's paper: the exact version and option order shown."""
    __tablename__ = "paper_item"
    __table_args__ = (UniqueConstraint("attempt_id", "position", name="uq_paper_item_attempt_id_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    section: Mapped[int] = mapped_column(default=0)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id", ondelete="RESTRICT"),
                                                     index=True)
    type: Mapped[str] = mapped_column(String(16))
    points: Mapped[float]
    option_order: Mapped[list] = mapped_column(JSON, default=list)  # original keys, in display order
    earned: Mapped[float | None]
    # Set by a regrade: the corrected version whose key now grades this item (the paper still shows
    # question_version_id, exactly as the candidate saw it).
    graded_version_id: Mapped[int | None] = mapped_column(ForeignKey("question_version.id", ondelete="RESTRICT"))

    attempt: Mapped[Attempt] = relationship(back_populates="items")
    version: Mapped[QuestionVersion] = relationship(foreign_keys=[question_version_id])
    graded_version: Mapped[QuestionVersion | None] = relationship(foreign_keys=[graded_version_id])

    @property
    def key_version(self) -> QuestionVersion:
        return self.graded_version or self.version


class Answer(db.Model):
    """The latest saved response to one paper item; seq orders saves from the same page."""
    __tablename__ = "answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("paper_item.id", ondelete="CASCADE"), unique=True)
    value: Mapped[object | None] = mapped_column(JSON)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)


class AttemptEvent(db.Model):
    """The attempt's timeline: start, focus losses, submit, extra time, reopen (for organisers)."""
    __tablename__ = "attempt_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
