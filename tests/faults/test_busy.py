"""Lock contention: the request waits (SQLite retries, PostgreSQL waits for the row lock) for
DATABASE_LOCK_TIMEOUT seconds, then answers 503 with Retry-After — never a 500, never a hang, and nothing
half-written; the client's retry then succeeds."""
from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections import Counter

import pytest
from sqlalchemy import select

from examapp.exams.models import Answer
from examapp.extensions import db
from tests.conftest import login
from tests.faults.helpers import candidate_session


@pytest.fixture
def sqlite_path(app, engine_name):
    if engine_name != "sqlite":
        pytest.skip("SQLite's single write lock")
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


@contextlib.contextmanager
def lock_held(app, engine_name, attempt_id):
    """Another connection holding what a save needs: SQLite's write lock, or the attempt's row lock on
    PostgreSQL (e.g. an organiser's long regrade of the whole exam)."""
    if engine_name == "sqlite":
        holder = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    else:
        import psycopg
        holder = psycopg.connect(os.environ["TEST_DATABASE_URL"])
        holder.execute("SELECT id FROM attempt WHERE id = %s FOR UPDATE", (attempt_id,))
    try:
        yield
    finally:
        holder.rollback()
        holder.close()


def test_save_while_the_database_is_locked_gets_503_then_the_retry_is_saved(app_factory, exam, engine_name):
    busy = app_factory(DATABASE_LOCK_TIMEOUT=0.3)
    client = busy.test_client()
    login(client, "sj01")
    paper = client.post(f"/api/v1/exams/{exam}/attempts", json={}).get_json()
    item = next(i["item"] for i in paper["items"] if i["type"] == "single")
    url = f"/api/v1/attempts/{paper['attempt']}/answers"

    with lock_held(busy, engine_name, paper["attempt"]):
        refused = client.post(url, json={"item": item, "answer": "A", "seq": 1})
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "2"
        assert "系统繁忙" in refused.get_json()["error"]
        if engine_name == "sqlite":    # every write waits for SQLite's lock, pages too
            page = client.post(f"/exams/{exam}/start", headers={"Accept": "text/html"})
            assert page.status_code == 503 and page.headers["Retry-After"] == "2"
            assert "系统繁忙" in page.get_data(as_text=True)
    with busy.app_context():
        assert db.session.scalar(select(Answer).where(Answer.item_id == item)) is None
    retried = client.post(url, json={"item": item, "answer": "A", "seq": 1})
    assert retried.status_code == 200
    with busy.app_context():
        assert db.session.scalar(select(Answer.value).where(Answer.item_id == item)) == "A"


def test_other_database_errors_are_still_500(app_factory, exam, sqlite_path):
    """Only "busy" becomes 503: a broken database is a fault an administrator must see."""
    app = app_factory(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    login(client, "sj01")
    paper = client.post(f"/api/v1/exams/{exam}/attempts", json={}).get_json()
    with app.app_context():
        db.session.execute(db.text("DROP TABLE answer"))
        db.session.commit()
    item = paper["items"][0]["item"]
    response = client.post(f"/api/v1/attempts/{paper['attempt']}/answers", json={"item": item, "answer": None, "seq": 1})
    assert response.status_code == 500


def test_contention_under_load_gives_503s_that_retries_overcome(app_factory, exam, sqlite_path):
    """Twenty candidates saving at once against a tiny busy timeout while another writer keeps grabbing
    the lock: some saves are told 503 and retried; none is a 500; every acknowledged save is stored."""
    from werkzeug.serving import make_server
    busy = app_factory(DATABASE_LOCK_TIMEOUT=0.05)
    server = make_server("127.0.0.1", 0, busy, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{server.server_port}"
    stop = threading.Event()

    def hog():   # a competing writer holding the lock 40 ms at a time
        conn = sqlite3.connect(sqlite_path, isolation_level=None, timeout=5)
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            stop.wait(0.04)
            conn.execute("COMMIT")
            stop.wait(0.01)
        conn.close()

    statuses: Counter = Counter()
    acknowledged: dict[int, int] = {}
    lock = threading.Lock()

    sessions = {f"sj{n:02d}": candidate_session(base, f"sj{n:02d}") for n in range(1, 21)}

    def candidate(username):
        session = sessions[username]
        paper = session.post(f"{base}/api/v1/exams/{exam}/attempts", json={}, timeout=60)
        while paper.status_code == 503:
            paper = session.post(f"{base}/api/v1/exams/{exam}/attempts", json={}, timeout=60)
        paper = paper.json()
        singles = [i["item"] for i in paper["items"] if i["type"] == "single"]
        for seq in range(1, 11):
            item = singles[seq % len(singles)]
            for _ in range(50):   # the exam page's retry queue, without its back-off
                response = session.post(f"{base}/api/v1/attempts/{paper['attempt']}/answers",
                                        json={"item": item, "answer": "ABCD"[seq % 4], "seq": seq}, timeout=60)
                with lock:
                    statuses[response.status_code] += 1
                    if response.status_code == 200:
                        acknowledged[item] = max(acknowledged.get(item, 0), seq)
                if response.status_code != 503:
                    break
                assert response.headers.get("Retry-After") == "2"

    hogger = threading.Thread(target=hog)
    hogger.start()
    try:
        workers = [threading.Thread(target=candidate, args=(username,)) for username in sessions]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
    finally:
        stop.set()
        hogger.join(timeout=10)
        server.shutdown()
        serving.join(timeout=5)
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[503] > 0, "the test did not produce contention"
    assert statuses[200] == 20 * 10
    with busy.app_context():
        stored = dict(db.session.execute(select(Answer.item_id, Answer.seq)).all())
        db.session.remove()
        db.engine.dispose()
    assert all(stored[item] >= seq for item, seq in acknowledged.items())
