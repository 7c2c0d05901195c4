"""Scoring rounds in the database: workbook import, the round's inputs as plain data, computing and storing."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

from sqlalchemy import delete, select

from examapp.access.roles import CANDIDATE
from examapp.accounts.models import PartyOrganization, User
from examapp.audit.services import record
from examapp.exams.models import Exam
from examapp.exams.results import result_rows
from examapp.extensions import db
from examapp.scoring import workbook
from examapp.scoring.engine import compute
from examapp.scoring.inputs import (
    AssistanceRecord,
    ConductItem,
    ExamScore,
    Indicator,
    IndicatorRank,
    OtherScore,
    Person,
    RoundInputs,
)
from examapp.scoring.models import (
    EvaluationRound,
    RoundAssistance,
    RoundComputation,
    RoundConduct,
    RoundExamScore,
    RoundIndicator,
    RoundIndicatorRank,
    RoundOtherScore,
)
from examapp.scoring.scheme import Scheme, SchemeError
from examapp.spreadsheets import table_sheet, workbook_bytes
from examapp.timeutil import utcnow
from examapp.usererror import UserError


class ScoringError(UserError):
    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = problems or []


def get_round(name: str) -> EvaluationRound | None:
    return db.session.scalar(select(EvaluationRound).where(EvaluationRound.name == name))


def ensure_round(name: str) -> EvaluationRound:
    name = (name or "").strip()
    if not name:
        raise ScoringError("请填写考评批次名称")
    found = get_round(name)
    if found is None:
        found = EvaluationRound(name=name)
        db.session.add(found)
        db.session.flush()
        record("round.created", target_type="round", target_id=found.id, summary=f"新建考评批次“{name}”")
    return found


def _org_ids() -> dict[str, int]:
    return dict(db.session.execute(select(PartyOrganization.name, PartyOrganization.id)).all())


def import_workbook(round_: EvaluationRound, content: bytes, *, actor_id: int | None = None) -> workbook.WorkbookResult:
    """Validate the whole workbook; only a fully valid one is written, in the caller's one transaction.

    Each kind of input that has rows in the workbook replaces the round's data of that kind; sheets
    that are absent or empty leave the round's existing data as it is.
    """
    orgs = _org_ids()
    existing_codes = set(db.session.scalars(select(RoundIndicator.code).where(RoundIndicator.round_id == round_.id)))
    result = workbook.read_workbook(content, set(orgs), existing_codes)
    if result.problems:
        raise ScoringError(f"工作簿有 {len(result.problems)} 处错误，未写入任何数据。", result.problems)
    data = result.inputs
    rid = round_.id
    replaced = []
    if data.indicators:
        db.session.execute(delete(RoundIndicator).where(RoundIndicator.round_id == rid))
        db.session.add_all(RoundIndicator(round_id=rid, code=i.code, name=i.name, level=i.level,
                                          parent_code=i.parent_code, leader=i.leader,
                                          lead_org_id=orgs.get(i.lead_org) if i.lead_org else None,
                                          responsible_org_ids=[orgs[o] for o in i.responsible_orgs])
                           for i in data.indicators)
        replaced.append(f"指标 {len(data.indicators)} 项")
    if data.ranks:
        db.session.execute(delete(RoundIndicatorRank).where(RoundIndicatorRank.round_id == rid))
        db.session.add_all(RoundIndicatorRank(round_id=rid, code=r.code, period=r.period, rank=r.rank,
                                              ranked_count=r.ranked_count) for r in data.ranks)
        replaced.append(f"指标排名 {len(data.ranks)} 条")
    if data.assistance:
        db.session.execute(delete(RoundAssistance).where(RoundAssistance.round_id == rid))
        db.session.add_all(RoundAssistance(round_id=rid, organization_id=orgs[a.organization], period=a.period,
                                           visited=a.visited, collected=a.collected, resolved=a.resolved,
                                           resolved_on_time=a.resolved_on_time, satisfaction=a.satisfaction)
                           for a in data.assistance)
        replaced.append(f"联企解困 {len(data.assistance)} 条")
    if data.conduct:
        db.session.execute(delete(RoundConduct).where(RoundConduct.round_id == rid))
        db.session.add_all(RoundConduct(round_id=rid, organization_id=orgs[c.organization], on=c.date, kind=c.kind,
                                        points=c.points, reason=c.reason, evidence=c.evidence) for c in data.conduct)
        replaced.append(f"执政形象 {len(data.conduct)} 条")
    if data.exams:
        db.session.execute(delete(RoundExamScore).where(RoundExamScore.round_id == rid))
        db.session.add_all(RoundExamScore(round_id=rid, organization_id=orgs[e.organization], exam=e.exam,
                                          score=e.score, status=e.status) for e in data.exams)
        replaced.append(f"考试成绩 {len(data.exams)} 条")
    if data.others:
        db.session.execute(delete(RoundOtherScore).where(RoundOtherScore.round_id == rid))
        db.session.add_all(RoundOtherScore(round_id=rid, organization_id=orgs[o.organization], component=o.component,
                                           score=o.score) for o in data.others)
        replaced.append(f"其他指标 {len(data.others)} 条")
    known = list(round_.periods or [])
    round_.periods = known + [p for p in data.periods if p not in known]
    round_.updated_at = utcnow()
    record("round.import", target_type="round", target_id=rid, actor_id=actor_id,
           summary=f"导入考评数据：{'、'.join(replaced) or '无数据'}")
    return result


def round_inputs(round_: EvaluationRound) -> RoundInputs:
    """Everything the engine needs for a round, as plain data (also what a computation stores)."""
    names = {v: k for k, v in _org_ids().items()}
    rid = round_.id
    people = [Person(organization=org, name=name, category=kind or "") for name, org, kind in db.session.execute(
        select(User.name, PartyOrganization.name, PartyOrganization.kind).join(PartyOrganization, User.organization_id == PartyOrganization.id)
        .where(User.role == CANDIDATE, User.active.is_(True))
        .order_by(PartyOrganization.sort_order, PartyOrganization.id))]
    indicators = [Indicator(code=i.code, name=i.name, level=i.level, parent_code=i.parent_code, leader=i.leader,
                            lead_org=names.get(i.lead_org_id), responsible_orgs=tuple(names[o] for o in i.responsible_org_ids))
                  for i in db.session.scalars(select(RoundIndicator).where(RoundIndicator.round_id == rid)
                                              .order_by(RoundIndicator.code))]
    ranks = [IndicatorRank(code=r.code, period=r.period, rank=r.rank, ranked_count=r.ranked_count)
             for r in db.session.scalars(select(RoundIndicatorRank).where(RoundIndicatorRank.round_id == rid)
                                         .order_by(RoundIndicatorRank.code, RoundIndicatorRank.period))]
    assistance = [AssistanceRecord(organization=names[a.organization_id], period=a.period, visited=a.visited,
                                   collected=a.collected, resolved=a.resolved, resolved_on_time=a.resolved_on_time,
                                   satisfaction=a.satisfaction)
                  for a in db.session.scalars(select(RoundAssistance).where(RoundAssistance.round_id == rid)
                                              .order_by(RoundAssistance.id))]
    conduct = [ConductItem(organization=names[c.organization_id], date=c.on, kind=c.kind, points=c.points,
                           reason=c.reason, evidence=c.evidence)
               for c in db.session.scalars(select(RoundConduct).where(RoundConduct.round_id == rid)
                                           .order_by(RoundConduct.on, RoundConduct.id))]
    exams = [ExamScore(organization=names[e.organization_id], exam=e.exam, score=e.score, status=e.status)
             for e in db.session.scalars(select(RoundExamScore).where(RoundExamScore.round_id == rid)
                                         .order_by(RoundExamScore.id))]
    exams += system_exam_scores(round_, {p.organization for p in people})
    others = [OtherScore(organization=names[o.organization_id], component=o.component, score=o.score)
              for o in db.session.scalars(select(RoundOtherScore).where(RoundOtherScore.round_id == rid)
                                          .order_by(RoundOtherScore.id))]
    return RoundInputs(people=people, periods=list(round_.periods or []), indicators=indicators, ranks=ranks,
                       assistance=assistance, conduct=conduct, exams=exams, others=others)


def system_exam_scores(round_: EvaluationRound, organizations: set[str]) -> list[ExamScore]:
    """Scores of the counted exams held in this system, as percentages; never-started counts as 缺考."""
    scores = []
    for counted in round_.counted_exams or []:
        exam = db.session.get(Exam, counted["exam_id"])
        if exam is None:
            continue
        rows, _, _ = result_rows(exam)   # ranks only: the item analysis is not needed here
        for row in rows:
            if row.organization not in organizations:
                continue
            if row.score is None:
                scores.append(ExamScore(organization=row.organization, exam=exam.title, score=None, status="缺考"))
            else:
                percent = round(row.score * 100 / exam.total_points, 4) if exam.total_points else 0.0
                scores.append(ExamScore(organization=row.organization, exam=exam.title, score=percent))
    return scores


def inputs_as_dict(inputs: RoundInputs) -> dict:
    def plain(obj):
        data = asdict(obj)
        return {k: (v.isoformat() if isinstance(v, date) else list(v) if isinstance(v, tuple) else v)
                for k, v in data.items()}
    return {"people": [plain(p) for p in inputs.people], "periods": list(inputs.periods),
            "indicators": [plain(i) for i in inputs.indicators], "ranks": [plain(r) for r in inputs.ranks],
            "assistance": [plain(a) for a in inputs.assistance], "conduct": [plain(c) for c in inputs.conduct],
            "exams": [plain(e) for e in inputs.exams], "others": [plain(o) for o in inputs.others]}


def latest_computation(round_: EvaluationRound) -> RoundComputation | None:
    return db.session.scalar(select(RoundComputation).where(RoundComputation.round_id == round_.id)
                             .order_by(RoundComputation.id.desc()).limit(1))


def scheme_of(round_: EvaluationRound) -> Scheme:
    try:
        return Scheme.from_dict(round_.scheme or {})
    except SchemeError as exc:   # a stored scheme was valid when stored; say so if the rules changed since
        raise ScoringError("考评方案无效：" + str(exc), exc.problems) from exc


def set_scheme(round_: EvaluationRound, data: dict, *, actor_id: int | None = None) -> Scheme:
    try:
        scheme = Scheme.from_dict(data or {})
    except SchemeError as exc:
        raise ScoringError("考评方案未保存：" + str(exc), exc.problems) from exc
    round_.scheme = scheme.to_dict()
    round_.updated_at = utcnow()
    record("round.scheme", target_type="round", target_id=round_.id, actor_id=actor_id,
           summary=f"设置考评批次“{round_.name}”的计分方案", detail=round_.scheme)
    return scheme


def set_counted_exams(round_: EvaluationRound, exam_ids: list[int], *, actor_id: int | None = None) -> None:
    """Which exams of this system count in E (their weights, if unequal, are the scheme's exam_weights)."""
    for exam_id in exam_ids:
        if db.session.get(Exam, exam_id) is None:
            raise ScoringError(f"没有编号为 {exam_id} 的考试")
    round_.counted_exams = [{"exam_id": e} for e in exam_ids]
    record("round.exams", target_type="round", target_id=round_.id, actor_id=actor_id,
           summary=f"设置计入考评的考试：{', '.join(map(str, exam_ids)) or '无'}")


def compute_round(round_: EvaluationRound, *, actor_id: int | None = None) -> RoundComputation:
    """Compute from the round's stored inputs and scheme, and keep all three together."""
    inputs = round_inputs(round_)
    if not inputs.people:
        raise ScoringError("没有可参与排名的书记（请先导入书记名单）")
    scheme = scheme_of(round_)
    try:
        result = compute(inputs, scheme)
    except ValueError as exc:
        raise ScoringError(f"计算未完成：{exc}") from exc
    computation = RoundComputation(round_id=round_.id, computed_by_id=actor_id, inputs=inputs_as_dict(inputs),
                                   scheme=scheme.to_dict(), result=result.to_dict())
    db.session.add(computation)
    db.session.flush()
    record("round.computed", target_type="round", target_id=round_.id, actor_id=actor_id,
           summary=f"计算考评批次“{round_.name}”的综合得分（{len(inputs.people)} 人）")
    return computation


def input_counts(round_: EvaluationRound) -> dict[str, int]:
    from sqlalchemy import func
    counts = {}
    for label, model in (("指标", RoundIndicator), ("指标排名", RoundIndicatorRank), ("联企解困", RoundAssistance),
                         ("执政形象", RoundConduct), ("考试成绩（外部）", RoundExamScore), ("其他指标", RoundOtherScore)):
        counts[label] = db.session.scalar(select(func.count(model.id)).where(model.round_id == round_.id)) or 0
    return counts


def computation_workbook(computation: RoundComputation) -> bytes:
    """The computed ranking, accountability list and robustness table as Excel."""
    from openpyxl import Workbook

    result = computation.result
    book = Workbook()
    book.remove(book.active)

    def sheet(title, header, rows, widths):
        return table_sheet(book, title, header, rows, widths)

    keys = [c["key"] for c in result["components"]]
    labels = [f"{c['label']}（权重 {c['weight']:g}）" for c in result["components"]]
    ranked = sorted(result["results"], key=lambda r: (r["rank"] is None, r["rank"] or 0))
    ws = sheet("综合排名", ["名次", "党组织", "书记", *labels, "综合得分", "说明"],
               [[r["rank"] if r["rank"] is not None else "—", r["organization"], r["name"],
                 *[r["components"].get(k) if r["components"].get(k) is not None else "—" for k in keys],
                 r["composite"] if r["composite"] is not None else "—", "；".join(r["notes"])] for r in ranked],
               [6, 34, 10] + [14] * len(keys) + [10, 40])
    ws.append([])
    ws.append([result["ranking_rule"]])
    sheet("问责清单", ["指标", "处理", "考核期", "名次", "对象"],
          [[a["indicator"], a["action"], "、".join(a["periods"]), "、".join(map(str, a["ranks"])),
            "；".join(a["targets"])] for a in result["accountability"]], [12, 10, 20, 12, 80])
    sheet("稳健性", ["党组织", "书记", "名次", "中位名次", "5%分位", "95%分位", "平均名次变动"],
          [[r["organization"], r["name"], r["rank"], r["median_rank"], r["p5_rank"], r["p95_rank"],
            r["mean_rank_shift"]] for r in result["robustness"]], [34, 10, 8, 10, 10, 10, 14])
    return workbook_bytes(book)
