"""The landing page after login: what each role starts from."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from examapp.access.policy import public, roles_required
from examapp.access.roles import CANDIDATE, STAFF, VIEWER
from examapp.accounts.models import PartyOrganization, User
from examapp.bank.services import bank_summary
from examapp.dashboard import COUNT_LABELS, current_round, exam_cards, live_counts, round_status
from examapp.extensions import db

bp = Blueprint("home", __name__)


@bp.route("/")
@roles_required()
def index():
    if current_user.role in STAFF:
        counts = {
            "organizations": db.session.scalar(select(func.count(PartyOrganization.id))),
            "candidates": db.session.scalar(select(func.count(User.id)).where(User.role == CANDIDATE)),
            "active_candidates": db.session.scalar(
                select(func.count(User.id)).where(User.role == CANDIDATE, User.active.is_(True))),
        }
        counts.update(bank_summary())
        round_ = current_round()
        cards = exam_cards()
        return render_template("home/staff.html", counts=counts, exams=cards, count_labels=COUNT_LABELS,
                               round=round_status(round_) if round_ else None)
    if current_user.role == VIEWER:
        return redirect(url_for("published.index"))
    return redirect(url_for("exams.my_exams"))


@bp.route("/dashboard.json")
@roles_required(*STAFF)
def dashboard_json():
    return live_counts()


@bp.route("/healthz")
@public
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}
