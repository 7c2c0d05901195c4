"""Question bank logic: loading the regulation and the shipped bank, versioned edits, imports, exports."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from examapp.audit.services import record
from examapp.bank import document_refs, qtypes
from examapp.bank.core import QuestionData, normalise_stem, validate_question
from examapp.bank.models import DOCUMENT_CURRENT, Article, Document, Question, QuestionVersion
from examapp.bank.shipped import SHIPPED_DOCUMENT, chapter_files, check_bank, format_report, load_regulation
from examapp.extensions import db
from examapp.timeutil import utcnow
from examapp.usererror import UserError

STEM_KEY_LENGTH = Question.__table__.c.stem_key.type.length


class BankError(UserError):
    """A bank change that cannot be made; the message (Chinese) is shown to the user."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class ImportOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    by_document: Counter = field(default_factory=Counter)   # imported questions per document title

    def documents_text(self) -> str:
        """"《优化营商环境条例》2 题、《示例办法》1 题"."""
        return "、".join(f"{title}{count} 题" for title, count in self.by_document.items())

    def __str__(self) -> str:
        created = f"（{self.documents_text()}）" if self.by_document else ""
        text = f"新增 {self.created} 题{created}，更新 {self.updated} 题，未变 {self.unchanged} 题"
        if self.skipped:
            text += f"，跳过 {len(self.skipped)} 题"
        return text


def _default_document():
    return (select(Document.id).where(Document.title == SHIPPED_DOCUMENT["title"],
                                      Document.number == SHIPPED_DOCUMENT["number"]).order_by(Document.id).limit(1))


def default_document_id() -> int | None:
    """The current version of the shipped 《优化营商环境条例》: document 1 in a migrated database, or the
    revision that replaced it (its questions moved there); None before the regulation is loaded.

    Pages and checks that do not yet choose a document read this one.
    """
    document_id = db.session.scalar(_default_document())
    return None if document_id is None else document_refs.newest_id(document_id)


def in_default_document(column=Article.document_id):
    """SQL condition: `column` (a document id) is the current 《条例》's, for what reads it when no document is
    chosen (practice and reading without ?document=)."""
    return column == default_document_id()


def current_documents() -> list[Document]:
    """The 现行 documents exams and practice may draw from, the current 《条例》 first."""
    default = default_document_id()
    rows = db.session.scalars(select(Document).where(Document.status == DOCUMENT_CURRENT).order_by(Document.id))
    return sorted(rows, key=lambda d: d.id != default)


def current_document_id(value: int | None) -> int:
    """`value` when it is a 现行 document's id, else the current 《条例》's (a page's ?document= falls back)."""
    if value is not None and db.session.scalar(select(Document.id).where(Document.id == value,
                                                                         Document.status == DOCUMENT_CURRENT)):
        return value
    return default_document_id()


def document_names() -> dict[int, str]:
    """{id: 《title》} of every document but the current 《条例》, whose articles are cited without its name."""
    default = default_document_id()
    return {d.id: d.display_title for d in db.session.scalars(select(Document).where(Document.id != default))}


def document_lineage(document_id: int) -> list[int]:
    """The document and those it revised, newest first."""
    lineage = []
    while document_id is not None and document_id not in lineage:
        lineage.append(document_id)
        document_id = db.session.scalar(select(Document.revises_id).where(Document.id == document_id))
    return lineage


def shipped_document() -> Document:
    """The shipped regulation's own document row (not a revision of it), created without articles when missing."""
    document_id = db.session.scalar(_default_document())
    if document_id is not None:
        return db.session.get(Document, document_id)
    document = Document(**SHIPPED_DOCUMENT)
    db.session.add(document)
    db.session.flush()
    return document


def load_articles() -> int:
    """Put the regulation's articles in the database (idempotent); returns how many there are."""
    regulation = load_regulation()
    document = shipped_document()
    titles = {c.number: c.title for c in regulation.chapters}
    existing = articles_by_number(document.id)
    for art in regulation.articles:
        row = existing.get(art.number) or Article(document_id=document.id, number=art.number)
        row.chapter, row.chapter_title, row.text = art.chapter, titles[art.chapter], art.text
        db.session.add(row)
    db.session.flush()
    return len(regulation.articles)


def articles_by_number(document_id: int | None = None) -> dict[int, Article]:
    """One document's articles by number (the shipped regulation's when no document is given)."""
    document_id = document_id if document_id is not None else default_document_id()
    return {a.number: a for a in db.session.scalars(select(Article).where(Article.document_id == document_id)
                                                    .order_by(Article.number))}


def _content_equal(version: QuestionVersion, data: QuestionData) -> bool:
    return version.as_data().as_dict() == data.as_dict()


def _stem_owner(stem_key: str) -> Question | None:
    return db.session.scalar(select(Question).where(Question.stem_key == stem_key))


def _apply_current(question: Question, data: QuestionData) -> None:
    question.type, question.stem = data.type, data.stem
    question.stem_key = normalise_stem(data.stem)
    question.article_number, question.difficulty = data.article, data.difficulty
    question.updated_at = utcnow()


def _new_version(question: Question, number: int, data: QuestionData, note: str,
                 actor_id: int | None) -> QuestionVersion:
    version = QuestionVersion(question=question, version=number, document_id=question.document_id,
                              type=data.type, stem=data.stem,
                              options=[dict(o) for o in data.options], answer=data.answer,
                              explanation=data.explanation, article_number=data.article,
                              difficulty=data.difficulty, tags=list(data.tags), change_note=note,
                              created_by_id=actor_id)
    db.session.add(version)
    return version


def check_question(data: QuestionData, *, exclude_id: int | None = None,
                   articles: dict[int, Article] | None = None, document_id: int | None = None) -> list[str]:
    """Problems that stop a question from entering the bank (content rules and duplicate stems).

    The article is looked up in `document_id`'s articles (the shipped regulation's by default); callers
    checking many questions pass `articles` (articles_by_number()) to load them once.
    """
    problems = validate_question(data, articles if articles is not None else articles_by_number(document_id))
    key = normalise_stem(data.stem)
    if len(key) > STEM_KEY_LENGTH:   # the duplicate check's unique column; PostgreSQL refuses longer keys
        problems.append(f"题干过长（不计空白和标点最多 {STEM_KEY_LENGTH} 字，现有 {len(key)} 字）")
    owner = _stem_owner(key)
    if owner is not None and owner.id != exclude_id:
        problems.append(f"题干与已有题目（编号 {owner.id}）重复")
    return problems


def create_question(data: QuestionData, *, source: str = "manual", code: str | None = None,
                    actor_id: int | None = None, note: str = "新建",
                    articles: dict[int, Article] | None = None, document_id: int | None = None) -> Question:
    """A new question citing `document_id`'s article (the current 《条例》's by default)."""
    if document_id is None:
        document_id = default_document_id() or shipped_document().id
    problems = check_question(data, articles=articles, document_id=document_id)
    if problems:
        raise BankError("题目未保存：" + "；".join(problems), problems)
    question = Question(code=code, version=1, source=source, active=True, document_id=document_id)
    _apply_current(question, data)
    db.session.add(question)
    _new_version(question, 1, data, note, actor_id)
    db.session.flush()
    return question


def update_question(question: Question, data: QuestionData, *, note: str = "",
                    actor_id: int | None = None, articles: dict[int, Article] | None = None) -> bool:
    """Save new content. A version any exam has used stays frozen: the edit becomes a new version.

    Returns True when something changed.
    """
    current = question.current
    if _content_equal(current, data):
        return False
    problems = check_question(data, exclude_id=question.id, articles=articles, document_id=question.document_id)
    if problems:
        raise BankError("题目未保存：" + "；".join(problems), problems)
    if current.used_at is not None:
        question.version = current.version + 1
        _new_version(question, question.version, data, note or "修改", actor_id)
    else:
        current.type, current.stem = data.type, data.stem
        current.options, current.answer = [dict(o) for o in data.options], data.answer
        current.explanation, current.article_number = data.explanation, data.article
        current.document_id = question.document_id
        current.difficulty, current.tags = data.difficulty, list(data.tags)
        current.change_note = note or current.change_note
    _apply_current(question, data)
    db.session.flush()
    db.session.expire(question, ["current"])
    record("question.updated", target_type="question", target_id=question.id,
           summary=f"修改题目 {question.id}（第 {question.version} 版）", reason=note, actor_id=actor_id)
    return True


def set_active(question: Question, active: bool, *, actor_id: int | None = None) -> None:
    question.active = active
    question.updated_at = utcnow()
    record("question.activated" if active else "question.deactivated", target_type="question",
           target_id=question.id, summary=f"{'启用' if active else '停用'}题目 {question.id}", actor_id=actor_id)


def set_exam_only(question: Question, exam_only: bool, *, actor_id: int | None = None) -> None:
    """仅用于考试: the question stays out of practice (exams still draw it)."""
    question.exam_only = exam_only
    question.updated_at = utcnow()
    record("question.exam_only" if exam_only else "question.practice_allowed", target_type="question",
           target_id=question.id, actor_id=actor_id,
           summary=f"题目 {question.id} {'标记为仅用于考试' if exam_only else '取消仅用于考试'}")


def mark_versions_used(version_ids: list[int]) -> None:
    """Freeze versions that an exam paper now shows (called by the exams domain)."""
    if not version_ids:
        return
    now = utcnow()
    for version in db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(version_ids),
                                                                      QuestionVersion.used_at.is_(None))):
        version.used_at = now


def load_shipped_bank() -> ImportOutcome:
    """Load question_bank/ into the database: articles, then every question by its code.

    The whole bank is checked first; nothing is written if it has any error.
    """
    regulation = load_regulation()
    report = check_bank(regulation, chapter_files())
    if not report.ok:
        raise BankError("题库文件有错误，未载入：\n" + format_report(regulation, report, full=False),
                        report.errors)
    outcome = ImportOutcome()
    load_articles()
    articles = articles_by_number()
    by_code = {q.code: q for q in db.session.scalars(select(Question).where(Question.code.is_not(None)))}
    for item in report.questions:
        question = by_code.get(item.code)
        if question is None:
            create_question(item.data, source="shipped", code=item.code, note="随系统提供的题库", articles=articles)
            outcome.created += 1
        elif update_question(question, item.data, note="题库文件更新", articles=articles):
            outcome.updated += 1
        else:
            outcome.unchanged += 1
    db.session.flush()
    return outcome


NO_ARTICLES_MESSAGE = ("数据库中没有《条例》条文，题目无法关联条款，未导入任何题目。请先运行 flask bank load-articles"
                       "（只载入条文）或 flask bank load（条文和随系统提供的题库），再导入。")


def import_questions(items: list[tuple], *, source: str = "import", actor_id: int | None = None,
                     document_id: int | None = None) -> ImportOutcome:
    """All-or-nothing import: every question is checked (with its location) before any is written.

    An item is (location, data) or (location, data, the document as the file names it: 文号 or id, or None).
    A question whose file names no document goes to `document_id`, by default the current 《条例》; a named
    document must exist and be 现行. Each article is checked against its own document's articles.
    """
    if not items:
        raise BankError("文件中没有可导入的题目（文件为空，或其中的题型都不受支持），未导入任何内容。")
    fallback = document_id if document_id is not None else default_document_id()
    targets, problems, regulation_missing = document_refs.assign(items, fallback)
    articles = {target: articles_by_number(target) for target in {target for _l, _d, target in targets}}
    if regulation_missing or any(data.article is not None and not articles[target]
                                 for _l, data, target in targets if target == fallback):
        # Said once, not once per question: every article reference would fail for the same reason.
        raise BankError(NO_ARTICLES_MESSAGE)
    seen: dict[str, str] = {}
    for location, data, target in targets:
        for problem in check_question(data, articles=articles[target]):
            problems.append(f"{location}：{problem}")
        key = normalise_stem(data.stem)
        if key in seen:
            problems.append(f"{location}：题干与文件中{seen[key]}重复")
        seen.setdefault(key, location)
    if problems:
        raise BankError(f"文件有 {len(problems)} 处错误，未导入任何题目。", problems)
    outcome = ImportOutcome()
    for _location, data, target in targets:
        question = create_question(data, source=source, actor_id=actor_id, note="导入", articles=articles[target],
                                   document_id=target)
        outcome.created += 1
        outcome.by_document[db.session.get(Document, question.document_id).display_title] += 1
    record("question.import", target_type="bank", summary=f"导入 {outcome.created} 道题目（{outcome.documents_text()}）",
           actor_id=actor_id)
    db.session.flush()
    return outcome


@dataclass
class QuestionFilter:
    type: str = ""
    chapter: int | None = None
    article: int | None = None
    difficulty: int | None = None
    text: str = ""
    status: str = "active"  # active | inactive | all | unlinked | review
    document: int | None = None


def filter_questions(f: QuestionFilter):
    stmt = select(Question).outerjoin(Article, (Question.document_id == Article.document_id)
                                      & (Question.article_number == Article.number))
    if f.document:
        stmt = stmt.where(Question.document_id == f.document)
    if f.type:
        stmt = stmt.where(Question.type == f.type)
    if f.chapter:
        stmt = stmt.where(Article.chapter == f.chapter)
    if f.article:
        stmt = stmt.where(Question.article_number == f.article)
    if f.difficulty:
        stmt = stmt.where(Question.difficulty == f.difficulty)
    if f.text:
        # autoescape: a typed % or _ is that character, not a wildcard.
        text = f.text.strip()
        stmt = stmt.where(or_(Question.stem.icontains(text, autoescape=True),
                              Question.code.icontains(text, autoescape=True)))
    if f.status == "active":
        stmt = stmt.where(Question.active.is_(True))
    elif f.status == "inactive":
        stmt = stmt.where(Question.active.is_(False))
    elif f.status == "unlinked":
        stmt = stmt.where(Question.article_number.is_(None))
    elif f.status == "review":
        stmt = stmt.where(Question.review_note.is_not(None))
    return stmt.order_by(Question.document_id, Question.article_number.is_(None), Question.article_number,
                         Question.id)


def coverage(document_id: int | None = None) -> list[dict]:
    """Active questions per article and type, article by article, of one document (the shipped one by default)."""
    document_id = document_id if document_id is not None else default_document_id()
    counts = Counter()
    for article_number, qtype, n in db.session.execute(
            select(Question.article_number, Question.type, func.count(Question.id))
            .where(Question.active.is_(True), Question.document_id == document_id)
            .group_by(Question.article_number, Question.type)):
        counts[(article_number, qtype)] += n
        counts[(article_number, "total")] += n
    rows = []
    for article in articles_by_number(document_id).values():
        rows.append({"article": article, "total": counts[(article.number, "total")],
                     "by_type": {t: counts[(article.number, t)] for t in qtypes.codes()}})
    return rows


def bank_summary() -> dict:
    """Counts of the whole bank; articles and their coverage are the shipped regulation's."""
    document_id = default_document_id()
    active = db.session.scalar(select(func.count(Question.id)).where(Question.active.is_(True))) or 0
    covered = db.session.scalar(select(func.count(func.distinct(Question.article_number)))
                                .where(Question.active.is_(True), Question.document_id == document_id,
                                       Question.article_number.is_not(None))) or 0
    articles = db.session.scalar(select(func.count(Article.number)).where(Article.document_id == document_id))
    return {"questions": db.session.scalar(select(func.count(Question.id))) or 0, "active_questions": active,
            "articles": articles or 0, "covered_articles": covered}


def export_rows(include_inactive: bool = False) -> list[tuple[Question, QuestionVersion]]:
    stmt = select(Question).order_by(Question.document_id, Question.article_number.is_(None),
                                     Question.article_number, Question.id)
    if not include_inactive:
        stmt = stmt.where(Question.active.is_(True))
    return [(q, q.current) for q in db.session.scalars(stmt)]


def export_items(include_inactive: bool = False):
    from examapp.bank.formats.common import ExportItem
    documents = {d.id: d for d in db.session.scalars(select(Document))}
    items = []
    for question, version in export_rows(include_inactive):
        chapter = question.article.chapter if question.article else None
        document = documents[question.document_id]
        items.append(ExportItem(id=question.id, version=version.version, chapter=chapter, data=version.as_data(),
                                document=document_refs.reference(document), document_title=document.title))
    return items
