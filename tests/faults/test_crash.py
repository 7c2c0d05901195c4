"""kill -9 of the whole gunicorn (master and workers) in the middle of an exam, then a restart: every
save the server acknowledged is in the database, the candidates carry on with the same deadline; and a
kill during the submit storm at the deadline leaves each attempt either untouched or fully graded, never
half-submitted. SQLite and PostgreSQL."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select, update

from examapp.exams.models import FINISHED, IN_PROGRESS, Answer, Attempt
from examapp.extensions import db
from examapp.timeutil import utcnow
from tests.faults.helpers import all_at_once, candidate_session, correct_answers, fresh_score
from tests.servers import Gunicorn, serving

CANDIDATES = [f"sj{n:02d}" for n in range(1, 17)]


@pytest.fixture
def server(app, exam, tmp_path):
    with serving(Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "gunicorn.log")) as gunicorn:
        yield gunicorn


class Candidate:
    """One simulated candidate: saves answers in a loop and remembers what the server acknowledged."""

    def __init__(self, server: Gunicorn, username: str):
        self.server = server
        self.session = candidate_session(server.url, username)
        paper = self.session.post(f"{server.url}/api/v1/exams/{exam_id_of(self.session, server)}/attempts",
                                  json={}, timeout=30).json()
        self.attempt = paper["attempt"]
        self.deadline = paper["deadline"]
        self.items = [i["item"] for i in paper["items"]]
        self.key: dict[int, object] = {}
        self.acknowledged: dict[int, tuple[int, object]] = {}   # item -> (seq, value) of the newest ack
        self.acks_after_restart = 0
        self.seq = 0

    def save_loop(self, stop: threading.Event, restarted: threading.Event) -> None:
        while not stop.is_set():
            self.seq += 1
            item = self.items[self.seq % len(self.items)]
            value = self.key[item] if self.seq % 3 else None    # answer, and sometimes clear the answer
            try:
                response = self.session.post(f"{self.server.url}/api/v1/attempts/{self.attempt}/answers",
                                             json={"item": item, "answer": value, "seq": self.seq}, timeout=10)
            except requests.RequestException:
                time.sleep(0.05)     # the server is down: the exam page keeps the answer and retries
                continue
            if response.status_code == 200:
                self.acknowledged[item] = (self.seq, value)
                self.acks_after_restart += restarted.is_set()


def exam_id_of(session, server) -> int:
    exams = session.get(f"{server.url}/api/v1/exams", timeout=30).json()["exams"]
    return exams[0]["id"]


def check_acknowledged_saves_are_stored(candidates) -> None:
    for candidate in candidates:
        stored = {item: (seq, value) for item, seq, value in db.session.execute(
            select(Answer.item_id, Answer.seq, Answer.value).where(Answer.attempt_id == candidate.attempt))}
        for item, (seq, value) in candidate.acknowledged.items():
            assert item in stored, f"acknowledged save lost: attempt {candidate.attempt} item {item} seq {seq}"
            stored_seq, stored_value = stored[item]
            assert stored_seq >= seq, (candidate.attempt, item, seq, stored_seq)
            if stored_seq == seq:
                assert stored_value == value


def test_kill_9_mid_exam_and_during_the_submit_storm_loses_nothing(app, exam, server):
    candidates = [Candidate(server, username) for username in CANDIDATES]
    with app.app_context():
        for candidate in candidates:
            candidate.key = correct_answers(candidate.attempt)

    # 1. Autosave under way; kill -9 the whole server; restart it; saving goes on.
    stop, restarted = threading.Event(), threading.Event()
    threads = [threading.Thread(target=c.save_loop, args=(stop, restarted)) for c in candidates]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    server.kill()
    time.sleep(0.5)
    server.start()
    restarted.set()
    time.sleep(1.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert all(c.acknowledged for c in candidates)
    assert sum(c.acks_after_restart for c in candidates) > 0, "no save was acknowledged after the restart"

    with app.app_context():
        check_acknowledged_saves_are_stored(candidates)
    for candidate in candidates:     # same browser session, same deadline, answers as stored
        state = candidate.session.get(f"{server.url}/api/v1/attempts/{candidate.attempt}", timeout=30)
        assert state.status_code == 200
        body = state.json()
        assert body["status"] == IN_PROGRESS and body["deadline"] == candidate.deadline
        shown = {a["item"]: a["seq"] for a in body["answers"]}
        assert all(shown[item] >= seq for item, (seq, _) in candidate.acknowledged.items())
        assert candidate.session.get(f"{server.url}/attempts/{candidate.attempt}", timeout=30).status_code == 200

    # 2. The deadline arrives; every page submits at once; the server is killed in the middle of it.
    with app.app_context():
        db.session.execute(update(Attempt).where(Attempt.id.in_([c.attempt for c in candidates]))
                           .values(deadline_at=utcnow() + timedelta(seconds=1)))
        db.session.commit()
    time.sleep(1)
    acked_submits: dict[int, dict] = {}
    killer_armed = threading.Event()

    def submit(i):
        candidate = candidates[i]
        try:
            response = candidate.session.post(f"{server.url}/api/v1/attempts/{candidate.attempt}/submit",
                                              json={"reason": "timeout"}, timeout=30)
        except requests.RequestException:
            return None
        if response.status_code == 200:
            acked_submits[candidate.attempt] = response.json()
            killer_armed.set()
        return response.status_code

    def killer():
        killer_armed.wait(timeout=30)
        server.kill()

    kill_thread = threading.Thread(target=killer)
    kill_thread.start()
    all_at_once(len(candidates), submit)
    kill_thread.join(timeout=60)
    assert acked_submits, "no submit was acknowledged before the kill"
    assert len(acked_submits) < len(candidates), "the kill came after the storm, not during it"

    with app.app_context():
        for attempt in db.session.scalars(select(Attempt).where(Attempt.id.in_([c.attempt for c in candidates]))):
            if attempt.id in acked_submits:
                assert attempt.status in FINISHED and acked_submits[attempt.id]["status"] == attempt.status
            # Never half-submitted: finished means graded, in one transaction.
            assert (attempt.status in FINISHED) == (attempt.graded_at is not None and attempt.score is not None)
        db.session.remove()

    # 3. Restart; the pages whose submit got no answer retry it; everything ends graded.
    server.start()
    for candidate in candidates:
        if candidate.attempt not in acked_submits:
            response = candidate.session.post(f"{server.url}/api/v1/attempts/{candidate.attempt}/submit",
                                              json={"reason": "timeout"}, timeout=30)
            assert response.status_code == 200 and response.json()["status"] in FINISHED
    with app.app_context():
        check_acknowledged_saves_are_stored(candidates)
        for attempt in db.session.scalars(select(Attempt).where(Attempt.id.in_([c.attempt for c in candidates]))):
            assert attempt.status in FINISHED
            assert attempt.score == pytest.approx(fresh_score(attempt)), "the grade does not match the stored answers"
