"""Organiser pages for scoring rounds: inputs, scheme, computation, ranking and per-person breakdown."""
from __future__ import annotations

import json

import yaml
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from examapp.access.policy import roles_required
from examapp.access.roles import STAFF
from examapp.downloads import send_download
from examapp.exams.models import PUBLISHED, Exam
from examapp.extensions import db
from examapp.formutil import ConfirmForm, require_confirmed
from examapp.scoring import scheme_form as scheme_fields
from examapp.scoring import services, workbook
from examapp.scoring.forms import RoundForm, SchemeForm, WorkbookForm
from examapp.scoring.models import EvaluationRound, RoundComputation
from examapp.scoring.result import component_label
from examapp.scoring.scheme import MISSING_TREATMENTS
from examapp.settings.services import office_settings, placeholder_message
from examapp.yamlutil import YamlInputError, load_yaml

bp = Blueprint("scoring", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.app_template_filter("component_label")
def component_label_filter(key: str) -> str:
    return component_label(key)


@bp.app_template_filter("score")
def score_filter(value, precision: int = 2) -> str:
    """A score as printed: always ``precision`` decimals (88.00, not 88.0); missing → —."""
    return "—" if value is None else f"{value:.{int(precision)}f}"


@bp.route("/")
@roles_required(*STAFF)
def rounds():
    rows = db.session.scalars(select(EvaluationRound).order_by(EvaluationRound.created_at.desc())).all()
    return render_template("scoring/rounds.html", rounds=rows, form=RoundForm())


@bp.route("/new", methods=["POST"])
@roles_required(*STAFF)
def round_new():
    form = RoundForm()
    if not form.validate_on_submit():
        flash("请填写考评批次名称。", "danger")
        return redirect(url_for("scoring.rounds"))
    round_ = services.ensure_round(form.name.data)
    db.session.commit()
    return redirect(url_for("scoring.round_detail", round_id=round_.id))


@bp.route("/template.xlsx")
@roles_required(*STAFF)
def template():
    return send_download(workbook.template_workbook(), "考评数据导入模板.xlsx", XLSX)


def _detail(round_: EvaluationRound, *, problems=None, scheme_form=None, status=200, submitted=None):
    exams = [(e.id, e.title) for e in db.session.scalars(
        select(Exam).where(Exam.status == PUBLISHED).order_by(Exam.opens_at.desc()))]
    if scheme_form is None:
        scheme_form = SchemeForm()
        scheme_form.scheme.data = _scheme_yaml(round_)
    scheme = services.scheme_of(round_)
    if submitted is not None:   # the form as typed, so a refused save loses nothing
        values, counted = submitted.to_dict(), {int(x) for x in submitted.getlist("exams") if x.isdigit()}
    else:
        values, counted = scheme_fields.form_values(scheme), {c["exam_id"] for c in round_.counted_exams or []}
    return render_template("scoring/round.html", round=round_, counts=services.input_counts(round_),
                           import_form=WorkbookForm(), scheme_form=scheme_form, scheme=scheme, values=values,
                           exams=exams, counted=counted, form_help=scheme_form_help(),
                           compute_form=ConfirmForm(), problems=problems or [], settings=office_settings(),
                           latest=services.latest_computation(round_)), status


@bp.route("/<int:round_id>")
@roles_required(*STAFF)
def round_detail(round_id: int):
    return _detail(db.get_or_404(EvaluationRound, round_id))


@bp.route("/<int:round_id>/import", methods=["POST"])
@roles_required(*STAFF)
def round_import(round_id: int):
    round_ = db.get_or_404(EvaluationRound, round_id)
    form = WorkbookForm()
    if not form.validate_on_submit():
        return _detail(round_, problems=[e for errors in form.errors.values() for e in errors])
    try:
        result = services.import_workbook(round_, form.file.data.read(), actor_id=current_user.id)
    except services.ScoringError as exc:
        db.session.rollback()
        return _detail(round_, problems=[str(p) for p in exc.problems] or [str(exc)])
    db.session.commit()
    flash("导入成功。" + "".join(f"（提示：{n}）" for n in result.notes[:5]), "success")
    return redirect(url_for("scoring.round_detail", round_id=round_.id))


@bp.route("/<int:round_id>/scheme", methods=["POST"])
@roles_required(*STAFF)
def round_scheme(round_id: int):
    round_ = db.get_or_404(EvaluationRound, round_id)
    form = SchemeForm()
    if not form.validate_on_submit():
        return _detail(round_, scheme_form=form)
    try:
        data = load_yaml(form.scheme.data) or {}
        if not isinstance(data, dict):
            raise services.ScoringError("方案应为 YAML 键值对象")
        services.set_scheme(round_, data, actor_id=current_user.id)
    except YamlInputError as exc:
        return _detail(round_, scheme_form=form, problems=[str(exc)])
    except services.ScoringError as exc:
        db.session.rollback()
        return _detail(round_, scheme_form=form, problems=exc.problems or [str(exc)])
    db.session.commit()
    flash("计分方案已保存。", "success")
    return redirect(url_for("scoring.round_detail", round_id=round_.id))


def scheme_form_help() -> dict:
    return {"methods": scheme_fields.methods_for, "aggregations": scheme_fields.aggregation_choices(),
            "missing": scheme_fields.missing_choices()}


def _scheme_yaml(round_: EvaluationRound) -> str:
    return yaml.safe_dump(services.scheme_of(round_).to_dict(), allow_unicode=True, sort_keys=False)


@bp.route("/<int:round_id>/scheme/form", methods=["POST"])
@roles_required(*STAFF)
def round_scheme_form(round_id: int):
    """Save the scheme form: the same validator as the YAML, then the counted exams; all or nothing."""
    round_ = db.get_or_404(EvaluationRound, round_id)
    require_confirmed()
    try:
        data = scheme_fields.dict_from_form(request.form, services.scheme_of(round_))
        services.set_scheme(round_, data, actor_id=current_user.id)
        exam_ids = sorted({int(x) for x in request.form.getlist("exams") if x.isdigit()})
        if exam_ids != sorted(c["exam_id"] for c in round_.counted_exams or []):
            services.set_counted_exams(round_, exam_ids, actor_id=current_user.id)
    except services.ScoringError as exc:
        db.session.rollback()
        return _detail(round_, problems=exc.problems or [str(exc)], submitted=request.form, status=400)
    db.session.commit()
    flash("计分方案已保存。", "success")
    return redirect(url_for("scoring.round_detail", round_id=round_.id))


@bp.route("/<int:round_id>/scheme.yaml")
@roles_required(*STAFF)
def scheme_yaml(round_id: int):
    round_ = db.get_or_404(EvaluationRound, round_id)
    return send_download(_scheme_yaml(round_).encode("utf-8"), f"{round_.name}-计分方案.yaml",
                         "text/yaml; charset=utf-8")


@bp.route("/<int:round_id>/compute", methods=["POST"])
@roles_required(*STAFF)
def round_compute(round_id: int):
    round_ = db.get_or_404(EvaluationRound, round_id)
    require_confirmed()
    computation = services.compute_round(round_, actor_id=current_user.id)
    db.session.commit()
    return redirect(url_for("scoring.ranking", round_id=round_.id, computation_id=computation.id))


def _computation(round_id: int, computation_id: int) -> RoundComputation:
    computation = db.get_or_404(RoundComputation, computation_id)
    if computation.round_id != round_id:
        abort(404)
    return computation


@bp.route("/<int:round_id>/results/<int:computation_id>")
@roles_required(*STAFF)
def ranking(round_id: int, computation_id: int):
    round_ = db.get_or_404(EvaluationRound, round_id)
    computation = _computation(round_id, computation_id)
    result = computation.result
    indexed = list(enumerate(result["results"]))
    ranked = sorted(indexed, key=lambda p: (p[1]["rank"] is None, p[1]["rank"] or 0))
    treatment_ranks = {row["organization"]: row["ranks"] for row in result.get("treatment_ranks", [])}
    return render_template("scoring/ranking.html", round=round_, computation=computation, result=result,
                           ranked=ranked, precision=result["scheme"].get("precision", 2),
                           treatments=MISSING_TREATMENTS, treatment_ranks=treatment_ranks,
                           robust={row["organization"]: row for row in result.get("robustness", [])},
                           settings=office_settings(), placeholder=placeholder_message())


@bp.route("/<int:round_id>/results/<int:computation_id>/people/<int:index>")
@roles_required(*STAFF)
def person(round_id: int, computation_id: int, index: int):
    round_ = db.get_or_404(EvaluationRound, round_id)
    computation = _computation(round_id, computation_id)
    people = computation.result["results"]
    if not 0 <= index < len(people):
        abort(404)
    robustness = next((r for r in computation.result["robustness"]
                       if r["organization"] == people[index]["organization"]), None)
    return render_template("scoring/person.html", round=round_, computation=computation, result=computation.result,
                           person=people[index], robustness=robustness,
                           precision=computation.result["scheme"].get("precision", 2), settings=office_settings())


@bp.route("/<int:round_id>/results/<int:computation_id>/export.<fmt>")
@roles_required(*STAFF)
def export(round_id: int, computation_id: int, fmt: str):
    round_ = db.get_or_404(EvaluationRound, round_id)
    computation = _computation(round_id, computation_id)
    if fmt == "json":
        content = json.dumps(computation.result, ensure_ascii=False, indent=2).encode("utf-8")
        return send_download(content, f"{round_.name}-综合得分.json", "application/json")
    if fmt == "xlsx":
        return send_download(services.computation_workbook(computation), f"{round_.name}-综合得分.xlsx", XLSX)
    abort(404)
