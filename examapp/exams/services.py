"""Exam logic: definitions, publication with pre-drawn papers, attempts, autosave, submission, grading."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from examapp.access.policy import SESSION_REPLACED
from examapp.access.roles import CANDIDATE
from examapp.accounts.models import User
from examapp.audit.services import record
from examapp.bank.core import OPTION_KEYS, count_blanks, remap_option_letters
from examapp.bank.models import Article, Question, QuestionVersion
from examapp.bank.services import mark_versions_used
from examapp.exams import assembly, grading, timer
from examapp.exams.models import (
    AUTOMATIC_ENDS,
    END_CANDIDATE,
    END_FOCUS_LIMIT,
    END_ORGANISER,
    END_REASON_LABELS,
    END_SERVER,
    FINALISED_OVERDUE,
    FINISHED,
    IN_PROGRESS,
    PUBLISHED,
    READY,
    REVIEW_AFTER_CLOSE,
    REVIEW_AFTER_SUBMIT,
    REVIEW_LABELS,
    SUBMITTED,
    Answer,
    Attempt,
    AttemptEvent,
    Exam,
    ExamAudienceOrg,
    ExamAudienceUser,
    PaperItem,
)
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
    rows = db.session.execute(
        select(Question.id, QuestionVersion.id, Question.type, Article.chapter, Question.article_number,
               Question.difficulty, QuestionVersion.options)
        .join(QuestionVersion, (QuestionVersion.question_id == Question.id)
              & (QuestionVersion.version == Question.version))
        .outerjoin(Article, Article.number == Question.article_number)
        .where(Question.active.is_(True)))
    return [assembly.PoolQuestion(question_id=qid, version_id=vid, type=qtype, chapter=chapter, article=article,
                                  difficulty=difficulty, option_keys=tuple(o["key"] for o in options or []))
            for qid, vid, qtype, chapter, article, difficulty, options in rows]


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
    problems.extend(assembly.check_blueprint(definition.sections, active_pool()))
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


def _create_attempt(exam: Exam, user_id: int, number: int, pool, sections) -> Attempt:
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
            _create_attempt(exam, user_id, 1, pool, sections)
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


# --- presenting a paper -------------------------------------------------------------------------

def display_options(version: QuestionVersion, option_order: list[str]) -> list[dict]:
    texts = {o["key"]: o["text"] for o in version.options or []}
    return [{"key": OPTION_KEYS[i], "text": texts[original]} for i, original in enumerate(option_order)]


def display_answer(version: QuestionVersion, option_order: list[str]) -> object:
    """The correct answer in the letters this candidate saw."""
    to_display = {original: OPTION_KEYS[i] for i, original in enumerate(option_order)}
    if version.type == "single":
        return to_display.get(version.answer, version.answer)
    if version.type == "multiple":
        return sorted(to_display.get(k, k) for k in version.answer)
    return version.answer


def present_item(version: QuestionVersion, option_order: list[str], item_id: int, points: float,
                 section: int = 0) -> dict:
    """A paper item for the candidate's browser: never the key or the explanation."""
    item = {"item": item_id, "type": version.type, "stem": version.stem, "points": points, "section": section,
            "options": display_options(version, option_order) if version.type in ("single", "multiple") else []}
    if version.type == "fill":
        item["blanks"] = max(1, count_blanks(version.stem))
    return item


def item_key(item: PaperItem) -> grading.ItemKey:
    """The key that grades an item: the version shown, or the corrected one after a regrade."""
    return grading.ItemKey(type=item.type, points=item.points, answer=display_answer(item.key_version, item.option_order))


# --- attempts -------------------------------------------------------------------------------------

def settings_grace() -> int:
    return int(current_app.config.get("SAVE_GRACE_SECONDS", 30))


def attempts_of(exam: Exam, user: User) -> list[Attempt]:
    return list(db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == user.id)
                                   .order_by(Attempt.number)))


def window_state(exam: Exam, now: datetime) -> str:
    if now < exam.opens_at:
        return "upcoming"
    if now >= exam.closes_at:
        return "closed"
    return "open"


def start_attempt(exam: Exam, user: User, now: datetime | None = None) -> Attempt:
    """Start the candidate's attempt, or return the one already running (never a second)."""
    now = now or utcnow()
    if exam.status != PUBLISHED or not is_eligible(exam, user):
        raise ExamError("您不在本场考试的参考人员名单中。", status=403)
    attempts = attempts_of(exam, user)
    running = next((a for a in attempts if a.status == IN_PROGRESS), None)
    if running is not None:
        touch_attempt(running, now)
        if running.status == IN_PROGRESS:
            return running
        attempts = attempts_of(exam, user)
    state = window_state(exam, now)
    if state == "upcoming":
        raise ExamError("考试尚未开始，请在开考时间后再进入。", status=409)
    if state == "closed":
        raise ExamError("考试已结束，不能再开始作答。", status=409)
    finished = [a for a in attempts if a.status in FINISHED]
    if len(finished) >= exam.attempts_allowed:
        raise ExamError("您已完成本场考试，作答次数已用完。", status=409)
    ready = next((a for a in attempts if a.status == READY), None)
    if ready is None:
        try:
            with db.session.begin_nested():
                ready = _create_attempt(exam, user.id, len(attempts) + 1, active_pool(), exam_sections(exam))
        except IntegrityError:
            # Another request of the same candidate drew it a moment ago: use that one.
            ready = next(a for a in attempts_of(exam, user) if a.status in (READY, IN_PROGRESS))
    deadline = timer.compute_deadline(now, exam.duration_minutes, exam.closes_at, ready.extra_seconds)
    # Conditional update: of two simultaneous starts only one moves READY -> IN_PROGRESS.
    db.session.execute(update(Attempt).where(Attempt.id == ready.id, Attempt.status == READY)
                       .values(status=IN_PROGRESS, started_at=now, deadline_at=deadline, last_activity_at=now))
    db.session.refresh(ready)
    if ready.started_at == now:
        db.session.add(AttemptEvent(attempt_id=ready.id, at=now, kind="start", detail={}))
    return ready


def touch_attempt(attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Finalise the attempt if its deadline (plus grace) has passed; anything that reads it calls this."""
    now = now or utcnow()
    if attempt.status == IN_PROGRESS and timer.is_overdue(attempt.deadline_at, now, settings_grace()):
        finish_attempt(attempt, FINALISED_OVERDUE, END_SERVER, now)
    return attempt


def finish_attempt(attempt: Attempt, status: str, by: str, now: datetime | None = None, *,
                   note: str | None = None, actor_id: int | None = None) -> bool:
    """Move an in-progress attempt to a final state, grade it and log how it ended; False if already final.

    `by` is one of END_REASON_LABELS; `note` the organiser's reason when an organiser ended it.
    """
    now = now or utcnow()
    changed = db.session.execute(update(Attempt).where(Attempt.id == attempt.id, Attempt.status == IN_PROGRESS)
                                 .values(status=status, submitted_at=now, finished_by=by, end_note=note)).rowcount
    db.session.refresh(attempt)
    if not changed:
        return False
    detail = {"by": by} | ({"reason": note} if note else {})
    db.session.add(AttemptEvent(attempt_id=attempt.id, at=now, kind="submit" if status == SUBMITTED else "overdue",
                                detail=detail))
    score = grade_attempt(attempt, now)
    label = END_REASON_LABELS[by]
    # Automatic ends are the system's doing, whoever's request happened to trigger them.
    record("attempt.force_submit" if by == END_ORGANISER else
           "attempt.submitted" if by == END_CANDIDATE else "attempt.auto_submit",
           target_type="attempt", target_id=attempt.id, reason=note or label,
           summary=f"{attempt.user.name} {label}，得分 {score:g}",
           detail={"end_reason": by, "score": score, "exam": attempt.exam_id},
           actor_id=attempt.user_id if by == END_CANDIDATE else actor_id, system=by in AUTOMATIC_ENDS)
    return True


def submit_attempt(attempt: Attempt, by: str = END_CANDIDATE, now: datetime | None = None) -> Attempt:
    """Hand in (idempotent): a second submit, or one after the server finalised it, changes nothing."""
    now = now or utcnow()
    touch_attempt(attempt, now)
    if attempt.status == IN_PROGRESS:
        finish_attempt(attempt, SUBMITTED, by, now)
    return attempt


# Grading reads each item's key (the corrected version after a regrade) and response in one query and
# writes the marks in one executemany: at the deadline a whole district submits within seconds.
_GRADING_ROWS = (
    select(PaperItem.id, PaperItem.points, PaperItem.option_order, QuestionVersion.type, QuestionVersion.answer,
           Answer.value)
    .join(QuestionVersion, QuestionVersion.id == func.coalesce(PaperItem.graded_version_id,
                                                               PaperItem.question_version_id))
    .outerjoin(Answer, Answer.item_id == PaperItem.id)
    .where(PaperItem.attempt_id == bindparam("attempt_id")))
_SET_EARNED = (update(PaperItem.__table__).where(PaperItem.__table__.c.id == bindparam("b_id"))
               .values(earned=bindparam("b_earned")))


def item_marks(attempt: Attempt) -> dict[int, float]:
    """Each item's mark by its key and the stored answers (reads only; grade_attempt stores them)."""
    rule = attempt.exam.multiple_rule
    return {row.id: grading.grade_item(grading.ItemKey(type=row.type, points=row.points,
                                                       answer=display_answer(row, row.option_order)),
                                       row.value, rule)
            for row in db.session.execute(_GRADING_ROWS, {"attempt_id": attempt.id})}


def marks_total(marks: dict[int, float]) -> float:
    return round(sum(marks.values()), 2)


def grade_attempt(attempt: Attempt, now: datetime | None = None) -> float:
    """Mark every item of the attempt by its key and store the total."""
    db.session.flush()   # e.g. a regrade's new graded_version_id
    marks = [{"b_id": item_id, "b_earned": earned} for item_id, earned in item_marks(attempt).items()]
    if marks:
        db.session.execute(_SET_EARNED, marks)
    for loaded in [o for o in db.session.identity_map.values()
                   if isinstance(o, PaperItem) and o.attempt_id == attempt.id]:
        db.session.expire(loaded, ["earned"])
    attempt.score = marks_total({m["b_id"]: m["b_earned"] for m in marks})
    attempt.graded_at = now or utcnow()
    return attempt.score


def overdue_cutoff(now: datetime) -> datetime:
    """An in-progress attempt whose deadline is before this is overdue (timer.is_overdue)."""
    return now - timedelta(seconds=settings_grace())


def overdue_clause(now: datetime):
    """In progress but past the deadline and its grace: finalise_overdue will end it."""
    return and_(Attempt.status == IN_PROGRESS, Attempt.deadline_at < overdue_cutoff(now))


def finalise_overdue(now: datetime | None = None, exam_id: int | None = None) -> int:
    """Finalise every in-progress attempt whose deadline and grace have passed (safe to run from cron)."""
    now = now or utcnow()
    stmt = select(Attempt).where(overdue_clause(now))
    if exam_id is not None:
        stmt = stmt.where(Attempt.exam_id == exam_id)
    count = 0
    for attempt in db.session.scalars(stmt).all():
        if finish_attempt(attempt, FINALISED_OVERDUE, END_SERVER, now):
            count += 1
    return count


@dataclass
class SaveResult:
    saved: bool            # this request's answer is the stored one (False: an equal or newer seq was kept)
    seq: int               # the request's seq
    deadline_at: datetime
    server_time: datetime
    stored_value: object = None   # what is stored now (and graded), whichever request wrote it
    stored_seq: int = 0


# The autosave statements are built once: constructing SQLAlchemy statements per call cost more than running them.
_SAVE_LOOKUP = (
    select(Attempt.status, Attempt.deadline_at, Attempt.user_id, PaperItem.type, PaperItem.option_order,
           QuestionVersion.stem, User.session_nonce, User.active, User.role, User.must_change_password)
    .join(PaperItem, PaperItem.attempt_id == Attempt.id)
    .join(QuestionVersion, QuestionVersion.id == PaperItem.question_version_id)
    .join(User, User.id == Attempt.user_id)
    .where(Attempt.id == bindparam("attempt_id"), PaperItem.id == bindparam("item_id"))
    # PostgreSQL: a share lock on the attempt row until this save commits, so a concurrent submit's
    # UPDATE waits for it and grades it, or the save waits for the submit and sees it finished. Either
    # way no acknowledged save is left out of the grade. (SQLite serialises writers with BEGIN IMMEDIATE
    # and leaves the clause out.)
    .with_for_update(read=True, of=Attempt))
_UPSERTS: dict[str, object] = {}


def _answer_upsert(dialect: str):
    """INSERT … ON CONFLICT (item_id) DO UPDATE … WHERE answer.seq < excluded.seq, for this dialect."""
    stmt = _UPSERTS.get(dialect)
    if stmt is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        table = Answer.__table__
        stmt = insert(table).values(
            attempt_id=bindparam("attempt_id"), item_id=bindparam("item_id"),
            value=bindparam("value", type_=table.c.value.type), seq=bindparam("seq"),
            saved_at=bindparam("saved_at"))
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.item_id],
            set_={"value": stmt.excluded.value, "seq": stmt.excluded.seq, "saved_at": stmt.excluded.saved_at},
            where=table.c.seq < stmt.excluded.seq).returning(table.c.seq)   # no row: dropped as not newer
        _UPSERTS[dialect] = stmt
    return stmt


def save_answer(attempt_id: int, user_id: int, item_id: int, value: object, seq: int,
                now: datetime | None = None, *, session_nonce: str | None = None) -> SaveResult:
    """Store one answer; an older save (lower seq) never overwrites a newer one.

    The hot path of an exam: one lookup and one upsert. The attempt row is not written (the
    monitor's "last activity" is the latest answer's saved_at). With `session_nonce` (the API), the
    lookup also checks the candidate's session, in place of Flask-Login's separate user query.
    """
    now = now or utcnow()
    row = db.session.execute(_SAVE_LOOKUP, {"attempt_id": attempt_id, "item_id": item_id}).first()
    if row is None or row.user_id != user_id:
        raise ExamError("找不到这道题目。", status=404)
    if session_nonce is not None:
        if not row.active or row.role != CANDIDATE or row.session_nonce != session_nonce:
            raise ExamError(SESSION_REPLACED if row.active else "账号已停用。", status=401,
                            code="session_replaced" if row.active else "login_required")
        if row.must_change_password:
            raise ExamError("请先在页面上修改初始密码。", status=403)
    if row.status != IN_PROGRESS:
        raise ExamError("本次考试已交卷，不能再修改答案。", status=409)
    if not timer.accepts_save(row.deadline_at, now, settings_grace()):
        raise ExamError("考试时间已到，此次修改未能保存；此前已保存的答案有效。", status=409)
    keys = list(OPTION_KEYS[:len(row.option_order)])
    problem = grading.validate_response(row.type, value, keys, max(1, count_blanks(row.stem)))
    if problem:
        raise ExamError(problem, status=400)
    if row.type == "multiple" and isinstance(value, list):
        value = sorted(value)
    written = db.session.execute(_answer_upsert(db.engine.dialect.name),
                                 {"attempt_id": attempt_id, "item_id": item_id, "value": value, "seq": seq,
                                  "saved_at": now}).first()
    if written is not None:
        return SaveResult(saved=True, seq=seq, deadline_at=row.deadline_at, server_time=now,
                          stored_value=value, stored_seq=seq)
    # Dropped: another page of this attempt saved the item with an equal or newer seq. Say what is stored,
    # so the page shows that instead of "已保存" for an answer that will not be graded. (A retry of a save
    # that did get stored finds its own answer here and is saved.)
    stored_value, stored_seq = db.session.execute(_STORED_ANSWER, {"item_id": item_id}).one()
    return SaveResult(saved=stored_seq == seq and stored_value == value, seq=seq, deadline_at=row.deadline_at,
                      server_time=now, stored_value=stored_value, stored_seq=stored_seq)


_STORED_ANSWER = select(Answer.value, Answer.seq).where(Answer.item_id == bindparam("item_id"))


def saved_answers(attempt: Attempt) -> dict[int, tuple[object, int]]:
    return {item_id: (value, seq) for item_id, value, seq in db.session.execute(
        select(Answer.item_id, Answer.value, Answer.seq).where(Answer.attempt_id == attempt.id))}


def focus_warning(exam: Exam, focus_losses: int) -> bool:
    """Whether the candidate is warned at this count: from the exam's warning threshold on, and at every
    count under a force-submit limit (the candidate must know how many are left)."""
    if focus_losses <= 0:
        return False
    return bool(exam.focus_submit_after or (exam.focus_warn_after and focus_losses >= exam.focus_warn_after))


def record_focus_loss(attempt: Attempt, now: datetime | None = None, *, away_seconds: int | None = None) -> dict:
    """Count one time the candidate left the exam page and came back (the page reports it on return, with
    how long it was away; a reload or closing the page is never reported) and apply the exam's optional
    warn / force-submit policy."""
    now = now or utcnow()
    exam = attempt.exam
    if attempt.status != IN_PROGRESS:
        return {"focus_losses": attempt.focus_losses, "action": "none", "focus_limit": exam.focus_submit_after}
    db.session.execute(update(Attempt).where(Attempt.id == attempt.id)
                       .values(focus_losses=Attempt.focus_losses + 1, last_activity_at=now))
    detail = {} if away_seconds is None else {"away_seconds": away_seconds}
    db.session.add(AttemptEvent(attempt_id=attempt.id, at=now, kind="focus_loss", detail=detail))
    db.session.refresh(attempt)
    action = "none"
    if exam.focus_submit_after and attempt.focus_losses >= exam.focus_submit_after:
        finish_attempt(attempt, SUBMITTED, END_FOCUS_LIMIT, now)
        action = "submitted"
    elif focus_warning(exam, attempt.focus_losses):
        action = "warn"
    return {"focus_losses": attempt.focus_losses, "action": action, "focus_limit": exam.focus_submit_after}


# --- review ---------------------------------------------------------------------------------------

def review_level(attempt: Attempt, now: datetime | None = None) -> str:
    """What the candidate may see now: 'none' (still running), 'score', or 'full' (answers, 解析, article)."""
    now = now or utcnow()
    if not attempt.finished:
        return "none"
    policy = attempt.exam.review_policy
    if policy == REVIEW_AFTER_SUBMIT or (policy == REVIEW_AFTER_CLOSE and now >= attempt.exam.closes_at):
        return "full"
    return "score"


def attempt_state(attempt: Attempt, now: datetime | None = None) -> dict:
    """The attempt as the API returns it; keys and score only as the review policy allows."""
    now = now or utcnow()
    level = review_level(attempt, now)
    answers = saved_answers(attempt)
    data = {"attempt": attempt.id, "exam": attempt.exam_id, "status": attempt.status,
            "deadline": iso(attempt.deadline_at), "server_time": iso(now),
            "seconds_left": timer.seconds_left(attempt.deadline_at, now) if attempt.status == IN_PROGRESS else 0,
            "answers": [{"item": item_id, "answer": value, "seq": seq} for item_id, (value, seq) in answers.items()],
            "focus_losses": attempt.focus_losses, "focus_limit": attempt.exam.focus_submit_after,
            "focus_warning": attempt.status == IN_PROGRESS and focus_warning(attempt.exam, attempt.focus_losses)}
    if attempt.finished:
        data["end_reason"] = attempt.finished_by or None
        data["end_reason_label"] = attempt.end_description
    if level in ("score", "full"):
        data["score"] = attempt.score
        data["max_score"] = attempt.max_score
    return data


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


# The paper as shown: plain rows of the columns a candidate sees (present_item reads .type/.stem/.options).
_PAPER_ROWS = (
    select(PaperItem.id, PaperItem.points, PaperItem.section, PaperItem.option_order, QuestionVersion.type,
           QuestionVersion.stem, QuestionVersion.options)
    .join(QuestionVersion, QuestionVersion.id == PaperItem.question_version_id)
    .where(PaperItem.attempt_id == bindparam("attempt_id"))
    .order_by(PaperItem.position))


def paper_payload(attempt: Attempt, now: datetime | None = None) -> dict:
    """The running attempt's paper for the exam page: items in order, saved answers, the server's clock."""
    now = now or utcnow()
    data = attempt_state(attempt, now)
    data["title"] = attempt.exam.title
    data["items"] = [present_item(row, row.option_order, row.id, row.points, row.section)
                     for row in db.session.execute(_PAPER_ROWS, {"attempt_id": attempt.id})]
    return data


@dataclass
class CandidateExamRow:
    exam: Exam
    window: str            # upcoming | open | closed
    attempt_id: int | None
    attempt_status: str | None
    can_start: bool
    attempts_used: int
    score: float | None    # shown only when the review policy allows


def candidate_exam_rows(user: User, now: datetime | None = None) -> list[CandidateExamRow]:
    now = now or utcnow()
    rows = []
    for exam in db.session.scalars(select(Exam).where(Exam.status == PUBLISHED).order_by(Exam.opens_at.desc())):
        if not is_eligible(exam, user):
            continue
        attempts = [touch_attempt(a, now) for a in attempts_of(exam, user)]
        current = next((a for a in attempts if a.status == IN_PROGRESS), None)
        finished = [a for a in attempts if a.status in FINISHED]
        latest = current or (finished[-1] if finished else None)
        window = window_state(exam, now)
        can_start = window == "open" and (current is not None or len(finished) < exam.attempts_allowed)
        score = latest.score if latest is not None and review_level(latest, now) != "none" else None
        rows.append(CandidateExamRow(exam=exam, window=window, attempt_id=latest.id if latest else None,
                                     attempt_status=latest.status if latest else None, can_start=can_start,
                                     attempts_used=len(finished), score=score))
    return rows


def definition_problems_for(exam: Exam) -> list[str]:
    """What, today, would stop this exam's papers from being drawn (the bank may have changed)."""
    return assembly.check_blueprint(exam_sections(exam), active_pool())


def review_context(attempt: Attempt, now, *, force_full: bool = False) -> dict:
    """What the result page shows; organisers (force_full) always see the whole paper."""
    level = "full" if force_full else review_level(attempt, now)
    items = []
    if level == "full":
        answers = saved_answers(attempt)
        paper = db.session.scalars(select(PaperItem).where(PaperItem.attempt_id == attempt.id)
                                   .options(selectinload(PaperItem.version)).order_by(PaperItem.position)).all()
        numbers = {i.version.article_number for i in paper if i.version.article_number}
        articles = {a.number: a for a in db.session.scalars(select(Article).where(Article.number.in_(numbers)))}
        for position, item in enumerate(paper, start=1):
            response = answers.get(item.id, (None, 0))[0]
            items.append({"position": position, "item": item, "version": item.version,
                          "options": display_options(item.version, item.option_order),
                          "correct": display_answer(item.key_version, item.option_order),
                          "explanation": remap_option_letters(item.key_version.explanation, item.option_order),
                          "response": response, "earned": item.earned or 0,
                          "article": articles.get(item.version.article_number)})
    # An attempt in progress has no marks yet (a reopened one still carries its old ones).
    return {"attempt": attempt, "exam": attempt.exam, "level": level, "items": items,
            "graded": attempt.finished, "organiser_view": force_full,
            "passed": attempt.score is not None and attempt.score >= attempt.exam.pass_mark}


# --- regrade ---------------------------------------------------------------------------------------

@dataclass
class RegradeChange:
    attempt_id: int
    name: str
    old_score: float | None
    new_score: float | None


def regradable_questions(exam: Exam) -> list[dict]:
    """Questions on this exam's papers whose bank version is newer than the one that grades them."""
    rows = db.session.execute(
        select(Question, func.count(PaperItem.id))
        .join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .join(PaperItem, func.coalesce(PaperItem.graded_version_id, PaperItem.question_version_id) == QuestionVersion.id)
        .join(Attempt, Attempt.id == PaperItem.attempt_id)
        .where(Attempt.exam_id == exam.id, QuestionVersion.version < Question.version)
        .group_by(Question.id)).all()
    return [{"question": q, "items": n} for q, n in rows]


def regrade_question(exam: Exam, question_id: int, reason: str, *, actor_id: int | None = None,
                     now: datetime | None = None) -> list[RegradeChange]:
    """Grade this exam's items of a question by its current (corrected) version; keep old and new scores."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise ExamError("请填写重新评分的原因（将记入操作日志）。")
    question = db.session.get(Question, question_id)
    if question is None:
        raise ExamError("找不到这道题目。", status=404)
    current = question.current
    items = db.session.scalars(
        select(PaperItem).join(Attempt, Attempt.id == PaperItem.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == PaperItem.question_version_id)
        .where(Attempt.exam_id == exam.id, QuestionVersion.question_id == question_id)).all()
    changes: list[RegradeChange] = []
    for item in items:
        shown_keys = sorted(o["key"] for o in item.version.options or [])
        if sorted(o["key"] for o in current.options or []) != shown_keys or current.type != item.type:
            raise ExamError("更正后的题目与考生所见的题型或选项不一致，不能据此重新评分；请只更正答案或解析。")
        item.graded_version_id = current.id if current.id != item.question_version_id else None
    mark_versions_used([current.id])
    db.session.flush()
    for attempt in {item.attempt for item in items}:
        if attempt.status not in FINISHED:
            continue  # graded with the new key when it is submitted
        old = attempt.score
        new = grade_attempt(attempt, now)
        db.session.add(AttemptEvent(attempt_id=attempt.id, at=now, kind="regrade",
                                    detail={"question": question_id, "version": current.version,
                                            "old_score": old, "new_score": new, "reason": reason}))
        changes.append(RegradeChange(attempt.id, attempt.user.name, old, new))
    record("exam.regrade", target_type="exam", target_id=exam.id, reason=reason, actor_id=actor_id,
           summary=f"按题目 {question_id} 第 {current.version} 版重新评分，影响 {len(changes)} 份答卷",
           detail={"question": question_id, "version": current.version,
                   "changes": [{"attempt": c.attempt_id, "old": c.old_score, "new": c.new_score} for c in changes]})
    return changes
