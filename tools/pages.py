"""Every page each role can reach, as URL paths built from the demo data: what tools/screenshots.py shoots and
what the accessibility check (tests/browser/test_accessibility_browser.py) scans.

``prepare_pages()`` (inside an app context, after ``flask demo``) makes sure each kind of page has something to
show — a submitted and a running attempt, a closed exam with published results, a published ranking — and
returns ``{role: [(name, path), ...]}``. It is idempotent: running it again reuses what it made.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from examapp.accounts.models import PartyOrganization, User
from examapp.bank.models import Question
from examapp.exams import services as exam_services
from examapp.exams.assembly import Section
from examapp.exams.attempts import start_attempt, submit_attempt
from examapp.exams.models import IN_PROGRESS, READY, Attempt, Exam
from examapp.extensions import db
from examapp.publishing import services as publishing
from examapp.publishing.models import SNAPSHOT_EXAM, SNAPSHOT_RANKING, Snapshot
from examapp.scoring import services as scoring
from examapp.scoring.models import EvaluationRound
from examapp.timeutil import utcnow

CLOSED_EXAM_TITLE = "示例：已结束的练习考试"
# Who logs in for each role's list (sj02 has the attempt still running; sj01 has submitted).
LOGINS = {"candidate": "sj01", "candidate-running": "sj02", "viewer": "viewer", "organizer": "organizer",
          "admin": "admin"}


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _attempt(exam: Exam, username: str, *, submit: bool, now=None) -> Attempt:
    user = _user(username)
    attempt = db.session.scalar(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == user.id)
                                .order_by(Attempt.number.desc()).limit(1))
    if attempt is None or attempt.status == READY:
        attempt = start_attempt(exam, user, now)
    if submit and attempt.status == IN_PROGRESS:
        submit_attempt(attempt, now=now)
    return attempt


def _closed_exam() -> Exam:
    """A short exam that ended an hour ago, with two submitted attempts, so its results can be published."""
    exam = db.session.scalar(select(Exam).where(Exam.title == CLOSED_EXAM_TITLE))
    if exam is not None:
        return exam
    now = utcnow().replace(microsecond=0)
    exam = exam_services.save_exam(exam_services.ExamDefinition(
        title=CLOSED_EXAM_TITLE, description="", opens_at=now - timedelta(hours=3), closes_at=now - timedelta(hours=1),
        duration_minutes=30, sections=[Section("single", 5, 2.0), Section("truefalse", 5, 2.0)], pass_mark=12))
    exam.is_demo = True
    exam_services.publish_exam(exam)
    db.session.flush()
    for username in ("sj01", "sj02"):
        _attempt(exam, username, submit=True, now=now - timedelta(hours=2))
    return exam


def _snapshot(kind: str, **target) -> Snapshot:
    column = Snapshot.round_id if kind == SNAPSHOT_RANKING else Snapshot.exam_id
    value = target["round_"].id if kind == SNAPSHOT_RANKING else target["exam"].id
    found = db.session.scalar(select(Snapshot).where(Snapshot.kind == kind, column == value)
                              .order_by(Snapshot.id.desc()).limit(1))
    return found or publishing.publish(kind, **target)


def prepare_pages() -> dict[str, list[tuple[str, str]]]:
    exam = db.session.scalar(select(Exam).where(Exam.is_demo.is_(True), Exam.title != CLOSED_EXAM_TITLE)
                             .order_by(Exam.id).limit(1))
    submitted = _attempt(exam, "sj01", submit=True)
    running = _attempt(exam, "sj02", submit=False)
    closed = _closed_exam()
    round_ = db.session.scalar(select(EvaluationRound).order_by(EvaluationRound.id).limit(1))
    computation = scoring.latest_computation(round_) or scoring.compute_round(round_)
    ranking = _snapshot(SNAPSHOT_RANKING, round_=round_)
    results = _snapshot(SNAPSHOT_EXAM, exam=closed, final=True)
    db.session.commit()
    question_id = db.session.scalar(select(Question.id).order_by(Question.id).limit(1))
    organization_id = db.session.scalar(select(PartyOrganization.id).order_by(PartyOrganization.id).limit(1))
    candidate_id = _user("sj03").id
    published = [("published", "/published/"), ("published-ranking", f"/published/{ranking.id}"),
                 ("published-results", f"/published/{results.id}"), ("password", "/password")]
    staff = [
        ("dashboard", "/"),
        ("bank", "/bank/"), ("bank-coverage", "/bank/coverage"), ("question", f"/bank/questions/{question_id}"),
        ("question-edit", f"/bank/questions/{question_id}/edit"), ("question-new", "/bank/questions/new"),
        ("bank-import", "/bank/import"), ("documents", "/bank/documents"), ("document-import", "/bank/documents/import"),
        ("exams", "/manage/exams/"), ("exam-new", "/manage/exams/new"), ("exam-detail", f"/manage/exams/{exam.id}"),
        ("exam-edit", f"/manage/exams/{closed.id}/edit"), ("exam-preview", f"/manage/exams/{exam.id}/preview"),
        ("monitor", f"/manage/exams/{exam.id}/monitor"), ("results", f"/manage/exams/{closed.id}/results"),
        ("attempt-review", f"/manage/exams/{exam.id}/attempts/{submitted.id}"),
        ("rounds", "/scoring/"), ("round", f"/scoring/{round_.id}"),
        ("ranking", f"/scoring/{round_.id}/results/{computation.id}"),
        ("breakdown", f"/scoring/{round_.id}/results/{computation.id}/people/0"),
        ("users", "/users"), ("user-new", "/users/new"), ("user-edit", f"/users/{candidate_id}/edit"),
        ("users-import", "/users/import"), ("organizations", "/organizations"),
        ("organization-edit", f"/organizations/{organization_id}/edit"),
        ("learning-overview", "/learning/manage"),
    ] + published
    learning = [("learning", "/learning/"), ("read", "/learning/read"), ("read-chapter", "/learning/read/1"),
                ("practice", "/learning/practice"), ("daily", "/learning/daily"), ("wrong-book", "/learning/wrong"),
                ("mastery", "/learning/mastery")]
    return {
        "candidate": [("my-exams", "/exams"), ("start", f"/exams/{exam.id}"), ("result", f"/attempts/{submitted.id}"),
                      ("closed-start", f"/exams/{closed.id}")] + learning + published,
        "candidate-running": [("exam", f"/attempts/{running.id}")],
        "viewer": published,
        "organizer": staff,
        "admin": staff + [("audit-log", "/admin/audit/"), ("settings", "/admin/settings/")],
    }
