"""Evaluation rounds (考评批次), their stored inputs, scheme and computed results."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examapp.accounts.models import PartyOrganization
from examapp.extensions import db
from examapp.timeutil import utcnow


class EvaluationRound(db.Model):
    __tablename__ = "evaluation_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    periods: Mapped[list] = mapped_column(JSON, default=list)        # ordered period labels
    scheme: Mapped[dict] = mapped_column(JSON, default=dict)         # Scheme.to_dict(); {} = defaults
    counted_exams: Mapped[list] = mapped_column(JSON, default=list)  # [{"exam_id": 1}]; weights: scheme
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class _RoundRow:
    """The columns every row of a round's data starts with: its id and its round (deleted with the round)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_round.id", ondelete="CASCADE"), index=True)


class _UnitRow(_RoundRow):
    """A round's row about one organisation (党组织), which cannot be deleted while the round holds it."""
    organization_id: Mapped[int] = mapped_column(ForeignKey("party_organization.id", ondelete="RESTRICT"))


class RoundIndicator(_RoundRow, db.Model):
    __tablename__ = "round_indicator"
    __table_args__ = (UniqueConstraint("round_id", "code", name="uq_round_indicator_round_id_code"),)

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[int]
    parent_code: Mapped[str | None] = mapped_column(String(32))
    leader: Mapped[str] = mapped_column(String(100), default="")
    lead_org_id: Mapped[int | None] = mapped_column(ForeignKey("party_organization.id", ondelete="RESTRICT"))
    responsible_org_ids: Mapped[list] = mapped_column(JSON, default=list)

    lead_org: Mapped[PartyOrganization | None] = relationship()


class RoundIndicatorRank(_RoundRow, db.Model):
    __tablename__ = "round_indicator_rank"
    __table_args__ = (UniqueConstraint("round_id", "code", "period", name="uq_round_indicator_rank_round_id_code"),)

    code: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(32))
    rank: Mapped[int]
    ranked_count: Mapped[int]


class RoundAssistance(_UnitRow, db.Model):
    __tablename__ = "round_assistance"
    __table_args__ = (UniqueConstraint("round_id", "organization_id", "period",
                                       name="uq_round_assistance_round_id_organization_id"),)

    period: Mapped[str] = mapped_column(String(32))
    visited: Mapped[int]
    collected: Mapped[int]
    resolved: Mapped[int]
    resolved_on_time: Mapped[int]
    satisfaction: Mapped[float | None]


class RoundConduct(_UnitRow, db.Model):
    """One auditable 执政形象 line item (a deduction or a bonus, with its reason and evidence)."""
    __tablename__ = "round_conduct"

    on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(8))
    points: Mapped[float]
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")


class RoundExamScore(_UnitRow, db.Model):
    """A score of an exam held outside the system."""
    __tablename__ = "round_exam_score"
    __table_args__ = (UniqueConstraint("round_id", "organization_id", "exam",
                                       name="uq_round_exam_score_round_id_organization_id"),)

    exam: Mapped[str] = mapped_column(String(200))
    score: Mapped[float | None]
    status: Mapped[str] = mapped_column(String(8), default="正常")


class RoundOtherScore(_UnitRow, db.Model):
    __tablename__ = "round_other_score"
    __table_args__ = (UniqueConstraint("round_id", "organization_id", "component",
                                       name="uq_round_other_score_round_id_organization_id"),)

    component: Mapped[str] = mapped_column(String(100))
    score: Mapped[float]


class RoundComputation(_RoundRow, db.Model):
    """A computed result, stored with the exact inputs and scheme it came from (reproducible)."""
    __tablename__ = "round_computation"

    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    inputs: Mapped[dict] = mapped_column(JSON)
    scheme: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict] = mapped_column(JSON)
