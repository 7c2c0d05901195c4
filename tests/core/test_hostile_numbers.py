"""Numbers out of range: an id in a URL or a number in a query filter that no INTEGER column can hold is
"not found" (404) or ignored, never a 500 (PostgreSQL: integer out of range); scores, points and days
from files and forms have sane bounds instead of overflowing the computation later."""
from __future__ import annotations

import re
from datetime import date

import pytest

from examapp.extensions import db
from examapp.publishing.models import Snapshot
from examapp.scoring import services as scoring
from tests.conftest import login
from tests.core.test_hostile_uploads import multipart
from tests.fuzz.test_import_pages_fuzz import database_state
from tests.publishing.test_publishing import computed_round
from tests.scoring.test_workbook import CHENGGUAN, ORGS, build

HUGE = [2**31, 2**63, 10**30]
OTHER_VALUES = {"fmt": "xlsx", "organization": "x", "token": "t", "filename": "js/app.js", "path": "x"}
INT_PARAM = re.compile(r"<int:([a-z_]+)>")


def urls_with(rule: str, number: int) -> str:
    url = INT_PARAM.sub(str(number), rule)
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: OTHER_VALUES[m.group(1)], url)


def test_every_int_in_a_url_beyond_the_database_integer_is_not_found(app, demo):
    rules = sorted({(r.rule, m) for r in app.url_map.iter_rules() if "<int:" in r.rule
                    for m in r.methods - {"HEAD", "OPTIONS"}})
    assert len(rules) > 30
    clients = {}
    for role in ("admin", "organizer", "sj01"):
        clients[role] = app.test_client()
        login(clients[role], role)
    wrong = []
    for rule, method in rules:
        for number in HUGE:
            url = urls_with(rule, number)
            for role, client in clients.items():
                response = client.get(url) if method == "GET" else client.post(url, json={})
                if response.status_code != 404:
                    wrong.append(f"{method} {url} as {role}: {response.status_code}")
    assert wrong == [], "\n".join(wrong[:30])
    # The largest id that fits is a plain "not found" as before.
    assert clients["organizer"].get(f"/bank/questions/{2**31 - 1}").status_code == 404


@pytest.mark.parametrize("url", [
    "/bank/?chapter={n}", "/bank/?article={n}", "/bank/?difficulty={n}", "/bank/questions/new?article={n}",
    "/users?org={n}",
])
def test_a_huge_number_in_a_query_filter_is_ignored_not_a_500(app, demo, bank, url):
    client = app.test_client()
    login(client, "organizer")
    for number in HUGE:
        response = client.get(url.format(n=number))
        assert response.status_code == 200, (url, number)


def test_conduct_points_of_1e308_are_refused_on_import_and_nothing_written(app, demo):
    from examapp.scoring.workbook import read_workbook
    result = read_workbook(build({"执政形象": [[CHENGGUAN, date(2023, 5, 12), "扣分", 1e308, "事由", None]]}), ORGS)
    assert [str(p) for p in result.problems] == ["「执政形象」第 2 行「分值」列：分值 1e+308 过大（不能大于 100）"]
    with app.app_context():
        round_id = scoring.ensure_round("数值测试").id
        db.session.commit()
        org = db.session.scalar(db.text("select name from party_organization order by id limit 1"))
    client = app.test_client()
    login(client, "organizer")
    with app.app_context():
        before = database_state()
    content = build({"执政形象": [[org, date(2023, 5, 12), "扣分", 1e308, "事由", None]]})
    response = client.post(f"/scoring/{round_id}/import", **multipart(content, "data.xlsx"))
    assert response.status_code == 200 and "过大（不能大于 100）" in response.get_data(as_text=True)
    with app.app_context():
        assert database_state() == before


EXAM = """title: 考试
opens_at: "2030-01-01 09:00"
closes_at: "2030-01-01 11:00"
duration_minutes: 60
sections:
  - {{type: single, count: 5, points: {points}}}
"""


@pytest.mark.parametrize("points", ["1e308", ".nan", "101"])
def test_question_points_beyond_100_are_refused_in_an_exam_definition(app, runner, bank, tmp_path, points):
    path = tmp_path / "exam.yaml"
    path.write_text(EXAM.format(points=points), encoding="utf-8")
    result = runner.invoke(args=["exams", "create", str(path)])
    assert result.exit_code == 1 and "每题分值应大于 0、不超过 100" in result.output, result.output


def test_an_objection_period_of_100000_days_is_refused(app, demo):
    round_id = computed_round(app)
    client = app.test_client()
    login(client, "organizer")
    response = client.post(f"/published/rounds/{round_id}/publish", data={"mode": "notice", "days": "100000"},
                           follow_redirects=True)
    assert "公示期应为 1–60 个工作日" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Snapshot)) == 0


def test_audit_log_dates_at_the_ends_of_the_calendar_are_ignored_not_a_500(app, demo):
    client = app.test_client()
    login(client, "admin")
    for query in ("to=9999-12-31", "from=0001-01-01", "from=9999-12-31&to=0001-01-01"):
        for url in ("/admin/audit/", "/admin/audit/export.csv", "/admin/audit/export.xlsx"):
            assert client.get(f"{url}?{query}").status_code == 200, (url, query)


@pytest.mark.parametrize("url", ["/admin/audit/?page={n}", "/bank/?page={n}"])
def test_a_page_number_beyond_the_database_integer_is_the_first_page_not_a_500(app, demo, url):
    client = app.test_client()
    login(client, "admin")
    for number in HUGE:
        assert client.get(url.format(n=number)).status_code == 200, number


def test_a_scheme_weight_of_1e308_is_refused_and_computing_still_works(app, demo):
    from tests.scoring.test_rounds import demo_round
    round_id = demo_round(app)
    client = app.test_client()
    login(client, "organizer")
    response = client.post(f"/scoring/{round_id}/scheme",
                           data={"scheme": "weights: {E: 1.0e+308, I: 30, A: 30, C: 10}\nassistance: {resolved: 1.0e+300}\n"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "考试权重（weights.E）不能大于 1e+06，现为 1e+308" in page
    assert "（assistance.resolved）不能大于 1e+06" in page
    assert client.post(f"/scoring/{round_id}/compute").status_code == 302


@pytest.mark.parametrize("field,value,message", [
    ("duration_minutes", str(10**30), "duration_minutes 应在 1–600 之间"),
    ("attempts", str(10**30), "attempts 应在 1–10 之间"),
    ("pass_mark", ".nan", "pass_mark 应写分数（如 36）或总分的百分比（如 60%）"),
    ("focus_warn_after", str(2**63), "focus_warn_after 应在 1–1000 之间"),
])
def test_numbers_out_of_range_in_an_exam_definition_are_refused_and_nothing_created(
        app, runner, bank, tmp_path, field, value, message):
    from examapp.exams.models import Exam
    text = EXAM.format(points=1).replace("duration_minutes: 60\n", "")
    text += f"duration_minutes: {value if field == 'duration_minutes' else 60}\n"
    if field != "duration_minutes":
        text += f"{field}: {value}\n"
    path = tmp_path / "exam.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["exams", "create", str(path)])
    assert result.exit_code == 1 and message in result.output, (result.output, result.exception)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Exam)) == 0


@pytest.mark.parametrize("field,message", [
    ("focus_warn_after", "数值大小必须介于 1 到 1000 之间"),
    ("focus_submit_after", "数值大小必须介于 1 到 1000 之间"),
    ("single-easy", "单选题“易”：数值大小必须介于 0 到 500 之间"),
    ("single-count", "单选题“题数”：数值大小必须介于 0 到 500 之间"),
])
def test_a_huge_number_in_the_exam_form_is_refused_in_chinese_and_nothing_saved(app, client, bank, demo, field,
                                                                                  message):
    from examapp.exams.models import Exam
    from tests.exams.test_manage import form_data
    login(client, "organizer")
    response = client.post("/manage/exams/new", data=form_data(**{field: str(2**63)}))
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Exam)) == 0


def test_a_huge_sort_order_of_an_organisation_is_refused_in_chinese_and_nothing_changed(app, client, demo):
    from examapp.accounts.models import PartyOrganization
    login(client, "organizer")
    with app.app_context():
        before = database_state()
        org = db.session.scalar(db.select(PartyOrganization).order_by(PartyOrganization.id).limit(1))
        data = {"name": org.name, "kind": org.kind, "sort_order": str(2**63)}
        url = f"/organizations/{org.id}/edit"
    response = client.post(url, data=data)
    assert response.status_code == 200 and "-99999" in response.get_data(as_text=True)
    assert client.post("/organizations/new", data={**data, "name": "新党组织"}).status_code == 200
    with app.app_context():
        assert database_state() == before
