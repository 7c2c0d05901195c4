"""System settings: the admin page, what the published documents print, and publishing refused on placeholders."""
from __future__ import annotations

import pytest
from flask_migrate import stamp

from examapp.audit.models import AuditEntry
from examapp.extensions import db
from examapp.ops import checks
from examapp.publishing.models import Snapshot
from examapp.settings import services
from examapp.settings.models import SystemSetting
from tests.conftest import login
from tests.publishing.test_publishing import DEMO_ROUND, computed_round, publish

GOOD = {"issuing_organ": "中共滨江区委优化营商环境工作领导小组办公室", "district_name": "滨江区",
        "district_scope": "全县", "city_scope": "全省", "doc_number_prefix": "滨江优营办",
        "signature": "滨江区优化营商环境办公室", "contact": "联系人：王某，电话：0571-12345678",
        "highlight_top": "5", "highlight_bottom": "2"}


@pytest.fixture
def placeholder_app(app_factory, engine_name):
    """An installation that never filled in its settings: the shipped ×× defaults."""
    from tests.conftest import reset_postgres_schema
    app = app_factory(ISSUING_ORGAN="中共××区委优化营商环境工作领导小组办公室", DISTRICT_NAME="××区",
                      DOC_NUMBER_PREFIX="××优营办")
    with app.app_context():
        if engine_name == "postgresql":
            reset_postgres_schema()
        db.create_all()
    return app


def test_admin_saves_the_settings_and_the_change_is_audited(app, demo, client):
    login(client, "admin")
    page = client.get("/admin/settings/").get_data(as_text=True)
    assert "发文机关" in page and "联系人及电话" in page and "中共示例区委" in page
    response = client.post("/admin/settings/", data=GOOD)
    assert response.status_code == 302
    assert "已保存" in client.get("/admin/settings/").get_data(as_text=True)
    with app.app_context():
        saved = services.office_settings()
        assert saved.issuing_organ == GOOD["issuing_organ"] and saved.district_scope == "全县"
        assert (saved.highlight_top, saved.highlight_bottom) == (5, 2)
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "settings.updated"))
        assert "发文机关" in entry.summary and entry.detail["issuing_organ"]["to"] == GOOD["issuing_organ"]
        assert entry.detail["issuing_organ"]["from"] == "中共示例区委优化营商环境工作领导小组办公室"


def test_bad_settings_get_chinese_errors_and_nothing_is_written(app, demo, client):
    login(client, "admin")
    bad = dict(GOOD, issuing_organ="  ", highlight_top="999", doc_number_prefix="滨江优营办〔2026〕",
               contact="王某\n电话")
    response = client.post("/admin/settings/", data=bad)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写" in body and "应在 0–72 之间，现为 999" in body
    assert "只填机关代字" in body and "不能包含换行或控制字符" in body
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SystemSetting)) == 0
        assert services.office_settings().issuing_organ == "中共示例区委优化营商环境工作领导小组办公室"


def test_settings_page_is_for_the_admin_only(app, demo, client):
    login(client, "organizer")
    assert client.get("/admin/settings/").status_code == 403
    assert client.post("/admin/settings/", data=GOOD).status_code == 403


def test_a_saved_setting_wins_over_the_environment_default(app):
    with app.app_context():
        assert services.office_settings().highlight_top == 10          # REPORT_HIGHLIGHT_TOP's default
        services.save_settings(dict(GOOD, highlight_top="7"))
        db.session.commit()
        app.config["REPORT_HIGHLIGHT_TOP"] = 12
        assert services.office_settings().highlight_top == 7


def test_the_published_ranking_prints_the_office_settings(app, demo):
    with app.app_context():
        services.save_settings(GOOD)
        db.session.commit()
    round_id = computed_round(app)
    first = publish(app, round_id)
    second = publish(app, round_id, final=True, reason="更正")
    with app.app_context():
        content = db.session.get(Snapshot, first).content
        year = content["date"][:4]
        assert content["issuer"] == GOOD["issuing_organ"] and content["signature"] == GOOD["signature"]
        assert content["contact"] == GOOD["contact"] and GOOD["contact"] in content["notes"]
        assert f"{GOOD['issuing_organ']}对全县72名党组织书记" in content["body"]
        assert content["highlight"] == {"top": 5, "bottom": 2}
        assert any(n.startswith(f"公示期内如有异议，请向{GOOD['issuing_organ']}") for n in content["notes"])
        assert content["doc_number"] == f"滨江优营办〔{year}〕1号"
        assert db.session.get(Snapshot, second).content["doc_number"] == f"滨江优营办〔{year}〕2号"


def test_an_empty_signature_prints_the_issuing_organ(app, demo):
    with app.app_context():
        services.save_settings(dict(GOOD, signature="", doc_number_prefix=""))
        db.session.commit()
    snapshot_id = publish(app, computed_round(app))
    with app.app_context():
        content = db.session.get(Snapshot, snapshot_id).content
    assert content["signature"] == GOOD["issuing_organ"] and content["doc_number"] == ""


def test_publishing_on_the_page_is_refused_while_a_placeholder_remains(placeholder_app):
    from examapp.demo import load_demo_accounts
    with placeholder_app.app_context():
        load_demo_accounts()
    round_id = computed_round(placeholder_app)
    client = placeholder_app.test_client()
    login(client, "organizer")
    response = client.post(f"/published/rounds/{round_id}/publish", data={"mode": "final"},
                           headers={"Referer": f"/scoring/{round_id}"}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "系统设置尚未填写完整，不能发布" in body and "“发文机关”仍是占位内容" in body
    assert "/admin/settings" in body
    with placeholder_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Snapshot)) == 0


def test_flask_scoring_publish_is_refused_while_a_placeholder_remains(placeholder_app):
    from examapp.demo import load_demo_accounts
    with placeholder_app.app_context():
        load_demo_accounts()
    computed_round(placeholder_app)
    result = placeholder_app.test_cli_runner().invoke(args=["scoring", "publish", DEMO_ROUND, "--final"])
    assert result.exit_code == 1
    assert "“发文机关代字”仍是占位内容“××优营办”" in result.output and "系统设置" in result.output
    with placeholder_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Snapshot)) == 0


def test_flask_check_reports_a_placeholder_setting_as_an_error(placeholder_app):
    with placeholder_app.app_context():
        [finding] = checks.check_office_settings()
        assert finding.severity == checks.ERROR and "“本区名称”仍是占位内容“××区”" in finding.message
        assert "系统设置" in finding.hint
        services.save_settings(GOOD)
        db.session.commit()
        [finding] = checks.check_office_settings()
        assert finding.severity == checks.OK
        stamp()
    services_output = placeholder_app.test_cli_runner().invoke(args=["check"]).output
    assert "[正常] 系统设置" in services_output


def test_the_published_footnote_says_how_missing_components_were_treated(app, demo):
    round_id = computed_round(app)
    from examapp.scoring import services as scoring
    from examapp.scoring.models import EvaluationRound
    with app.app_context():
        round_ = db.session.get(EvaluationRound, round_id)
        scoring.set_scheme(round_, dict(round_.scheme or {}, missing="category_median"))
        scoring.compute_round(round_)
        db.session.commit()
    snapshot_id = publish(app, round_id)
    with app.app_context():
        content = db.session.get(Snapshot, snapshot_id).content
    assert any("该项按同一党组织类别中有该项得分单位的中位数计入综合得分" in n for n in content["notes"])
