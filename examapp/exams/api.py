"""The JSON API the exam page uses (documented in the README): list, start, state, save, submit, events."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from examapp.accounts.policy import roles_required
from examapp.accounts.roles import CANDIDATE
from examapp.exams import services
from examapp.exams.models import Attempt, Exam
from examapp.exams.services import ExamError, iso
from examapp.extensions import db
from examapp.timeutil import utcnow

bp = Blueprint("api", __name__)


@bp.errorhandler(ExamError)
def exam_error(exc: ExamError):
    db.session.rollback()
    return jsonify({"error": str(exc), "status": exc.status}), exc.status


def _own_attempt(attempt_id: int) -> Attempt:
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        raise ExamError("找不到这次作答。", status=404)
    return attempt


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ExamError("请求内容应为 JSON 对象。", status=400)
    return data


@bp.get("/exams")
@roles_required(CANDIDATE)
def list_exams():
    now = utcnow()
    return jsonify({"server_time": iso(now), "exams": [
        {"id": row.exam.id, "title": row.exam.title, "opens_at": iso(row.exam.opens_at),
         "closes_at": iso(row.exam.closes_at), "duration_minutes": row.exam.duration_minutes,
         "window": row.window, "attempt": row.attempt_id, "attempt_status": row.attempt_status,
         "can_start": row.can_start}
        for row in services.candidate_exam_rows(current_user, now)]})


@bp.post("/exams/<int:exam_id>/attempts")
@roles_required(CANDIDATE)
def start(exam_id: int):
    exam = db.session.get(Exam, exam_id)
    if exam is None:
        raise ExamError("找不到这场考试。", status=404)
    now = utcnow()
    attempt = services.start_attempt(exam, current_user, now)
    payload = services.paper_payload(attempt, now)
    db.session.commit()
    return jsonify(payload)


@bp.get("/attempts/<int:attempt_id>")
@roles_required(CANDIDATE)
def state(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    now = utcnow()
    services.touch_attempt(attempt, now)
    payload = services.attempt_state(attempt, now)
    db.session.commit()
    return jsonify(payload)


@bp.post("/attempts/<int:attempt_id>/answers")
@roles_required(CANDIDATE)
def save(attempt_id: int):
    data = _json_body()
    item, seq = data.get("item"), data.get("seq")
    if not isinstance(item, int) or not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ExamError("请求应包含题目编号 item 和序号 seq。", status=400)
    result = services.save_answer(attempt_id, current_user.id, item, data.get("answer"), seq)
    db.session.commit()
    return jsonify({"saved": True, "seq": result.seq, "deadline": iso(result.deadline_at),
                    "server_time": iso(result.server_time)})


@bp.post("/attempts/<int:attempt_id>/submit")
@roles_required(CANDIDATE)
def submit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    by = "timer" if (request.get_json(silent=True) or {}).get("reason") == "timeout" else "candidate"
    now = utcnow()
    services.submit_attempt(attempt, by, now)
    payload = services.attempt_state(attempt, now)
    db.session.commit()
    return jsonify(payload)


@bp.post("/attempts/<int:attempt_id>/events")
@roles_required(CANDIDATE)
def event(attempt_id: int):
    data = _json_body()
    if data.get("kind") != "focus_loss":
        raise ExamError("未知的事件类型。", status=400)
    attempt = _own_attempt(attempt_id)
    result = services.record_focus_loss(attempt)
    db.session.commit()
    return jsonify(result)

