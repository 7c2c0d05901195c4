"""Sessions end on the server: logout, a password change (other sessions), an admin reset and deactivation make
every copy of a cookie worthless, for every role; staff sessions have an absolute lifetime; the candidate's
cookie ends with the browser; the cookie is Secure whenever the site is served over HTTPS."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from examapp.accounts.models import User
from examapp.extensions import db
from examapp.timeutil import utcnow
from tests.conftest import login
from tests.exams.conftest import exam  # noqa: F401

ROLES = ("admin", "organizer", "viewer", "sj01")


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie (what a thief would have)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def signed_out(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def signed_in(response) -> bool:
    return response.status_code in (200, 302) and not signed_out(response)


@pytest.mark.parametrize("username", ROLES)
def test_copied_cookie_stops_working_after_logout(app, demo, username):
    browser = app.test_client()
    assert login(browser, username).status_code == 302
    thief = copy_of(app, browser)
    assert signed_in(thief.get("/"))
    browser.post("/logout")
    assert signed_out(thief.get("/"))
    # Not "已在另一台设备登录": nobody logged in elsewhere, the session was ended by the logout.
    page = thief.get("/login").get_data(as_text=True)
    assert "登录已失效" in page and "另一台设备" not in page


def test_candidate_copied_cookie_cannot_save_or_read_after_logout(app, exam):  # noqa: F811
    browser = app.test_client()
    login(browser, "sj01")
    paper = browser.post(f"/api/v1/exams/{exam}/attempts", json={}).get_json()
    item = next(i["item"] for i in paper["items"] if i["type"] == "truefalse")
    save = f"/api/v1/attempts/{paper['attempt']}/answers"
    thief = copy_of(app, browser)
    assert thief.post(save, json={"item": item, "answer": True, "seq": 1}).status_code == 200
    browser.post("/logout")
    refused = thief.get("/api/v1/exams")
    assert refused.status_code == 401 and refused.get_json()["code"] == "login_required"
    assert "登录已失效" in refused.get_json()["error"]
    # The autosave hot path checks the nonce in its own query, and tells the same truth.
    refused = thief.post(save, json={"item": item, "answer": False, "seq": 2})
    assert refused.status_code == 401 and refused.get_json()["code"] == "login_required"
    assert "登录已失效" in refused.get_json()["error"] and "另一台设备" not in refused.get_json()["error"]


@pytest.mark.parametrize("username", ROLES)
def test_password_change_ends_other_sessions_but_not_this_one(app, demo, username):
    here, elsewhere = app.test_client(), app.test_client()
    login(here, username)
    login(elsewhere, username)      # a candidate's second login replaces the first: log in here again
    if username.startswith("sj"):
        login(here, username)
        elsewhere = copy_of(app, here)
    assert signed_in(elsewhere.get("/"))
    response = here.post("/password", data={"current": "demo1234", "new": "Changed2026x", "confirm": "Changed2026x"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = here.get("/", follow_redirects=True)
    assert home.status_code == 200 and "其他设备上的登录已失效" in home.get_data(as_text=True)
    assert signed_out(elsewhere.get("/"))


@pytest.mark.parametrize("username", ROLES)
def test_staff_sessions_stay_valid_on_two_devices_until_one_logs_out(app, demo, username):
    """Staff and viewers may be signed in on two PCs; candidates have one active session (a newer login
    replaces the older). Logging out anywhere ends all of them."""
    first, second = app.test_client(), app.test_client()
    login(first, username)
    login(second, username)
    assert signed_in(second.get("/"))
    assert signed_in(first.get("/")) == (not username.startswith("sj"))
    second.post("/logout")
    assert signed_out(first.get("/"))


@pytest.mark.parametrize("username", ROLES)
def test_admin_reset_and_deactivation_end_the_users_sessions(app, demo, username):
    admin = app.test_client()
    login(admin, "admin" if username != "admin" else "organizer")
    if username == "admin":      # an admin is reset by another admin
        with app.app_context():
            second = User(username="admin2", name="第二管理员", role="admin")
            second.set_password("demo1234", temporary=False)
            db.session.add(second)
            db.session.commit()
        admin = app.test_client()
        login(admin, "admin2")
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).where(User.username == username))

    victim = app.test_client()
    login(victim, username)
    assert signed_in(victim.get("/"))
    admin.post(f"/users/{user_id}/reset-password")
    assert signed_out(victim.get("/"))

    with app.app_context():       # deactivation (and reactivation) ends the sessions, too
        user = db.session.get(User, user_id)
        user.set_password("demo1234", temporary=False)
        db.session.commit()
    login(victim, username)
    assert signed_in(victim.get("/"))
    admin.post(f"/users/{user_id}/active")
    admin.post(f"/users/{user_id}/active")
    assert signed_out(victim.get("/"))


def test_role_change_ends_the_users_sessions(app, demo):
    admin, viewer = app.test_client(), app.test_client()
    login(admin, "admin")
    login(viewer, "viewer")
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "viewer"))
        user_id = user.id
    response = admin.post(f"/users/{user_id}/edit", data={"username": "viewer", "name": "示例领导", "role": "organizer",
                                                          "organization_id": 0, "phone": "", "active": "y"})
    assert response.status_code == 302
    assert signed_out(viewer.get("/"))


def test_staff_session_has_an_absolute_lifetime_even_when_active(app, demo):
    hours, idle = app.config["STAFF_SESSION_HOURS"], app.config["IDLE_TIMEOUT_MINUTES"]
    start = utcnow()
    organiser, candidate = app.test_client(), app.test_client()
    with time_machine.travel(start, tick=False):
        login(organiser, "organizer")
        login(candidate, "sj01")
    step = timedelta(minutes=idle - 5)
    moment = start
    while moment + step < start + timedelta(hours=hours):
        moment += step
        with time_machine.travel(moment, tick=False):
            assert signed_in(organiser.get("/")), moment - start     # active: the idle limit never hits
    with time_machine.travel(start + timedelta(hours=hours, minutes=1), tick=False):
        response = organiser.get("/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
        assert f"最长 {hours} 小时" in organiser.get("/login").get_data(as_text=True)
        assert signed_in(candidate.get("/exams"))


def _session_cookie_header(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_candidate_cookie_ends_with_the_browser_but_staff_cookie_has_a_lifetime(client, demo):
    candidate = _session_cookie_header(login(client, "sj01"))
    assert "Expires=" not in candidate and "Max-Age" not in candidate
    client.post("/logout")
    staff = _session_cookie_header(login(client, "organizer"))
    assert "Expires=" in staff


def test_cookie_is_secure_whenever_the_site_is_served_over_https(app_factory, engine_name):
    from examapp.demo import load_demo_accounts
    from tests.conftest import reset_postgres_schema
    for trust_proxy in (False, True):
        app = app_factory(TRUST_PROXY=trust_proxy)
        with app.app_context():
            if engine_name == "postgresql":
                reset_postgres_schema()
            db.create_all()
            load_demo_accounts()
        plain = _session_cookie_header(login(app.test_client(), "sj01"))
        assert "Secure" not in plain
        https = app.test_client().post("/login", data={"username": "sj02", "password": "demo1234"},
                                       base_url="https://exam.example.cn")
        assert "Secure" in _session_cookie_header(https)
        # Behind nginx (TRUST_PROXY=1) the proxy's X-Forwarded-Proto says the browser used HTTPS.
        proxied = app.test_client().post("/login", data={"username": "sj03", "password": "demo1234"},
                                         headers={"X-Forwarded-Proto": "https"})
        assert ("Secure" in _session_cookie_header(proxied)) == trust_proxy
        with app.app_context():
            db.session.remove()
            db.drop_all()
