"""HTTP clients for the fault tests: real requests over real sockets, one cookie jar per candidate."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from examapp.exams.models import Attempt
from examapp.exams.papers import display_answer, item_key
from examapp.extensions import db
from tests.servers import REPO, Gunicorn  # noqa: F401  (the fault tests' server)


def candidate_session(base_url: str, username: str, password: str = "demo1234") -> requests.Session:
    """A logged-in candidate (the test apps run without CSRF; the gunicorn app gets the token from the form)."""
    session = requests.Session()
    page = session.get(f"{base_url}/login", timeout=30)
    token = _csrf_token(page.text)
    response = session.post(f"{base_url}/login", data={"username": username, "password": password,
                                                          "csrf_token": token}, timeout=30, allow_redirects=False)
    assert response.status_code == 302, (username, response.status_code, response.text[:300])
    exams = session.get(f"{base_url}/exams", timeout=30)
    session.headers["X-CSRFToken"] = _csrf_token(exams.text)
    return session


def _csrf_token(html: str) -> str:
    marker = 'name="csrf-token" content="'
    if marker in html:
        return html.split(marker, 1)[1].split('"', 1)[0]
    marker = 'name="csrf_token" type="hidden" value="'
    if marker in html:
        return html.split(marker, 1)[1].split('"', 1)[0]
    return ""


def all_at_once(count: int, call):
    """Run call(i) in `count` threads released together by a barrier; return the results in order."""
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait(timeout=30)
        return call(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def correct_answers(attempt_id: int) -> dict[int, object]:
    """item id -> the correct answer in the letters the candidate saw (call inside an app context)."""
    attempt = db.session.get(Attempt, attempt_id)
    return {i.id: _as_response(i.type, display_answer(i.version, i.option_order)) for i in attempt.items}


def fresh_score(attempt: Attempt) -> float:
    """The attempt graded again now, through the ORM path (independent of the production grader's single
    query), from the answers stored now: equal to the stored score when the grade saw the final answers."""
    from sqlalchemy import select

    from examapp.exams import grading
    from examapp.exams.models import Answer
    responses = dict(db.session.execute(select(Answer.item_id, Answer.value).where(
        Answer.attempt_id == attempt.id)).all())
    return sum(grading.grade_item(item_key(i), responses.get(i.id), attempt.exam.multiple_rule)
               for i in attempt.items)


def _as_response(qtype: str, key):
    """A fill key lists the accepted alternatives of each blank; a candidate types one of them."""
    if qtype == "fill":
        return [blank[0] if isinstance(blank, list) else blank for blank in key]
    return key
