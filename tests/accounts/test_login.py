"""Login, first-login password change, lockout, idle timeout and role-based access."""
from datetime import timedelta

import time_machine

from examapp.accounts.models import User
from examapp.accounts.services import set_password
from examapp.extensions import db
from examapp.timeutil import utcnow
from tests.conftest import login


def test_login_page_is_chinese_and_posts_username_and_password(client):
    page = client.get("/login").get_data(as_text=True)
    assert "用户登录" in page
    assert 'name="username"' in page and 'name="password"' in page
    assert '<meta name="csrf-token"' in page
    assert "cdn" not in page.lower() and "https://" not in page


def test_each_demo_role_reaches_its_home_page(client, demo):
    for username, marker in [("admin", "工作台"), ("organizer", "工作台"), ("viewer", "通报与排名"),
                             ("sj01", "我的考试")]:
        response = login(client, username)
        assert response.status_code == 302 and response.headers["Location"] == "/"
        assert marker in client.get("/", follow_redirects=True).get_data(as_text=True)
        client.post("/logout")


def test_wrong_password_is_refused_with_a_chinese_message(client, demo):
    response = client.post("/login", data={"username": "sj01", "password": "wrong-password"})
    body = response.get_data(as_text=True)
    assert "登录名或密码不正确" in body
    assert client.get("/").status_code == 302  # still not logged in


def test_unknown_user_gets_the_same_message_as_a_wrong_password(client, demo):
    body = client.post("/login", data={"username": "nobody", "password": "x"}).get_data(as_text=True)
    assert "登录名或密码不正确" in body and "锁定" not in body


def test_initial_password_must_be_changed_before_anything_else(app, client, demo):
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "sj03"))
        set_password(user, "Start2026x", temporary=True)
        db.session.commit()    # the caller commits (services flush only)
    response = login(client, "sj03", "Start2026x")
    assert response.headers["Location"] == "/password"
    assert client.get("/").headers["Location"] == "/password"
    body = client.post("/password", data={"current": "Start2026x", "new": "short1", "confirm": "short1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "密码至少 8 位" in body
    response = client.post("/password", data={"current": "Start2026x", "new": "Mine2026ok", "confirm": "Mine2026ok"})
    assert response.headers["Location"] == "/"
    assert client.get("/exams").status_code == 200
    client.post("/logout")
    assert login(client, "sj03", "Mine2026ok").headers["Location"] == "/"


def test_organiser_session_ends_after_idle_time_but_candidate_session_does_not(app, client, demo):
    idle = app.config["IDLE_TIMEOUT_MINUTES"]
    start = utcnow()
    with time_machine.travel(start, tick=False):
        login(client, "organizer")
        candidate = app.test_client()
        login(candidate, "sj04")
    with time_machine.travel(start + timedelta(minutes=idle + 1), tick=False):
        response = client.get("/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
        assert "自动退出" in client.get("/login").get_data(as_text=True)
        assert candidate.get("/exams").status_code == 200


def test_deactivated_user_cannot_log_in(app, client, demo):
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "sj05"))
        user.active = False
        db.session.commit()
    assert "已停用" in login(client, "sj05").get_data(as_text=True)


def test_roles_are_enforced_on_staff_pages(client, demo):
    login(client, "sj01")
    assert client.get("/users").status_code == 403
    assert "无权访问" in client.get("/bank/").get_data(as_text=True)
    client.post("/logout")
    login(client, "viewer")
    assert client.get("/users/import").status_code == 403
    client.post("/logout")
    login(client, "organizer")
    assert client.get("/users").status_code == 200


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_view_declares_who_may_use_it(app):
    undeclared = [endpoint for endpoint, view in app.view_functions.items()
                  if endpoint not in ("static", "bootstrap.static") and not hasattr(view, "access_roles")]
    assert undeclared == []


def test_forms_are_refused_without_a_csrf_token(app_factory, engine_name):
    from tests.conftest import reset_postgres_schema
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        if engine_name == "postgresql":
            reset_postgres_schema()
        db.create_all()
    response = app.test_client().post("/login", data={"username": "a", "password": "b"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_error_pages_are_chinese(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite(client, demo):
    response = login(client, "sj01")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
