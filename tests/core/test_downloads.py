"""Downloads: every file the app hands out names itself in Latin-1-safe RFC 6266/5987 form (an ASCII
fallback that is a valid Windows file name, and the Chinese name in filename*), through one helper, and
the audit log's exports work behind the real servers (gunicorn, waitress), not only the test client."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from examapp.downloads import ascii_filename, content_disposition
from tests.audit.test_audit_page import add
from tests.core.test_route_matrix import build_world, fill, rules_of, signed_in_clients, url_values
from tests.faults.helpers import candidate_session
from tests.servers import Gunicorn, Waitress, serving

EXAMAPP = Path(__file__).resolve().parents[2] / "examapp"
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}
DISPOSITION = re.compile(r"""^(attachment|inline); filename="([^"]*)"; filename\*=UTF-8''([A-Za-z0-9%!#$&+\-.^_`|~]+)$""")


def assert_valid_windows_name(name: str) -> None:
    assert name and name.isascii(), name
    assert not re.search(r'[<>:"/\\|?*\x00-\x1f\x7f]', name), name
    assert not name.endswith((".", " ")), name
    assert name.split(".")[0].upper() not in WINDOWS_RESERVED, name


def parse(header: str) -> tuple[str, str, str]:
    header.encode("latin-1")              # a WSGI server sends headers as Latin-1 or refuses them
    match = DISPOSITION.match(header)
    assert match, header
    kind, fallback, encoded = match.groups()
    assert_valid_windows_name(fallback)
    return kind, fallback, unquote(encoded)


@pytest.mark.parametrize("name", [
    "操作日志-20231020-0905.csv", "CON.xlsx", "con", "aux.tar.xlsx", "LPT9", 'a<b>:c"d/e\\f|g?h*.xlsx',
    "tab\tnew\nline\x00nul\x7f.csv", "trailing dot. .", "   .xlsx", "....", "2023年度书记大比武-综合得分.xlsx",
    "Ünïcödé Bahamas, The.pdf", "个人得分卡-示例·第一党支部.pdf", "题库导出.xml", "x" * 300 + ".json", "",
])
def test_the_ascii_fallback_of_any_name_is_a_valid_windows_file_name(name):
    fallback = ascii_filename(name)
    assert_valid_windows_name(fallback)
    kind, shown, full = parse(content_disposition(name))
    assert kind == "attachment" and shown == fallback
    assert not re.search(r'[<>:"/\\|?*\x00-\x1f\x7f]', full) and not full.endswith((".", " ")), full
    if name and name.isprintable() and not re.search(r'[<>:"/\\|?*]', name) and not name.endswith((".", " ")):
        assert full == name
    assert len(fallback) <= 110


def test_fallback_keeps_what_ascii_there_is_and_says_download_otherwise():
    assert ascii_filename("操作日志-20231020-0905.csv") == "download-20231020-0905.csv"
    assert ascii_filename("考评数据导入模板.xlsx") == "download.xlsx"
    assert ascii_filename("学习情况（示例市优化营商服务办法）.xlsx") == "download.xlsx"     # no bare "()" left
    assert ascii_filename("Ünïcödé Bahamas, The.pdf") == "Unicode Bahamas, The.pdf"
    assert ascii_filename("CON.xlsx") == "_CON.xlsx"


def test_no_download_bypasses_the_helper():
    offenders = [f"{path.relative_to(EXAMAPP)}: {line.strip()}" for path in EXAMAPP.rglob("*.py")
                 if path.name != "downloads.py"
                 for line in path.read_text().splitlines()
                 if re.search(r"send_file|download_name|Content-Disposition", line)]
    assert offenders == []


# Every GET that answers with a file, for the role that may have it (a new download must be added here).
DOWNLOADS = {
    "/users/import/template.xlsx": "organizer",
    "/admin/audit/export.csv": "admin",
    "/admin/audit/export.xlsx": "admin",
    "/bank/export": "organizer",
    "/manage/exams/<int:exam_id>/results.xlsx": "organizer",
    "/scoring/template.xlsx": "organizer",
    "/scoring/<int:round_id>/scheme.yaml": "organizer",
    "/scoring/<int:round_id>/results/<int:computation_id>/export.<fmt>": "organizer",
    "/published/<int:snapshot_id>/document.pdf": "viewer",
    "/published/<int:snapshot_id>/table.xlsx": "viewer",
    "/published/<int:snapshot_id>/cards/<path:organization>.pdf": "sj01",
    "/learning/manage/export.xlsx": "organizer",
}


def test_every_download_in_the_app_names_its_file_the_same_safe_way(app, demo, bank):
    world = build_world(app)
    clients = signed_in_clients(app)
    found = {}
    for rule, method in rules_of(app):
        if method != "GET" or rule.startswith(("/static", "/bootstrap")):
            continue
        url = fill(rule, url_values(world, rule, method))
        for role in (DOWNLOADS.get(rule, "admin"), "organizer"):
            response = clients[role].get(url)
            header = response.headers.get("Content-Disposition")
            response.close()
            if header:
                found[rule] = parse(header)
                break
    assert sorted(found) == sorted(DOWNLOADS)
    assert found["/admin/audit/export.csv"][2].startswith("操作日志-")
    assert found["/scoring/<int:round_id>/scheme.yaml"][2].endswith("-计分方案.yaml")
    assert found["/published/<int:snapshot_id>/document.pdf"][0] == "inline"       # the browser shows the PDF
    assert found["/published/<int:snapshot_id>/cards/<path:organization>.pdf"][2] == f"个人得分卡-{world.own_org}.pdf"


@pytest.mark.parametrize("server_class", [Gunicorn, Waitress])
def test_audit_log_exports_download_under_gunicorn_and_waitress(app, demo, tmp_path, server_class):
    add(app, "exam.regrade", actor="admin", reason="原答案有误", summary="重新评分题目 12")
    server = server_class(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "server.log")
    with serving(server):
        admin = candidate_session(server.url, "admin")
        csv_reply = admin.get(f"{server.url}/admin/audit/export.csv", timeout=60)
        xlsx_reply = admin.get(f"{server.url}/admin/audit/export.xlsx", timeout=60)
    assert csv_reply.status_code == 200 and xlsx_reply.status_code == 200, server.tail()
    for reply, extension in ((csv_reply, "csv"), (xlsx_reply, "xlsx")):
        kind, fallback, name = parse(reply.headers["Content-Disposition"])
        assert kind == "attachment" and fallback.endswith(f".{extension}")
        assert re.fullmatch(rf"操作日志-\d{{8}}-\d{{4}}\.{extension}", name)
    rows = list(csv.reader(io.StringIO(csv_reply.content.decode("utf-8-sig"))))
    assert any("原答案有误" in row for row in rows)
    sheet = load_workbook(io.BytesIO(xlsx_reply.content)).active
    assert any("原答案有误" in (cell.value or "") for row in sheet.iter_rows() for cell in row)
