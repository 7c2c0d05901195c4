"""Organisers list, search, add, edit, deactivate users and reset passwords; only admins manage staff."""
import re

from examapp.accounts.models import User
from examapp.audit.models import AuditEntry
from examapp.extensions import db
from tests.conftest import login


def test_search_finds_by_name_login_or_organisation(client, demo):
    login(client, "organizer")
    body = client.get("/users?q=sj07").get_data(as_text=True)
    assert "共 1 人" in body and "sj07" in body
    body = client.get("/users?q=区财政局").get_data(as_text=True)
    assert "共 1 人" in body


def test_add_user_shows_initial_password_once_and_it_works(app, client, demo):
    login(client, "organizer")
    body = client.post("/users/new", data={"username": "newsec", "name": "新书记", "role": "candidate",
                                           "organization_id": "1", "phone": "", "active": "y"},
                       follow_redirects=True).get_data(as_text=True)
    password = re.search(r"初始密码：(\w+)", body).group(1)
    other = app.test_client()
    assert login(other, "newsec", password).headers["Location"] == "/password"


def test_organiser_cannot_create_an_admin(app, client, demo):
    login(client, "organizer")
    response = client.post("/users/new", data={"username": "evil", "name": "x", "role": "admin",
                                               "organization_id": "0", "active": "y"})
    assert response.status_code == 200 and "不是有效的选择" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.username == "evil")) is None


def test_edit_and_deactivate_are_audited(app, client, demo):
    login(client, "organizer")
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).where(User.username == "sj09"))
    client.post(f"/users/{user_id}/edit", data={"username": "sj09", "name": "改名书记", "role": "candidate",
                                                "organization_id": "9", "phone": "13812345678", "active": "y"})
    client.post(f"/users/{user_id}/active")
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.name == "改名书记" and user.phone == "13812345678" and not user.active
        actions = set(db.session.scalars(db.select(AuditEntry.action)))
        assert {"user.updated", "user.deactivated"} <= actions


def test_reset_password_gives_a_temporary_password(app, client, demo):
    login(client, "organizer")
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).where(User.username == "sj10"))
    body = client.post(f"/users/{user_id}/reset-password", follow_redirects=True).get_data(as_text=True)
    password = re.search(r"临时密码：(\w+)", body).group(1)
    assert login(app.test_client(), "sj10", password).headers["Location"] == "/password"
