"""Organiser pages for the question bank: browse, coverage, edit with versions, import, export."""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from examapp.access.policy import roles_required
from examapp.access.roles import STAFF
from examapp.audit.services import record
from examapp.bank import documents, formats, qtypes, services
from examapp.bank.core import (
    DIFFICULTY_LABELS,
    OPTION_KEYS,
    QuestionData,
    answer_from_text,
    answer_to_text,
    article_citation,
)
from examapp.bank.forms import DocumentConfirmForm, DocumentUploadForm, QuestionForm, QuestionImportForm
from examapp.bank.models import DOCUMENT_CURRENT, Article, Document, Question
from examapp.converters import db_int
from examapp.downloads import send_download
from examapp.extensions import db
from examapp.formutil import ConfirmForm, choices, require_confirmed

bp = Blueprint("bank", __name__)
PAGE_SIZE = 50


@bp.app_template_global("document_name")
def document_name(document_id: int | None) -> str:
    """《title》 of a document other than the current 《条例》, "" for the 《条例》 (names read once per request)."""
    if "document_names" not in g:
        g.document_names = services.document_names()
    return g.document_names.get(document_id, "")


@bp.app_template_global("cite_article")
def cite_article(number: int | None, document_id: int | None = None) -> str:
    """第三条, or 《示例办法》第三条 for another document's article."""
    return article_citation(number, document_name(document_id)) if number else "未关联条款"


def _document_arg() -> Document | None:
    """The document chosen by ?document=ID (404 for an unknown one); None when none is chosen."""
    document_id = request.args.get("document", type=db_int)
    return db.get_or_404(Document, document_id) if document_id else None


def _filter_from_args() -> services.QuestionFilter:
    args = request.args
    qtype = args.get("type", "")
    document = _document_arg()
    filt = services.QuestionFilter(
        type=qtype if qtypes.find(qtype) else "",
        chapter=args.get("chapter", type=db_int), article=args.get("article", type=db_int),
        difficulty=args.get("difficulty", type=db_int), text=args.get("q", "").strip(),
        status=args.get("status", "active") if args.get("status") in ("active", "inactive", "all", "unlinked", "review")
        else "active", document=document.id if document else None)
    if (filt.chapter or filt.article) and not filt.document:
        filt.document = services.default_document_id()   # a chapter or article number means the regulation's
    return filt


@bp.route("/")
@roles_required(*STAFF)
def questions():
    filt = _filter_from_args()
    page = db.paginate(services.filter_questions(filt), page=request.args.get("page", 1, type=db_int),
                       per_page=PAGE_SIZE, error_out=False)
    articles = list(services.articles_by_number(filt.document).values())
    chapters = sorted({(a.chapter, a.chapter_label) for a in articles})
    return render_template("bank/questions.html", page=page, filt=filt, articles=articles, chapters=chapters,
                           types=qtypes.labels(), difficulties=DIFFICULTY_LABELS, summary=services.bank_summary(),
                           documents=[d for d, _a, _q in documents.documents()])


@bp.route("/coverage")
@roles_required(*STAFF)
def coverage():
    document = _document_arg() or db.session.get(Document, services.default_document_id() or 0)
    rows = services.coverage(document.id if document else None)
    chapters: dict[str, list] = {}
    for row in rows:
        chapters.setdefault(row["article"].chapter_label, []).append(row)
    return render_template("bank/coverage.html", chapters=chapters, rows=rows, types=qtypes.all_types(),
                           minimum=3, document=document)


def _article_choices(document_id: int | None):
    return choices([(0, "（未关联条款）")] + [
        (a.number, f"{a.label}（{a.chapter_label}）")
        for a in services.articles_by_number(document_id).values()])


def _data_from_form(form: QuestionForm) -> QuestionData:
    qtype = form.type.data
    options = []
    if qtypes.has_options(qtype):
        for key, field in zip(OPTION_KEYS, form.option_fields(), strict=True):
            if field.data and field.data.strip():
                options.append({"key": key, "text": field.data.strip()})
    tags = [t for t in re.split(r"[,，、;；\s]+", form.tags.data or "") if t]
    return QuestionData(type=qtype, stem=form.stem.data.strip(), options=options,
                        answer=answer_from_text(qtype, form.answer.data),
                        explanation=(form.explanation.data or "").strip(),
                        article=form.article.data or None, difficulty=form.difficulty.data, tags=tags)


def _fill_form(form: QuestionForm, data: QuestionData) -> None:
    form.type.data, form.stem.data = data.type, data.stem
    for field in form.option_fields():
        field.data = ""
    for option in data.options:
        getattr(form, f"option_{option['key'].lower()}").data = option["text"]
    form.answer.data = answer_to_text(data.type, data.answer)
    form.explanation.data, form.article.data = data.explanation, data.article or 0
    form.difficulty.data, form.tags.data = data.difficulty, "、".join(data.tags)


def _save(form: QuestionForm, question: Question | None, document: Document | None = None):
    try:
        data = _data_from_form(form)
    except ValueError as exc:
        form.answer.errors.append(str(exc))
        return None
    try:
        if question is None:
            question = services.create_question(data, actor_id=current_user.id, note=form.note.data or "新建",
                                                document_id=document.id if document else None)
            record("question.created", target_type="question", target_id=question.id,
                   summary=f"新建题目 {question.id}", reason=form.note.data or "")
            db.session.commit()
            flash("题目已保存。", "success")
        elif services.update_question(question, data, note=form.note.data or "", actor_id=current_user.id):
            db.session.commit()
            flash(f"题目已保存（当前为第 {question.version} 版）。", "success")
        else:
            flash("内容没有变化。", "info")
    except services.BankError as exc:
        db.session.rollback()
        for problem in exc.problems or [str(exc)]:
            form.stem.errors.append(problem)
        return None
    return redirect(url_for("bank.question", question_id=question.id))


@bp.route("/questions/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def question_new():
    form = QuestionForm()
    document = _document_arg()
    form.article.choices = _article_choices(document.id if document else None)
    if request.method == "GET" and request.args.get("article", type=db_int):
        form.article.data = request.args.get("article", type=db_int)
    if form.validate_on_submit():
        response = _save(form, None, document)
        if response:
            return response
    return render_template("bank/question_form.html", form=form, question=None, document=document)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def question_edit(question_id: int):
    question = db.get_or_404(Question, question_id)
    form = QuestionForm()
    form.article.choices = _article_choices(question.document_id)
    if request.method == "GET":
        _fill_form(form, question.current.as_data())
    if form.validate_on_submit():
        response = _save(form, question)
        if response:
            return response
    return render_template("bank/question_form.html", form=form, question=question)


@bp.route("/questions/<int:question_id>")
@roles_required(*STAFF)
def question(question_id: int):
    question = db.get_or_404(Question, question_id)
    shown = question.current
    version_no = request.args.get("version", type=int)
    if version_no:
        shown = next((v for v in question.versions if v.version == version_no), None) or abort(404)
    return render_template("bank/question.html", question=question, shown=shown, data=shown.as_data(),
                           article=db.session.get(Article, (shown.document_id, shown.article_number)) if shown.article_number else None,
                           types=qtypes.labels(), difficulties=DIFFICULTY_LABELS, form=ConfirmForm())


@bp.route("/questions/<int:question_id>/active", methods=["POST"])
@roles_required(*STAFF)
def question_toggle_active(question_id: int):
    question = db.get_or_404(Question, question_id)
    require_confirmed()
    services.set_active(question, not question.active, actor_id=current_user.id)
    db.session.commit()
    flash("题目已启用，可用于新试卷。" if question.active else "题目已停用：不再用于新试卷，已考试卷不受影响。", "success")
    return redirect(url_for("bank.question", question_id=question.id))


@bp.route("/questions/<int:question_id>/exam-only", methods=["POST"])
@roles_required(*STAFF)
def question_toggle_exam_only(question_id: int):
    question = db.get_or_404(Question, question_id)
    require_confirmed()
    services.set_exam_only(question, not question.exam_only, actor_id=current_user.id)
    db.session.commit()
    flash("已标记为“仅用于考试”：不会出现在练习、每日一练和错题本中。" if question.exam_only
          else "已取消“仅用于考试”：书记可以在练习中作答此题。", "success")
    return redirect(url_for("bank.question", question_id=question.id))


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def import_questions():
    form = QuestionImportForm()
    problems: list[str] = []
    skipped: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        fmt = formats.guess_format(upload.filename or "")
        parsed = formats.parse(fmt, upload.read())
        skipped = parsed.skipped
        problems = [str(p) for p in parsed.problems]
        if not problems:
            try:
                outcome = services.import_questions([(i.location, i.data, i.document) for i in parsed.items],
                                                    actor_id=current_user.id)
            except services.BankError as exc:
                problems = exc.problems or [str(exc)]
            else:
                db.session.commit()
                message = f"导入成功：{outcome.created} 道题目（{outcome.documents_text()}）。"
                if skipped:
                    message += f"另有 {len(skipped)} 道不支持的题目已跳过（见下方）。"
                flash(message, "success")
                unlinked = sum(1 for i in parsed.items if i.data.article is None)
                if unlinked:
                    flash(f"其中 {unlinked} 道题目未关联条款，已在题库中标为“未关联条款”，请尽快补充。", "warning")
                if not skipped:
                    return redirect(url_for("bank.questions", status="all"))
    return render_template("bank/import.html", form=form, problems=problems, skipped=skipped)


@bp.route("/export")
@roles_required(*STAFF)
def export_questions():
    fmt = request.args.get("format", "xlsx")
    if fmt not in formats.FORMATS:
        abort(404)
    result = formats.dump(fmt, services.export_items())
    return send_download(result.content, f"题库导出.{formats.FILE_EXTENSIONS[fmt]}", formats.MIME_TYPES[fmt])


# --- policy documents ------------------------------------------------------------------------------

def _revises_choices():
    return choices([(0, "（新文件，不修订已有文件）")] + [
        (d.id, f"修订 {d.titled_number}")
        for d, _articles, _questions in documents.documents() if d.status == DOCUMENT_CURRENT])


def _details(form) -> documents.DocumentDetails:
    return documents.DocumentDetails(title=form.title.data or "", issuer=(form.issuer.data or "").strip(),
                                     number=(form.number.data or "").strip(), issued_on=form.issued_on.data,
                                     revises_id=form.revises.data or None)


@bp.route("/documents")
@roles_required(*STAFF)
def document_list():
    return render_template("bank/documents.html", rows=documents.documents())


@bp.route("/documents/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def document_import():
    form = DocumentUploadForm()
    form.revises.choices = _revises_choices()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            parsed = documents.parse_upload(upload.filename or "", upload.read())
        except services.BankError as exc:
            problems = exc.problems or [str(exc)]
        else:
            checked = documents.preview(parsed, _details(form))
            confirm = DocumentConfirmForm(formdata=None, obj=None, title=checked.details.title,
                                          issuer=form.issuer.data, number=form.number.data,
                                          issued_on=form.issued_on.data, revises=form.revises.data,
                                          text=documents.as_text(parsed))
            confirm.revises.choices = form.revises.choices
            return render_template("bank/document_preview.html", checked=checked, form=confirm)
    return render_template("bank/document_import.html", form=form, problems=problems)


@bp.route("/documents/confirm", methods=["POST"])
@roles_required(*STAFF)
def document_confirm():
    form = DocumentConfirmForm()
    form.revises.choices = _revises_choices()
    if not form.validate_on_submit():
        flash("确认信息不完整或已过期，请重新上传文件。", "danger")
        return redirect(url_for("bank.document_import"))
    try:
        parsed = documents.parse_upload("确认.txt", form.text.data.encode("utf-8"))
    except services.BankError as exc:
        return render_template("bank/document_import.html", form=DocumentUploadForm(formdata=None),
                               problems=exc.problems or [str(exc)])
    checked = documents.preview(parsed, _details(form))
    if not checked.ok:
        return render_template("bank/document_preview.html", checked=checked, form=form)
    document = documents.save(checked, actor_id=current_user.id)
    db.session.commit()
    message = f"已保存{document.display_title}（{len(parsed.articles)} 条）。"
    if checked.revises is not None:
        message += f"原文件已标为“已修订”；{checked.questions_to_review} 道题目的条款有变动，已标为待复核。"
    flash(message, "success")
    return redirect(url_for("bank.document_list"))


@bp.route("/questions/<int:question_id>/reviewed", methods=["POST"])
@roles_required(*STAFF)
def question_reviewed(question_id: int):
    question = db.get_or_404(Question, question_id)
    if not ConfirmForm().validate_on_submit() or question.review_note is None:
        abort(400)
    documents.clear_review_note(question, actor_id=current_user.id)
    db.session.commit()
    flash("已标记为已复核。", "success")
    return redirect(url_for("bank.question", question_id=question.id))
