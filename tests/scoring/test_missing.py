"""Missing components: re-weighting, the 党组织类别 median and zero, worked by hand on a six-unit round.

E: 甲 80, 乙 70, 丙 60, 丁 90, 戊 50, 己 40. 党建 (an 其他指标): 甲 —, 乙 70, 丙 60, 丁 60, 戊 —, 己 —.
Categories: 甲 乙 丙 乡镇街道; 丁 戊 机关部门; 己 园区. Weights E 1, 党建 1 (I, A, C 0).

- reweight:        甲 80, 丁 (90+60)/2 = 75, 乙 70, 丙 60, 戊 50, 己 40            → 甲 1, 丁 2, 乙 3, 丙 4, 戊 5, 己 6
- category_median: 乡镇街道 peers 70, 60 → median 65; 机关部门 peer 60 → 60; 园区 none → re-weighted
                   甲 (80+65)/2 = 72.50, 乙 70, 丙 60, 丁 75, 戊 (50+60)/2 = 55, 己 40 → 丁 1, 甲 2, 乙 3, 丙 4, 戊 5, 己 6
- zero:            甲 (80+0)/2 = 40, 乙 70, 丙 60, 丁 75, 戊 25, 己 20            → 丁 1, 乙 2, 丙 3, 甲 4, 戊 5, 己 6
"""
from decimal import Decimal

import pytest

from examapp.scoring.engine import compute, median, treat_missing
from examapp.scoring.inputs import ExamScore, OtherScore, Person, RoundInputs
from examapp.scoring.scheme import Scheme, SchemeError

CATEGORIES = {"甲": "乡镇街道", "乙": "乡镇街道", "丙": "乡镇街道", "丁": "机关部门", "戊": "机关部门", "己": "园区"}
EXAM = {"甲": 80, "乙": 70, "丙": 60, "丁": 90, "戊": 50, "己": 40}
PARTY = {"乙": 70, "丙": 60, "丁": 60}


def round_inputs() -> RoundInputs:
    return RoundInputs(people=[Person(org, f"{org}书记", category) for org, category in CATEGORIES.items()],
                       exams=[ExamScore(org, "第一次", score) for org, score in EXAM.items()],
                       others=[OtherScore(org, "党建", score) for org, score in PARTY.items()])


def computed(treatment: str):
    scheme = Scheme.from_dict({"weights": {"E": 1, "I": 0, "A": 0, "C": 0, "党建": 1}, "missing": treatment,
                               "robustness": {"draws": 0}})
    result = compute(round_inputs(), scheme)
    return result, {p.organization: p for p in result.results}


def test_reweighting_leaves_a_missing_component_out():
    _, people = computed("reweight")
    assert {org: str(p.composite) for org, p in people.items()} == {
        "甲": "80.00", "乙": "70.00", "丙": "60.00", "丁": "75.00", "戊": "50.00", "己": "40.00"}
    assert people["甲"].components["党建"].imputed is None
    assert "缺少党建，按其余成分重新计权（考试 1，合计 1）" in people["甲"].notes


def test_category_median_counts_the_median_of_the_same_category():
    _, people = computed("category_median")
    jia = people["甲"]
    assert jia.components["党建"].score is None and jia.components["党建"].imputed == Decimal("65.00")
    assert jia.composite == Decimal("72.50") and jia.rank == 2
    assert jia.composite_working == "(1×80.00 + 1×65.00) ÷ 2 = 72.50"
    assert "缺少党建（无该项得分），按同类别（乡镇街道）2 个单位该项得分的中位数 65.00 计入" in jia.notes
    assert people["戊"].components["党建"].imputed == Decimal("60.00") and people["戊"].composite == Decimal("55.00")


def test_category_median_without_a_peer_falls_back_to_reweighting():
    _, people = computed("category_median")
    ji = people["己"]
    assert ji.components["党建"].imputed is None and ji.composite == Decimal("40.00")
    assert "同类别（园区）无单位有该项得分" in ji.components["党建"].details["imputation"]
    assert any(n.startswith("缺少党建，按其余成分重新计权") for n in ji.notes)


def test_zero_counts_a_missing_component_as_nought():
    _, people = computed("zero")
    assert {org: str(p.composite) for org, p in people.items()} == {
        "甲": "40.00", "乙": "70.00", "丙": "60.00", "丁": "75.00", "戊": "25.00", "己": "20.00"}
    assert people["甲"].rank == 4


def test_the_result_ranks_the_round_under_every_treatment():
    result, _ = computed("reweight")
    ranks = {p.organization: r for p, r in zip(result.results, result.treatment_ranks, strict=True)}
    assert ranks["甲"] == {"reweight": 1, "category_median": 2, "zero": 4}
    assert ranks["丁"] == {"reweight": 2, "category_median": 1, "zero": 1}
    assert ranks["己"] == {"reweight": 6, "category_median": 6, "zero": 6}
    exported = result.to_dict()
    assert exported["missing"]["method"] == "reweight" and exported["missing"]["label"] == "按其余成分重新计权"
    assert exported["treatment_ranks"][0] == {"organization": "甲", "name": "甲书记",
                                              "ranks": {"reweight": 1, "category_median": 2, "zero": 4}}


def test_missing_summary_counts_who_lacks_each_weighted_component():
    result, _ = computed("category_median")
    assert result.missing_summary == [{"key": "党建", "label": "党建", "weight": 1, "count": 3,
                                       "reasons": {"无该项得分": 3}, "imputed": 2}]


def test_median_of_an_even_count_is_the_mean_of_the_middle_two():
    assert median([Decimal("60"), Decimal("70")]) == 65
    assert median([Decimal("1"), Decimal("2"), Decimal("9")]) == 2
    assert median([Decimal("60.01"), Decimal("60.02")]) == Decimal("60.015")


def test_treat_missing_leaves_present_scores_alone():
    result, _ = computed("reweight")
    scored = {p.organization: p.components["E"] for p in result.results}
    assert treat_missing(scored, CATEGORIES, "zero", 2) == scored


def test_an_unknown_treatment_is_refused_in_chinese():
    with pytest.raises(SchemeError) as caught:
        Scheme.from_dict({"missing": "mean"})
    assert caught.value.problems == ["缺项处理（missing）应为 reweight、category_median、zero 之一，现为“mean”"]
    assert Scheme.from_dict({"missing": "zero"}).to_dict()["missing"] == "zero"
