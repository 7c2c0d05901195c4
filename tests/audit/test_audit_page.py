"""The audit log page: admins only, newest first, filters, paging, Excel/CSV export, escaped content."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from examapp.accounts.models import User
from examapp.audit.models import AuditEntry
from examapp.extensions import db
from tests.conftest import login

EVIL = '<script>alert("x")</script>'


def admin_client(app):
    client = app.test_client()
    login(client, "admin")
    return client


def add(app, action, *, actor="organizer", at=None, reason="", summary="", target_type="exam", target_id=1,
        detail=None):
    with app.app_context():
        actor_id = db.session.scalar(db.select(User.id).where(User.username == actor)) if actor else None
        entry = AuditEntry(action=action, actor_id=actor_id, target_type=target_type, target_id=str(target_id),
                           summary=summary, reason=reason, detail=detail or {})
        if at:
            entry.at = at
        db.session.add(entry)
        db.session.commit()
        return entry.id


@pytest.fixture
def entries(app, demo):
    add(app, "attempt.extra_time", at=datetime(2023, 10, 20, 1, 5), reason="手机没电", summary="为 示例书记01 延长 10 分钟",
        target_type="attempt", target_id=7, detail={"minutes": 10})
    add(app, "exam.regrade", actor="admin", at=datetime(2023, 10, 21, 2, 0), reason="原答案有误",
        summary="重新评分题目 12")
    add(app, "user.updated", actor=None, at=datetime(2023, 10, 22, 15, 30), summary="修改用户 sj02",
        target_type="user", target_id=9, detail={"before": {"role": "candidate"}, "after": {"role": "viewer"}})


@pytest.mark.parametrize("username", ["organizer", "viewer", "sj01"])
def test_only_admins_may_see_or_export_the_log(app, client, entries, username):
    login(client, username)
    for url in ("/admin/audit/", "/admin/audit/export.xlsx", "/admin/audit/export.csv"):
        assert client.get(url).status_code == 403
    assert "操作日志" not in client.get("/published/").get_data(as_text=True)   # no nav link either


def test_anonymous_is_sent_to_login(app, client):
    response = client.get("/admin/audit/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_sees_entries_newest_first_in_local_time_with_chinese_labels(app, entries):
    client = admin_client(app)
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert 'href="/admin/audit/"' in page                               # the admin's nav link
    assert page.index("修改用户 sj02") < page.index("重新评分题目 12") < page.index("延长 10 分钟")
    assert "2023-10-20 09:05:00" in page                                # 01:05 UTC shown as Beijing time
    assert "2023-10-22 23:30:00" in page
    assert "延长考生时间" in page and "重新评分" in page and "手机没电" in page
    assert "系统/命令行" in page                                        # entries made without a logged-in user
    assert "示例组织者" in page and "示例管理员" in page                  # actor names
    assert "&#34;minutes&#34;: 10" in page or "&quot;minutes&quot;: 10" in page   # detail, as readable JSON
    assert "<details>" in page


def test_unknown_action_codes_are_shown_as_they_are(app, demo):
    add(app, "something.new", summary="新动作")
    page = admin_client(app).get("/admin/audit/").get_data(as_text=True)
    assert "something.new" in page and "新动作" in page


def test_filters(app, entries):
    client = admin_client(app)

    def summaries(**args):
        page = client.get("/admin/audit/", query_string=args).get_data(as_text=True)
        return {s for s in ("修改用户 sj02", "重新评分题目 12", "延长 10 分钟") if s in page}

    assert summaries(action="exam.regrade") == {"重新评分题目 12"}
    assert summaries(actor="organizer") == {"延长 10 分钟"}
    assert summaries(actor="系统/命令行") == {"修改用户 sj02"}
    assert summaries(target_type="user") == {"修改用户 sj02"}
    # Local days: 2023-10-22 23:30 Beijing is on the 22nd; 2023-10-20 09:05 on the 20th.
    assert summaries(**{"from": "2023-10-21", "to": "2023-10-22"}) == {"重新评分题目 12", "修改用户 sj02"}
    assert summaries(**{"to": "2023-10-20"}) == {"延长 10 分钟"}
    assert summaries(q="手机没电") == {"延长 10 分钟"}                  # in the reason
    assert summaries(q="viewer") == {"修改用户 sj02"}                   # in the detail
    assert summaries(q="100%") == set()                                 # LIKE wildcards are literal
    assert summaries(**{"from": "not-a-date"}) == {"修改用户 sj02", "重新评分题目 12", "延长 10 分钟"}


def test_paging_fifty_per_page(app, demo):
    with app.app_context():
        start = datetime(2023, 10, 1)
        db.session.add_all(AuditEntry(action="exam.updated", target_type="exam", target_id="1",
                                      summary=f"第{n:03d}条", at=start + timedelta(minutes=n)) for n in range(120))
        db.session.commit()
    client = admin_client(app)
    first = client.get("/admin/audit/").get_data(as_text=True)
    assert "共 120 条" in first and "第119条" in first and "第070条" in first and "第069条" not in first
    third = client.get("/admin/audit/?page=3").get_data(as_text=True)
    assert "第019条" in third and "第000条" in third and "第020条" not in third
    filtered = client.get("/admin/audit/?q=第&page=2").get_data(as_text=True)
    assert "第069条" in filtered and "page=3&amp;q=%E7%AC%AC" in filtered    # paging keeps the filter


def test_script_in_a_reason_is_escaped(app, demo):
    add(app, "attempt.force_submit", reason=EVIL, summary=EVIL, detail={"note": EVIL})
    page = admin_client(app).get("/admin/audit/").get_data(as_text=True)
    assert EVIL not in page and "&lt;script&gt;" in page


def test_excel_export_has_chinese_headers_the_filtered_entries_and_no_formulas(app, entries):
    add(app, "exam.regrade", reason='=HYPERLINK("http://example.invalid","点此")', summary="公式测试")
    response = admin_client(app).get("/admin/audit/export.xlsx?action=exam.regrade")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "操作人登录名", "操作人姓名", "操作")
    assert [r[7] for r in rows[1:]] == ["公式测试", "重新评分题目 12"]
    assert rows[2][0] == "2023-10-21 10:00:00" and rows[2][1] == "admin" and rows[2][3] == "重新评分"
    formula = next(c for c in sheet["I"] if c.value and str(c.value).startswith("="))
    assert formula.data_type == "s"


def test_csv_export_is_utf8_with_bom_for_excel(app, entries):
    add(app, "exam.regrade", reason="=1+2", summary="公式测试")
    response = admin_client(app).get("/admin/audit/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "时间" and len(rows) == 5
    by_summary = {r[7]: r for r in rows[1:]}
    assert by_summary["为 示例书记01 延长 10 分钟"][8] == "手机没电"
    assert by_summary["公式测试"][8] == "'=1+2"                       # not a formula when opened in Excel
    assert by_summary["修改用户 sj02"][1] == "系统/命令行"
