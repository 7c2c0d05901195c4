"""The organiser's ranking page: two decimals, a legend for 注, missing components stated, publish form last."""
import re

from examapp.extensions import db
from examapp.scoring import services
from examapp.scoring.models import EvaluationRound
from examapp.settings import services as settings
from tests.conftest import login


def ranking_page(app, client, scheme_changes=None) -> str:
    from examapp.demo import load_demo_round
    with app.app_context():
        round_ = load_demo_round()
        if scheme_changes:
            services.set_scheme(round_, dict(round_.scheme or {}, **scheme_changes))
        computation = services.compute_round(round_)
        db.session.commit()
        url = f"/scoring/{round_.id}/results/{computation.id}"
    login(client, "organizer")
    return client.get(url).get_data(as_text=True)


def test_every_score_on_the_ranking_page_has_two_decimals(app, demo, client):
    body = ranking_page(app, client)
    cells = re.findall(r'<td class="text-end[^"]*">\s*([0-9.]+)\s*</td>', body)
    assert len(cells) > 72 * 4
    assert all(re.fullmatch(r"\d+\.\d\d", c) for c in cells), [c for c in cells if not re.fullmatch(r"\d+\.\d\d", c)]
    assert "100.00" in body


def test_notes_are_explained_in_a_legend_not_a_tooltip(app, demo, client):
    body = ranking_page(app, client)
    assert "图例" in body and "注释（" in body
    assert re.search(r'href="#note-(\d+)"', body) and re.search(r'<li id="note-\d+"', body)
    assert 'title="缺少' not in body                        # the old hover-only badge


def test_the_publish_form_comes_after_the_ranking_table(app, demo, client):
    body = ranking_page(app, client)
    assert body.index("ranking-table") < body.index("publish-form") < body.index("问责清单（")


def test_the_page_states_how_many_lack_each_component_and_how_they_were_treated(app, demo, client):
    body = ranking_page(app, client, {"missing": "category_median"})
    assert "缺项情况与处理：取同类别党组织的中位数" in body
    match = re.search(r"<strong>指标排名</strong>：(\d+) 个单位缺少（未承担指标 (\d+) 个）[^<]*其中 (\d+) 个已按", body)
    assert match and int(match.group(1)) > 0
    for label in ("按其余成分重新计权", "取同类别党组织的中位数（当前）", "该项记 0 分"):
        assert f'<th class="text-nowrap">{label}</th>' in body
    assert re.search(r'<span class="text-muted">（\d+\.\d\d）</span>', body)      # an imputed value, in brackets


def test_the_page_uses_the_configured_district_and_city_wording(app, demo, client):
    with app.app_context():
        settings.save_settings({**settings.as_form_data(settings.office_settings()),
                                "district_scope": "全县", "city_scope": "全省"})
        db.session.commit()
    body = ranking_page(app, client)
    assert "全县综合排名" in body and "依据：全省排名在前5名以外的" in body


def test_the_publish_form_warns_while_a_placeholder_remains(app, demo, client):
    app.config["DOC_NUMBER_PREFIX"] = "××优营办"
    body = ranking_page(app, client)
    assert "系统设置尚未填写完整，不能发布" in body and "“发文机关代字”仍是占位内容" in body


def test_thresholds_in_the_accountability_basis_follow_the_scheme(app, demo, client):
    body = ranking_page(app, client, {"accountability": {"top_n": 6, "bottom_n": 2, "repeat": 3}})
    assert "排名在前6名以外的，提醒和警示；排名后2位的，约谈；3次及以上排名后2位的，诫勉谈话" in body
    with app.app_context():
        assert db.session.scalar(db.select(EvaluationRound)).scheme["accountability"]["top_n"] == 6
