"""The pure scoring engine and its scheme, against small rounds whose numbers are worked by hand in the comments."""
import json
import random
import time
from datetime import date
from decimal import Decimal

import pytest
import yaml

from examapp.ranking import competition_ranks
from examapp.scoring.components import rank_to_points
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
from examapp.scoring.scheme import (
    Normalisation,
    Scheme,
    SchemeError,
    round_half_up,
)

ORGS = ["甲", "乙", "丙", "丁"]


def people(*orgs):
    return [Person(org, f"{org}书记") for org in orgs]


def scheme_with(**weights) -> Scheme:
    """Only the named components count (the others weigh 0); robustness off unless a test turns it on."""
    full = {"E": 0, "I": 0, "A": 0, "C": 0}
    full.update(weights)
    return Scheme.from_dict({"weights": full, "robustness": {"draws": 0}})


def result_of(result, org):
    return next(p for p in result.results if p.organization == org)


def D(text):
    return Decimal(text)


# ---------------------------------------------------------------- rounding and ranking conventions


def test_half_up_rounding_is_not_bankers_rounding():
    assert round(2.675, 2) == 2.67                       # what Python's float rounding would print
    assert round_half_up(2.675) == D("2.68")
    assert round_half_up(82.345) == D("82.35")
    assert round_half_up(0.125) == D("0.13")             # banker's would give 0.12
    assert round_half_up(2.5, 0) == D("3")
    assert round_half_up(100) == D("100.00")
    assert str(round_half_up(89.995)) == "90.00"


def test_competition_ranks_share_places_and_skip():
    assert competition_ranks([(D("90"),), (D("80"),), (D("80"),), (D("70"),), None]) == [1, 2, 2, 4, None]


# ---------------------------------------------------------------- rank points (I's normalisations)


def test_linear_rank_points():
    # 100·(N − r)/(N − 1) with N = 16: 1st → 100, 16th → 0, 4th → 100·12/15 = 80
    assert rank_to_points(1, 16) == 100
    assert rank_to_points(16, 16) == 0
    assert rank_to_points(4, 16) == 80
    # a single district ranked: 100, not a division by zero
    assert rank_to_points(1, 1) == 100


def test_linear_rank_points_ties_share_points():
    # two indicators tied 2nd of 16 (the next is 4th): both 100·14/15 = 93.33…
    inputs = RoundInputs(people=people("甲", "乙"), periods=["Q1"], indicators=[
        Indicator("K1", "指标一", 3, None, "张三", "甲"), Indicator("K2", "指标二", 3, None, "李四", "乙")],
        ranks=[IndicatorRank("K1", "Q1", 2, 16), IndicatorRank("K2", "Q1", 2, 16)])
    result = compute(inputs, scheme_with(I=1))
    assert result_of(result, "甲").components["I"].score == D("93.33")
    assert result_of(result, "乙").components["I"].score == D("93.33")
    assert [p.rank for p in result.results] == [1, 1]


def test_rank_outside_one_to_n_is_refused():
    with pytest.raises(ValueError, match="全市排名 17"):
        rank_to_points(17, 16)


def test_banded_rank_points_with_bottom_bands():
    # 前5 → 100, 6th to 4th-from-last → 60, 后3 → 0; with N = 16 the middle band is 6..13
    rule = Normalisation("rank_bands", bands=((1, 5, 100), (6, -4, 60), (-3, -1, 0)))
    assert [rank_to_points(r, 16, rule) for r in (1, 5, 6, 13, 14, 16)] == [100, 100, 60, 60, 0, 0]
    # N = 3: 3rd is both 前5 and 后3 — the first band listed wins
    assert rank_to_points(3, 3, rule) == 100
    # N = 7: 4th from last is 4th, in 前5 → 100; 5th is in 前5 and 后3 (5 ≥ 7 − 2) → 100 again
    assert [rank_to_points(r, 7, rule) for r in (4, 5, 6, 7)] == [100, 100, 0, 0]
    # a rank no band covers earns 0
    assert rank_to_points(4, 16, Normalisation("rank_bands", bands=((1, 3, 100),))) == 0


def test_step_deduction_per_place_is_floored():
    # 每后退一名扣 5 分, never below 40: 1st 100, 4th 100 − 15 = 85, 13th 100 − 60 = 40, 16th max(40, 25) = 40
    rule = Normalisation("rank_step", step=5, floor=40)
    assert [rank_to_points(r, 16, rule) for r in (1, 4, 13, 16)] == [100, 85, 40, 40]


def test_rank_method_from_scheme_is_used_for_i():
    scheme = Scheme.from_dict({"weights": {"E": 0, "I": 1, "A": 0, "C": 0}, "robustness": {"draws": 0},
                               "normalisation": {"I": {"method": "rank_step", "step": 10, "floor": 0}}})
    inputs = RoundInputs(people=people("甲"), periods=["Q1"],
                         indicators=[Indicator("K1", "指标", 3, None, "张三", "甲")],
                         ranks=[IndicatorRank("K1", "Q1", 3, 16)])
    # 100 − 10·(3 − 1) = 80
    assert result_of(compute(inputs, scheme), "甲").components["I"].score == D("80.00")


# ---------------------------------------------------------------- value normalisations


def test_min_max_over_the_rounds_units():
    # 其他指标 scores 60, 75, 90 → 100·(x − 60)/(90 − 60) = 0, 50, 100; 丁 has none and is left out of min/max
    scheme = Scheme.from_dict({"weights": {"E": 0, "I": 0, "A": 0, "C": 0, "党建工作": 1},
                               "normalisation": {"党建工作": {"method": "min_max"}}, "robustness": {"draws": 0}})
    inputs = RoundInputs(people=people(*ORGS), others=[
        OtherScore("甲", "党建工作", 60), OtherScore("乙", "党建工作", 75), OtherScore("丙", "党建工作", 90)])
    result = compute(inputs, scheme)
    assert [p.components["党建工作"].score for p in result.results] == [D("0.00"), D("50.00"), D("100.00"), None]
    assert result_of(result, "丁").components["党建工作"].missing == "无该项得分"
    # 100·(75 − 60)/(90 − 60) = 50
    assert "100×(75 − 60)/(90 − 60) = 50" in result_of(result, "乙").components["党建工作"].working


def test_min_max_with_all_values_equal_gives_everyone_100():
    scheme = Scheme.from_dict({"weights": {"E": 0, "I": 0, "A": 0, "C": 1}, "normalisation": {"C": "min_max"},
                               "robustness": {"draws": 0}})
    result = compute(RoundInputs(people=people("甲", "乙")), scheme)      # both C = 100
    assert [p.components["C"].score for p in result.results] == [D("100.00"), D("100.00")]


def test_goalposts_are_clipped():
    # C with worst 60, best 100: C 97 → 100·37/40 = 92.5; C 50 → 100·(−10)/40 = −25 → 0
    scheme = Scheme.from_dict({"weights": {"E": 0, "I": 0, "A": 0, "C": 1}, "robustness": {"draws": 0},
                               "normalisation": {"C": {"method": "goalposts", "worst": 60, "best": 100}}})
    inputs = RoundInputs(people=people("甲", "乙"), conduct=[
        ConductItem("甲", date(2023, 3, 1), "扣分", 3, "会议缺席"),
        ConductItem("乙", date(2023, 3, 1), "扣分", 50, "通报批评")])
    result = compute(inputs, scheme)
    assert result_of(result, "甲").components["C"].score == D("92.50")
    assert result_of(result, "乙").components["C"].score == D("0.00")
    # and above the best: E 90 with goalposts 20 → 80 gives 100·70/60 = 116.7 → 100
    scheme = Scheme.from_dict({"weights": {"E": 1, "I": 0, "A": 0, "C": 0}, "robustness": {"draws": 0},
                               "normalisation": {"E": {"method": "goalposts", "worst": 20, "best": 80}}})
    result = compute(RoundInputs(people=people("甲"), exams=[ExamScore("甲", "第一次", 90)]), scheme)
    assert result_of(result, "甲").components["E"].score == D("100.00")


# ---------------------------------------------------------------- E


def test_exam_absent_counts_zero_and_excused_is_left_out():
    inputs = RoundInputs(people=people("甲", "乙", "丙"), exams=[
        ExamScore("甲", "第一次", 85), ExamScore("甲", "第二次", None, "缺考"),
        ExamScore("乙", "第一次", None, "请假"), ExamScore("乙", "第二次", 70),
        ExamScore("丙", "第一次", None, "请假"), ExamScore("丙", "第二次", None, "请假")])
    result = compute(inputs, scheme_with(E=1))
    assert result_of(result, "甲").components["E"].score == D("42.50")   # (85 + 0) ÷ 2
    assert result_of(result, "乙").components["E"].score == D("70.00")   # 70 ÷ 1, 第一次 left out
    e = result_of(result, "丙").components["E"]
    assert e.score is None and e.missing == "无计入的考试成绩"
    assert result_of(result, "丙").composite is None and result_of(result, "丙").rank is None


def test_exam_weights_are_unequal_when_the_scheme_says_so():
    scheme = Scheme.from_dict({"weights": {"E": 1, "I": 0, "A": 0, "C": 0}, "robustness": {"draws": 0},
                               "exam_weights": {"第一次": 2, "第二次": 1, "第三次": 1}})
    inputs = RoundInputs(people=people("甲"), exams=[
        ExamScore("甲", "第一次", 80), ExamScore("甲", "第二次", None, "缺考"), ExamScore("甲", "第三次", None, "请假"),
        ExamScore("甲", "模拟考", 100)])
    result = compute(inputs, scheme)
    # (80×2 + 0×1) ÷ 3 = 53.333… → 53.33; 第三次 请假 left out; 模拟考 is not counted
    e = result_of(result, "甲").components["E"]
    assert e.score == D("53.33")
    assert e.working == "各次考试按权重平均：(80×2 + 0×1（缺考）) ÷ 3 = 53.3333"
    assert any("模拟考" in w for w in result.warnings)


def test_exam_without_a_row_is_left_out_with_a_note():
    inputs = RoundInputs(people=people("甲", "乙"), exams=[
        ExamScore("甲", "第一次", 90), ExamScore("甲", "第二次", 70), ExamScore("乙", "第一次", 60)])
    result = compute(inputs, scheme_with(E=1))
    assert result_of(result, "乙").components["E"].score == D("60.00")
    assert "考试“第二次”无成绩记录，未计入考试成绩" in result_of(result, "乙").notes


# ---------------------------------------------------------------- I


def test_indicator_points_weighted_by_lead_and_responsible_roles():
    inputs = RoundInputs(people=people("甲", "乙", "丙"), periods=["Q1", "Q2"], indicators=[
        Indicator("K1", "开办企业", 3, None, "张三", "甲", ("乙",)),
        Indicator("K2", "获得信贷", 3, None, "李四", "乙", ("甲",))],
        ranks=[IndicatorRank("K1", "Q1", 1, 16), IndicatorRank("K2", "Q1", 16, 16),
               IndicatorRank("K2", "Q2", 4, 16), IndicatorRank("K2", "2022Q4", 1, 16)])   # not in the round
    result = compute(inputs, scheme_with(I=1))
    # 甲: K1 lead 100 (w 1.0); K2 responsible 0 and 80 (w 0.5 each): (100 + 0 + 40) ÷ 2 = 70
    assert result_of(result, "甲").components["I"].score == D("70.00")
    # 乙: K1 responsible 100 (w 0.5); K2 lead 0 and 80: (50 + 0 + 80) ÷ 2.5 = 52
    assert result_of(result, "乙").components["I"].score == D("52.00")
    lines = result_of(result, "乙").components["I"].details["results"]
    assert [(x["code"], x["period"], x["rank"], x["role"], x["weight"]) for x in lines] == [
        ("K1", "Q1", 1, "责任单位", 0.5), ("K2", "Q1", 16, "牵头单位", 1.0), ("K2", "Q2", 4, "牵头单位", 1.0)]
    i = result_of(result, "丙").components["I"]
    assert i.score is None and i.missing == "未承担指标"


def test_indicators_without_a_ranked_result_leave_i_missing():
    inputs = RoundInputs(people=people("甲"), periods=["Q1"],
                         indicators=[Indicator("K1", "开办企业", 3, None, "张三", "甲")])
    assert result_of(compute(inputs, scheme_with(I=1)), "甲").components["I"].missing == "所承担指标本轮无排名结果"


# ---------------------------------------------------------------- A


def test_assistance_formula():
    inputs = RoundInputs(people=people("甲"), periods=["Q1", "Q2"], assistance=[
        AssistanceRecord("甲", "Q1", 12, 10, 8, 6, 90.0), AssistanceRecord("甲", "Q2", 9, 10, 8, 6, 95.0)])
    a = result_of(compute(inputs, scheme_with(A=1)), "甲").components["A"]
    # R = 16/20 = 0.8, T = 12/16 = 0.75, S = (90 + 95)/2 = 92.5; A = 32 + 22.5 + 27.75 = 82.25
    assert a.score == D("82.25")
    assert (a.details["R"], a.details["T"], a.details["S"]) == (0.8, 0.75, 92.5)
    assert a.working == ("问题解决率 = 已解决 16 ÷ 收集 20 = 0.8；按期解决率 = 按期解决 12 ÷ 已解决 16 = 0.75；"
                         "满意度 = (90 + 95) ÷ 2 = 92.5；"
                         "联企解困得分 = 40×问题解决率 + 30×按期解决率 + 0.3×满意度 = 32 + 22.5 + 27.75 = 82.25")


def test_assistance_without_resolved_problems_rescales_without_t():
    inputs = RoundInputs(people=people("甲"), periods=["Q1"],
                         assistance=[AssistanceRecord("甲", "Q1", 5, 10, 0, 0, 80.0)])
    a = result_of(compute(inputs, scheme_with(A=1)), "甲").components["A"]
    # R = 0, T missing, S = 80: (40×0 + 0.3×80)·100/70 = 2400/70 = 34.2857… → 34.29
    assert a.score == D("34.29")
    assert a.details["T"] is None


def test_assistance_without_satisfaction_rescales_without_s():
    inputs = RoundInputs(people=people("甲"), periods=["Q1"],
                         assistance=[AssistanceRecord("甲", "Q1", 5, 10, 5, 5, None)])
    # R = 0.5, T = 1, S missing: (20 + 30)·100/70 = 71.428… → 71.43
    assert result_of(compute(inputs, scheme_with(A=1)), "甲").components["A"].score == D("71.43")


def test_assistance_is_missing_when_no_problem_was_collected():
    inputs = RoundInputs(people=people("甲", "乙"), periods=["Q1"],
                         assistance=[AssistanceRecord("甲", "Q1", 5, 0, 0, 0, 100.0)])
    result = compute(inputs, scheme_with(A=1, C=1))
    assert result_of(result, "甲").components["A"].missing == "未收集问题"
    assert result_of(result, "乙").components["A"].missing == "无联企解困记录"
    assert result_of(result, "甲").components["A"].score is None          # missing, never 0 or 100


# ---------------------------------------------------------------- C


def test_conduct_bonus_cap_and_clipping():
    items = [ConductItem("甲", date(2023, 1, 5), "扣分", 3, "迟报材料", "区优化办通报〔2023〕1号"),
             ConductItem("甲", date(2023, 2, 5), "扣分", 2, "会议缺席"),
             ConductItem("甲", date(2023, 4, 5), "加分", 4, "经验推广"),
             ConductItem("甲", date(2023, 6, 5), "加分", 8, "市级表彰"),
             ConductItem("乙", date(2023, 1, 5), "扣分", 20, "问责"), ConductItem("乙", date(2023, 1, 6), "加分", 4, "表彰"),
             ConductItem("丙", date(2023, 1, 5), "扣分", 120, "严重问题")]
    result = compute(RoundInputs(people=people("甲", "乙", "丙", "丁"), conduct=items), scheme_with(C=1))
    # 甲: 100 − 5 + min(12, 10) = 105 → 100;  乙: 100 − 20 + 4 = 84;  丙: 100 − 120 → 0;  丁: no item → 100
    assert [p.components["C"].score for p in result.results] == [D("100.00"), D("84.00"), D("0.00"), D("100.00")]
    c = result_of(result, "甲").components["C"]
    assert c.working == "100 − 扣分 5 + 加分 10（加分共 12 分，最多计 10 分） = 105，超过 100 分按 100 分计"
    assert result_of(result, "乙").components["C"].working == "100 − 扣分 20 + 加分 4 = 84"
    assert result_of(result, "丙").components["C"].working == "100 − 扣分 120 = -20，低于 0 分按 0 分计"
    assert result_of(result, "丁").components["C"].working == "无扣分、加分记录，记 100 分"
    assert c.details["items"][0]["evidence"] == "区优化办通报〔2023〕1号"


# ---------------------------------------------------------------- composite


def test_composite_is_computed_from_the_rounded_component_scores():
    # E 80.005 → 80.01 and C 100 − 0.005 = 99.995 → 100.00 (half up);
    # composite (80.01 + 100.00) ÷ 2 = 90.005 → 90.01, whereas the unrounded (80.005 + 99.995) ÷ 2 = 90.00
    inputs = RoundInputs(people=people("甲"), exams=[ExamScore("甲", "第一次", 80.005)],
                         conduct=[ConductItem("甲", date(2023, 1, 5), "扣分", 0.005, "小额扣分")])
    person = result_of(compute(inputs, scheme_with(E=1, C=1)), "甲")
    assert person.components["E"].score == D("80.01") and person.components["C"].score == D("100.00")
    assert person.composite == D("90.01")
    assert person.composite_working == "(1×80.01 + 1×100.00) ÷ 2 = 90.01"


def test_missing_component_re_weights_over_the_others():
    inputs = RoundInputs(people=people("甲"), periods=["Q1"], exams=[ExamScore("甲", "第一次", 80)],
                         assistance=[AssistanceRecord("甲", "Q1", 5, 10, 10, 10, 70.0)])
    result = compute(inputs, Scheme.from_dict({"robustness": {"draws": 0}}))
    person = result_of(result, "甲")
    # A = 40 + 30 + 21 = 91; C = 100; I missing (未承担指标)
    # (30×80 + 25×91 + 15×100) ÷ 70 = (2400 + 2275 + 1500) ÷ 70 = 6175/70 = 88.214… → 88.21
    assert person.scores == {"E": D("80.00"), "I": None, "A": D("91.00"), "C": D("100.00")}
    assert person.composite == D("88.21")
    assert "缺少指标排名，按其余成分重新计权（考试 30、联企解困 25、执政形象 15，合计 70）" in person.notes
    assert person.missing == {"I": "未承担指标"}


def test_zero_weight_component_is_shown_but_does_not_count():
    inputs = RoundInputs(people=people("甲"), periods=["Q1"], exams=[ExamScore("甲", "第一次", 80)],
                         indicators=[Indicator("K1", "开办企业", 3, None, "张三", "甲")],
                         ranks=[IndicatorRank("K1", "Q1", 7, 16)],
                         assistance=[AssistanceRecord("甲", "Q1", 5, 10, 10, 10, 70.0)])
    person = result_of(compute(inputs, scheme_with(E=30, I=30, A=0, C=15)), "甲")
    # I = 100·9/15 = 60; A = 91 shown; composite (30×80 + 30×60 + 15×100) ÷ 75 = 5700/75 = 76
    assert person.components["A"].score == D("91.00")
    assert person.composite == D("76.00")
    assert not any("重新计权" in note for note in person.notes)


def test_missing_zero_weight_component_needs_no_re_weighting_note():
    inputs = RoundInputs(people=people("甲"), exams=[ExamScore("甲", "第一次", 80)])
    person = result_of(compute(inputs, scheme_with(E=1, C=1)), "甲")     # I and A missing but weigh 0
    assert person.composite == D("90.00")
    assert person.notes == []


def test_geometric_aggregation():
    scheme = Scheme.from_dict({"weights": {"E": 1, "I": 0, "A": 0, "C": 1}, "aggregation": "geometric",
                               "robustness": {"draws": 0}})
    inputs = RoundInputs(people=people("甲", "乙"), exams=[ExamScore("甲", "第一次", 25), ExamScore("乙", "第一次", 0)],
                         conduct=[ConductItem("乙", date(2023, 1, 1), "扣分", 19, "问责")])
    result = compute(inputs, scheme)
    # 甲: √(25 × 100) = 50;  乙: E = 0 makes the geometric mean 0 whatever C (81) is
    assert result_of(result, "甲").composite == D("50.00")
    assert result_of(result, "乙").composite == D("0.00")


def test_precision_is_a_setting():
    scheme = Scheme.from_dict({"weights": {"E": 1, "I": 0, "A": 0, "C": 0}, "precision": 1,
                               "robustness": {"draws": 0}})
    person = result_of(compute(RoundInputs(people=people("甲"), exams=[ExamScore("甲", "第一次", 82.25)]), scheme), "甲")
    assert str(person.components["E"].score) == "82.3" and str(person.composite) == "82.3"


# ---------------------------------------------------------------- ranking


def _party_building_round(scores, exams=()):
    orgs = ORGS[: len(scores)]
    return RoundInputs(people=people(*orgs),
                       others=[OtherScore(org, "党建工作", s) for org, s in zip(orgs, scores, strict=True)],
                       exams=[ExamScore(org, "第一次", e) for org, e in zip(orgs, exams, strict=False) if e is not None])


def test_equal_printed_composites_share_a_place():
    # 80.004 and 79.995 both print as 80.00 → ranks 1, 2, 2, 4
    scheme = Scheme.from_dict({"weights": {"E": 0, "I": 0, "A": 0, "C": 0, "党建工作": 1}, "robustness": {"draws": 0}})
    result = compute(_party_building_round([90, 80.004, 79.995, 70]), scheme)
    assert [p.rank for p in result.results] == [1, 2, 2, 4]


def test_optional_tie_break_splits_equal_composites():
    scheme = Scheme.from_dict({"weights": {"E": 0, "I": 0, "A": 0, "C": 0, "党建工作": 1}, "tie_break": ["E"],
                               "robustness": {"draws": 0}})
    # 乙 and 丙 tie on 80.00: 丙's higher E (90 > 70) puts 丙 2nd; 丁 also 80 but without E comes last of the three
    result = compute(_party_building_round([90, 80, 80, 80], exams=[None, 70, 90, None]), scheme)
    assert [p.rank for p in result.results] == [1, 3, 2, 4]
    assert any("按考试依次比较" in note for note in result_of(result, "乙").notes)


# ---------------------------------------------------------------- output


def test_round_result_to_dict_is_json_ready():
    inputs = RoundInputs(people=people("甲"), periods=["Q1"], exams=[ExamScore("甲", "第一次", 80)],
                         indicators=[Indicator("K1", "开办企业", 3, None, "张三", "甲")],
                         ranks=[IndicatorRank("K1", "Q1", 7, 16)])
    data = json.loads(json.dumps(compute(inputs, Scheme.from_dict({"robustness": {"draws": 10}})).to_dict(),
                                 ensure_ascii=False))
    person = data["results"][0]
    assert {k: person[k] for k in ("organization", "name", "components", "composite", "rank")} == {
        "organization": "甲", "name": "甲书记", "components": {"E": 80.0, "I": 60.0, "A": None, "C": 100.0},
        # (30×80 + 30×60 + 15×100) ÷ 75 = 76
        "composite": 76.0, "rank": 1}
    assert person["missing"] == {"A": "无联企解困记录"}
    assert data["accountability"][0]["action"] == "提醒警示"       # 7th > 5
    assert set(data["accountability"][0]) >= {"indicator", "action", "periods", "ranks", "targets"}
    assert data["robustness"][0]["median_rank"] == 1


def test_unweighted_other_component_is_shown_with_a_warning():
    inputs = RoundInputs(people=people("甲"), others=[OtherScore("甲", "党建工作", 88)])
    result = compute(inputs, scheme_with(C=1))
    assert result.components == ["E", "I", "A", "C", "党建工作"]
    assert result_of(result, "甲").components["党建工作"].score == D("88.00")
    assert result_of(result, "甲").composite == D("100.00")
    assert any("党建工作" in w for w in result.warnings)


def _synthetic_round(size=72, periods=("Q1", "Q2", "Q3", "Q4"), seed=7):
    rng = random.Random(seed)
    orgs = [f"第{i:02d}党组织" for i in range(1, size + 1)]
    indicators = [Indicator(f"K{i}", f"指标{i}", 3, None, f"指标长{i}", rng.choice(orgs), tuple(rng.sample(orgs, 2)))
                  for i in range(1, 31)]
    ranks = [IndicatorRank(ind.code, p, rng.randint(1, 16), 16) for ind in indicators for p in periods]
    assistance = []
    for org in orgs:
        for p in periods:
            collected = rng.randint(0, 12)
            resolved = rng.randint(0, collected)
            assistance.append(AssistanceRecord(org, p, rng.randint(0, 20), collected, resolved,
                                               rng.randint(0, resolved), round(rng.uniform(60, 100), 1)))
    conduct = [ConductItem(rng.choice(orgs), date(2023, rng.randint(1, 12), 1), rng.choice(["扣分", "加分"]),
                           rng.choice([1, 2, 3, 5]), "事由") for _ in range(60)]
    exams = [ExamScore(org, name, None if roll < 0.05 else round(rng.uniform(40, 100), 1),
                       "缺考" if roll < 0.03 else "请假" if roll < 0.05 else "正常")
             for org in orgs for name in ("第一次", "第二次") for roll in [rng.random()]]
    return RoundInputs(people=[Person(org, f"书记{i}") for i, org in enumerate(orgs)], periods=list(periods),
                       indicators=indicators, ranks=ranks, assistance=assistance, conduct=conduct, exams=exams)


def test_a_72_person_round_computes_with_robustness_quickly():
    inputs = _synthetic_round()
    started = time.perf_counter()
    result = compute(inputs, Scheme())                    # 1,000 draws
    elapsed = time.perf_counter() - started
    assert len(result.results) == 72
    assert all(p.rank is not None for p in result.results)
    assert len(result.robustness) == 72
    assert sorted(p.rank for p in result.results)[0] == 1
    assert all(row.p5_rank <= row.median_rank <= row.p95_rank for row in result.robustness)
    assert result.accountability                           # random ranks of 16 put some outside the top 5
    assert elapsed < 3                                     # about 0.3 s here; generous for a loaded CI machine
    json.dumps(result.to_dict(), ensure_ascii=False)


# ---------------------------------------------------------------- the scheme


def test_default_scheme_matches_the_issue():
    scheme = Scheme()
    assert scheme.weights == {"E": 30, "I": 30, "A": 25, "C": 15}
    assert scheme.precision == 2 and scheme.aggregation == "arithmetic" and scheme.tie_break == ()
    assert scheme.normalisation_for("I").method == "rank_linear"
    assert (scheme.lead_weight, scheme.responsible_weight, scheme.bonus_cap) == (1.0, 0.5, 10)
    assert (scheme.assistance.resolved, scheme.assistance.on_time, scheme.assistance.satisfaction) == (40, 30, 0.3)
    assert (scheme.accountability.top_n, scheme.accountability.bottom_n, scheme.accountability.repeat) == (5, 3, 2)
    assert (scheme.robustness.draws, scheme.robustness.perturbation) == (1000, 0.25)
    assert Scheme.from_dict({}) == scheme


def test_scheme_round_trips_through_yaml():
    scheme = Scheme.from_dict({
        "weights": {"E": 30, "I": 30, "A": 20, "C": 10, "党建工作": 10}, "precision": 1, "tie_break": ["E", "I"],
        "normalisation": {"I": {"method": "rank_bands", "bands": [[1, 5, 100], [6, -4, 60], [-3, -1, 0]]},
                          "A": "min_max", "C": {"method": "goalposts", "worst": 60, "best": 100}},
        "exam_weights": {"第一次": 1, "第二次": 2}, "accountability": {"top_n": 6},
        "robustness": {"draws": 500, "seed": 42}})
    text = yaml.safe_dump(scheme.to_dict(), allow_unicode=True, sort_keys=False)
    assert Scheme.from_dict(yaml.safe_load(text)) == scheme
    assert "党建工作: 10" in text and "method: min_max" in text


def test_scheme_errors_are_listed_in_chinese():
    with pytest.raises(SchemeError) as caught:
        Scheme.from_dict({"weights": {"E": -1, "I": "三十"}, "precision": 9, "aggregation": "median",
                          "tie_break": ["X"], "normalisation": {"A": {"method": "rank_step", "step": 5}},
                          "accountability": {"top_n": 0}, "colour": "red"})
    problems = caught.value.problems
    assert "考试权重（weights.E）不能小于 0，现为 -1" in problems
    assert "指标排名权重（weights.I）应为数字，现为“三十”" in problems
    assert "权重（weights）缺少 A、C（不计入的成分请写 0）" in problems
    assert "保留小数位（precision）不能大于 6，现为 9" in problems
    assert "汇总方法（aggregation）应为 arithmetic 或 geometric，现为“median”" in problems
    assert "tie_break 中的“X”不是方案中的成分" in problems
    assert any(p.startswith("联企解困标准化·方法（normalisation.A.method）") and "名次类方法只适用于 I" in p for p in problems)
    assert "问责·全市前几名以外提醒警示（accountability.top_n）不能小于 1，现为 0" in problems
    assert any("未知设置项“colour”" in p for p in problems)
    assert str(caught.value).startswith("评分方案有误：")
    assert isinstance(caught.value, ValueError)


def test_scheme_parameter_errors():
    with pytest.raises(SchemeError) as caught:
        Scheme.from_dict({"normalisation": {"C": {"method": "goalposts", "worst": 80, "best": 80},
                                            "I": {"method": "rank_bands", "bands": [[5, 1, 100], [1, 0, 50]]}},
                          "weights": {"E": 0, "I": 0, "A": 0, "C": 0}})
    problems = caught.value.problems
    assert "执政形象标准化（normalisation.C）：最差值（worst）与最优值（best）不能相等" in problems
    assert "normalisation.I.bands 第 1 项：起始名次 5 大于截止名次 1" in problems
    assert any(p.startswith("normalisation.I.bands 第 2 项应为") for p in problems)
    assert "各成分权重（weights）不能全为 0" in problems
