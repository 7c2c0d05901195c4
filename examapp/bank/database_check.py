"""`flask bank check` on the database: each document's questions checked against that document's own articles.

The shipped files' check (shipped.check_questions) runs on each document in turn: fill answers must stand
verbatim in the article of the question's document, and coverage is counted over that document's articles.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.orm import selectinload

from examapp.bank.core import Article as TextArticle
from examapp.bank.core import Chapter, Regulation
from examapp.bank.models import DOCUMENT_CURRENT, Article, Document, Question
from examapp.bank.services import default_document_id
from examapp.bank.shipped import BankReport, ShippedQuestion, check_questions
from examapp.extensions import db


@dataclass
class DocumentCheck:
    document: Document
    regulation: Regulation   # the document's chapters and articles, as the shipped check reads them
    report: BankReport

    @property
    def heading(self) -> str:
        document = self.document
        number = document.number or f"编号 {document.id}"
        status = "" if document.status == DOCUMENT_CURRENT else f"，{document.status_label}"
        return f"{document.display_title}（{number}{status}）"


def has_bank_tables() -> bool:
    """Whether the database has been created (`flask db upgrade`); the file check works without it."""
    return inspect(db.engine).has_table(Question.__tablename__)


def check_documents() -> list[DocumentCheck]:
    """Every 现行 document, and every other one that still has questions (the current 《条例》 first), with its
    active questions checked against its articles."""
    questions = list(db.session.scalars(
        select(Question).where(Question.active.is_(True)).options(selectinload(Question.current))
        .order_by(Question.article_number.is_(None), Question.article_number, Question.id)))
    with_questions = {q.document_id for q in questions}
    default = default_document_id()
    documents = [d for d in db.session.scalars(select(Document).order_by(Document.id))
                 if d.status == DOCUMENT_CURRENT or d.id in with_questions]
    checks = []
    for document in sorted(documents, key=lambda d: d.id != default):
        regulation = _as_regulation(document)
        items = [ShippedQuestion(code=q.code or "", data=q.current.as_data(), where=_where(q))
                 for q in questions if q.document_id == document.id]
        checks.append(DocumentCheck(document, regulation,
                                    check_questions(regulation, BankReport(questions=items), strict=False)))
    return checks


def _as_regulation(document: Document) -> Regulation:
    articles = list(db.session.scalars(select(Article).where(Article.document_id == document.id)
                                       .order_by(Article.number)))
    chapters = sorted({(a.chapter, a.chapter_title) for a in articles if a.chapter})
    return Regulation(title=document.title, preamble=[], chapters=[Chapter(n, title) for n, title in chapters],
                      articles=[TextArticle(a.number, a.chapter, a.text) for a in articles])


def _where(question: Question) -> str:
    return f"题目 {question.id}" + (f"（{question.code}）" if question.code else "")
