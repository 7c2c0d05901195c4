"""CSRF on every state-changing request, forms and JSON alike, and a fresh session at login."""
from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from examapp.extensions import db
from tests.conftest import login, reset_postgres_schema

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def csrf_app(app_factory, engine_name):
    from examapp.demo import load_demo_accounts
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        if engine_name == "postgresql":
            reset_postgres_schema()
        db.create_all()
        load_demo_accounts()
    return app


def logged_in(app, username):
    client = app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": username, "password": "demo1234", "csrf_token": token})
    assert response.status_code == 302
    return client


def concrete(rule) -> str:
    """A URL for the rule: numbers for ids, a word for other parts (the CSRF check comes first)."""
    url = rule.rule
    for argument in rule.arguments:
        url = re.sub(rf"<(?:[a-z]+:)?{argument}>", "1" if isinstance(rule._converters[argument], IntegerConverter)
                     else "x", url)
    return url


def test_every_state_changing_route_refuses_a_request_without_the_token(csrf_app):
    rules = [(rule, method) for rule in csrf_app.url_map.iter_rules() for method in rule.methods & WRITE_METHODS]
    assert len(rules) > 30
    clients = {"admin": logged_in(csrf_app, "admin"), "sj01": logged_in(csrf_app, "sj01")}
    wrong = []
    for rule, method in rules:
        client = clients["sj01" if rule.rule.startswith(("/api/", "/exams/")) else "admin"]
        for kwargs in ({"data": {}}, {"json": {}}):
            response = client.open(concrete(rule), method=method, **kwargs)
            if response.status_code != 400 or "CSRF" not in response.get_data(as_text=True):
                wrong.append(f"{method} {rule.rule} ({'json' if 'json' in kwargs else 'form'}): {response.status_code}")
    assert wrong == [], "\n".join(wrong)


def test_json_requests_pass_with_the_token_in_the_header(csrf_app):
    client = logged_in(csrf_app, "sj01")
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/exams").get_data(as_text=True)).group(1)
    response = client.post("/api/v1/exams/999/attempts", json={}, headers={"X-CSRFToken": token})
    assert response.status_code == 404      # past the CSRF check: the exam does not exist
    assert "CSRF" not in response.get_data(as_text=True)


def test_login_starts_a_fresh_session(client, demo):
    """Session fixation: whatever the session held before login is gone after it, and the cookie changes."""
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = client.get_cookie("session").value
    login(client, "sj01")
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["nonce"]
