"""An exam's results: the ranked table, summary, distribution, item analysis and per-article mastery.

Loads the finished attempts and hands plain rows to the pure functions in statistics.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from openpyxl import Workbook
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from examapp.accounts.models import PartyOrganization, User
from examapp.bank import qtypes
from examapp.bank.core import OPTION_KEYS, article_citation, int_to_cn_numeral
from examapp.bank.models import Article, QuestionVersion
from examapp.bank.services import document_names
from examapp.exams import services, statistics
from examapp.exams.attempts import AsFinalised, overdue_clause, overdue_cutoff
from examapp.exams.mastery import Mastery, MasteryReport, MasteryResponse, mastery_report, weakest_articles
from examapp.exams.models import (
    FINISHED,
    IN_PROGRESS,
    PUBLISHED,
    Answer,
    Attempt,
    Exam,
    PaperItem,
)
from examapp.exams.reliability import Reliability, exam_reliability
from examapp.extensions import db
from examapp.spreadsheets import CENTER, table_sheet, workbook_bytes
from examapp.timeutil import format_local, utcnow

ABSENT = "缺考"
NOT_YET_SAT = "未参加（考试进行中）"   # no attempt yet while the window is open: may still come
RUNNING = "答题中"


@dataclass
class ResultRow:
    user_id: int
    login: str
    name: str
    organization: str
    organization_kind: str
    attempt_id: int | None
    score: float | None
    rank: int | None
    status: str            # 已交卷 / 服务器超时处理 / 答题中 / 缺考 / 未参加（考试进行中）
    seconds_used: int | None
    passed: bool

    @property
    def time_used(self) -> str:
        if self.seconds_used is None:
            return "—"
        minutes, seconds = divmod(self.seconds_used, 60)
        return f"{minutes} 分 {seconds:02d} 秒"


@dataclass
class ItemRow:
    stats: statistics.ItemStats
    stem: str
    type: str
    article: int | None
    options: list[dict]


@dataclass
class ExamResults:
    exam: Exam
    rows: list[ResultRow]
    summary: statistics.Summary
    histogram: list[statistics.Bin]
    items: list[ItemRow]
    reliability: Reliability
    mastery: MasteryReport
    ranking_rule: str = statistics.RANKING_RULE
    by_user: dict[int, ResultRow] = field(default_factory=dict)
    publish_blocker: str | None = None   # why the results cannot be published yet

    @property
    def absent_label(self) -> str:
        """Those without a score are 缺考 only once nobody can still hand in."""
        return "缺考" if self.publish_blocker is None else "未交卷"


@dataclass
class Counted:
    """A finished attempt as the results count it. An overdue one (past its deadline and grace, not yet
    finalised by `flask exams finalise-overdue`) counts as it will be finalised: ended at its deadline and
    marked by its saved answers, so the numbers do not depend on whether that step ran; reading writes nothing."""
    id: int
    user_id: int
    score: float | None
    status_label: str
    started_at: datetime | None
    ended_at: datetime | None
    marks: dict[int, float] | None = None   # item marks of an overdue attempt (not stored yet)

    @classmethod
    def of(cls, attempt: Attempt) -> Counted:
        if attempt.status == IN_PROGRESS:   # overdue
            shown = AsFinalised(attempt)
            return cls(attempt.id, attempt.user_id, shown.score, shown.status_label, attempt.started_at,
                       attempt.deadline_at, shown.marks)
        # The server may finalise long after the deadline; the candidate's time stopped there.
        ended = min(attempt.submitted_at, attempt.deadline_at or attempt.submitted_at)
        return cls(attempt.id, attempt.user_id, attempt.score, attempt.status_label, attempt.started_at, ended)


def _best_attempts(exam: Exam, now: datetime) -> dict[int, Counted]:
    """Each candidate's counted attempt: the highest-scoring finished one (as Moodle's default)."""
    best: dict[int, Counted] = {}
    for attempt in db.session.scalars(select(Attempt).where(
            Attempt.exam_id == exam.id, or_(Attempt.status.in_(FINISHED), overdue_clause(now)))):
        counted = Counted.of(attempt)
        current = best.get(attempt.user_id)
        if current is None or (counted.score or 0) > (current.score or 0):
            best[attempt.user_id] = counted
    return best


def _still_writing(now: datetime):
    """In progress and not yet overdue."""
    return and_(Attempt.status == IN_PROGRESS,
                or_(Attempt.deadline_at.is_(None), Attempt.deadline_at >= overdue_cutoff(now)))


def result_rows(exam: Exam, now: datetime | None = None) -> tuple[list[ResultRow], dict[int, Counted], dict[int, str]]:
    """Every eligible candidate with their counted score, competition rank and status, best first.

    Also returns the counted attempts by user and each user's organisation kind (for the analyses).
    """
    now = now or utcnow()
    best = _best_attempts(exam, now)
    running = set(db.session.scalars(select(Attempt.user_id).where(Attempt.exam_id == exam.id,
                                                                   _still_writing(now))))
    people = db.session.execute(services.eligible_users_query(exam).outerjoin(PartyOrganization)
                                .with_only_columns(User.id, User.username, User.name, PartyOrganization.name,
                                                   PartyOrganization.kind)
                                .order_by(PartyOrganization.sort_order, User.username)).all()
    rows = []
    for user_id, login, name, org, kind in people:
        attempt = best.get(user_id)
        if attempt is not None:
            status = attempt.status_label
            used = int((attempt.ended_at - attempt.started_at).total_seconds()) if attempt.started_at else None
        else:
            status = RUNNING if user_id in running else NOT_YET_SAT if now < exam.closes_at else ABSENT
            used = None
        score = attempt.score if attempt is not None else None
        rows.append(ResultRow(user_id, login, name, org or "—", kind or "—", attempt.id if attempt else None,
                              score, None, status, used, score is not None and score >= exam.pass_mark))
    for row, rank in zip(rows, statistics.competition_ranks([r.score for r in rows]), strict=True):
        row.rank = rank
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.organization))
    return rows, best, {p[0]: p[4] or "—" for p in people}


def publication_blocker(exam: Exam, now: datetime | None = None) -> str | None:
    """Why the exam's results cannot be published now, or None: not while the window is open or anyone
    is still writing (extra time past the close). An overdue attempt is not writing any more."""
    now = now or utcnow()
    if exam.status != PUBLISHED:
        return "这场考试尚未发布，没有成绩可以通报。"
    if now < exam.closes_at:
        return (f"考试尚未结束（{format_local(exam.closes_at)} 结束），结束后才能发布成绩；"
                "如需提前结束，请在考试监控中“立即结束”。")
    running = db.session.scalar(select(func.count(Attempt.id)).where(Attempt.exam_id == exam.id,
                                                                      _still_writing(now)))
    if running:
        return f"还有 {running} 人在延时作答，全部交卷后才能发布成绩。"
    return None


def exam_results(exam: Exam, now: datetime | None = None) -> ExamResults:
    """The rows plus every statistic of the results page."""
    now = now or utcnow()
    rows, best, kinds = result_rows(exam, now)
    attempt_rows, mastery_rows, questions = _responses(list(best.values()), kinds)
    stats = statistics.item_analysis(attempt_rows)
    items = [ItemRow(s, *questions[s.question_id]) for s in stats]
    scores = [r.score for r in rows]
    return ExamResults(
        exam=exam, rows=rows, summary=statistics.summary(scores, exam.pass_mark),
        histogram=statistics.histogram(scores, exam.total_points or 100),
        items=sorted(items, key=lambda i: (i.stats.facility if i.stats.facility is not None else 2)),
        reliability=exam_reliability(attempt_rows), mastery=mastery_report(mastery_rows),
        by_user={r.user_id: r for r in rows}, publish_blocker=publication_blocker(exam, now))


def _responses(attempts: list[Counted], kinds: dict[int, str]):
    """Plain rows for item analysis and mastery, with choices mapped back to the original option keys."""
    if not attempts:
        return [], [], {}
    ids = [a.id for a in attempts]
    items = db.session.scalars(select(PaperItem).where(PaperItem.attempt_id.in_(ids))
                               .options(selectinload(PaperItem.version))).all()
    answers = dict(db.session.execute(select(Answer.item_id, Answer.value).where(Answer.attempt_id.in_(ids))).all())
    chapters = {(d, n): c for d, n, c in db.session.execute(select(Article.document_id, Article.number, Article.chapter))}
    by_attempt: dict[int, dict] = {a.id: {} for a in attempts}
    owner = {a.id: a.user_id for a in attempts}
    projected = {item_id: earned for a in attempts if a.marks is not None for item_id, earned in a.marks.items()}
    mastery_rows, questions = [], {}
    for item in items:
        version: QuestionVersion = item.version
        value = answers.get(item.id)
        earned = projected.get(item.id, item.earned) or 0.0
        chosen: list[str] = []
        if qtypes.has_options(item.type) and value is not None:
            letters = [value] if isinstance(value, str) else list(value)
            chosen = [item.option_order[OPTION_KEYS.index(k)] for k in letters
                      if k in OPTION_KEYS and OPTION_KEYS.index(k) < len(item.option_order)]
        by_attempt[item.attempt_id][version.question_id] = statistics.ItemResponse(
            earned=earned, points=item.points, chosen=tuple(chosen), section=item.section,
            position=item.position)
        mastery_rows.append(MasteryResponse(
            article_number=version.article_number, chapter=chapters.get((version.document_id, version.article_number)),
            organization_kind=kinds.get(owner[item.attempt_id], "—"), earned=earned, points=item.points,
            document=version.document_id))
        questions.setdefault(version.question_id, (version.stem, version.type, version.article_number,
                                                   list(version.options or [])))
    totals = {a.id: a.score or 0.0 for a in attempts}
    attempt_rows = [statistics.AttemptRow(attempt_id=aid, total=totals[aid], items=responses)
                    for aid, responses in by_attempt.items()]
    return attempt_rows, mastery_rows, questions


def candidate_weak_articles(*attempts: Attempt) -> list[Mastery]:
    """One candidate's weakest articles over the given attempts' items together (one exam, or a round's
    counted exams)."""
    items = db.session.scalars(select(PaperItem).where(PaperItem.attempt_id.in_([a.id for a in attempts]))
                               .options(selectinload(PaperItem.version))).all()
    chapters = {(d, n): c for d, n, c in db.session.execute(select(Article.document_id, Article.number, Article.chapter))}
    rows = [MasteryResponse(article_number=i.version.article_number,
                            chapter=chapters.get((i.version.document_id, i.version.article_number)),
                            organization_kind="", earned=i.earned or 0.0, points=i.points,
                            document=i.version.document_id) for i in items]
    return [m for m in weakest_articles(rows) if m.mastery < 1]


def results_as_dict(results: ExamResults) -> dict:
    """The documented JSON export: results, summary, items, alpha, reliability, articles.

    ``alpha`` is kept for existing readers; ``reliability`` says which coefficient it is (over marks),
    how it was computed and the standard error of measurement.
    """
    return {
        "exam": {"id": results.exam.id, "title": results.exam.title, "max_score": results.exam.total_points,
                 "pass_mark": results.exam.pass_mark, "ranking": results.ranking_rule},
        "results": [{"login": r.login, "name": r.name, "organization": r.organization, "score": r.score,
                     "rank": r.rank, "status": r.status} for r in results.rows],
        "summary": results.summary.as_dict(),
        "items": [i.stats.as_dict() for i in results.items],
        "alpha": results.reliability.alpha,
        "reliability": results.reliability.as_dict(),
        "articles": [{"document": m.document, "article": m.article, "mastery": m.mastery}
                     for m in results.mastery.articles],
    }


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _round(value: float | None, places: int) -> float | str:
    return "—" if value is None else round(value, places)


def _reliability_rows(reliability: Reliability) -> list[list]:
    """The statistics sheet's reliability rows: α over marks (or KR-20), its method, SEM and what they mean."""
    return [[f"信度（{reliability.label}，按每题得分）", _round(reliability.alpha, 3)],
            ["信度计算方法", f"{reliability.method_text}；{reliability.attempts} 人 × {reliability.items} 题"],
            ["测量标准误 SEM（分）= 标准差 × √(1 − α)", _round(reliability.sem, 2)],
            ["信度说明", reliability.meaning],
            ["测量标准误说明", reliability.sem_meaning]]


def results_workbook(results: ExamResults) -> bytes:
    """Results, item analysis and mastery as an Excel workbook (Chinese headers)."""
    workbook = Workbook()

    def sheet(title: str, header: list[str], rows: list[list], widths: list[int]):
        return table_sheet(workbook, title, header, rows, widths, alignment=CENTER)

    workbook.remove(workbook.active)
    ws = sheet("成绩", ["名次", "党组织", "姓名", "登录名", "得分", "用时", "状态"],
               [[r.rank if r.rank is not None else "—", r.organization, r.name, r.login,
                 r.score if r.score is not None else "—", r.time_used, r.status] for r in results.rows],
               [8, 36, 12, 14, 10, 14, 14])
    ws.append([])
    ws.append([f"排名规则：{results.ranking_rule}"])
    s = results.summary
    sheet("统计", ["项目", "数值"],
          [["应考人数", len(results.rows)], ["实考人数", s.count], [f"{results.absent_label}人数", s.absent],
           ["平均分", s.mean], ["中位数", s.median], ["标准差（样本）", s.sd], ["最高分", s.max], ["最低分", s.min],
           ["及格率", _percent(s.pass_rate)]] + _reliability_rows(results.reliability) +
          [[f"{b.label} 分", b.count] for b in results.histogram], [36, 14])
    sheet("题目分析", ["题目编号", "题型", "条款", "题干", "作答人数", "难度（得分率）", "区分度", "各选项选择次数", "提示"],
          [[i.stats.question_id, qtypes.label(i.type), i.article or "—", i.stem, i.stats.n,
            _percent(i.stats.facility),
            round(i.stats.discrimination, 3) if i.stats.discrimination is not None else "—",
            "、".join(f"{k}:{v}" for k, v in sorted(i.stats.options.items())), "、".join(i.stats.flags)]
           for i in results.items], [10, 8, 8, 60, 10, 14, 10, 24, 16])
    names = document_names()
    sheet("条款掌握", ["条款", "所属章", "作答次数", "得分", "满分", "掌握率"],
          [[article_citation(m.article, names.get(m.document, "")) if m.article else "未关联条款",
            f"第{int_to_cn_numeral(m.chapter)}章" if m.chapter else "—", m.questions_answered,
            round(m.earned, 2), round(m.possible, 2), _percent(m.mastery)] for m in results.mastery.articles],
          [12, 10, 10, 10, 10, 10])
    return workbook_bytes(workbook)



def rank_of(exam: Exam, user_id: int) -> tuple[int | None, int]:
    """The candidate's place among those who sat (standard competition ranking) and how many sat."""
    best = _best_attempts(exam, utcnow())
    users = list(best)
    ranks = statistics.competition_ranks([best[u].score for u in users])
    return dict(zip(users, ranks, strict=True)).get(user_id), len(users)
