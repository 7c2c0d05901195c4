"""Organiser pages for exams: list, define (with the blueprint checked against the bank), preview, publish."""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from examapp.access.policy import roles_required
from examapp.access.roles import STAFF
from examapp.accounts.services import list_organizations
from examapp.bank import qtypes
from examapp.bank.core import int_to_cn_numeral
from examapp.bank.documents import chapters_of
from examapp.bank.models import Document
from examapp.bank.services import current_documents, default_document_id
from examapp.downloads import send_download
from examapp.exams import grading, proctoring, results, services
from examapp.exams.assembly import BlueprintError, Section
from examapp.exams.attempts import as_finalised
from examapp.exams.forms import ExamForm, InterventionForm, exam_form, parse_article_list
from examapp.exams.marking import regradable_questions, regrade_question
from examapp.exams.models import FINISHED, IN_PROGRESS, READY, REVIEW_LABELS, Attempt, Exam
from examapp.exams.review import iso, review_context
from examapp.extensions import db
from examapp.formutil import ConfirmForm, choices, require_confirmed
from examapp.timeutil import local_to_utc, to_local, utcnow

bp = Blueprint("manage_exams", __name__)


def _exam_document(exam: Exam | None) -> int | None:
    """The document an exam's sections draw from (the form sets one for all of them); None: the 《条例》."""
    return next((s.document for s in services.exam_sections(exam)), None) if exam else None


def _prepare(form: ExamForm, exam: Exam | None,
             revisions: dict[int, services.DocumentRevision]) -> dict[int, list[tuple[int, str]]]:
    """Fill the form's choices; return every 现行 document's chapters, which the page's script shows in the
    限定章 lists when the chosen document changes. An exam on a document revised since is shown on the revision."""
    form.organizations.choices = choices((o.id, o.name) for o in list_organizations())
    documents = current_documents()
    form.document.choices = choices((d.id, d.titled_number) for d in documents)
    default = default_document_id()
    if request.method == "GET":
        named = _exam_document(exam)
        form.document.data = revisions[named].new.id if named in revisions else named or default
    chapters = chapters_of(d.id for d in documents)
    chosen = form.document.data if form.document.data in chapters else default
    for _, sub in form.section_forms():
        sub.chapters.choices = choices(chapters.get(chosen, []))
    return chapters


def _offer_missing_chapters(form: ExamForm) -> None:
    """Keep a stored chapter the chosen document no longer has (a revision removed it) ticked in its list, so
    saving refuses it with the reason instead of silently dropping the restriction."""
    for _, sub in form.section_forms():
        offered = {choice.value for choice in sub.chapters.choices}
        sub.chapters.choices += choices((c, f"第{int_to_cn_numeral(c)}章（现行版本中已无此章）")
                                        for c in sub.chapters.data or () if c not in offered)


def _definition(form: ExamForm) -> services.ExamDefinition:
    sections = []
    document = services.section_document(form.document.data)
    for qtype, sub in form.section_forms():
        count = sub.count.data or 0
        if not count:
            continue
        try:
            articles = parse_article_list(sub.articles.data)
        except ValueError as exc:
            raise services.ExamError(f"{qtypes.label(qtype)}：{exc}", [f"{qtypes.label(qtype)}：{exc}"]) from exc
        mix = tuple((level, n) for level, n in ((1, sub.easy.data), (2, sub.medium.data), (3, sub.hard.data)) if n)
        sections.append(Section(type=qtype, count=count, points=float(sub.points.data or 0),
                                chapters=tuple(sub.chapters.data or ()), articles=articles, difficulty=mix,
                                document=document))
    chosen = form.audience.data == "chosen"
    return services.ExamDefinition(
        title=form.title.data or "", description=form.description.data or "",
        opens_at=local_to_utc(form.opens_at.data), closes_at=local_to_utc(form.closes_at.data),
        duration_minutes=form.duration_minutes.data, sections=sections,
        attempts_allowed=form.attempts_allowed.data or 1, shuffle_questions=form.shuffle_questions.data,
        shuffle_options=form.shuffle_options.data, multiple_rule=form.multiple_rule.data,
        pass_mark=form.pass_mark.data, review_policy=form.review_policy.data,
        focus_warn_after=form.focus_warn_after.data, focus_submit_after=form.focus_submit_after.data,
        audience_all=not chosen, organization_ids=tuple(form.organizations.data or ()) if chosen else ())


def _fill(form: ExamForm, exam: Exam) -> None:
    for name in ("title", "description", "duration_minutes", "attempts_allowed", "multiple_rule", "review_policy",
                 "shuffle_questions", "shuffle_options", "focus_warn_after", "focus_submit_after"):
        getattr(form, name).data = getattr(exam, name)
    form.pass_mark.data = f"{exam.pass_mark:g}"
    form.opens_at.data = to_local(exam.opens_at).replace(tzinfo=None)
    form.closes_at.data = to_local(exam.closes_at).replace(tzinfo=None)
    form.audience.data = "all" if exam.audience_all else "chosen"
    form.organizations.data = [o.id for o in exam.audience_organizations]
    by_type = {s["type"]: Section.from_dict(s) for s in exam.sections}
    for qtype, sub in form.section_forms():
        section = by_type.get(qtype)
        sub.count.data = section.count if section else 0
        sub.points.data = section.points if section else qtypes.get(qtype).default_section[1]
        sub.chapters.data = list(section.chapters) if section else []
        sub.articles.data = ",".join(map(str, section.articles)) if section else ""
        mix = dict(section.difficulty) if section else {}
        sub.easy.data, sub.medium.data, sub.hard.data = mix.get(1), mix.get(2), mix.get(3)


def _save(form: ExamForm, exam: Exam | None):
    try:
        saved = services.save_exam(_definition(form), exam, actor_id=current_user.id)
    except services.ExamError as exc:
        db.session.rollback()
        return None, exc.problems or [str(exc)]
    db.session.commit()
    return saved, []


def _flash_review_warning(exam: Exam) -> None:
    warning = services.review_warning(exam)
    if warning:
        flash(warning, "warning")


@bp.route("/")
@roles_required(*STAFF)
def exams():
    rows = []
    for exam in db.session.scalars(select(Exam).order_by(Exam.opens_at.desc())):
        counts = dict(db.session.execute(select(Attempt.status, func.count(Attempt.id))
                                         .where(Attempt.exam_id == exam.id).group_by(Attempt.status)).all())
        rows.append({"exam": exam, "ready": counts.get(READY, 0), "running": counts.get(IN_PROGRESS, 0),
                     "finished": sum(counts.get(s, 0) for s in FINISHED)})
    return render_template("exams/manage_list.html", rows=rows)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def exam_new():
    return _exam_form(None)


@bp.route("/<int:exam_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def exam_edit(exam_id: int):
    return _exam_form(db.get_or_404(Exam, exam_id))


def _exam_form(exam: Exam | None):
    """The exam form: a new exam (saved as a draft, sections prefilled) or an existing one."""
    form = exam_form()
    revisions = services.document_revisions(services.exam_sections(exam)) if exam else {}
    chapters = _prepare(form, exam, revisions)
    warnings = []
    if request.method == "GET":
        if exam is None:
            for qtype, sub in form.section_forms():
                sub.count.data, sub.points.data = qtypes.get(qtype).default_section
        else:
            _fill(form, exam)
            _offer_missing_chapters(form)
            if revisions:
                document = services.section_document(form.document.data)
                warnings = services.chapter_problems([replace(s, document=document)
                                                      for s in services.exam_sections(exam)])
    problems = []
    if form.validate_on_submit():
        saved, problems = _save(form, exam)
        if saved:
            flash("考试已保存为草稿。请预览试卷，确认后发布。" if exam is None else "已保存。", "success")
            _flash_review_warning(saved)
            return redirect(url_for("manage_exams.exam_detail", exam_id=saved.id))
    return render_template("exams/manage_form.html", form=form, exam=exam, problems=problems, chapters=chapters,
                           revisions=list(revisions.values()), warnings=warnings)


@bp.route("/<int:exam_id>")
@roles_required(*STAFF)
def exam_detail(exam_id: int):
    exam = db.get_or_404(Exam, exam_id)
    eligible = db.session.scalar(select(func.count()).select_from(services.eligible_users_query(exam).subquery()))
    problems = services.definition_problems_for(exam)
    sections = services.exam_sections(exam)
    return render_template("exams/manage_detail.html", exam=exam, eligible=eligible, problems=problems,
                           regradable=regradable_questions(exam), regrade_form=InterventionForm(),
                           sections=sections, revisions=services.document_revisions(sections), types=qtypes.labels(),
                           documents={d.id: d.display_title for d in db.session.scalars(select(Document))},
                           rules=grading.MULTIPLE_RULES, review_labels=REVIEW_LABELS, form=ConfirmForm(),
                           review_warning=services.review_warning(exam))


@bp.route("/<int:exam_id>/publish", methods=["POST"])
@roles_required(*STAFF)
def exam_publish(exam_id: int):
    exam = db.get_or_404(Exam, exam_id)
    require_confirmed()
    drawn = services.publish_exam(exam, actor_id=current_user.id)
    db.session.commit()
    flash(f"考试已发布，已为 {drawn} 名考生预先生成试卷。", "success")
    return redirect(url_for("manage_exams.exam_detail", exam_id=exam.id))


@bp.route("/<int:exam_id>/preview")
@roles_required(*STAFF)
def exam_preview(exam_id: int):
    exam = db.get_or_404(Exam, exam_id)
    try:
        items = services.sample_paper(exam, shuffle_questions=exam.shuffle_questions,
                                      shuffle_options=exam.shuffle_options)
    except BlueprintError as exc:
        flash("题库已不能满足试卷结构：" + "；".join(exc.problems), "danger")
        return redirect(url_for("manage_exams.exam_detail", exam_id=exam.id))
    return render_template("exams/manage_preview.html", exam=exam, items=items, types=qtypes.labels())


# --- running the exam -------------------------------------------------------------------------

@bp.route("/<int:exam_id>/monitor")
@roles_required(*STAFF)
def exam_monitor(exam_id: int):
    exam = db.get_or_404(Exam, exam_id)
    rows = proctoring.monitor_rows(exam)
    return render_template("exams/manage_monitor.html", exam=exam, rows=rows, counts=proctoring.monitor_counts(rows),
                           labels=proctoring.MONITOR_LABELS, form=InterventionForm())


@bp.route("/<int:exam_id>/monitor.json")
@roles_required(*STAFF)
def exam_monitor_json(exam_id: int):
    exam = db.get_or_404(Exam, exam_id)
    rows = proctoring.monitor_rows(exam)
    return {"counts": proctoring.monitor_counts(rows), "rows": [r.as_dict() for r in rows],
            "closes_at": iso(exam.closes_at)}


def _intervene(action, target, success: str, redirect_to: str):
    form = InterventionForm()
    if not form.validate_on_submit():
        flash("；".join(e for errors in form.errors.values() for e in errors), "danger")
        return redirect(redirect_to)
    result = action(form)
    db.session.commit()
    flash(success.format(result=result), "success")
    return redirect(redirect_to)


def _attempt_of(exam_id: int, attempt_id: int) -> Attempt:
    attempt = db.get_or_404(Attempt, attempt_id)
    if attempt.exam_id != exam_id:
        abort(404)
    return attempt


@bp.route("/<int:exam_id>/attempts/<int:attempt_id>/extra-time", methods=["POST"])
@roles_required(*STAFF)
def attempt_extra_time(exam_id: int, attempt_id: int):
    attempt = _attempt_of(exam_id, attempt_id)
    return _intervene(lambda f: proctoring.grant_extra_time(attempt, f.minutes.data or 0, f.reason.data,
                                                            actor_id=current_user.id),
                      attempt, f"已为 {attempt.user.name} 延长时间。", url_for("manage_exams.exam_monitor", exam_id=exam_id))


@bp.route("/<int:exam_id>/attempts/<int:attempt_id>/force-submit", methods=["POST"])
@roles_required(*STAFF)
def attempt_force_submit(exam_id: int, attempt_id: int):
    attempt = _attempt_of(exam_id, attempt_id)
    return _intervene(lambda f: proctoring.force_submit(attempt, f.reason.data, actor_id=current_user.id),
                      attempt, f"已强制 {attempt.user.name} 交卷。", url_for("manage_exams.exam_monitor", exam_id=exam_id))


@bp.route("/<int:exam_id>/attempts/<int:attempt_id>/reopen", methods=["POST"])
@roles_required(*STAFF)
def attempt_reopen(exam_id: int, attempt_id: int):
    attempt = _attempt_of(exam_id, attempt_id)
    return _intervene(lambda f: proctoring.reopen(attempt, f.minutes.data or 0, f.reason.data,
                                                  actor_id=current_user.id),
                      attempt, f"已重新开放 {attempt.user.name} 的作答。",
                      url_for("manage_exams.exam_monitor", exam_id=exam_id))


@bp.route("/<int:exam_id>/window", methods=["POST"])
@roles_required(*STAFF)
def exam_window(exam_id: int):
    exam = db.get_or_404(Exam, exam_id)
    target = url_for("manage_exams.exam_monitor", exam_id=exam_id)
    if request.form.get("action") == "close":
        return _intervene(lambda f: proctoring.close_now(exam, f.reason.data, actor_id=current_user.id),
                          exam, "考试已结束，{result} 份正在进行的作答已交卷。", target)

    def extend(form):
        if not form.closes_at.data:
            raise services.ExamError("请填写新的结束时间。")
        return proctoring.set_window_close(exam, local_to_utc(form.closes_at.data), form.reason.data,
                                           actor_id=current_user.id)
    return _intervene(extend, exam, "已修改考试结束时间，{result} 份正在进行的作答随之调整。", target)


@bp.route("/<int:exam_id>/attempts/<int:attempt_id>")
@roles_required(*STAFF)
def attempt_review(exam_id: int, attempt_id: int):
    attempt = _attempt_of(exam_id, attempt_id)
    now = utcnow()
    shown = as_finalised(attempt, now)     # reads only: an overdue attempt as it will be finalised
    context = review_context(shown, now, force_full=True)
    return render_template("exams/manage_attempt.html", timeline=proctoring.attempt_timeline(attempt),
                           audit=proctoring.audit_for_attempt(attempt), form=InterventionForm(),
                           pending_finalise=shown is not attempt, **context)


@bp.route("/<int:exam_id>/regrade/<int:question_id>", methods=["POST"])
@roles_required(*STAFF)
def exam_regrade(exam_id: int, question_id: int):
    exam = db.get_or_404(Exam, exam_id)
    form = InterventionForm()
    if not form.validate_on_submit():
        flash("请填写重新评分的原因（将记入操作日志）。", "danger")
        return redirect(url_for("manage_exams.exam_detail", exam_id=exam.id))
    changes = regrade_question(exam, question_id, form.reason.data, actor_id=current_user.id)
    db.session.commit()
    moved = [c for c in changes if c.old_score != c.new_score]
    flash(f"已重新评分 {len(changes)} 份答卷，其中 {len(moved)} 份分数有变化："
          + "；".join(f"{c.name} {c.old_score:g}→{c.new_score:g}" for c in moved[:20]), "success")
    return redirect(url_for("manage_exams.exam_detail", exam_id=exam.id))


# --- results -----------------------------------------------------------------------------------

@bp.route("/<int:exam_id>/results")
@roles_required(*STAFF)
def exam_results(exam_id: int):
    exam = db.get_or_404(Exam, exam_id)
    data = results.exam_results(exam)
    top = max([b.count for b in data.histogram] + [1])
    return render_template("exams/manage_results.html", exam=exam, r=data, top=top, types=qtypes.labels())


@bp.route("/<int:exam_id>/results.xlsx")
@roles_required(*STAFF)
def exam_results_xlsx(exam_id: int):
    exam = db.get_or_404(Exam, exam_id)
    content = results.results_workbook(results.exam_results(exam))
    return send_download(content, f"{exam.title}-成绩与分析.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
