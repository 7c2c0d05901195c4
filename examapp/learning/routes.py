"""Learning pages: reading, practice, 每日一练, 错题本, the mastery map, the practice-answer API and the
organiser's 学习情况."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from examapp.access.policy import candidate_session, roles_required
from examapp.access.roles import CANDIDATE, STAFF
from examapp.bank import qtypes
from examapp.bank.models import Article, Document
from examapp.bank.services import current_document_id, current_documents, default_document_id
from examapp.downloads import send_download
from examapp.errors import user_error_json
from examapp.exams.mastery import mastery_report
from examapp.exams.models import Exam
from examapp.extensions import db
from examapp.formutil import ConfirmForm, require_confirmed
from examapp.jsonbody import read_json_object
from examapp.learning import services
from examapp.learning.models import DAILY, MAX_DAILY_COUNT, MODES, PRACTICE, WRONG_BOOK
from examapp.learning.overview import (
    closed_exams,
    district_mastery_rows,
    learning_effect,
    overview_workbook,
    participation,
)
from examapp.learning.progress import answered_in_drill, drill_for, mastery_map, summary_for, todays_drill, wrong_book
from examapp.learning.reading import chapters, highlight, key_phrases, practice_counts_by_article
from examapp.learning.services import LearningError
from examapp.timeutil import utcnow

bp = Blueprint("learning", __name__)


@bp.app_template_global("learning_summary")
def learning_summary():
    """The signed-in candidate's today card (streak, daily drill, 错题本) for pages outside learning — 我的考试 —
    so exams, which sits below learning, need not import it."""
    return summary_for(current_user.id)


MAX_BODY_BYTES = 8 * 1024
MAX_ID = 2**31 - 1
MAX_CLIENT_ID = 2**53 - 1       # what a browser's Number holds exactly
ANSWER_FIELDS = ("question", "answer", "mode", "client_id")


@bp.errorhandler(LearningError)
def learning_error(exc: LearningError):
    return user_error_json(exc)   # JSON even where the app-level handler would redirect a browser


# --- candidate pages ------------------------------------------------------------------------------

@bp.route("/")
@roles_required(CANDIDATE)
def index():
    summary = summary_for(current_user.id)
    return render_template("learning/index.html", summary=summary, documents=current_documents())


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 6 else None


def _chosen_document() -> tuple[int | None, int | None]:
    """The 现行 document chosen by ?document=ID (default and unknown: the 《条例》; None before it is loaded),
    and what a link passes on (None for the 《条例》, so its links stay as they were)."""
    document_id = current_document_id(_int_arg("document"))
    return document_id, None if document_id == default_document_id() else document_id


def _document(document_id: int | None) -> Document | None:
    return db.session.get(Document, document_id) if document_id is not None else None


@bp.route("/read")
@roles_required(CANDIDATE)
def read():
    document_id, document = _chosen_document()
    return render_template("learning/read.html", chapters=chapters(document_id), documents=current_documents(),
                           document=_document(document_id), document_arg=document)


@bp.route("/read/<int:chapter>")
@roles_required(CANDIDATE)
def read_chapter(chapter: int):
    document_id, document = _chosen_document()
    articles = list(db.session.scalars(select(Article).where(Article.chapter == chapter,
                                                             Article.document_id == document_id)
                                       .order_by(Article.number)))
    if not articles:
        abort(404)
    all_chapters = chapters(document_id)
    phrases = key_phrases(document_id, [a.number for a in articles])
    counts = practice_counts_by_article(document_id)
    shown = [{"article": a, "runs": highlight(a.text, phrases.get(a.number, [])),
              "phrases": phrases.get(a.number, []), "questions": counts.get(a.number, 0)} for a in articles]
    position = [c["number"] for c in all_chapters].index(chapter)
    return render_template("learning/chapter.html", chapter=all_chapters[position], articles=shown,
                           document=_document(document_id), document_arg=document,
                           previous=all_chapters[position - 1] if position > 0 else None,
                           following=all_chapters[position + 1] if position + 1 < len(all_chapters) else None)


@bp.route("/practice")
@roles_required(CANDIDATE)
def practice():
    qtype = request.args.get("type") if qtypes.find(request.args.get("type")) else None
    document_id, document = _chosen_document()
    selection = services.PracticeSelection(chapter=_int_arg("chapter"), article=_int_arg("article"), qtype=qtype,
                                           page=_int_arg("page") or 1, document=document)
    chosen = selection.chapter is not None or selection.article is not None or qtype is not None
    questions, total = services.select_practice(current_user.id, selection) if chosen else ([], 0)
    article = db.session.get(Article, (document_id, selection.article)) if selection.article else None
    return render_template("learning/practice.html", selection=selection, questions=questions, total=total,
                           chosen=chosen, article=article, chapters=chapters(document), types=qtypes.labels(),
                           documents=current_documents(),
                           page_size=services.PRACTICE_PAGE_SIZE, mode=PRACTICE)


@bp.route("/daily")
@roles_required(CANDIDATE)
def daily():
    now, user_id = utcnow(), current_user.id
    drill = todays_drill(user_id, now)
    if drill is None:
        # The day's first visit writes its drill. A GET's SQLite transaction begins deferred and could not
        # upgrade its read lock if another request wrote meanwhile: end it, take the write lock up front.
        db.session.commit()
        db.session.connection(execution_options={"sqlite_immediate": True})
        drill = drill_for(user_id, now)
        db.session.commit()
    answered_ids = answered_in_drill(drill)
    questions = services.present_questions(drill.question_ids, every_current=True)
    return render_template("learning/daily.html", drill=drill, questions=questions,
                           answered=len(answered_ids), answered_ids=answered_ids, size=len(drill.question_ids),
                           summary=summary_for(user_id, now), mode=DAILY)


@bp.route("/wrong")
@roles_required(CANDIDATE)
def wrong():
    entries = wrong_book(current_user.id)
    return render_template("learning/wrong.html", entries=entries, mode=WRONG_BOOK)


@bp.route("/mastery")
@roles_required(CANDIDATE)
def mastery():
    document_id, document = _chosen_document()
    return render_template("learning/mastery.html", cells=mastery_map(current_user.id, document_id),
                           chapters=chapters(document_id), documents=current_documents(),
                           document=_document(document_id), document_arg=document)


# --- the practice-answer API (the same discipline as the exam autosave) -----------------------------

def _bad(message: str) -> LearningError:
    return LearningError(message, status=400)


def parse_answer_body() -> tuple[int, object, str, int]:
    """(question, answer, mode, client_id) of {"question": int, "answer": ..., "mode": str, "client_id": int}."""
    data = read_json_object(ANSWER_FIELDS, error=LearningError, max_bytes=MAX_BODY_BYTES)
    for name, top in (("question", MAX_ID), ("client_id", MAX_CLIENT_ID)):
        value = data.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
            raise _bad(f"字段 {name} 应为 1 到 {top} 之间的整数。")
    if data.get("mode") not in MODES:
        raise _bad(f"字段 mode 应为 {'、'.join(MODES)} 之一。")
    answer = data.get("answer")
    if isinstance(answer, list):
        if len(answer) > 20 or not all(isinstance(v, str) and len(v) <= 200 for v in answer):
            raise _bad("字段 answer 的每一项应为不超过 200 个字的文字（最多 20 项）。")
    elif not (answer is None or isinstance(answer, bool) or (isinstance(answer, str) and len(answer) <= 200)):
        raise _bad("字段 answer 应为选项字母、选项字母列表、true/false 或填空文字列表。")
    return data["question"], answer, data["mode"], data["client_id"]


@bp.post("/api/answers")
@candidate_session
def answer(session_user: tuple[int, str]):
    question_id, value, mode, client_id = parse_answer_body()
    user_id, nonce = session_user
    feedback = services.answer_question(user_id, question_id, value, mode, client_id, session_nonce=nonce)
    db.session.commit()
    return jsonify(feedback.as_dict())


# --- organiser -------------------------------------------------------------------------------------

def _effect_exams(exams: list[Exam]) -> tuple[Exam | None, Exam | None]:
    """The two exams to compare: chosen in the query string, else the last two closed."""
    by_id = {e.id: e for e in exams}
    before, after = by_id.get(_int_arg("before") or 0), by_id.get(_int_arg("after") or 0)
    if before is None or after is None or before.id == after.id:
        if len(exams) < 2:
            return None, None
        before, after = exams[-2], exams[-1]
    if before.closes_at > after.closes_at:
        before, after = after, before
    return before, after


def _overview():
    now = utcnow()
    document_id, document_arg = _chosen_document()
    rows = participation(now)
    report = mastery_report(district_mastery_rows(document_id, now))
    exams = closed_exams(now)
    before, after = _effect_exams(exams)
    effect = learning_effect(before, after, document_id) if before else None
    return rows, report, exams, before, after, effect, _document(document_id), document_arg


@bp.route("/manage")
@roles_required(*STAFF)
def overview():
    rows, report, exams, before, after, effect, document, document_arg = _overview()
    return render_template("learning/overview.html", rows=rows, report=report, exams=exams, before=before,
                           after=after, effect=effect, daily_count=services.daily_count(), form=ConfirmForm(),
                           max_daily=MAX_DAILY_COUNT, practised=sum(1 for r in rows if r.answers),
                           done_today=sum(1 for r in rows if r.done_today), documents=current_documents(),
                           document=document, document_arg=document_arg)


@bp.route("/manage/export.xlsx")
@roles_required(*STAFF)
def export():
    rows, report, _exams, before, after, effect, document, document_arg = _overview()
    title = f"学习效果：{before.title} → {after.title}" if before else ""
    content = overview_workbook(rows, report, effect, title, document.display_title if document else "")
    name = f"学习情况（{document.title}）.xlsx" if document_arg else "学习情况.xlsx"
    return send_download(content, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/manage/settings", methods=["POST"])
@roles_required(*STAFF)
def settings():
    require_confirmed()
    raw = (request.form.get("daily_count") or "").strip()
    count = int(raw) if raw.isdigit() and len(raw) < 4 else -1
    try:
        services.set_daily_count(count, actor_id=current_user.id)
    except LearningError as exc:   # the blueprint answers LearningError in JSON; this is a form
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(f"已保存：每日一练每天 {count} 题（从明天起的新练习生效，今天已生成的不变）。", "success")
    return redirect(url_for("learning.overview"))
