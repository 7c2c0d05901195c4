"""Hostile and oversized spreadsheets on every import (users, question bank, scoring workbook): a file that
decompresses to too much or has too many rows is refused before openpyxl parses it, and a file with
thousands of wrong rows lists the first 200 problems and counts the rest — a clear Chinese page of bounded
size, quickly, with nothing written."""
from __future__ import annotations

import io
import re
import time
import zipfile
from xml.sax.saxutils import escape

import pytest

from examapp.scoring import services as scoring
from examapp.xlsxutil import MAX_LISTED_PROBLEMS, MAX_SHEET_ROWS
from tests.conftest import login
from tests.fuzz.test_import_pages_fuzz import database_state

USERS_HEADER = ["党组织名称", "党组织类别", "书记姓名", "登录名", "手机号"]
BANK_HEADER = ["题型", "题干", "选项A", "选项B", "答案"]
EXAMS_HEADER = ["党组织", "考试名称", "得分", "状态"]


def raw_xlsx(sheet: str, rows, *, padding: int = 0) -> bytes:
    """A minimal .xlsx written directly (inline strings), fast enough for 100,000 rows; `padding` bytes of
    spaces inside the sheet make it decompress to far more than it weighs."""
    def cell(column: int, value) -> str:
        letter = "ABCDEFGHIJ"[column]
        if isinstance(value, (int, float)):
            return f'<c r="{letter}{{r}}"><v>{value}</v></c>'
        return f'<c r="{letter}{{r}}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '</Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'))
        archive.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '</Relationships>'))
        parts = ['<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                 + " " * padding + "<sheetData>"]
        for number, values in enumerate(rows, start=1):
            parts.append(f'<row r="{number}">' + "".join(cell(i, v) for i, v in enumerate(values)).replace("{r}", str(number))
                         + "</row>")
        parts.append("</sheetData></worksheet>")
        archive.writestr("xl/worksheets/sheet1.xml", "".join(parts))
    return buffer.getvalue()


def wrong_rows(kind: str, count: int):
    """`count` data rows each with at least one problem, after the sheet's header."""
    if kind == "users":
        return [USERS_HEADER] + [[f"组织{n}", "不存在的类别", "", "!", "1"] for n in range(count)]
    if kind == "bank":
        return [BANK_HEADER] + [["不存在的题型", f"题干{n}", "甲", "乙", "Z"] for n in range(count)]
    return [EXAMS_HEADER] + [[f"不存在的党组织{n}", "考试", 50, "正常"] for n in range(count)]


SHEET = {"users": "书记名单", "bank": "题库", "scoring": "考试成绩"}


@pytest.fixture
def organizer(app, demo):
    with app.app_context():
        round_id = scoring.ensure_round("上传测试").id
        from examapp.extensions import db
        db.session.commit()
    client = app.test_client()
    login(client, "organizer")
    client.urls = {"users": "/users/import", "bank": "/bank/import", "scoring": f"/scoring/{round_id}/import"}
    return client


def multipart(content: bytes, filename: str) -> dict:
    """The request body built here: the test client's own encoder leaves a temporary file open for a
    large upload (a ResourceWarning, an error under -W error)."""
    boundary = "hostile-upload-boundary-7f3a"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def upload(app, client, kind: str, content: bytes):
    with app.app_context():
        before = database_state()
    started = time.monotonic()
    response = client.post(client.urls[kind], **multipart(content, "upload.xlsx"))
    elapsed = time.monotonic() - started
    with app.app_context():
        assert database_state() == before, "something was written"
    assert response.status_code == 200
    return response.get_data(as_text=True), elapsed


@pytest.mark.parametrize("kind", ["users", "bank", "scoring"])
def test_thousands_of_wrong_rows_list_the_first_200_problems_and_count_the_rest(app, organizer, kind):
    rows = 3000
    page, elapsed = upload(app, organizer, kind, raw_xlsx(SHEET[kind], wrong_rows(kind, rows)))
    items = re.findall(r"<(?:li|tr)\b", page.split("import-problems", 1)[1].split("import-problems-more")[0])
    assert len(items) - (kind == "users") == MAX_LISTED_PROBLEMS      # the users table has a header row
    total = int(re.search(r"(?:有|共) (\d+) 处", page).group(1))
    assert total >= rows
    assert f"还有 {total - MAX_LISTED_PROBLEMS} 处未列出" in page
    assert len(page.encode()) < 300_000
    assert elapsed < 30


@pytest.mark.parametrize("kind", ["users", "bank", "scoring"])
def test_a_sheet_with_too_many_rows_is_refused_before_it_is_parsed(app, organizer, kind):
    content = raw_xlsx(SHEET[kind], wrong_rows(kind, 100_000))
    assert len(content) > 1_000_000
    page, elapsed = upload(app, organizer, kind, content)
    assert f"超过上限（{MAX_SHEET_ROWS} 行" in page
    assert elapsed < 5 and len(page.encode()) < 100_000


@pytest.mark.parametrize("kind", ["users", "bank", "scoring"])
def test_a_file_that_decompresses_to_too_much_is_refused(app, organizer, kind):
    content = raw_xlsx(SHEET[kind], wrong_rows(kind, 1), padding=200 * 1024 * 1024)
    assert len(content) < 1_000_000
    page, elapsed = upload(app, organizer, kind, content)
    assert "Excel 文件解压后约 200 MB，超过上限 50 MB" in page
    assert elapsed < 5


def test_a_csv_with_too_many_rows_is_refused(app, organizer):
    content = ("\n".join(",".join(r) for r in wrong_rows("users", 50_000))).encode("utf-8")
    with app.app_context():
        before = database_state()
    response = organizer.post("/users/import", **multipart(content, "users.csv"))
    assert f"CSV 文件超过 {MAX_SHEET_ROWS} 行" in response.get_data(as_text=True)
    with app.app_context():
        assert database_state() == before


def test_the_cli_lists_the_first_200_problems_too(app, runner, demo, tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(raw_xlsx("书记名单", wrong_rows("users", 500)))
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("第 ")]
    assert len(lines) == MAX_LISTED_PROBLEMS
    assert re.search(r"还有 \d+ 处未列出", result.output)
