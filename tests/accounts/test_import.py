"""Bulk import of organisations and secretaries: whole-file validation, one transaction, one-time sheet."""
import io

from openpyxl import Workbook, load_workbook

from examapp.accounts.importer import COLUMNS, validate_rows
from examapp.accounts.models import PartyOrganization, PasswordSheet, User
from examapp.extensions import db
from tests.conftest import login


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD_ROWS = [list(COLUMNS),
             ["区商务局党组", "机关部门", "周一民", "zhouym", "13800000001"],
             ["城南街道党工委", "乡镇街道", "钱二芳", "qianef", ""],
             ["区人民医院党委", "学校医院", "孙三立", "sunsl", "13900000003"]]


def upload(client, content: bytes, filename: str):
    return client.post("/users/import", data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data", follow_redirects=True)


def test_validation_reports_every_problem_with_row_and_column():
    rows = [list(COLUMNS),
            ["", "机关部门", "甲", "okname", ""],
            ["乙组织", "外星部门", "乙", "ok2", ""],
            ["丙组织", "园区", "", "b a d", "123"],
            ["丁组织", "国企", "丁", "dup1", ""],
            ["戊组织", "国企", "戊", "DUP1", ""],
            ["己组织", "国企", "己", "taken", ""]]
    records, problems = validate_rows(rows, existing_usernames={"taken"}, existing_org_kinds={})
    found = {(p.row, p.column) for p in problems}
    assert found == {(2, "党组织名称"), (3, "党组织类别"), (4, "书记姓名"), (4, "登录名"), (4, "手机号"),
                     (6, "登录名"), (7, "登录名")}
    messages = {(p.row, p.column): p.message for p in problems}
    assert "外星部门" in messages[(3, "党组织类别")]
    assert "与第 5 行重复" in messages[(6, "登录名")]
    assert "已被系统中的用户使用" in messages[(7, "登录名")]
    assert str(problems[0]).startswith("第 2 行「党组织名称」列：")
    assert [r.username for r in records] == ["dup1"]


def test_missing_header_column_is_reported():
    _, problems = validate_rows([["党组织名称", "书记姓名"], ["甲", "乙"]], set(), {})
    assert {p.column for p in problems} == {"党组织类别", "登录名"}


def test_same_organisation_with_two_kinds_is_refused():
    rows = [list(COLUMNS), ["甲组织", "园区", "张", "zhang1", ""], ["甲组织", "国企", "李", "li001", ""]]
    _, problems = validate_rows(rows, set(), {})
    assert len(problems) == 1 and problems[0].row == 3 and "第 2 行" in problems[0].message


def test_good_file_imports_in_one_go_and_sheet_opens_once(app, client, demo):
    login(client, "organizer")
    body = upload(client, xlsx(GOOD_ROWS), "名单.xlsx").get_data(as_text=True)
    assert "导入成功：3 名书记" in body
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "zhouym"))
        assert user.organization.name == "区商务局党组" and user.must_change_password
        sheet = db.session.scalar(db.select(PasswordSheet))
        token = sheet.token
    first = client.post(f"/users/password-sheet/{token}").get_data(as_text=True)
    assert "初始密码单（共 3 人）" in first and "zhouym" in first
    second = client.post(f"/users/password-sheet/{token}", follow_redirects=True).get_data(as_text=True)
    assert "已经被查看过" in second and "zhouym" not in second.split("用户管理", 1)[0]
    with app.app_context():
        assert db.session.scalar(db.select(PasswordSheet)).entries == []


def test_imported_secretary_logs_in_with_sheet_password_and_must_change_it(app, client, demo):
    login(client, "organizer")
    upload(client, xlsx(GOOD_ROWS), "名单.xlsx")
    with app.app_context():
        token = db.session.scalar(db.select(PasswordSheet.token))
    from examapp.accounts.services import open_password_sheet
    with app.test_request_context():
        _, entries = open_password_sheet(token, None)
        db.session.commit()    # the caller commits (services flush only)
    password = next(e["password"] for e in entries if e["username"] == "qianef")
    other = app.test_client()
    assert login(other, "qianef", password).headers["Location"] == "/password"


def test_bad_file_changes_nothing_and_lists_rows(app, client, demo):
    login(client, "organizer")
    with app.app_context():
        users_before = db.session.scalar(db.select(db.func.count(User.id)))
        orgs_before = db.session.scalar(db.select(db.func.count(PartyOrganization.id)))
    rows = GOOD_ROWS + [["区统计局党组", "机关部门", "", "sj01", "1380000"]]
    body = upload(client, xlsx(rows), "名单.xlsx").get_data(as_text=True)
    assert "3 处错误，未导入任何数据" in body
    assert "第 5 行" in body and "书记姓名不能为空" in body and "已被系统中的用户使用" in body
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == users_before
        assert db.session.scalar(db.select(db.func.count(PartyOrganization.id))) == orgs_before


def test_gbk_csv_as_saved_by_chinese_excel_is_read(app, client, demo):
    login(client, "organizer")
    text = "\n".join(",".join(r) for r in GOOD_ROWS) + "\n"
    body = upload(client, text.encode("gb18030"), "名单.csv").get_data(as_text=True)
    assert "导入成功：3 名书记" in body


def test_unreadable_file_gets_a_clear_message(client, demo):
    login(client, "organizer")
    body = upload(client, b"not a spreadsheet", "名单.xlsx").get_data(as_text=True)
    assert "无法读取 Excel 文件" in body


def test_template_download_has_the_chinese_columns(client, demo):
    login(client, "organizer")
    response = client.get("/users/import/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]] == list(COLUMNS)


# ---------------------------------------------------------------- broken files found by tests/fuzz

def test_csv_with_a_cell_longer_than_the_csv_limit_is_refused_in_chinese():
    import pytest

    from examapp.accounts.importer import ImportFileError, read_table
    content = ("党组织名称,党组织类别\n\"" + "很长" * 70_000).encode("utf-8")   # an unclosed quote swallows the rest
    with pytest.raises(ImportFileError, match="CSV 文件第 2 行格式有误"):
        read_table("名单.csv", content)


def test_xlsx_whose_sheet_is_damaged_is_refused_in_chinese():
    import zipfile

    import pytest

    from examapp.accounts.importer import ImportFileError, read_table
    source = zipfile.ZipFile(io.BytesIO(xlsx(GOOD_ROWS)))
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, data[: len(data) // 2] if name == "xl/worksheets/sheet1.xml" else data)
    with pytest.raises(ImportFileError, match="无法读取 Excel 文件"):
        read_table("名单.xlsx", damaged.getvalue())


def test_control_characters_in_a_csv_cell_are_dropped():
    from examapp.accounts.importer import read_table
    content = "\n".join(",".join(r) for r in GOOD_ROWS).replace("周一民", "周\x00一\x07民").encode("utf-8")
    rows = read_table("名单.csv", content)
    records, problems = validate_rows(rows, set(), {})
    assert not problems and records[0].name == "周一民"
