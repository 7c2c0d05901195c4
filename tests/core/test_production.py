"""The production profile: gunicorn with several workers (gunicorn.conf.py), nothing one worker needs
kept only in another's memory (sessions and their server-side nonce, the login throttle in the database),
the instance secret created once even when workers start together, and static files cacheable."""
from __future__ import annotations

import hashlib
import re
import threading

import pytest
import requests

from examapp.config import load_or_create_secret_key
from tests.conftest import login
from tests.faults.helpers import all_at_once, candidate_session
from tests.servers import REPO, Gunicorn, serving


def test_workers_starting_together_agree_on_one_generated_secret(tmp_path):
    keys = all_at_once(12, lambda i: load_or_create_secret_key(tmp_path))
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]     # no candidate files left behind
    assert load_or_create_secret_key(tmp_path) == keys[0]


def test_static_files_are_versioned_and_cacheable_even_for_logged_in_users(client, demo):
    login(client, "sj01")
    page = client.get("/exams").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/(?:static|bootstrap/static)/[^"]+)"', page)
    assert any("/static/js/app.js?v=" in u for u in urls) and any("bootstrap.min.css?v=" in u for u in urls)
    for url in urls:
        with client.get(url) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
    # The version is the file's content: a changed file gets a new URL.
    version = re.search(r"/static/js/app\.js\?v=(\w+)", page).group(1)
    assert version == hashlib.sha256((REPO / "examapp/static/js/app.js").read_bytes()).hexdigest()[:12]
    # An unversioned URL is revalidated; a logged-in page is never stored.
    with client.get("/static/js/app.js") as response:
        assert response.headers["Cache-Control"] == "no-cache"
    assert client.get("/exams").headers["Cache-Control"] == "no-store"


@pytest.fixture
def production(app, demo, tmp_path):
    server = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "gunicorn.log",
                      args=("-c", str(REPO / "gunicorn.conf.py")),
                      env={"WEB_CONCURRENCY": "3", "GUNICORN_ACCESS_LOG": "-"})
    with serving(server):
        yield server


def _login_attempt(url: str, username: str, password: str) -> requests.Response:
    anonymous = requests.Session()
    token = re.search(r'name="csrf-token" content="([^"]+)"', anonymous.get(f"{url}/login", timeout=30).text).group(1)
    return anonymous.post(f"{url}/login", data={"username": username, "password": password, "csrf_token": token},
                          allow_redirects=False, timeout=30)


def test_production_profile_shares_sessions_and_login_throttle_across_workers(production, tmp_path):
    log = (tmp_path / "gunicorn.log").read_text()
    assert len(re.findall(r"Booting worker with pid", log)) == 3
    # A session made by one worker is honoured by every worker (the key is shared, not per process).
    session = candidate_session(production.url, "sj01")
    statuses = all_at_once(30, lambda i: session.get(f"{production.url}/api/v1/exams", timeout=30).status_code)
    assert statuses == [200] * 30
    # Failed logins are counted in the database, whichever worker answers: after the 5th failure of sj20
    # from this address every further attempt at sj20 is paused, even with the correct password ...
    results = [_login_attempt(production.url, "sj20", "wrong").status_code for _ in range(5)]
    assert results == [200] * 5   # the login page again, with the error
    lock = threading.Lock()
    refused = []

    def attempt(i):
        response = _login_attempt(production.url, "sj20", "demo1234")
        with lock:
            refused.append(response.status_code)
        return response

    responses = all_at_once(6, attempt)
    assert refused == [200] * 6 and all("暂停登录" in r.text for r in responses)
    # ... while the other accounts from the same address log in as usual.
    assert _login_attempt(production.url, "sj21", "demo1234").status_code == 302
    # Logging out on one worker ends the session on every worker: a copy of the cookie is refused.
    copied = requests.Session()
    copied.cookies.update(session.cookies)
    session.post(f"{production.url}/logout", timeout=30)
    statuses = all_at_once(6, lambda i: copied.get(f"{production.url}/api/v1/exams", timeout=30).status_code)
    assert statuses == [401] * 6
