"""Concurrent requests of one candidate over real HTTP, on SQLite and PostgreSQL: the database's
constraints and row locks (no in-process lock exists) keep one attempt, one finalisation, and every
acknowledged save in the grade."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from examapp.exams import services
from examapp.exams.attempts import start_attempt, submit_attempt
from examapp.exams.autosave import save_answer
from examapp.exams.models import IN_PROGRESS, READY, SUBMITTED, Answer, Attempt, AttemptEvent, PaperItem
from examapp.extensions import db
from tests.faults.helpers import all_at_once, candidate_session, correct_answers, fresh_score

N = 50


def sj01_attempts(exam_id):
    return db.session.scalars(select(Attempt).join(Attempt.user).where(
        Attempt.exam_id == exam_id, Attempt.user.has(username="sj01"))).all()


def events(attempt_id, kind):
    return db.session.scalar(select(func.count(AttemptEvent.id)).where(
        AttemptEvent.attempt_id == attempt_id, AttemptEvent.kind == kind))


@pytest.mark.parametrize("predrawn", [True, False], ids=["paper-predrawn", "paper-drawn-on-start"])
def test_fifty_simultaneous_starts_make_one_attempt(app, exam, live_server, predrawn):
    if not predrawn:   # e.g. a candidate added after publication: the paper is drawn by the first start
        with app.app_context():
            for attempt in sj01_attempts(exam):
                db.session.delete(attempt)
            db.session.commit()
    session = candidate_session(live_server, "sj01")
    responses = all_at_once(N, lambda i: session.post(f"{live_server}/api/v1/exams/{exam}/attempts",
                                                      json={}, timeout=60))
    assert [r.status_code for r in responses] == [200] * N, {r.status_code: r.text[:200] for r in responses}
    ids = {r.json()["attempt"] for r in responses}
    deadlines = {r.json()["deadline"] for r in responses}
    assert len(ids) == 1 and len(deadlines) == 1
    with app.app_context():
        attempts = sj01_attempts(exam)
        assert [(a.id, a.status) for a in attempts] == [(ids.pop(), IN_PROGRESS)]
        assert events(attempts[0].id, "start") == 1
        assert len(attempts[0].items) == 13


def test_fifty_simultaneous_submits_finalise_once(app, exam, live_server):
    session = candidate_session(live_server, "sj01")
    paper = session.post(f"{live_server}/api/v1/exams/{exam}/attempts", json={}, timeout=30).json()
    attempt_id = paper["attempt"]
    with app.app_context():
        key = correct_answers(attempt_id)
    for seq, item in enumerate(paper["items"][:4], start=1):
        saved = session.post(f"{live_server}/api/v1/attempts/{attempt_id}/answers",
                             json={"item": item["item"], "answer": key[item["item"]], "seq": seq}, timeout=30)
        assert saved.status_code == 200
    responses = all_at_once(N, lambda i: session.post(f"{live_server}/api/v1/attempts/{attempt_id}/submit",
                                                      json={}, timeout=60))
    assert [r.status_code for r in responses] == [200] * N
    assert {r.json()["status"] for r in responses} == {SUBMITTED}
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == SUBMITTED and attempt.finished_by == "candidate"
        assert events(attempt_id, "submit") == 1
        expected = sum(item["points"] for item in paper["items"][:4])
        assert attempt.score == expected
        assert {r.json()["score"] for r in responses} == {expected}


def test_saves_racing_a_submit_are_graded_or_refused_never_lost(app, exam, live_server):
    """Eight clients keep saving correct answers to fresh items while the candidate submits. Every
    acknowledged save must be in the graded attempt (its item earned full marks); the rest are refused
    with 409. A save committed after the grade would show as a stored correct answer earning 0."""
    session = candidate_session(live_server, "sj01")
    paper = session.post(f"{live_server}/api/v1/exams/{exam}/attempts", json={}, timeout=30).json()
    attempt_id = paper["attempt"]
    with app.app_context():
        key = correct_answers(attempt_id)
    items = [item["item"] for item in paper["items"]]
    acknowledged, refused, other = [], [], []
    lock = threading.Lock()
    stop = threading.Event()
    cursor = iter(range(10 ** 6))

    def saver():
        while not stop.is_set():
            with lock:
                n = next(cursor)
            item = items[n % len(items)]
            response = session.post(f"{live_server}/api/v1/attempts/{attempt_id}/answers",
                                    json={"item": item, "answer": key[item], "seq": n + 1}, timeout=60)
            with lock:
                (acknowledged if response.status_code == 200 else
                 refused if response.status_code == 409 else other).append((item, n + 1, response.status_code))
            if response.status_code == 409:
                return

    threads = [threading.Thread(target=saver) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.4)
    submitted = session.post(f"{live_server}/api/v1/attempts/{attempt_id}/submit", json={}, timeout=60)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert submitted.status_code == 200 and submitted.json()["status"] == SUBMITTED
    assert not other, other[:5]
    assert acknowledged and refused, (len(acknowledged), len(refused))
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        stored = dict(db.session.execute(select(Answer.item_id, Answer.seq).where(Answer.attempt_id == attempt_id)).all())
        for item, seq, _ in acknowledged:
            assert stored.get(item, 0) >= seq, f"acknowledged save of item {item} (seq {seq}) is not stored"
        earned = {i.id: i.earned for i in db.session.scalars(select(PaperItem).where(PaperItem.attempt_id == attempt_id))}
        points = {i["item"]: i["points"] for i in paper["items"]}
        ungraded = [item for item in stored if earned[item] != points[item]]
        assert not ungraded, f"saved correct answers that the grade left out: {ungraded}"
        assert attempt.score == pytest.approx(sum(points[i] for i in stored))
        # Recomputing from what is stored gives the stored score: the grade saw the final answers.
        assert fresh_score(attempt) == pytest.approx(attempt.score)


def test_no_ready_paper_is_left_behind_by_racing_starts(app, exam, live_server):
    """Starts of several different candidates at once: each gets their own pre-drawn paper."""
    users = [f"sj{n:02d}" for n in range(1, 11)]
    sessions = [candidate_session(live_server, u) for u in users]
    responses = all_at_once(len(sessions), lambda i: sessions[i].post(
        f"{live_server}/api/v1/exams/{exam}/attempts", json={}, timeout=60))
    assert [r.status_code for r in responses] == [200] * len(users)
    with app.app_context():
        rows = db.session.execute(select(Attempt.user_id, Attempt.status).where(Attempt.exam_id == exam)).all()
        assert len(rows) == 72
        assert sum(1 for _, status in rows if status == IN_PROGRESS) == len(users)
        assert sum(1 for _, status in rows if status == READY) == 72 - len(users)
        assert len({r.json()["attempt"] for r in responses}) == len(users)


def test_a_submit_waits_for_a_save_in_flight_and_grades_it(app, exam):
    """Deterministic form of the race above: a save has written its answer but not yet committed when
    the submit arrives. The submit must wait for it (row lock on PostgreSQL, the write lock on SQLite)
    and grade it — not grade without it and let the save be acknowledged afterwards."""
    with app.app_context():
        user_id = db.session.scalar(select(Attempt.user_id).join(Attempt.user).where(
            Attempt.exam_id == exam, Attempt.user.has(username="sj01")))
        attempt = start_attempt(db.session.get(services.Exam, exam), db.session.get(services.User, user_id))
        db.session.commit()
        attempt_id = attempt.id
        key = correct_answers(attempt_id)
        item = next(i.id for i in attempt.items if i.type == "single")
        points = next(i.points for i in attempt.items if i.id == item)
    written, order = threading.Event(), []

    def write_transaction():
        # As in a POST request: SQLite takes the write lock at BEGIN (examapp/__init__.py).
        db.session.connection(execution_options={"sqlite_immediate": True})

    def save():
        with app.app_context():
            write_transaction()
            save_answer(attempt_id, user_id, item, key[item], 1)
            written.set()
            time.sleep(1.0)
            db.session.commit()
            order.append("save committed")

    def submit():
        written.wait(timeout=30)
        with app.app_context():
            write_transaction()
            submit_attempt(db.session.get(Attempt, attempt_id))
            db.session.commit()
            order.append("submit committed")

    threads = [threading.Thread(target=save), threading.Thread(target=submit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert order == ["save committed", "submit committed"]
    with app.app_context():
        graded = db.session.get(PaperItem, item)
        assert graded.earned == points
        assert db.session.get(Attempt, attempt_id).score == points
