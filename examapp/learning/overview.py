"""The organiser's overview of learning: participation, district mastery, the effect between two exams, the
workbook."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from openpyxl import Workbook
from sqlalchemy import func, select

from examapp.access.roles import CANDIDATE
from examapp.accounts.models import PartyOrganization, User
from examapp.bank.core import int_to_cn_numeral
from examapp.bank.models import Article, Question, QuestionVersion
from examapp.bank.services import default_document_id, document_lineage
from examapp.exams.mastery import Mastery, MasteryReport, MasteryResponse
from examapp.exams.models import FINISHED, PUBLISHED, Attempt, Exam, PaperItem
from examapp.extensions import db
from examapp.learning import scheduler
from examapp.learning.models import (
    DailyDrill,
    PracticeAnswer,
)
from examapp.learning.services import local_day
from examapp.spreadsheets import CENTER, table_sheet, workbook_bytes
from examapp.timeutil import utcnow

# --- the organiser's overview --------------------------------------------------------------------------

@dataclass
class ParticipationRow:
    user_id: int
    name: str
    login: str
    organization: str
    kind: str
    answers: int
    answers_week: int
    days: int
    last_day: date | None
    streak: int
    done_today: bool


def participation(now: datetime | None = None) -> list[ParticipationRow]:
    """Every active candidate's practice: answers (all, last 7 days), days practised, streak, today's drill."""
    now = now or utcnow()
    day = local_day(now)
    week_start = day - timedelta(days=6)
    stats = {uid: (n, week, days, last) for uid, n, week, days, last in db.session.execute(
        select(PracticeAnswer.user_id, func.count(PracticeAnswer.id),
               func.count(PracticeAnswer.id).filter(PracticeAnswer.day >= week_start),
               func.count(func.distinct(PracticeAnswer.day)), func.max(PracticeAnswer.day))
        .group_by(PracticeAnswer.user_id))}
    completed: dict[int, set[date]] = defaultdict(set)
    for uid, d in db.session.execute(select(DailyDrill.user_id, DailyDrill.day)
                                     .where(DailyDrill.completed_at.is_not(None))):
        completed[uid].add(d)
    rows = []
    for uid, name, login, org, kind in db.session.execute(
            select(User.id, User.name, User.username, PartyOrganization.name, PartyOrganization.kind)
            .outerjoin(PartyOrganization, PartyOrganization.id == User.organization_id)
            .where(User.role == CANDIDATE, User.active.is_(True))
            .order_by(PartyOrganization.sort_order, User.username)):
        n, week, days, last = stats.get(uid, (0, 0, 0, None))
        rows.append(ParticipationRow(uid, name, login, org or "—", kind or "—", n, week, days, last,
                                     scheduler.current_streak(completed[uid], day), day in completed[uid]))
    return rows


def district_mastery_rows(document_id: int, now: datetime | None = None) -> list[MasteryResponse]:
    """Every candidate's practice answers and finished answers in closed exams on one document's questions, one
    response weighing 1. A question belongs to its current document (a revision carries its answers over)."""
    now = now or utcnow()
    chapters_of = dict(db.session.execute(select(Article.number, Article.chapter)
                                          .where(Article.document_id == document_id)).all())
    kinds = {uid: kind or "—" for uid, kind in db.session.execute(
        select(User.id, PartyOrganization.kind).outerjoin(PartyOrganization,
                                                          PartyOrganization.id == User.organization_id))}
    rows = [MasteryResponse(article, chapters_of.get(article), kinds.get(uid, "—"), earned, 1.0, document_id)
            for uid, article, earned in db.session.execute(
                select(PracticeAnswer.user_id, QuestionVersion.article_number, PracticeAnswer.earned)
                .join(QuestionVersion, QuestionVersion.id == PracticeAnswer.question_version_id)
                .join(Question, Question.id == PracticeAnswer.question_id)
                .where(Question.document_id == document_id))]
    key_version = func.coalesce(PaperItem.graded_version_id, PaperItem.question_version_id)
    for uid, article, earned, points in db.session.execute(
            select(Attempt.user_id, QuestionVersion.article_number, PaperItem.earned, PaperItem.points)
            .join(Attempt, Attempt.id == PaperItem.attempt_id).join(Exam, Exam.id == Attempt.exam_id)
            .join(QuestionVersion, QuestionVersion.id == key_version)
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(Attempt.status.in_(FINISHED), Exam.closes_at <= now, Question.document_id == document_id)):
        if points > 0:
            rows.append(MasteryResponse(article, chapters_of.get(article), kinds.get(uid, "—"),
                                        (earned or 0.0) / points, 1.0, document_id))
    return rows


def closed_exams(now: datetime | None = None) -> list[Exam]:
    now = now or utcnow()
    return list(db.session.scalars(select(Exam).where(Exam.status == PUBLISHED, Exam.closes_at <= now)
                                   .order_by(Exam.closes_at, Exam.id)))


@dataclass(frozen=True)
class MasteryChange:
    article: int
    chapter: int | None
    before: float | None
    after: float | None
    document: int | None = None

    @property
    def change(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before


def mastery_change(before: list[Mastery], after: list[Mastery]) -> list[MasteryChange]:
    """Per (document, article), mastery in the earlier and the later exam and the change, largest gain first
    (articles tested in only one of them last, by document and number)."""
    first = {(m.document, m.article): m for m in before if m.article is not None}
    second = {(m.document, m.article): m for m in after if m.article is not None}
    changes = []
    for key in set(first) | set(second):
        earlier, later = first.get(key), second.get(key)
        changes.append(MasteryChange(key[1], (earlier or later).chapter, earlier.mastery if earlier else None,
                                     later.mastery if later else None, key[0]))
    return sorted(changes, key=lambda c: (c.change is None, -(c.change or 0), c.document or 0, c.article))


def learning_effect(before: Exam, after: Exam, document_id: int | None = None) -> list[MasteryChange]:
    """The change between two exams on one document's articles (None: the current 《条例》). Questions answered
    on the text a revision replaced count for the revision's article of the same number."""
    from examapp.exams import results
    document_id = document_id or default_document_id()
    lineage = document_lineage(document_id)

    def on_document(report: list[Mastery]) -> list[Mastery]:
        return [replace(m, document=document_id) for m in report if m.document in lineage]

    return mastery_change(on_document(results.exam_results(before).mastery.articles),
                          on_document(results.exam_results(after).mastery.articles))


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _article_label(number: int | None) -> str:
    return f"第{int_to_cn_numeral(number)}条" if number else "未关联条款"


def _chapter_label(number: int | None) -> str:
    return f"第{int_to_cn_numeral(number)}章" if number else "—"


def overview_workbook(rows: list[ParticipationRow], report: MasteryReport,
                      effect: list[MasteryChange] | None, effect_title: str = "", document_title: str = "") -> bytes:
    """学习情况 as an Excel workbook (Chinese headers); each mastery sheet ends naming its policy document."""
    workbook = Workbook()
    workbook.remove(workbook.active)

    def sheet(title: str, header: list[str], body: list[list], widths: list[int], *notes: str):
        ws = table_sheet(workbook, title, header, body, widths, alignment=CENTER)
        if notes:
            ws.append([])
            for note in notes:
                ws.append([note])
        return ws

    on_document = [f"政策文件：{document_title}"] if document_title else []
    sheet("参与情况", ["党组织", "类别", "姓名", "登录名", "练习题数", "近7天题数", "练习天数", "最近练习", "连续完成每日一练（天）", "今日已完成"],
          [[r.organization, r.kind, r.name, r.login, r.answers, r.answers_week, r.days,
            r.last_day.isoformat() if r.last_day else "—", r.streak, "是" if r.done_today else "否"] for r in rows],
          [34, 10, 12, 12, 10, 10, 10, 12, 20, 10])
    sheet("条款掌握", ["条款", "所属章", "作答次数", "掌握率"],
          [[_article_label(m.article), _chapter_label(m.chapter), m.questions_answered, _percent(m.mastery)]
           for m in report.articles], [12, 10, 10, 10], *on_document)
    sheet("章掌握", ["章", "作答次数", "掌握率"],
          [[_chapter_label(m.chapter), m.questions_answered, _percent(m.mastery)] for m in report.chapters],
          [10, 10, 10], *on_document)
    sheet("党组织类别", ["党组织类别", "章", "作答次数", "掌握率"],
          [[m.organization_kind, _chapter_label(m.chapter), m.questions_answered, _percent(m.mastery)]
           for m in report.by_kind_chapter], [14, 10, 10, 10], *on_document)
    if effect is not None:
        sheet("学习效果", ["条款", "所属章", "前一次考试掌握率", "后一次考试掌握率", "变化（百分点）"],
              [[_article_label(c.article), _chapter_label(c.chapter), _percent(c.before), _percent(c.after),
                "—" if c.change is None else round(c.change * 100, 1)] for c in effect], [12, 10, 18, 18, 16],
              effect_title, *on_document)
    return workbook_bytes(workbook)
