"""The office's own pages in real Chromium: the scoring scheme form (live total, save, refusal) and system settings."""
import pytest

from examapp.extensions import db
from examapp.scoring import services
from examapp.scoring.models import EvaluationRound

pytestmark = pytest.mark.browser


def sign_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.fixture
def round_id(app, demo):
    with app.app_context():
        round_ = services.ensure_round("2024年度测试")
        db.session.commit()
        return round_.id


def test_scheme_form_shows_a_live_weight_total_and_saves(live_server, page, app, round_id):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "organizer")
    page.goto(f"{live_server}/scoring/{round_id}")
    total = page.locator("#weight-total")
    assert total.inner_text() == "100"
    page.fill("input[name='weight.E']", "40")
    assert total.inner_text() == "110"                         # updated as the organiser types, no reload
    assert page.locator(".js-share[data-key='E']").inner_text() == "占 36.36%"
    # Choosing a method shows its own parameters and its one-line explanation.
    assert page.locator("input[name='norm.C.worst']").is_hidden()
    page.select_option("select[name='norm.C.method']", "goalposts")
    assert page.locator("input[name='norm.C.worst']").is_visible()
    assert "最差值（记 0）" in page.locator(".js-norm", has=page.locator("select[name='norm.C.method']"))\
        .locator(".js-method-help").inner_text()
    page.fill("input[name='norm.C.worst']", "60")
    page.fill("input[name='norm.C.best']", "100")
    page.check("#f-missing-zero")
    page.click("text=保存方案")
    assert page.locator(".alert-success", has_text="计分方案已保存").is_visible()
    with app.app_context():
        scheme = services.scheme_of(db.session.get(EvaluationRound, round_id))
    assert scheme.weight("E") == 40 and scheme.missing == "zero"
    assert scheme.normalisation_for("C").to_dict() == {"method": "goalposts", "worst": 60, "best": 100}


def test_scheme_form_refuses_a_bad_weight_and_keeps_the_input(live_server, page, app, round_id):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server, "organizer")
    page.goto(f"{live_server}/scoring/{round_id}")
    page.fill("input[name='weight.I']", "-3")
    assert page.locator("#weight-total").inner_text() == "有无效的权重"
    page.click("text=保存方案")
    assert page.locator(".alert-danger", has_text="指标排名权重（weights.I）不能小于 0，现为 -3").is_visible()
    assert page.locator("input[name='weight.I']").input_value() == "-3"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with app.app_context():
        assert not db.session.get(EvaluationRound, round_id).scheme


def test_admin_fills_in_the_system_settings(live_server, page, app, demo):
    page.set_viewport_size({"width": 360, "height": 740})
    app.config["DISTRICT_NAME"] = "××区"
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/settings/")
    assert page.locator(".alert-warning", has_text="“本区名称”仍是占位内容“××区”").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.fill("input[name=district_name]", "")
    page.click("text=保存设置")
    assert page.locator(".invalid-feedback", has_text="请填写").is_visible()
    page.fill("input[name=district_name]", "滨江区")
    page.fill("input[name=contact]", "联系人：王某，电话：0571-12345678")
    page.click("text=保存设置")
    assert page.locator(".alert-success", has_text="已保存：本区名称、联系人及电话。").is_visible()
    assert page.locator(".alert-warning").count() == 0
