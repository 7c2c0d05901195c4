"""Re-importing a roster does not silently give an organisation a second, identical secretary: the import
reports the same name under a new login and leaves the decision to the organiser."""
from __future__ import annotations

from examapp.accounts.importer import COLUMNS, validate_rows
from examapp.accounts.models import User
from examapp.extensions import db
from tests.accounts.test_import import GOOD_ROWS, upload, xlsx
from tests.conftest import login


def test_same_name_with_a_new_login_in_the_same_organisation_is_reported():
    rows = [list(COLUMNS),
            ["区商务局党组", "机关部门", "周一民", "zhouym2", ""],      # same person, new login
            ["区商务局党组", "机关部门", "吴六一", "wuly", ""],          # a new person: fine
            ["城南街道党工委", "乡镇街道", "周一民", "zhouym3", ""]]     # same name elsewhere: fine
    records, problems = validate_rows(rows, {"zhouym"}, {"区商务局党组": "机关部门", "城南街道党工委": "乡镇街道"},
                                      {("区商务局党组", "周一民"): "zhouym"})
    assert [(p.row, p.column) for p in problems] == [(2, "书记姓名")]
    assert "已有同名书记“周一民”（登录名 zhouym）" in problems[0].message and "zhouym2" in problems[0].message
    assert "请删去此行" in problems[0].message and "先在用户管理中停用原账号" in problems[0].message
    assert [r.username for r in records] == ["wuly", "zhouym3"]


def test_same_person_twice_in_one_file_under_two_logins_is_reported():
    rows = [list(COLUMNS), ["甲组织", "园区", "张三", "zhang1", ""], ["甲组织", "园区", "张三", "zhang2", ""]]
    _, problems = validate_rows(rows, set(), {})
    assert [(p.row, p.column) for p in problems] == [(3, "书记姓名")] and "第 2 行" in problems[0].message


def test_reimporting_the_roster_with_new_logins_writes_nothing_until_decided(app, client, demo):
    login(client, "organizer")
    assert "导入成功：3 名书记" in upload(client, xlsx(GOOD_ROWS), "名单.xlsx").get_data(as_text=True)
    renamed = [GOOD_ROWS[0]] + [row[:3] + [row[3] + "x"] + row[4:] for row in GOOD_ROWS[1:]]
    body = upload(client, xlsx(renamed), "名单.xlsx").get_data(as_text=True)
    assert "3 处错误，未导入任何数据" in body and "已有同名书记“钱二芳”（登录名 qianef）" in body
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).where(User.username.like("%x"))) == 0
        # The decision "a different person of the same name": deactivate the old account, then import.
        old = db.session.scalar(db.select(User).where(User.username == "qianef"))
        old.active = False
        db.session.commit()
    only_qian = [GOOD_ROWS[0], renamed[2]]
    assert "导入成功：1 名书记" in upload(client, xlsx(only_qian), "名单.xlsx").get_data(as_text=True)
