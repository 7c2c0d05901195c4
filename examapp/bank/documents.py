"""Policy documents: importing one from its text (after a preview), revising one, listing them.

A revised text is a new document that `revises` its predecessor, which becomes 已修订 and keeps its articles
(exam papers and explanations written against it still read them). The predecessor's questions move to the
revision; those whose article changed, or no longer exists, carry a review note for the organisers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from examapp.audit.services import record
from examapp.bank.core import int_to_cn_numeral
from examapp.bank.document_text import (
    CHAPTER_TITLE_LENGTH,
    TITLE_LENGTH,
    DocumentTextError,
    ParsedDocument,
    Revision,
    compare_articles,
    read_document,
)
from examapp.bank.models import DOCUMENT_CURRENT, DOCUMENT_REVISED, Article, Document, Question
from examapp.bank.services import BankError
from examapp.extensions import db

ISSUER_LENGTH = Document.__table__.c.issuer.type.length
NUMBER_LENGTH = Document.__table__.c.number.type.length


@dataclass
class DocumentDetails:
    """What the organiser confirms besides the text: the document's title, issuer, 文号, date, predecessor."""
    title: str = ""
    issuer: str = ""
    number: str = ""
    issued_on: date | None = None
    revises_id: int | None = None


@dataclass
class DocumentPreview:
    parsed: ParsedDocument
    details: DocumentDetails
    revises: Document | None = None
    revision: Revision | None = None
    questions_to_review: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_upload(filename: str, data: bytes) -> ParsedDocument:
    try:
        return read_document(filename, data)
    except DocumentTextError as exc:
        raise BankError(f"文件有 {len(exc.problems)} 处问题，未导入。", exc.problems) from exc


def as_text(parsed: ParsedDocument) -> str:
    """The document as plain text that reads back the same (carried by the preview page's confirm form)."""
    lines = [parsed.title, *parsed.preamble]
    for chapter in parsed.chapters or [None]:
        if chapter is not None:
            lines.append(chapter.label)
        for article in parsed.articles:
            if chapter is None or article.chapter == chapter.number:
                lines.append(f"{article.label} {article.text}")
    return "\n".join(lines)


def _label(number: int) -> str:
    return f"第{int_to_cn_numeral(number)}条"


def preview(parsed: ParsedDocument, details: DocumentDetails) -> DocumentPreview:
    """Check the details against the database and say what saving would do (nothing is written)."""
    details.title = (details.title or parsed.title).strip().strip("《》")
    result = DocumentPreview(parsed=parsed, details=details)
    if not details.title:
        result.problems.append("请填写文件标题（文件第一行不是标题时须手动填写）")
    for value, limit, name in ((details.title, TITLE_LENGTH, "标题"), (details.issuer, ISSUER_LENGTH, "发文机关"),
                               (details.number, NUMBER_LENGTH, "文号")):
        if len(value or "") > limit:
            result.problems.append(f"{name}过长（最多 {limit} 字）")
    if details.revises_id is not None:
        result.revises = db.session.get(Document, details.revises_id)
        if result.revises is None:
            result.problems.append(f"要修订的文件（编号 {details.revises_id}）不存在")
        elif result.revises.status != DOCUMENT_CURRENT:
            result.problems.append(f"{result.revises.display_title}已被修订过，请选择它的现行版本")
        else:
            old = {a.number: a.text for a in _articles(result.revises.id)}
            result.revision = compare_articles(old, parsed.texts())
            touched = set(result.revision.changed) | set(result.revision.removed)
            result.questions_to_review = db.session.scalar(
                select(func.count(Question.id)).where(Question.document_id == result.revises.id,
                                                      Question.article_number.in_(touched))) or 0
    elif db.session.scalar(select(Document.id).where(Document.title == details.title,
                                                     Document.status == DOCUMENT_CURRENT).limit(1)):
        result.problems.append(f"已有现行的《{details.title}》：如是它的新版本，请选择“修订”并指定原文件")
    return result


def _articles(document_id: int) -> list[Article]:
    return list(db.session.scalars(select(Article).where(Article.document_id == document_id)
                                   .order_by(Article.number)))


def save(checked: DocumentPreview, *, actor_id: int | None = None) -> Document:
    """Write a previewed document (and, for a revision, move and flag the predecessor's questions)."""
    if not checked.ok:
        raise BankError("文件未保存：" + "；".join(checked.problems), checked.problems)
    parsed, details = checked.parsed, checked.details
    document = Document(title=details.title, issuer=details.issuer or "", number=details.number or "",
                        issued_on=details.issued_on, status=DOCUMENT_CURRENT, revises_id=details.revises_id)
    db.session.add(document)
    db.session.flush()
    titles = {c.number: c.title[:CHAPTER_TITLE_LENGTH] for c in parsed.chapters}
    for article in parsed.articles:
        db.session.add(Article(document_id=document.id, number=article.number, chapter=article.chapter,
                               chapter_title=titles.get(article.chapter, ""), text=article.text))
    db.session.flush()
    summary = f"导入政策文件{document.display_title}（{len(parsed.articles)} 条）"
    if checked.revises is not None:
        flagged = _carry_questions(checked.revises, document, checked.revision)
        checked.revises.status = DOCUMENT_REVISED
        summary = (f"导入{checked.revises.display_title}的修订版本（{len(parsed.articles)} 条，"
                   f"修改 {len(checked.revision.changed)} 条、删除 {len(checked.revision.removed)} 条、"
                   f"新增 {len(checked.revision.added)} 条；{flagged} 道题目待复核）")
    record("document.imported", target_type="document", target_id=document.id, summary=summary, actor_id=actor_id)
    db.session.flush()
    return document


def _carry_questions(old: Document, new: Document, revision: Revision) -> int:
    """Move the predecessor's questions to the revision; note those whose article changed or was removed.

    A version an exam has used keeps citing the old text (its papers were answered against it); the question's
    next version cites the new document.
    """
    changed, removed = set(revision.changed), set(revision.removed)
    flagged = 0
    for question in db.session.scalars(select(Question).where(Question.document_id == old.id)):
        number = question.article_number
        if number in removed:
            question.review_note = f"{_label(number)}在修订后的{new.display_title}中已删除，请复核或改为其他条款"
            flagged += 1
            continue   # it keeps citing the old document's article, which still exists
        question.document_id = new.id
        current = question.current
        if current is not None and current.used_at is None:
            current.document_id = new.id
        if number in changed:
            question.review_note = f"{_label(number)}已修订，请复核"
            flagged += 1
    return flagged


def documents() -> list[tuple[Document, int, int]]:
    """Every document, newest first, with its article and question counts."""
    articles = dict(db.session.execute(select(Article.document_id, func.count()).group_by(Article.document_id)).all())
    questions = dict(db.session.execute(select(Question.document_id, func.count())
                                        .group_by(Question.document_id)).all())
    return [(d, articles.get(d.id, 0), questions.get(d.id, 0))
            for d in db.session.scalars(select(Document).order_by(Document.id.desc()))]


def chapters_of(document_ids) -> dict[int, list[tuple[int, str]]]:
    """Each document's chapters as (number, "第X章 title"), in order; a document not divided into chapters
    (its articles carry chapter 0) has none to choose."""
    ids = list(document_ids)
    found: dict[int, list[tuple[int, str]]] = {document_id: [] for document_id in ids}
    rows = db.session.execute(select(Article.document_id, Article.chapter, Article.chapter_title)
                              .where(Article.document_id.in_(ids), Article.chapter > 0).distinct()
                              .order_by(Article.document_id, Article.chapter))
    for document_id, number, title in rows:
        found[document_id].append((number, f"第{int_to_cn_numeral(number)}章 {title}"))
    return found


def clear_review_note(question: Question, *, actor_id: int | None = None) -> None:
    note = question.review_note
    question.review_note = None
    record("question.reviewed", target_type="question", target_id=question.id, actor_id=actor_id,
           summary=f"题目 {question.id} 已复核（{note}）")
