"""The JSON API the exam page uses (documented in the README): list, start, state, save, submit, events."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from examapp.access.policy import candidate_session, roles_required
from examapp.access.roles import CANDIDATE
from examapp.exams.attempts import record_focus_loss, start_attempt, submit_attempt, touch_attempt
from examapp.exams.autosave import save_answer
from examapp.exams.models import END_CANDIDATE, END_TIMER, Attempt, Exam
from examapp.exams.review import attempt_state, candidate_exam_rows, iso, paper_payload
from examapp.exams.services import ExamError
from examapp.extensions import db
from examapp.jsonbody import read_json_object as json_object
from examapp.timeutil import utcnow

bp = Blueprint("api", __name__)


# An ExamError is answered by the app-level handler (examapp.errors): /api/ paths always get JSON.


def _own_attempt(attempt_id: int) -> Attempt:
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        raise ExamError("找不到这次作答。", status=404)
    return attempt


# --- request bodies ------------------------------------------------------------------------------
# Checked by hand (the autosave is the hot path): JSON object, known fields only, bounded sizes.
MAX_BODY_BYTES = 16 * 1024
MAX_ID = 2**31 - 1                # PostgreSQL's integer; seq is bigint but needs no more
MAX_ANSWER_ITEMS = 20             # options of a multiple-choice item, blanks of a fill-in item
MAX_ANSWER_CHARS = 200            # one option key or one blank (the page's maxlength, as grading checks)
SAVE_FIELDS = ("item", "answer", "seq")
SUBMIT_FIELDS = ("reason",)
SUBMIT_REASONS = {"candidate": END_CANDIDATE, "timeout": END_TIMER}
EVENT_FIELDS = ("kind", "away_seconds")
EVENT_KINDS = ("focus_loss",)
MAX_AWAY_SECONDS = 7 * 24 * 3600


def _bad(message: str) -> ExamError:
    return ExamError(message, status=400)


def read_json_object(fields: tuple[str, ...], *, required: bool = True) -> dict:
    """The request's JSON object of those fields (``examapp.jsonbody``), refused as an ``ExamError``."""
    return json_object(fields, error=ExamError, max_bytes=MAX_BODY_BYTES, required=required)


def _int_field(data: dict, name: str, low: int) -> int:
    if name not in data:
        raise _bad(f"缺少字段 {name}。")
    value = data[name]
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= MAX_ID:
        raise _bad(f"字段 {name} 应为 {low} 到 {MAX_ID} 之间的整数。")
    return value


def _answer_field(data: dict) -> object:
    """The answer's outer shape and size; save_answer checks it against the question's type."""
    if "answer" not in data:
        raise _bad("缺少字段 answer（清空答案时为 null）。")
    value = data["answer"]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if len(value) > MAX_ANSWER_CHARS:
            raise _bad(f"字段 answer 过长（最多 {MAX_ANSWER_CHARS} 个字）。")
        return value
    if isinstance(value, list):
        if len(value) > MAX_ANSWER_ITEMS:
            raise _bad(f"字段 answer 最多 {MAX_ANSWER_ITEMS} 项。")
        if not all(isinstance(v, str) and len(v) <= MAX_ANSWER_CHARS for v in value):
            raise _bad(f"字段 answer 的每一项应为不超过 {MAX_ANSWER_CHARS} 个字的文字。")
        return value
    raise _bad("字段 answer 应为选项字母、选项字母列表、true/false、填空文字列表或 null。")


def parse_save(data: dict) -> tuple[int, object, int]:
    """(item, answer, seq) of an autosave body {"item": int, "answer": ..., "seq": int}."""
    return _int_field(data, "item", 1), _answer_field(data), _int_field(data, "seq", 0)


def parse_submit(data: dict) -> str:
    """Who submits: "candidate" (the button) or "timer" (the page's countdown reached zero)."""
    reason = data.get("reason", "candidate")
    if reason not in SUBMIT_REASONS:
        raise _bad("字段 reason 应为 candidate 或 timeout。")
    return SUBMIT_REASONS[reason]


def parse_event(data: dict) -> tuple[str, int | None]:
    """(kind, away_seconds): the page reports a focus loss when the candidate comes back, with the time away."""
    kind = data.get("kind")
    if kind not in EVENT_KINDS:
        raise _bad(f"未知的事件类型（字段 kind 应为 {'、'.join(EVENT_KINDS)}）。")
    away = data.get("away_seconds")
    if away is not None and (not isinstance(away, int) or isinstance(away, bool) or not 0 <= away <= MAX_AWAY_SECONDS):
        raise _bad(f"字段 away_seconds 应为 0 到 {MAX_AWAY_SECONDS} 之间的整数（离开的秒数）。")
    return kind, away


@bp.get("/exams")
@roles_required(CANDIDATE)
def list_exams():
    now = utcnow()
    return jsonify({"server_time": iso(now), "exams": [
        {"id": row.exam.id, "title": row.exam.title, "opens_at": iso(row.exam.opens_at),
         "closes_at": iso(row.exam.closes_at), "duration_minutes": row.exam.duration_minutes,
         "window": row.window, "attempt": row.attempt_id, "attempt_status": row.attempt_status,
         "can_start": row.can_start}
        for row in candidate_exam_rows(current_user, now)]})


@bp.post("/exams/<int:exam_id>/attempts")
@roles_required(CANDIDATE)
def start(exam_id: int):
    read_json_object((), required=False)
    exam = db.session.get(Exam, exam_id)
    if exam is None:
        raise ExamError("找不到这场考试。", status=404)
    now = utcnow()
    attempt = start_attempt(exam, current_user, now)
    payload = paper_payload(attempt, now)
    db.session.commit()
    return jsonify(payload)


@bp.get("/attempts/<int:attempt_id>")
@roles_required(CANDIDATE)
def state(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    now = utcnow()
    touch_attempt(attempt, now)
    payload = attempt_state(attempt, now)
    db.session.commit()
    return jsonify(payload)


@bp.post("/attempts/<int:attempt_id>/answers")
@candidate_session
def save(attempt_id: int, session_user: tuple[int, str]):
    item, answer, seq = parse_save(read_json_object(SAVE_FIELDS))
    user_id, nonce = session_user
    result = save_answer(attempt_id, user_id, item, answer, seq, session_nonce=nonce)
    db.session.commit()
    return jsonify({"saved": result.saved, "seq": result.seq,
                    "stored": {"answer": result.stored_value, "seq": result.stored_seq},
                    "deadline": iso(result.deadline_at), "server_time": iso(result.server_time)})


@bp.post("/attempts/<int:attempt_id>/submit")
@roles_required(CANDIDATE)
def submit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    by = parse_submit(read_json_object(SUBMIT_FIELDS, required=False))
    now = utcnow()
    submit_attempt(attempt, by, now)
    payload = attempt_state(attempt, now)
    db.session.commit()
    return jsonify(payload)


@bp.post("/attempts/<int:attempt_id>/events")
@roles_required(CANDIDATE)
def event(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    _, away_seconds = parse_event(read_json_object(EVENT_FIELDS))
    result = record_focus_loss(attempt, away_seconds=away_seconds)
    db.session.commit()
    return jsonify(result)

