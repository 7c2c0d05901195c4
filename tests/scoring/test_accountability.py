"""Accountability rules on indicator rankings, with the thresholds probed exactly at their edges."""
import pytest

from examapp.scoring.accountability import (
    ADMONITION,
    INTERVIEW,
    WARNING,
    accountability_entries,
    is_in_bottom,
    is_outside_top,
)
from examapp.scoring.inputs import Indicator, IndicatorRank, RoundInputs
from examapp.scoring.scheme import AccountabilityThresholds

DEFAULT = AccountabilityThresholds()

# 一级 A1 (指标长 王一, 牵头 区发改局) → 二级 A1.1 (指标长 王二, 牵头 区市场监管局, 责任 区税务局)
#   → 三级 A1.1.1 (指标长 王三, 牵头 区行政审批局, 责任 区公安分局、区人社局)
TREE = [
    Indicator("A1", "营商环境", 1, None, "王一", "区发改局"),
    Indicator("A1.1", "开办企业", 2, "A1", "王二", "区市场监管局", ("区税务局",)),
    Indicator("A1.1.1", "开办时间", 3, "A1.1", "王三", "区行政审批局", ("区公安分局", "区人社局")),
]


def entries(ranks, periods=("Q1", "Q2", "Q3", "Q4"), thresholds=DEFAULT, indicators=TREE):
    return accountability_entries(RoundInputs(periods=list(periods), indicators=list(indicators), ranks=ranks),
                                  thresholds)


def actions(result):
    return [(e.indicator, e.action, e.periods, e.ranks) for e in result]


def test_threshold_edges():
    # r = 5 is inside the top 5; r = 6 is outside
    assert not is_outside_top(5, 5) and is_outside_top(6, 5)
    # N = 16, bottom 3: r ≥ 16 − 3 + 1 = 14 → 14, 15, 16; 13 is not
    assert [is_in_bottom(r, 16, 3) for r in (13, 14, 15, 16)] == [False, True, True, True]
    # N = 3: every rank is in the bottom 3
    assert all(is_in_bottom(r, 3, 3) for r in (1, 2, 3))


def test_fifth_place_shared_by_a_tie_triggers_nothing():
    # the district tied 5th (e.g. 5, 5, 7 in the city's standard competition ranking): not outside the top 5
    assert entries([IndicatorRank("A1.1.1", "Q1", 5, 16)]) == []


def test_outside_top_five_warns_the_first_level_leader_and_the_units_of_the_indicator_and_its_parent():
    result = entries([IndicatorRank("A1.1.1", "Q2", 6, 16)])
    assert actions(result) == [("A1.1.1", WARNING, ("Q2",), (6,))]
    assert result[0].targets == (
        "指标长：王一（一级指标 A1）",
        "牵头单位：区行政审批局（三级指标 A1.1.1）",
        "责任单位：区公安分局（三级指标 A1.1.1）",
        "责任单位：区人社局（三级指标 A1.1.1）",
        "牵头单位：区市场监管局（二级指标 A1.1）",
        "责任单位：区税务局（二级指标 A1.1）",
    )
    assert result[0].indicator_name == "开办时间"


def test_second_level_indicator_ranked_is_its_own_second_level_parent():
    result = entries([IndicatorRank("A1.1", "Q1", 9, 16)])
    assert result[0].targets == ("指标长：王一（一级指标 A1）", "牵头单位：区市场监管局（二级指标 A1.1）",
                                 "责任单位：区税务局（二级指标 A1.1）")


def test_bottom_three_is_also_outside_the_top_five_so_both_apply():
    # 13th of 16: warned only; 14th of 16: warned and interviewed (own 三级 指标长)
    assert actions(entries([IndicatorRank("A1.1.1", "Q1", 13, 16)])) == [("A1.1.1", WARNING, ("Q1",), (13,))]
    result = entries([IndicatorRank("A1.1.1", "Q1", 14, 16)])
    assert actions(result) == [("A1.1.1", WARNING, ("Q1",), (14,)), ("A1.1.1", INTERVIEW, ("Q1",), (14,))]
    assert result[1].targets == ("指标长：王三（三级指标 A1.1.1）",)


def test_bottom_of_a_small_field_is_interviewed_even_when_first():
    # N = 3: 1st is inside the top 5 but in the bottom 3 (the rule read literally)
    assert actions(entries([IndicatorRank("A1.1.1", "Q1", 1, 3)])) == [("A1.1.1", INTERVIEW, ("Q1",), (1,))]


def test_bottom_three_in_two_periods_brings_admonition_for_the_units_leaders():
    ranks = [IndicatorRank("A1.1.1", "Q3", 16, 16), IndicatorRank("A1.1.1", "Q1", 14, 16),
             IndicatorRank("A1.1.1", "Q2", 4, 16)]
    result = entries(ranks)
    # evidence in the round's period order, Q2 (4th) triggers nothing
    assert actions(result) == [("A1.1.1", WARNING, ("Q1", "Q3"), (14, 16)),
                               ("A1.1.1", INTERVIEW, ("Q1", "Q3"), (14, 16)),
                               ("A1.1.1", ADMONITION, ("Q1", "Q3"), (14, 16))]
    assert result[2].targets == ("牵头单位：区行政审批局 主要负责人、分管负责人（三级指标 A1.1.1）",
                                 "责任单位：区公安分局 主要负责人、分管负责人（三级指标 A1.1.1）",
                                 "责任单位：区人社局 主要负责人、分管负责人（三级指标 A1.1.1）")


def test_bottom_three_once_is_no_admonition_and_other_rounds_periods_do_not_count():
    ranks = [IndicatorRank("A1.1.1", "Q1", 15, 16), IndicatorRank("A1.1.1", "2022Q4", 16, 16)]
    assert [e.action for e in entries(ranks)] == [WARNING, INTERVIEW]


def test_thresholds_are_settings():
    ranks = [IndicatorRank("A1.1.1", p, 12, 16) for p in ("Q1", "Q2")]
    # top 10 and bottom 5 (12 ≥ 16 − 5 + 1): warned, interviewed; repeat 3 needs a third period
    result = entries(ranks, thresholds=AccountabilityThresholds(top_n=10, bottom_n=5, repeat=3))
    assert [e.action for e in result] == [WARNING, INTERVIEW]
    result = entries(ranks, thresholds=AccountabilityThresholds(top_n=12, bottom_n=5, repeat=2))
    assert [e.action for e in result] == [INTERVIEW, ADMONITION]


def test_unknown_indicator_still_reports_its_evidence():
    result = entries([IndicatorRank("Z9", "Q1", 16, 16)])
    assert actions(result) == [("Z9", WARNING, ("Q1",), (16,)), ("Z9", INTERVIEW, ("Q1",), (16,))]
    assert result[0].targets == ()


def test_missing_leader_is_shown_as_unfilled():
    tree = [Indicator("B1", "一级", 1, None, "", None), Indicator("B1.1", "二级", 2, "B1", "", "区财政局")]
    result = entries([IndicatorRank("B1.1", "Q1", 16, 16)], indicators=tree)
    assert result[0].targets[0] == "指标长：（未填写）（一级指标 B1）"


def test_rank_beyond_the_field_is_refused():
    with pytest.raises(ValueError, match="全市排名 17 应在 1 至参评地区数 16 之间"):
        entries([IndicatorRank("A1.1.1", "Q1", 17, 16)])
