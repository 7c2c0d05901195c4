"""The production profile: gunicorn with several workers (gunicorn.conf.py), nothing one worker needs
kept only in another's memory (sessions, the per-address login limit in Redis), the instance secret
created once even when workers start together, and static files cacheable."""
from __future__ import annotations

import hashlib
import re
import secrets
import threading

import pytest
import redis

from examapp.config import load_or_create_secret_key
from tests.conftest import login
from tests.faults.helpers import all_at_once, candidate_session
from tests.servers import REPO, Gunicorn, serving

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


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
    if not redis_available():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    server = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "gunicorn.log",
                      args=("-c", str(REPO / "gunicorn.conf.py")),
                      env={"WEB_CONCURRENCY": "3", "RATELIMIT_STORAGE_URI": REDIS_URL,
                           "RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(4)}",
                           "LOGIN_ADDRESS_LIMIT": "5 per 10 minutes", "GUNICORN_ACCESS_LOG": "-"})
    with serving(server):
        yield server


def test_production_profile_shares_sessions_and_login_limits_across_workers(production, tmp_path):
    log = (tmp_path / "gunicorn.log").read_text()
    assert len(re.findall(r"Booting worker with pid", log)) == 3
    # A session made by one worker is honoured by every worker (the key is shared, not per process).
    session = candidate_session(production.url, "sj01")
    statuses = all_at_once(30, lambda i: session.get(f"{production.url}/api/v1/exams", timeout=30).status_code)
    assert statuses == [200] * 30
    # Failed logins from one address are counted in Redis, whichever worker answers: after the 5th
    # failure every further attempt is refused, even with a correct password.
    import requests
    results = []
    for n in range(5):
        anonymous = requests.Session()
        token = re.search(r'name="csrf-token" content="([^"]+)"', anonymous.get(f"{production.url}/login", timeout=30).text).group(1)
        response = anonymous.post(f"{production.url}/login", data={"username": f"sj{n + 10}", "password": "wrong",
                                                                    "csrf_token": token}, allow_redirects=False, timeout=30)
        results.append(response.status_code)
    assert results == [200] * 5   # the login page again, with the error
    refused = []
    lock = threading.Lock()

    def attempt(i):
        anonymous = requests.Session()
        token = re.search(r'name="csrf-token" content="([^"]+)"', anonymous.get(f"{production.url}/login", timeout=30).text).group(1)
        response = anonymous.post(f"{production.url}/login", data={"username": "sj20", "password": "demo1234",
                                                                    "csrf_token": token}, allow_redirects=False, timeout=30)
        with lock:
            refused.append(response.status_code)
        return response

    responses = all_at_once(6, attempt)
    assert refused == [429] * 6
    assert "登录失败次数过多" in responses[0].text
