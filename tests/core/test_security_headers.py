"""Security headers on every kind of response, no inline script anywhere, and the password policy."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import login

TEMPLATES = Path(__file__).resolve().parents[2] / "examapp" / "templates"


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/login", "/healthz", "/no-such-page", "/api/v1/exams"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = directives(response)
    assert csp["script-src"] == "script-src 'self'"          # no inline script, no eval, no other origin
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["object-src"] == "object-src 'none'"
    assert csp["default-src"] == "default-src 'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_logged_in_pages_are_not_stored_by_browsers_or_proxies(client, demo):
    login(client, "sj01")
    assert client.get("/exams").headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/exams").headers["Cache-Control"] == "no-store"


def test_no_template_has_inline_script_or_event_handlers():
    """The CSP forbids them, so they would silently not run: keep all script in static/js."""
    problems = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b([^>]*)>", text):
            if "src=" not in match.group(1):
                problems.append(f"{template.name}: inline <script>")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text):
            problems.append(f"{template.name}: inline event handler")
        if "javascript:" in text:
            problems.append(f"{template.name}: javascript: URL")
    assert problems == []


def test_password_change_enforces_the_policy(client, demo):
    login(client, "sj01")

    def change(current, new, confirm=None):
        return client.post("/password", data={"current": current, "new": new, "confirm": confirm or new},
                           follow_redirects=True).get_data(as_text=True)

    assert "原密码不正确" in change("wrong-password", "abc12345")
    assert "密码至少 8 位" in change("demo1234", "a1")
    assert "字母和数字" in change("demo1234", "abcdefghij")
    assert "两次输入的新密码不一致" in change("demo1234", "abc12345", "abc12346")
    assert "不能与原密码相同" in change("demo1234", "demo1234")
    assert "密码已修改" in change("demo1234", "newpass2026")
    client.post("/logout")
    assert login(client, "sj01", "demo1234").status_code == 200           # the old password no longer works
    assert login(client, "sj01", "newpass2026").status_code == 302
