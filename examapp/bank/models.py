"""Policy documents, their articles and the questions that test them, with frozen versions."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, ForeignKeyConstraint, String, Text, UniqueConstraint, and_, false
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from examapp.bank import qtypes
from examapp.bank.core import DIFFICULTY_LABELS, QuestionData
from examapp.extensions import db
from examapp.timeutil import utcnow

DOCUMENT_CURRENT, DOCUMENT_REVISED = "current", "revised"
DOCUMENT_STATUS_LABELS = {DOCUMENT_CURRENT: "现行", DOCUMENT_REVISED: "已修订"}


class Document(db.Model):
    """A policy document (政策文件) whose articles questions cite. The shipped 《优化营商环境条例》 is the first;
    a revised text is a new document that `revises` its predecessor (which is then 已修订)."""
    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(200), default="")
    number: Mapped[str] = mapped_column(String(100), default="")        # 文号, e.g. 国务院令第722号
    issued_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=DOCUMENT_CURRENT)
    revises_id: Mapped[int | None] = mapped_column(ForeignKey("document.id", ondelete="RESTRICT"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    revises: Mapped[Document | None] = relationship(remote_side=[id])

    @property
    def status_label(self) -> str:
        return DOCUMENT_STATUS_LABELS.get(self.status, self.status)

    @property
    def display_title(self) -> str:
        return f"《{self.title}》"

    @property
    def titled_number(self) -> str:
        """《title》（文号）, or only 《title》 without a 文号: a document named where revisions share a title."""
        return self.display_title + (f"（{self.number}）" if self.number else "")


class Article(db.Model):
    """One article (条) of a document, e.g. 《优化营商环境条例》's, loaded from question_bank/regulation.md."""
    __tablename__ = "article"

    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="RESTRICT"), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    chapter: Mapped[int] = mapped_column(index=True)
    chapter_title: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)

    @property
    def label(self) -> str:
        from examapp.bank.core import int_to_cn_numeral
        return f"第{int_to_cn_numeral(self.number)}条"

    @property
    def chapter_label(self) -> str:
        from examapp.bank.core import int_to_cn_numeral
        return f"第{int_to_cn_numeral(self.chapter)}章 {self.chapter_title}"


class Question(db.Model):
    """A question's identity and its current state; its content lives in QuestionVersion.

    type/stem/article/difficulty are copied from the current version so the bank can be
    filtered and searched without a join.
    """
    __tablename__ = "question"
    __table_args__ = (ForeignKeyConstraint(["document_id", "article_number"], ["article.document_id", "article.number"],
                                           ondelete="RESTRICT"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    type: Mapped[str] = mapped_column(String(16), index=True)
    stem: Mapped[str] = mapped_column(Text)
    stem_key: Mapped[str] = mapped_column(String(600), unique=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="RESTRICT"), index=True)
    article_number: Mapped[int | None] = mapped_column(index=True)
    difficulty: Mapped[int] = mapped_column(default=2, index=True)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    # 仅用于考试: kept out of practice, the daily drill and the 错题本 (exams still draw it).
    exam_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    source: Mapped[str] = mapped_column(String(16), default="manual")  # shipped | import | manual
    # Why an organiser should look at it again, e.g. "第五条已修订，请复核" after a revised document.
    review_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(viewonly=True)
    article: Mapped[Article | None] = relationship(viewonly=True)
    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", order_by="QuestionVersion.version", cascade="all, delete-orphan")
    current: Mapped[QuestionVersion] = relationship(
        primaryjoin=lambda: and_(Question.id == foreign(QuestionVersion.question_id),
                                 Question.version == foreign(QuestionVersion.version)),
        viewonly=True, uselist=False)

    @property
    def type_label(self) -> str:
        return qtypes.label(self.type)

    @property
    def difficulty_label(self) -> str:
        return DIFFICULTY_LABELS.get(self.difficulty, str(self.difficulty))


class QuestionVersion(db.Model):
    """The content of one version of a question. Once an exam has used it (used_at set), it is frozen."""
    __tablename__ = "question_version"
    __table_args__ = (UniqueConstraint("question_id", "version", name="uq_question_version_question_id_version"),
                      ForeignKeyConstraint(["document_id", "article_number"],
                                           ["article.document_id", "article.number"], ondelete="RESTRICT"))

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    type: Mapped[str] = mapped_column(String(16))
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list] = mapped_column(JSON, default=list)
    answer: Mapped[object] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="RESTRICT"))
    article_number: Mapped[int | None]
    difficulty: Mapped[int] = mapped_column(default=2)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    change_note: Mapped[str] = mapped_column(Text, default="")
    used_at: Mapped[datetime | None]

    question: Mapped[Question] = relationship(back_populates="versions")

    def as_data(self) -> QuestionData:
        return QuestionData(type=self.type, stem=self.stem, options=[dict(o) for o in self.options or []],
                            answer=self.answer, explanation=self.explanation, article=self.article_number,
                            difficulty=self.difficulty, tags=list(self.tags or []))
