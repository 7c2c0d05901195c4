"""Published snapshots: a ranking or an exam's results, frozen with their SHA-256."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examapp.extensions import db
from examapp.timeutil import utcnow

SNAPSHOT_RANKING = "ranking"
SNAPSHOT_EXAM = "exam_results"
STATUS_NOTICE = "notice"     # 公示
STATUS_FINAL = "final"       # 正式
SNAPSHOT_STATUS_LABELS = {STATUS_NOTICE: "公示", STATUS_FINAL: "正式"}


class Snapshot(db.Model):
    """A published ranking or exam results: frozen content and its SHA-256. Never edited; a correction or
    the final version after 公示 is a new snapshot that names the one it replaces and why."""
    __tablename__ = "snapshot"
    # The current snapshot of a round or exam is the one nothing replaces. Two publications racing on the
    # same target both read the same current one; these unique indexes let only one of them commit: a
    # snapshot is replaced at most once, and a target has at most one first snapshot (nothing replaced).
    __table_args__ = (
        Index("uq_snapshot_replaces_id", "replaces_id", unique=True),
        Index("uq_snapshot_first_round", "kind", "round_id", unique=True,
              sqlite_where=text("replaces_id IS NULL"), postgresql_where=text("replaces_id IS NULL")),
        Index("uq_snapshot_first_exam", "kind", "exam_id", unique=True,
              sqlite_where=text("replaces_id IS NULL"), postgresql_where=text("replaces_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_round.id", ondelete="RESTRICT"), index=True)
    exam_id: Mapped[int | None] = mapped_column(ForeignKey("exam.id", ondelete="RESTRICT"), index=True)
    computation_id: Mapped[int | None] = mapped_column(ForeignKey("round_computation.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[dict] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    objection_until: Mapped[date | None]
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("snapshot.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text, default="")

    replaces: Mapped[Snapshot | None] = relationship(remote_side=[id])

    @property
    def status_label(self) -> str:
        return SNAPSHOT_STATUS_LABELS.get(self.status, self.status)
