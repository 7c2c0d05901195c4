"""Published rankings and results for every role: the table, PDF, Excel and score cards."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from examapp.access.policy import roles_required
from examapp.access.roles import CANDIDATE, STAFF
from examapp.downloads import send_download
from examapp.exams.models import Exam
from examapp.extensions import db
from examapp.formutil import ConfirmForm, require_confirmed
from examapp.publishing import documents
from examapp.publishing import services as publishing
from examapp.publishing.models import SNAPSHOT_EXAM, SNAPSHOT_RANKING, Snapshot
from examapp.reports.fonts import FontError
from examapp.scoring.models import EvaluationRound

bp = Blueprint("published", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _visible(snapshot_id: int) -> Snapshot:
    snapshot = db.get_or_404(Snapshot, snapshot_id)
    if current_user.role not in STAFF and not publishing.is_current(snapshot):
        abort(404)
    return snapshot


@bp.route("/")
@roles_required()
def index():
    return render_template("published/index.html", snapshots=publishing.visible_snapshots(current_user),
                           is_current=publishing.is_current)


@bp.route("/<int:snapshot_id>")
@roles_required()
def snapshot(snapshot_id: int):
    snap = _visible(snapshot_id)
    own = current_user.organization.name if current_user.organization else None
    return render_template("published/snapshot.html", snapshot=snap, content=snap.content, own=own,
                           history=publishing.history(snap) if current_user.role in STAFF else [],
                           show_accountability=current_user.role != CANDIDATE, verified=publishing.verify(snap),
                           public_sha256=publishing.public_sha256(snap) if snap.kind == SNAPSHOT_RANKING else None,
                           current=publishing.is_current(snap), form=ConfirmForm())


def _pdf_response(make, filename: str):
    try:
        content = make()
    except FontError as exc:
        flash(str(exc), "danger")
        return redirect(request.referrer or url_for("published.index"))
    return send_download(content, filename, "application/pdf", inline=True)


@bp.route("/<int:snapshot_id>/document.pdf")
@roles_required()
def document_pdf(snapshot_id: int):
    snap = _visible(snapshot_id)
    include = current_user.role != CANDIDATE
    return _pdf_response(lambda: documents.league_table_pdf(snap, include_accountability=include),
                         f"{snap.title}.pdf")


@bp.route("/<int:snapshot_id>/table.xlsx")
@roles_required()
def table_xlsx(snapshot_id: int):
    snap = _visible(snapshot_id)
    content = documents.snapshot_workbook(snap, include_accountability=current_user.role != CANDIDATE)
    return send_download(content, f"{snap.title}.xlsx", XLSX)


@bp.route("/<int:snapshot_id>/cards/<path:organization>.pdf")
@roles_required()
def score_card(snapshot_id: int, organization: str):
    snap = _visible(snapshot_id)
    if snap.kind != SNAPSHOT_RANKING or not publishing.may_see_score_card(current_user, snap, organization):
        abort(403 if snap.kind == SNAPSHOT_RANKING else 404)
    if organization not in snap.content.get("people", {}):
        abort(404)
    return _pdf_response(lambda: documents.score_card_pdf(snap, organization), f"个人得分卡-{organization}.pdf")


# --- organiser actions -----------------------------------------------------------------------

@bp.route("/rounds/<int:round_id>/publish", methods=["POST"])
@roles_required(*STAFF)
def publish_round(round_id: int):
    round_ = db.get_or_404(EvaluationRound, round_id)
    return _publish(SNAPSHOT_RANKING, round_=round_)


@bp.route("/exams/<int:exam_id>/publish", methods=["POST"])
@roles_required(*STAFF)
def publish_exam(exam_id: int):
    exam = db.get_or_404(Exam, exam_id)
    return _publish(SNAPSHOT_EXAM, exam=exam)


def _publish(kind, **target):
    require_confirmed()
    final = request.form.get("mode") == "final"
    days = request.form.get("days", type=int) or 5     # bounded by publishing.publish
    snap = publishing.publish(kind, final=final, objection_days=days, reason=request.form.get("reason", ""),
                              actor_id=current_user.id, **target)
    db.session.commit()
    flash(f"已发布{'正式' if final else '公示'}稿（第 {snap.id} 号，SHA-256 {snap.sha256[:16]}…）。", "success")
    return redirect(url_for("published.snapshot", snapshot_id=snap.id))


@bp.route("/<int:snapshot_id>/finalise", methods=["POST"])
@roles_required(*STAFF)
def finalise(snapshot_id: int):
    snap = db.get_or_404(Snapshot, snapshot_id)
    require_confirmed()
    final = publishing.finalise(snap, actor_id=current_user.id)
    db.session.commit()
    flash(f"已转为正式发布（第 {final.id} 号）。", "success")
    return redirect(url_for("published.snapshot", snapshot_id=final.id))
