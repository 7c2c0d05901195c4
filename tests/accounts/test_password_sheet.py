"""The one-time initial-password sheet opens only for the organiser who ran the import, or for an admin who
asks for it explicitly; every opening and every refusal is in the audit log."""
from __future__ import annotations

from examapp.accounts.models import PasswordSheet, User
from examapp.audit.models import AuditEntry
from examapp.extensions import db
from tests.accounts.test_import import GOOD_ROWS, upload, xlsx
from tests.conftest import login


def _second_organiser(app) -> None:
    with app.app_context():
        other = User(username="organizer2", name="另一位组织者", role="organizer")
        other.set_password("demo1234", temporary=False)
        db.session.add(other)
        db.session.commit()


def _imported_sheet(app, client) -> str:
    login(client, "organizer")
    upload(client, xlsx(GOOD_ROWS), "名单.xlsx")
    with app.app_context():
        sheet = db.session.scalar(db.select(PasswordSheet))
        assert sheet.created_by.username == "organizer"
        return sheet.token


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEntry.action).where(
            AuditEntry.action.like("password_sheet.%")).order_by(AuditEntry.id)))


def test_another_organiser_cannot_open_the_sheet_and_the_attempt_is_audited(app, client, demo):
    _second_organiser(app)
    token = _imported_sheet(app, client)
    other = app.test_client()
    login(other, "organizer2")
    assert other.get(f"/users/import/done/{token}").status_code == 403
    assert other.post(f"/users/password-sheet/{token}").status_code == 403
    assert _actions(app) == ["password_sheet.refused"]
    body = client.post(f"/users/password-sheet/{token}").get_data(as_text=True)   # the importer still can
    assert "zhouym" in body and "初始密码单（共 3 人）" in body
    assert _actions(app) == ["password_sheet.refused", "password_sheet.opened"]


def test_admin_opens_the_sheet_only_by_explicit_action_which_is_audited(app, client, demo):
    token = _imported_sheet(app, client)
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get(f"/users/import/done/{token}").get_data(as_text=True)
    assert "以管理员身份查看" in page and "示例组织者" in page
    response = admin.post(f"/users/password-sheet/{token}", follow_redirects=True)
    assert "请勾选“以管理员身份查看”" in response.get_data(as_text=True)
    assert "zhouym" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(PasswordSheet.opened_at)) is None
    body = admin.post(f"/users/password-sheet/{token}", data={"admin_override": "1"}).get_data(as_text=True)
    assert "zhouym" in body
    assert _actions(app) == ["password_sheet.admin_opened"]
    again = client.post(f"/users/password-sheet/{token}", follow_redirects=True).get_data(as_text=True)
    assert "已经被查看过" in again
    log = admin.get("/admin/audit/").get_data(as_text=True)
    assert "管理员查看他人导入的初始密码单" in log
