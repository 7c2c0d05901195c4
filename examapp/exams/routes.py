"""Candidate pages: my exams, the start page, the exam page and the result/review page."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from examapp.access.policy import roles_required
from examapp.access.roles import CANDIDATE
from examapp.exams import grading, results
from examapp.exams.attempts import start_attempt, touch_attempt
from examapp.exams.models import IN_PROGRESS, REVIEW_LABELS, Attempt, Exam
from examapp.exams.review import candidate_exam_rows, review_context
from examapp.extensions import db
from examapp.formutil import ConfirmForm, require_confirmed
from examapp.timeutil import utcnow

bp = Blueprint("exams", __name__)


@bp.route("/exams")
@roles_required(CANDIDATE)
def my_exams():
    rows = candidate_exam_rows(current_user)
    db.session.commit()
    return render_template("exams/my_exams.html", rows=rows)   # the today card: learning_summary()


@bp.route("/exams/<int:exam_id>")
@roles_required(CANDIDATE)
def start_page(exam_id: int):
    exam = db.get_or_404(Exam, exam_id)
    row = next((r for r in candidate_exam_rows(current_user) if r.exam.id == exam.id), None)
    if row is None:
        abort(404)
    db.session.commit()
    return render_template("exams/start.html", exam=exam, row=row, form=ConfirmForm(),
                           rules=grading.MULTIPLE_RULES, review_labels=REVIEW_LABELS)


@bp.route("/exams/<int:exam_id>/start", methods=["POST"])
@roles_required(CANDIDATE)
def start(exam_id: int):
    exam = db.get_or_404(Exam, exam_id)
    require_confirmed()
    attempt = start_attempt(exam, current_user)
    db.session.commit()
    return redirect(url_for("exams.attempt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>")
@roles_required(CANDIDATE)
def attempt(attempt_id: int):
    attempt = db.get_or_404(Attempt, attempt_id)
    if attempt.user_id != current_user.id:
        abort(404)
    now = utcnow()
    touch_attempt(attempt, now)
    db.session.commit()
    if attempt.status == IN_PROGRESS:
        return render_template("exams/take.html", attempt=attempt, exam=attempt.exam)
    context = review_context(attempt, now)
    if context["level"] == "full" and now >= attempt.exam.closes_at:
        context["rank"], context["sat"] = results.rank_of(attempt.exam, current_user.id)
        context["weak_articles"] = results.candidate_weak_articles(attempt)
    return render_template("exams/result.html", **context)
