"""Scoring rounds end to end: workbook import (all or nothing), scheme, computation, pages, CLI, demo round."""
import io
import json

import yaml
from openpyxl import load_workbook

from examapp.extensions import db
from examapp.scoring import services
from examapp.scoring.models import EvaluationRound, RoundComputation, RoundIndicatorRank
from tests.conftest import login

DEMO_ROUND = "示例：2023年度“书记大比武”"


def demo_round(app):
    from examapp.demo import load_demo_round
    with app.app_context():
        return load_demo_round().id


def test_demo_round_computes_all_72_with_accountability_and_robustness(app, runner, demo, tmp_path):
    demo_round(app)
    result = runner.invoke(args=["scoring", "compute", DEMO_ROUND])
    assert result.exit_code == 0, result.output
    assert "已计算 72 人" in result.output
    out = tmp_path / "result.json"
    assert runner.invoke(args=["scoring", "export", DEMO_ROUND, "--format", "json", "-o", str(out)]).exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["results"]) == 72 and len(data["robustness"]) == 72
    person = data["results"][0]
    assert set(person) >= {"organization", "name", "components", "composite", "rank"}
    assert set(person["components"]) >= {"E", "I", "A", "C"}
    assert {a["action"] for a in data["accountability"]} <= {"提醒警示", "约谈", "诫勉谈话"}
    assert all({"indicator", "action", "periods", "ranks", "targets"} <= set(a) for a in data["accountability"])
    ranks = sorted(r["rank"] for r in data["results"])
    assert ranks[0] == 1 and len(ranks) == 72


def test_the_stored_computation_reproduces_from_its_own_inputs(app, demo):
    from examapp.scoring.engine import compute
    from examapp.scoring.inputs import (
        AssistanceRecord,
        ConductItem,
        ExamScore,
        Indicator,
        IndicatorRank,
        OtherScore,
        Person,
        RoundInputs,
    )
    from examapp.scoring.scheme import Scheme
    round_id = demo_round(app)
    with app.app_context():
        computation = services.compute_round(db.session.get(EvaluationRound, round_id))
        db.session.commit()
        stored = computation.inputs
    from datetime import date
    inputs = RoundInputs(
        people=[Person(**p) for p in stored["people"]], periods=stored["periods"],
        indicators=[Indicator(**{**i, "responsible_orgs": tuple(i["responsible_orgs"])}) for i in stored["indicators"]],
        ranks=[IndicatorRank(**r) for r in stored["ranks"]],
        assistance=[AssistanceRecord(**a) for a in stored["assistance"]],
        conduct=[ConductItem(**{**c, "date": date.fromisoformat(c["date"])}) for c in stored["conduct"]],
        exams=[ExamScore(**e) for e in stored["exams"]], others=[OtherScore(**o) for o in stored["others"]])
    again = compute(inputs, Scheme.from_dict(computation.scheme)).to_dict()
    assert again["results"] == computation.result["results"]


def test_bad_workbook_reports_sheet_row_column_and_writes_nothing(app, client, demo):
    from examapp.scoring.workbook import template_workbook
    round_id = demo_round(app)
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count(RoundIndicatorRank.id)))
    book = load_workbook(io.BytesIO(template_workbook()))
    book["指标排名"].append(["A01.1.1", "2023Q4", 17, 16])
    book["联企解困"].append(["不存在的党组织", "2023Q4", 10, 5, 6, 1, 90])
    buffer = io.BytesIO()
    book.save(buffer)
    login(client, "organizer")
    body = client.post(f"/scoring/{round_id}/import", data={"file": (io.BytesIO(buffer.getvalue()), "data.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "未写入任何数据" in body
    assert "「指标排名」第 2 行「全市排名」列" in body
    assert "「联企解困」第 2 行" in body
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(RoundIndicatorRank.id))) == before


def test_cli_template_import_scheme_round_trip(app, runner, demo, tmp_path):
    from examapp.demo import demo_round_inputs
    from examapp.scoring.workbook import write_workbook
    template = tmp_path / "template.xlsx"
    assert runner.invoke(args=["scoring", "template", "-o", str(template)]).exit_code == 0
    assert load_workbook(template).sheetnames[:6] == ["指标", "指标排名", "联企解困", "执政形象", "考试成绩", "其他指标"]
    data = tmp_path / "data.xlsx"
    data.write_bytes(write_workbook(demo_round_inputs()))
    result = runner.invoke(args=["scoring", "import", str(data), "--round", "2024年度测试"])
    assert result.exit_code == 0, result.output
    scheme = tmp_path / "scheme.yaml"
    scheme.write_text(yaml.safe_dump({"weights": {"E": 40, "I": 30, "A": 20, "C": 10, "党建工作": 0}, "precision": 1}),
                      encoding="utf-8")
    assert runner.invoke(args=["scoring", "scheme", "2024年度测试", str(scheme)]).exit_code == 0
    shown = runner.invoke(args=["scoring", "scheme", "2024年度测试", "--show"]).output
    assert "E: 40" in shown and "precision: 1" in shown
    bad = tmp_path / "bad.yaml"
    bad.write_text("weights: {E: -1, I: 30, A: 20, C: 10}\n", encoding="utf-8")
    result = runner.invoke(args=["scoring", "scheme", "2024年度测试", str(bad)])
    assert result.exit_code != 0
    assert runner.invoke(args=["scoring", "compute", "2024年度测试"]).exit_code == 0
    out = tmp_path / "r.xlsx"
    assert runner.invoke(args=["scoring", "export", "2024年度测试", "--format", "xlsx", "-o", str(out)]).exit_code == 0
    assert load_workbook(out).sheetnames == ["综合排名", "问责清单", "稳健性"]


def test_organiser_pages_show_ranking_and_a_traceable_breakdown(app, client, demo):
    round_id = demo_round(app)
    login(client, "organizer")
    assert "计分方案" in client.get(f"/scoring/{round_id}").get_data(as_text=True)
    response = client.post(f"/scoring/{round_id}/compute")
    assert response.status_code == 302
    ranking = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "综合排名" in ranking and "问责清单" in ranking and "稳健性检验" in ranking and "得分相同者并列" in ranking
    with app.app_context():
        computation_id = db.session.scalar(db.select(RoundComputation.id))
    person = client.get(f"/scoring/{round_id}/results/{computation_id}/people/0").get_data(as_text=True)
    assert "综合得分计算" in person and "问题解决率 = " in person and "100 − 扣分" in person and "名次线性赋分" in person


def test_scoring_is_staff_only(app, client, demo):
    round_id = demo_round(app)
    login(client, "sj01")
    assert client.get("/scoring/").status_code == 403
    assert client.get(f"/scoring/{round_id}").status_code == 403
    assert client.post(f"/scoring/{round_id}/compute").status_code == 403


def test_system_exam_counts_with_absentees_as_zero(app, runner, bank, demo):
    from tests.exams.conftest import open_exam
    round_id = demo_round(app)
    with app.app_context():
        exam_id = open_exam(title="十月考试").id
        services.set_counted_exams(db.session.get(EvaluationRound, round_id), [exam_id])
        db.session.commit()
        inputs = services.round_inputs(db.session.get(EvaluationRound, round_id))
    october = [e for e in inputs.exams if e.exam == "十月考试"]
    assert len(october) == 72 and all(e.status == "缺考" and e.score is None for e in october)
