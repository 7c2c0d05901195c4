"""Exam definitions and publication: the bank as a pool, definitions, eligibility, pre-drawn papers.

The rest of an exam's life: `papers` (presenting a paper), `attempts` (start, deadline, finish),
`autosave` (saving answers), `review` (what a candidate sees), `marking` (grading and regrade)."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from examapp.access.roles import CANDIDATE
from examapp.accounts.models import User
from examapp.audit.services import record
from examapp.bank import qtypes
from examapp.bank.core import int_to_cn_numeral
from examapp.bank.document_refs import newest_id
from examapp.bank.documents import chapters_of
from examapp.bank.models import DOCUMENT_CURRENT, Article, Document, Question, QuestionVersion
from examapp.bank.services import default_document_id, mark_versions_used
from examapp.exams import assembly, grading
from examapp.exams.models import (
    PUBLISHED,
    READY,
    REVIEW_AFTER_CLOSE,
    REVIEW_AFTER_SUBMIT,
    REVIEW_LABELS,
    Attempt,
    Exam,
    ExamAudienceOrg,
    ExamAudienceUser,
    PaperItem,
)
from examapp.exams.papers import display_answer, present_item
from examapp.extensions import db
from examapp.timeutil import utcnow
from examapp.usererror import UserError


class ExamError(UserError):
    """Something a user asked of an exam that cannot be done; the message is Chinese and shown as is."""

    def __init__(self, message: str, problems: list[str] | None = None, status: int = 400, code: str | None = None):
        super().__init__(message)
        self.problems = problems or []
        self.status = status
        self.code = code   # machine-readable, for the API (e.g. "session_replaced")


# --- the bank as a pool -------------------------------------------------------------------------

def active_pool() -> list[assembly.PoolQuestion]:
    """Every active question of every document; the current 《条例》's carry document None, as do the sections
    that name no document, so existing exams draw exactly as before."""
    default = default_document_id()
    rows = db.session.execute(
        select(Question.id, QuestionVersion.id, Question.type, Article.chapter, Question.article_number,
               Question.difficulty, QuestionVersion.options, Question.document_id)
        .join(QuestionVersion, (QuestionVersion.question_id == Question.id)
              & (QuestionVersion.version == Question.version))
        .outerjoin(Article, (Article.document_id == Question.document_id) & (Article.number == Question.article_number))
        .where(Question.active.is_(True)))
    return [assembly.PoolQuestion(question_id=qid, version_id=vid, type=qtype, chapter=chapter, article=article,
                                  difficulty=difficulty, option_keys=tuple(o["key"] for o in options or []),
                                  document=None if document_id == default else document_id)
            for qid, vid, qtype, chapter, article, difficulty, options, document_id in rows]


def section_document(document_id: int | None) -> int | None:
    """The `document` a section stores for a chosen document: None for the current 《条例》 (so the section
    follows its revisions), else the id; raises ExamError, in Chinese, for a document that is not 现行."""
    if document_id is None or document_id == default_document_id():
        return None
    document = db.session.get(Document, document_id)
    if document is None or document.status != DOCUMENT_CURRENT:
        raise ExamError(f"政策文件 {document_id} 不存在或不是现行文件", [f"政策文件 {document_id} 不存在或不是现行文件"])
    return document.id


def chapter_problems(sections: list[assembly.Section]) -> list[str]:
    """A section's chapters must be chapters of the document it draws from: a form whose document was changed
    without the page's script still posts the old document's chapters, and a YAML file may name any number."""
    if not any(s.chapters for s in sections):
        return []
    default = default_document_id()
    restricted = [(s, default if s.document is None else s.document) for s in sections if s.chapters]
    known = chapters_of({document for _, document in restricted if document is not None})
    titles = {d.id: d.display_title for d in db.session.scalars(select(Document).where(Document.id.in_(known)))}
    problems = []
    for section, document in restricted:
        have = dict(known.get(document, []))
        missing = [c for c in section.chapters if c not in have]
        if document is None or not missing:
            continue
        kind = qtypes.find(section.type)
        names = "、".join(f"第{int_to_cn_numeral(c)}章" if 0 < c < 1000 else f"第 {c} 章" for c in missing)
        listed = f"该文件的章：{'、'.join(have.values())}" if have else "该文件不分章，请不要限定章"
        title = titles.get(document, f"政策文件 {document} ")
        problems.append(f"{kind.label if kind else section.type}：限定章中的{names}不是{title}的章"
                        f"（{listed}），请重新选择限定章")
    return problems


@dataclass(frozen=True)
class DocumentRevision:
    """A document an exam's sections name that has been revised since, and its current revision."""
    old: Document
    new: Document

    @property
    def note(self) -> str:
        return f"{self.old.titled_number}已修订，现行版本为{self.new.titled_number}"


def document_revisions(sections: list[assembly.Section]) -> dict[int, DocumentRevision]:
    """{old id: revision} for each document the sections name that is no longer the current version (only
    existing definitions can: a saved section names a 现行 document)."""
    found = {}
    for document_id in dict.fromkeys(s.document for s in sections if s.document is not None):
        newest = newest_id(document_id)
        if newest != document_id:
            found[document_id] = DocumentRevision(db.session.get(Document, document_id),
                                                  db.session.get(Document, newest))
    return found


def exam_sections(exam: Exam) -> list[assembly.Section]:
    return [assembly.Section.from_dict(s) for s in exam.sections or []]


# --- definitions ----------------------------------------------------------------------------------

@dataclass
class ExamDefinition:
    """An exam's settings as entered in the form or a YAML file (times already in UTC)."""
    title: str
    description: str
    opens_at: datetime
    closes_at: datetime
    duration_minutes: int
    sections: list[assembly.Section]
    attempts_allowed: int = 1
    shuffle_questions: bool = True
    shuffle_options: bool = True
    multiple_rule: str = grading.ALL_OR_NOTHING
    pass_mark: float | str | None = None   # points, "60%" of the total, or None: DEFAULT_PASS_PERCENT
    review_policy: str = REVIEW_AFTER_CLOSE
    focus_warn_after: int | None = None
    focus_submit_after: int | None = None
    audience_all: bool = True
    organization_ids: tuple[int, ...] = ()
    user_ids: tuple[int, ...] = ()


DEFAULT_PASS_PERCENT = 60
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
_POINTS = re.compile(r"(\d+(?:\.\d+)?)\s*分?")


def pass_mark_points(spec: float | str | None, total: float) -> float:
    """The pass mark in points: given in points (36), as a share of the paper's total ("60%"), or not given
    (DEFAULT_PASS_PERCENT of the total). Raises ExamError, in Chinese, if it is unreadable or out of range."""
    if isinstance(spec, str):
        text = spec.strip()
        if not text:
            spec = None
        elif match := _PERCENT.fullmatch(text):
            percent = float(match.group(1))
            if percent > 100:
                raise ExamError(f"及格分的百分比应在 0% 到 100% 之间，现为“{text}”")
            return round(total * percent / 100, 2)
        elif match := _POINTS.fullmatch(text):
            spec = float(match.group(1))
        else:
            raise ExamError(f"及格分应写分数（如 36）或总分的百分比（如 60%），现为“{text}”")
    if spec is None:
        return round(total * DEFAULT_PASS_PERCENT / 100, 2)
    if isinstance(spec, bool) or not isinstance(spec, int | float):
        raise ExamError(f"及格分应写分数（如 36）或总分的百分比（如 60%），现为“{spec}”")
    points = float(spec)
    if points < 0 or (total and points > total):
        raise ExamError(f"及格分应在 0 到总分 {total:g} 之间（也可写百分比，如 60%），现为 {points:g}")
    return round(points, 2)


def definition_problems(definition: ExamDefinition) -> list[str]:
    problems = []
    if not definition.title.strip():
        problems.append("请填写考试名称")
    if definition.closes_at <= definition.opens_at:
        problems.append("结束时间应晚于开始时间")
    if definition.duration_minutes <= 0:
        problems.append("考试时长应大于 0 分钟")
    if definition.attempts_allowed < 1:
        problems.append("允许作答次数至少为 1")
    if definition.multiple_rule not in grading.MULTIPLE_RULES:
        problems.append("多选题计分规则无效")
    if not definition.audience_all and not (definition.organization_ids or definition.user_ids):
        problems.append("请选择参加考试的党组织或人员，或选择“全体书记”")
    try:
        pass_mark_points(definition.pass_mark, definition_total(definition))
    except ExamError as exc:
        problems.append(str(exc))
    # Chapters of another document would only add "the bank has 0 such questions" to the real problem.
    problems.extend(chapter_problems(definition.sections)
                    or assembly.check_blueprint(definition.sections, active_pool()))
    return problems


def review_warning(exam: Exam | ExamDefinition) -> str | None:
    """A warning when answers are shown on submission while others may still be writing the same questions."""
    window = int((exam.closes_at - exam.opens_at).total_seconds() // 60)
    if exam.review_policy != REVIEW_AFTER_SUBMIT or window <= exam.duration_minutes:
        return None
    return (f"成绩查看方式为“{REVIEW_LABELS[REVIEW_AFTER_SUBMIT]}”，而考试开放 {_span(window)}、答题时长 "
            f"{_span(exam.duration_minutes)}：先交卷的考生看到的答案和解析，可能正是其他考生仍在作答的题目"
            f"（随机组卷的试卷互有重叠）。建议改为“{REVIEW_LABELS[REVIEW_AFTER_CLOSE]}”（YAML 中 review: after_close）。")


def _span(minutes: int) -> str:
    """4500 -> '3 天 3 小时', 90 -> '1 小时 30 分钟'."""
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "天"), (hours, "小时"), (minutes, "分钟")) if n]
    return " ".join(parts) or "0 分钟"


def definition_total(definition: ExamDefinition) -> float:
    return round(sum(s.count * s.points for s in definition.sections), 2)


def save_exam(definition: ExamDefinition, exam: Exam | None = None, *, actor_id: int | None = None) -> Exam:
    """Create or update an exam; refused at once, with what is missing, if the bank cannot fill it."""
    problems = definition_problems(definition)
    if problems:
        raise ExamError("考试未保存：" + "；".join(problems), problems)
    if exam is not None and exam.status == PUBLISHED:
        started = db.session.scalar(select(func.count(Attempt.id)).where(
            Attempt.exam_id == exam.id, Attempt.status != READY))
        if started:
            raise ExamError("已有考生开始作答，试卷结构不能再修改；如需调整时间，请使用延长或结束考试窗口。")
    creating = exam is None
    if creating:
        exam = Exam(created_by_id=actor_id)
        db.session.add(exam)
    for name in ("title", "description", "opens_at", "closes_at", "duration_minutes", "attempts_allowed",
                 "shuffle_questions", "shuffle_options", "multiple_rule", "review_policy",
                 "focus_warn_after", "focus_submit_after", "audience_all"):
        setattr(exam, name, getattr(definition, name))
    exam.title = exam.title.strip()
    exam.pass_mark = pass_mark_points(definition.pass_mark, definition_total(definition))
    exam.sections = [s.as_dict() for s in definition.sections]
    db.session.flush()
    db.session.execute(ExamAudienceOrg.__table__.delete().where(ExamAudienceOrg.exam_id == exam.id))
    db.session.execute(ExamAudienceUser.__table__.delete().where(ExamAudienceUser.exam_id == exam.id))
    if not definition.audience_all:
        for org_id in definition.organization_ids:
            db.session.add(ExamAudienceOrg(exam_id=exam.id, organization_id=org_id))
        for user_id in definition.user_ids:
            db.session.add(ExamAudienceUser(exam_id=exam.id, user_id=user_id))
    if exam.status == PUBLISHED:
        # Papers drawn for the old structure are redrawn (nobody has started yet).
        for attempt in db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.status == READY)):
            db.session.delete(attempt)
        db.session.flush()
        draw_ready_papers(exam)
    record("exam.created" if creating else "exam.updated", target_type="exam", target_id=exam.id,
           summary=f"{'新建' if creating else '修改'}考试“{exam.title}”", actor_id=actor_id)
    return exam


def eligible_users_query(exam: Exam):
    stmt = select(User).where(User.role == CANDIDATE, User.active.is_(True))
    if not exam.audience_all:
        org_ids = select(ExamAudienceOrg.organization_id).where(ExamAudienceOrg.exam_id == exam.id)
        user_ids = select(ExamAudienceUser.user_id).where(ExamAudienceUser.exam_id == exam.id)
        stmt = stmt.where(or_(User.organization_id.in_(org_ids), User.id.in_(user_ids)))
    return stmt


def is_eligible(exam: Exam, user: User) -> bool:
    return db.session.scalar(eligible_users_query(exam).where(User.id == user.id).with_only_columns(User.id)) \
        is not None


def _new_seed() -> int:
    return secrets.randbits(62)


def create_attempt(exam: Exam, user_id: int, number: int, pool, sections) -> Attempt:
    seed = _new_seed()
    paper = assembly.draw_paper(sections, pool, seed, shuffle_questions=exam.shuffle_questions,
                                shuffle_options=exam.shuffle_options)
    attempt = Attempt(exam_id=exam.id, user_id=user_id, number=number, status=READY, seed=seed,
                      max_score=round(sum(e.points for e in paper), 2))
    db.session.add(attempt)
    db.session.flush()
    db.session.add_all([PaperItem(attempt_id=attempt.id, position=position, section=entry.section,
                                  question_version_id=entry.version_id, type=entry.type, points=entry.points,
                                  option_order=list(entry.option_order))
                        for position, entry in enumerate(paper, start=1)])
    mark_versions_used([e.version_id for e in paper])
    return attempt


def draw_ready_papers(exam: Exam) -> int:
    """Draw a first-attempt paper for every eligible candidate who has none, so starting costs little."""
    pool, sections = active_pool(), exam_sections(exam)
    have = set(db.session.scalars(select(Attempt.user_id).where(Attempt.exam_id == exam.id)))
    drawn = 0
    for user_id in db.session.scalars(eligible_users_query(exam).with_only_columns(User.id)):
        if user_id not in have:
            create_attempt(exam, user_id, 1, pool, sections)
            drawn += 1
    db.session.flush()
    return drawn


def publish_exam(exam: Exam, *, actor_id: int | None = None) -> int:
    problems = assembly.check_blueprint(exam_sections(exam), active_pool())
    if problems:
        raise ExamError("题库已不能满足试卷结构，未发布：" + "；".join(problems), problems)
    exam.status = PUBLISHED
    exam.published_at = utcnow()
    drawn = draw_ready_papers(exam)
    record("exam.published", target_type="exam", target_id=exam.id, summary=f"发布考试“{exam.title}”，预生成 {drawn} 份试卷",
           actor_id=actor_id)
    return drawn


def sample_paper(exam_or_sections, *, shuffle_questions=True, shuffle_options=True) -> list[dict]:
    """A preview paper (not stored) for the organiser: questions as a candidate would see them."""
    sections = exam_or_sections if isinstance(exam_or_sections, list) else exam_sections(exam_or_sections)
    paper = assembly.draw_paper(sections, active_pool(), _new_seed(), shuffle_questions=shuffle_questions,
                                shuffle_options=shuffle_options)
    versions = {v.id: v for v in db.session.scalars(select(QuestionVersion).where(
        QuestionVersion.id.in_([e.version_id for e in paper])))}
    return [present_item(versions[e.version_id], list(e.option_order), position, e.points, e.section)
            | {"answer": display_answer(versions[e.version_id], list(e.option_order))}
            for position, e in enumerate(paper, start=1)]


def definition_problems_for(exam: Exam) -> list[str]:
    """What, today, would stop this exam's papers from being drawn (the bank may have changed)."""
    return assembly.check_blueprint(exam_sections(exam), active_pool())
