"""Publishing: frozen snapshots of a composite ranking or an exam's results, with their SHA-256.

A snapshot's content is everything its documents print; the hash is taken over the canonical JSON
of that content, so anyone holding the JSON can check the figure printed on every PDF page.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from examapp.access.roles import CANDIDATE, STAFF, VIEWER
from examapp.accounts.models import PartyOrganization, User
from examapp.audit.services import record
from examapp.bank.core import article_citation, int_to_cn_numeral
from examapp.bank.models import Article
from examapp.bank.services import document_names
from examapp.exams import statistics
from examapp.exams.attempts import finalise_overdue
from examapp.exams.models import FINISHED, Attempt, Exam
from examapp.exams.results import candidate_weak_articles, exam_results, publication_blocker
from examapp.extensions import db
from examapp.publishing.models import SNAPSHOT_EXAM, SNAPSHOT_RANKING, STATUS_FINAL, STATUS_NOTICE, Snapshot
from examapp.reports.pdf import date_cn
from examapp.scoring.models import EvaluationRound, RoundComputation
from examapp.scoring.services import ScoringError, latest_computation
from examapp.settings.services import OfficeSettings, next_doc_number, office_settings, placeholder_message
from examapp.timeutil import to_local, utcnow

chinese_date = date_cn   # 2023年10月20日, as GB/T 9704-2012 prints the 成文日期
# How the published table's footnote explains a “—”, per treatment of missing components (the scheme's ``missing``).
MISSING_NOTE_ENDINGS = {
    "reweight": "其综合得分按其余各项权重重新计权。",
    "category_median": "该项按同一党组织类别中有该项得分单位的中位数计入综合得分（同类别均无该项时按其余各项权重重新计权）。",
    "zero": "该项按0分计入综合得分。",
}


MAX_OBJECTION_DAYS = 60


def add_working_days(day: date, days: int) -> date:
    """Weekdays only; public holidays are not known to the system (the organiser can see the date printed)."""
    current = day
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def canonical_json(content: dict) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def _current(kind: str, *, round_id: int | None = None, exam_id: int | None = None) -> Snapshot | None:
    stmt = select(Snapshot).where(Snapshot.kind == kind)
    stmt = stmt.where(Snapshot.round_id == round_id) if round_id else stmt.where(Snapshot.exam_id == exam_id)
    return db.session.scalar(stmt.order_by(Snapshot.id.desc()).limit(1))


def _previous_final(kind: str, *, round_id: int | None = None, exam_id: int | None = None) -> Snapshot | None:
    """The latest final snapshot of the same kind for an earlier round or exam (the previous competition)."""
    stmt = select(Snapshot).where(Snapshot.kind == kind, Snapshot.status == STATUS_FINAL)
    stmt = stmt.where(Snapshot.round_id != round_id) if round_id else stmt.where(Snapshot.exam_id != exam_id)
    return db.session.scalar(stmt.order_by(Snapshot.id.desc()).limit(1))


def movements(rows: list[dict], previous: Snapshot | None) -> list[str]:
    """↑3 / ↓1 / — (same place) / 新 (not ranked last time); empty when there is no previous ranking."""
    if previous is None:
        return ["" for _ in rows]
    before = {r["organization"]: r.get("rank") for r in previous.content.get("rows", [])}
    out = []
    for row in rows:
        old, new = before.get(row["organization"]), row.get("rank")
        if new is None:
            out.append("")
        elif old is None:
            out.append("新")
        elif old == new:
            out.append("—")
        else:
            out.append(f"↑{old - new}" if new < old else f"↓{new - old}")
    return out


def _histogram(values: list[float | None], top: float) -> list[dict]:
    return [{"label": b.label, "count": b.count} for b in statistics.histogram(values, top or 100)]


def _common(kind: str, status: str, title: str, objection_until: date | None, published_day: date,
            settings: OfficeSettings) -> dict:
    """What every document prints besides its table; issuer, signature and contact come from the settings page."""
    return {"kind": kind, "status": "公示" if status == STATUS_NOTICE else "正式", "title": title,
            "issuer": settings.issuing_organ, "signature": settings.signature_or_issuer,
            "contact": settings.contact, "date": published_day.isoformat(),
            "date_cn": chinese_date(published_day),
            "objection_until": objection_until.isoformat() if objection_until else None,
            "objection_until_cn": chinese_date(objection_until) if objection_until else None}


def _closing_notes(status: str, settings: OfficeSettings) -> list[str]:
    """The last notes of every 通报: where to object during a 公示, and whom to call (if the office set a contact)."""
    notes = [f"公示期内如有异议，请向{settings.issuing_organ}书面反映。"] if status == STATUS_NOTICE else []
    return notes + ([settings.contact] if settings.contact else [])


def ranking_content(round_: EvaluationRound, computation: RoundComputation, status: str,
                    objection_until: date | None, published_day: date) -> dict:
    settings = office_settings()
    result = computation.result
    components = [c for c in result["components"] if c["weight"]]
    ranked = sorted(result["results"], key=lambda r: (r["rank"] is None, r["rank"] or 0, r["organization"]))
    rows = [{"rank": r["rank"], "organization": r["organization"], "name": r["name"],
             "components": {c["key"]: r["components"].get(c["key"]) for c in components},
             "composite": r["composite"], "missing": sorted(r.get("missing") or {})} for r in ranked]
    previous = _previous_final(SNAPSHOT_RANKING, round_id=round_.id)
    for row, move in zip(rows, movements(rows, previous), strict=True):
        row["movement"] = move
    weights = "＋".join(f"{c['label']}×{c['weight']:g}%" if abs(sum(x['weight'] for x in components) - 100) < 1e-9
                       else f"{c['label']}×{c['weight']:g}" for c in components)
    precision = result["scheme"].get("precision", 2)
    notes = [
        f"计分方法：综合得分＝{weights}"
        + ("" if abs(sum(c["weight"] for c in components) - 100) < 1e-9 else "，再除以权重之和")
        + f"。各成分按百分制计分，先四舍五入保留{int_to_cn_numeral(precision) if precision else '零'}位小数，再计算综合得分。",
        "得分相同者并列，名次按标准竞赛排名（如1、2、2、4）确定。",
        "标“—”者为该项无数据（如未承担重点任务指标、未收集企业问题），" + MISSING_NOTE_ENDINGS.get(
            (result.get("missing") or {}).get("method", "reweight"), MISSING_NOTE_ENDINGS["reweight"]),
        "本排名作为年度评优评先的参考。",
    ]
    if previous is not None:
        notes.append(f"名次变化与“{previous.content.get('round', previous.title)}”正式排名比较；“新”为上次未参加排名。")
    notes += _closing_notes(status, settings)
    title = f"关于{round_.name}综合排名情况的通报"
    content = _common(SNAPSHOT_RANKING, status, title, objection_until, published_day, settings)
    content.update({
        "round": round_.name, "computation": computation.id, "precision": precision,
        "body": (f"根据“书记大比武”活动安排，{settings.issuing_organ}对{settings.district_scope}{len(rows)}名党组织书记"
                 f"在{round_.name}中的考试成绩、重点任务指标排名、联企解困效能、执政形象等情况进行了综合考评。"
                 "现将综合排名情况通报如下："),
        "components": [{"key": c["key"], "label": c["label"], "weight": c["weight"]} for c in components],
        "rows": rows, "notes": notes, "ranking_rule": result["ranking_rule"],
        "accountability": result["accountability"],
        "histogram": _histogram([r["composite"] for r in rows], 100),
        "highlight": {"top": settings.highlight_top, "bottom": settings.highlight_bottom},
        "people": {r["organization"]: r for r in result["results"]},
        "weak_articles": weak_articles_by_organization(round_),
        "robustness": result["robustness"],
    })
    return content


def _day_text(moment) -> str:
    """2026年12月5日: a date in the text as GB/T 9704 writes one, with no leading zeros (不编虚位)."""
    return f"{moment.year}年{moment.month}月{moment.day}日"


def exam_content(exam: Exam, status: str, objection_until: date | None, published_day: date) -> dict:
    results = exam_results(exam)
    rows = [{"rank": r.rank, "organization": r.organization, "name": r.name, "login": r.login, "score": r.score,
             "status": r.status} for r in results.rows]
    previous = _previous_final(SNAPSHOT_EXAM, exam_id=exam.id)
    for row, move in zip(rows, movements(rows, previous), strict=True):
        row["movement"] = move
    s = results.summary
    settings = office_settings()
    content = _common(SNAPSHOT_EXAM, status, f"关于{exam.title}成绩情况的通报", objection_until, published_day,
                      settings)
    content.update({
        "exam": exam.title, "exam_id": exam.id, "max_score": exam.total_points, "pass_mark": exam.pass_mark,
        "body": (f"{_day_text(to_local(exam.opens_at))}，{settings.district_name}委组织开展了{exam.title}，应考{len(rows)}人，"
                 f"实考{s.count}人。现将考试成绩通报如下："),
        "rows": rows, "summary": s.as_dict() | {"absent": s.absent, "pass_count": s.pass_count},
        "histogram": [{"label": b.label, "count": b.count} for b in results.histogram],
        "notes": [f"满分{exam.total_points:g}分，{exam.pass_mark:g}分及格。", statistics.RANKING_RULE + "。",
                  "缺考者不参加排名。", *_closing_notes(status, settings)],
    })
    return content


def publish(kind: str, *, round_: EvaluationRound | None = None, exam: Exam | None = None, final: bool = False,
            objection_days: int = 5, reason: str = "", actor_id: int | None = None) -> Snapshot:
    """Freeze what is published now as a new snapshot; a previous one for the same target is replaced."""
    _check_settings()
    status = STATUS_FINAL if final else STATUS_NOTICE
    if not final and not 1 <= objection_days <= MAX_OBJECTION_DAYS:   # counted day by day below
        raise ScoringError(f"公示期应为 1–{MAX_OBJECTION_DAYS} 个工作日。")
    today = to_local(utcnow()).date()
    objection_until = None if final else add_working_days(today, objection_days)
    if kind == SNAPSHOT_RANKING:
        computation = latest_computation(round_)
        if computation is None:
            raise ScoringError("该考评批次还没有计算结果，请先计算综合得分。")
        content = ranking_content(round_, computation, status, objection_until, today)
        current = _current(kind, round_id=round_.id)
    else:
        computation = None
        _check_exam_finished(exam)
        content = exam_content(exam, status, objection_until, today)
        current = _current(kind, exam_id=exam.id)
    if current is not None and not reason.strip():
        reason = "更正" if current.status == STATUS_FINAL else ""
    return _store(kind, content, status, objection_until, round_=round_, exam=exam, computation=computation,
                  replaces=current, reason=reason, actor_id=actor_id)


def _check_settings() -> None:
    """Nothing goes out with the shipped ×× placeholders as its issuer, number or wording."""
    message = placeholder_message()
    if message:
        raise ScoringError(message)


def _check_exam_finished(exam: Exam) -> None:
    """Results are published once everybody is done. Attempts past their deadline are finalised first."""
    now = utcnow()
    finalise_overdue(now, exam_id=exam.id)
    blocker = publication_blocker(exam, now)
    if blocker:
        raise ScoringError(blocker)


def _store(kind, content, status, objection_until, *, round_, exam, computation, replaces, reason, actor_id):
    if replaces is not None:
        content["replaces"] = {"id": replaces.id, "sha256": replaces.sha256, "reason": reason or "重新发布"}
    content["doc_number"] = next_doc_number(office_settings(), date.fromisoformat(content["date"]).year)
    snapshot = Snapshot(kind=kind, round_id=round_.id if round_ else None, exam_id=exam.id if exam else None,
                        computation_id=computation.id if computation else None, status=status,
                        title=content["title"], content=content, sha256=content_hash(content),
                        published_by_id=actor_id, objection_until=objection_until,
                        replaces_id=replaces.id if replaces else None, reason=reason)
    db.session.add(snapshot)
    try:
        db.session.flush()
    except IntegrityError as exc:
        if not _lost_race(exc):
            raise
        # The caller rolls back: neither this snapshot, its audit entry nor its 发文字号 is kept.
        raise ScoringError(f"另一位组织者刚刚发布了“{content['title']}”的新版本，本次发布未生效。"
                           "请刷新页面，在最新版本上再操作。") from exc
    record("snapshot.published", target_type="snapshot", target_id=snapshot.id, actor_id=actor_id, reason=reason,
           summary=f"发布{'公示稿' if status == STATUS_NOTICE else '正式'}“{snapshot.title}”（SHA-256 {snapshot.sha256[:16]}…）"
                   + (f"，替代第 {replaces.id} 号" if replaces else ""))
    return snapshot


# The unique indexes of publishing/models.py that a concurrent publication of the same target trips.
RACE_INDEXES = ("uq_snapshot_replaces_id", "uq_snapshot_first_round", "uq_snapshot_first_exam")


def _lost_race(exc: IntegrityError) -> bool:
    text = str(exc.orig)
    return any(name in text for name in RACE_INDEXES) or "UNIQUE constraint failed: snapshot." in text


def finalise(snapshot: Snapshot, *, actor_id: int | None = None) -> Snapshot:
    """After 公示 the same figures become final: a new snapshot replacing the 公示 one."""
    if snapshot.status != STATUS_NOTICE:
        raise ScoringError("只有公示稿可以转为正式发布。")
    _check_settings()
    latest = _current(snapshot.kind, round_id=snapshot.round_id, exam_id=snapshot.exam_id)
    if latest is None or latest.id != snapshot.id:
        raise ScoringError("这份公示稿已被新的版本替代，请在最新版本上操作。")
    content = {k: v for k, v in snapshot.content.items() if k != "replaces"}
    today = to_local(utcnow()).date()
    content.update({"status": "正式", "objection_until": None, "objection_until_cn": None,
                    "date": today.isoformat(), "date_cn": chinese_date(today),
                    "notes": [n for n in content.get("notes", []) if not n.startswith("公示期内")]})
    return _store(snapshot.kind, content, STATUS_FINAL, None,
                  round_=db.session.get(EvaluationRound, snapshot.round_id) if snapshot.round_id else None,
                  exam=db.session.get(Exam, snapshot.exam_id) if snapshot.exam_id else None,
                  computation=db.session.get(RoundComputation, snapshot.computation_id) if snapshot.computation_id
                  else None, replaces=snapshot, reason="公示期满，转为正式发布", actor_id=actor_id)


def is_current(snapshot: Snapshot) -> bool:
    return db.session.scalar(select(Snapshot.id).where(Snapshot.replaces_id == snapshot.id).limit(1)) is None


def visible_snapshots(user: User) -> list[Snapshot]:
    """Current published snapshots for everyone; organisers also see replaced ones (the history)."""
    snapshots = db.session.scalars(select(Snapshot).order_by(Snapshot.id.desc())).all()
    if user.role in STAFF:
        return list(snapshots)
    replaced = {s.replaces_id for s in snapshots if s.replaces_id}
    return [s for s in snapshots if s.id not in replaced]


def may_see_score_card(user: User, snapshot: Snapshot, organization: str) -> bool:
    """Secretaries see only their own card; viewers and organisers see every card."""
    if user.role in STAFF or user.role == VIEWER:
        return True
    return user.role == CANDIDATE and user.organization is not None and user.organization.name == organization


def history(snapshot: Snapshot) -> list[Snapshot]:
    """All snapshots of the same target, newest first."""
    stmt = select(Snapshot).where(Snapshot.kind == snapshot.kind)
    stmt = stmt.where(Snapshot.round_id == snapshot.round_id) if snapshot.round_id else \
        stmt.where(Snapshot.exam_id == snapshot.exam_id)
    return list(db.session.scalars(stmt.order_by(Snapshot.id.desc())))


def verify(snapshot: Snapshot) -> bool:
    return content_hash(snapshot.content) == snapshot.sha256


# The two versions of a ranking's documents: the full notice (with the accountability list, for leaders and
# staff) and the candidates' copy without it, which says so and carries a checksum of its own content.
FULL_EDITION = "全文版"
PUBLIC_EDITION = "公开版"
ACCOUNTABILITY_KEYS = ("accountability",)


def public_content(content: dict) -> dict:
    """What the candidates' copy is made of: the published content without the accountability list,
    marked as the 公开版 (so its checksum never equals the full notice's, even with an empty list)."""
    public = {key: value for key, value in content.items() if key not in ACCOUNTABILITY_KEYS}
    public["edition"] = PUBLIC_EDITION
    return public


def public_sha256(snapshot: Snapshot) -> str:
    """The 校验码 printed on the candidates' copy; recomputable from the snapshot like its own sha256."""
    return content_hash(public_content(snapshot.content))


def draft_exam_snapshot(exam: Exam) -> Snapshot:
    """An unsaved snapshot of the current results, for a draft PDF before publication."""
    today = to_local(utcnow()).date()
    content = exam_content(exam, STATUS_NOTICE, None, today)
    content["status"] = "草稿"
    return Snapshot(kind=SNAPSHOT_EXAM, exam_id=exam.id, status=STATUS_NOTICE, title=content["title"],
                    content=content, sha256=content_hash(content))


def weak_articles_by_organization(round_: EvaluationRound) -> dict[str, list[dict]]:
    """Each secretary's weakest articles over the round's counted exams (for the score card)."""
    out: dict[str, list[dict]] = {}
    exam_ids = [c["exam_id"] for c in round_.counted_exams or []]
    if not exam_ids:
        return out
    rows = db.session.execute(
        select(Attempt, PartyOrganization.name).join(User, User.id == Attempt.user_id)
        .join(PartyOrganization, PartyOrganization.id == User.organization_id)
        .where(Attempt.exam_id.in_(exam_ids), Attempt.status.in_(FINISHED)).order_by(Attempt.id)).all()
    names = document_names()
    texts = {(d, n): text for d, n, text in db.session.execute(select(Article.document_id, Article.number,
                                                                       Article.text))}
    attempts: dict[str, list] = {}
    for attempt, organization in rows:       # every finished attempt of every counted exam, pooled
        attempts.setdefault(organization, []).append(attempt)
    for organization, theirs in attempts.items():
        weak = [m for m in candidate_weak_articles(*theirs) if m.article]
        out[organization] = [{"article": article_citation(m.article, names.get(m.document, "")),
                              "mastery": round(m.mastery, 4), "title": _excerpt(texts.get((m.document, m.article), ""))}
                             for m in weak]
    return out


def _excerpt(text: str, length: int = 36) -> str:
    first = (text or "").split("\n")[0]
    return first if len(first) <= length else first[:length] + "……"
