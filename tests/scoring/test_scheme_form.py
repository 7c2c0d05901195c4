"""The scoring scheme as a form: saved through the YAML's own validator, audited, all or nothing; YAML kept."""
from datetime import timedelta

from examapp.audit.models import AuditEntry
from examapp.exams.models import PUBLISHED, Exam
from examapp.extensions import db
from examapp.scoring import services
from examapp.scoring.models import EvaluationRound
from examapp.scoring.scheme import Scheme
from examapp.scoring.scheme_form import dict_from_form, form_values, parse_bands
from examapp.timeutil import utcnow
from tests.conftest import login


def new_round(app, name="2024年度测试"):
    with app.app_context():
        round_ = services.ensure_round(name)
        now = utcnow()
        exam = Exam(title="第一次测试", opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1),
                    duration_minutes=60, sections=[], status=PUBLISHED, audience_all=True)
        db.session.add(exam)
        db.session.commit()
        return round_.id, exam.id


def submitted(**changes) -> dict:
    """The form as the page shows it for the default scheme, with some fields changed."""
    values = form_values(Scheme())
    values.update(changes)
    return values


def test_form_values_round_trip_to_the_same_scheme():
    scheme = Scheme.from_dict({"weights": {"E": 40, "I": 30, "A": 20, "C": 10, "党建工作": 5},
                               "normalisation": {"I": {"method": "rank_bands", "bands": [[1, 5, 100], [-3, -1, 0]]},
                                                 "C": {"method": "goalposts", "worst": 60, "best": 100}},
                               "tie_break": ["E"], "exam_weights": {"第一次": 1, "第二次": 2}, "missing": "zero"})
    assert Scheme.from_dict(dict_from_form(form_values(scheme), scheme)) == scheme
    assert parse_bands("1,5,100； 6，-4，60") == [[1, 5, 100], [6, -4, 60]]


def test_scheme_form_saves_the_scheme_and_the_counted_exams_and_audits_both(app, demo, client):
    round_id, exam_id = new_round(app)
    login(client, "organizer")
    page = client.get(f"/scoring/{round_id}").get_data(as_text=True)
    assert "权重合计" in page and "js/scheme.js" in page and "缺项处理" in page
    assert "见 README" not in page and "README" not in page
    form = submitted(**{"weight.E": "40", "weight.I": "20", "aggregation": "geometric", "missing": "category_median",
                        "norm.A.method": "goalposts", "norm.A.worst": "50", "norm.A.best": "100",
                        "acc.top_n": "6", "exams": str(exam_id)})
    response = client.post(f"/scoring/{round_id}/scheme/form", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        round_ = db.session.get(EvaluationRound, round_id)
        scheme = services.scheme_of(round_)
        assert scheme.weights == {"E": 40, "I": 20, "A": 25, "C": 15}
        assert (scheme.aggregation, scheme.missing, scheme.accountability.top_n) == ("geometric", "category_median", 6)
        assert scheme.normalisation_for("A").to_dict() == {"method": "goalposts", "worst": 50, "best": 100}
        assert round_.counted_exams == [{"exam_id": exam_id}]
        actions = set(db.session.scalars(db.select(AuditEntry.action)))
        assert {"round.scheme", "round.exams"} <= actions


def test_an_invalid_scheme_form_is_refused_in_chinese_and_nothing_is_written(app, demo, client):
    round_id, exam_id = new_round(app)
    login(client, "organizer")
    form = submitted(**{"weight.E": "-5", "weight.I": "三十", "acc.top_n": "0", "precision": "",
                        "norm.C.method": "goalposts", "norm.C.worst": "80", "norm.C.best": "80", "exams": str(exam_id)})
    response = client.post(f"/scoring/{round_id}/scheme/form", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "考试权重（weights.E）不能小于 0，现为 -5" in body
    assert "指标排名权重（weights.I）应为数字，现为“三十”" in body
    assert "问责·全市前几名以外提醒警示（accountability.top_n）不能小于 1，现为 0" in body
    assert "缺少 保留小数位（precision）" in body and "执政形象标准化（normalisation.C）：最差值（worst）与最优值（best）不能相等" in body
    assert 'value="三十"' in body                     # what was typed is still in the form
    with app.app_context():
        round_ = db.session.get(EvaluationRound, round_id)
        assert round_.scheme in (None, {}) and not round_.counted_exams
        assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "round.scheme")) is None


def test_the_scheme_downloads_as_yaml_and_a_yaml_syntax_error_is_explained_in_chinese(app, demo, client, runner,
                                                                                     tmp_path):
    round_id, _ = new_round(app)
    login(client, "organizer")
    download = client.get(f"/scoring/{round_id}/scheme.yaml")
    assert download.status_code == 200 and "weights:" in download.get_data(as_text=True)
    assert "missing: reweight" in download.get_data(as_text=True)
    body = client.post(f"/scoring/{round_id}/scheme", data={"scheme": "weights: {E: 30\nprecision: 2"}
                       ).get_data(as_text=True)
    assert "YAML 格式错误（第 2 行第 10 列附近）" in body and "while parsing" not in body
    bad = tmp_path / "bad.yaml"
    bad.write_text("weights: [E: 1\n", encoding="utf-8")
    result = runner.invoke(args=["scoring", "scheme", "2024年度测试", str(bad)])
    assert result.exit_code == 1 and "YAML 格式错误（第 2 行" in result.output
