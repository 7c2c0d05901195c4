"""Exam statistics against small datasets whose values are worked by hand in the comments."""
from decimal import Decimal

import pytest

from examapp.exams.mastery import (
    MasteryResponse,
    article_mastery,
    chapter_mastery,
    mastery_by_kind,
    mastery_report,
    weakest_articles,
)
from examapp.exams.reliability import (
    RELIABILITY_SAME_QUESTIONS,
    RELIABILITY_SECTION_POSITIONS,
    Reliability,
    cronbach_alpha,
    exam_reliability,
    kr20,
)
from examapp.exams.statistics import (
    FLAG_NEGATIVE_DISCRIMINATION,
    FLAG_TOO_EASY,
    FLAG_TOO_HARD,
    AttemptRow,
    ItemResponse,
    competition_ranks,
    displayed_score,
    histogram,
    item_analysis,
    item_flags,
    pearson,
    summary,
)

# ---------------------------------------------------------------- ranks


def test_equal_scores_share_a_place_and_the_next_place_is_skipped():
    assert competition_ranks([95, 90, 90, 80]) == [1, 2, 2, 4]
    assert competition_ranks([80, 90, 95, 90]) == [4, 2, 1, 2]   # order of the input is kept


def test_scores_that_are_equal_as_displayed_share_a_place():
    # Displayed to 2 places, half-up: 90.0 → 90.00, 89.995 → 90.00, 89.994 → 89.99, 95 → 95.00.
    # 95.00 is 1st; the three 90.00 share 2nd; 89.99 is after four scores → 5th.
    assert competition_ranks([90.0, 89.995, 89.994, 95, 90]) == [2, 2, 5, 1, 2]
    assert displayed_score(89.995) == Decimal("90.00")
    assert displayed_score(89.994) == Decimal("89.99")
    assert displayed_score(2.675) == Decimal("2.68")    # round() would give 2.67 (binary 2.67499…)


def test_absent_candidates_have_no_rank_and_take_no_place():
    assert competition_ranks([None, 70, None, 70, 60]) == [None, 1, None, 1, 3]
    assert competition_ranks([]) == []


def test_ranks_can_use_other_precisions():
    # To 1 place: 88.25 → 88.3 and 88.3 → 88.3 tie; to 2 places they differ.
    assert competition_ranks([88.25, 88.3], decimals=1) == [1, 1]
    assert competition_ranks([88.25, 88.3], decimals=2) == [2, 1]


# ---------------------------------------------------------------- summary


def test_summary_of_four_scores():
    # mean = (60+70+80+90)/4 = 300/4 = 75; median = (70+80)/2 = 75
    # deviations −15, −5, 5, 15; squares 225+25+25+225 = 500; sample variance 500/3 = 166.67
    # sample SD = √166.67 = 12.9099; pass mark 70: 70, 80, 90 pass → 3/4 = 0.75
    result = summary([60, 70, 80, 90], pass_mark=70)
    assert result.count == 4 and result.absent == 0
    assert result.mean == 75 and result.median == 75
    assert result.sd == pytest.approx(12.9099, abs=1e-4)
    assert (result.max, result.min) == (90, 60)
    assert result.pass_count == 3 and result.pass_rate == 0.75
    assert result.as_dict() == {"count": 4, "mean": 75, "median": 75, "sd": result.sd, "max": 90, "min": 60,
                                "pass_rate": 0.75}


def test_summary_leaves_absent_candidates_out():
    # Only 50 and 59.995 sat; 59.995 is shown as 60.00 and so reaches the pass mark 60.
    result = summary([None, 50, 59.995, None], pass_mark=60)
    assert result.count == 2 and result.absent == 2
    assert result.mean == pytest.approx(54.9975)
    assert result.pass_count == 1 and result.pass_rate == 0.5


def test_summary_of_nobody_and_of_one():
    empty = summary([], pass_mark=60)
    assert empty.count == 0 and empty.mean is None and empty.sd is None and empty.pass_rate is None
    one = summary([72.5], pass_mark=60)
    assert one.mean == one.median == one.max == one.min == 72.5
    assert one.sd is None          # a sample SD needs two scores
    assert one.pass_rate == 1.0


# ---------------------------------------------------------------- histogram


def test_histogram_bins_are_closed_below_and_the_top_bin_takes_the_maximum():
    # width 100/10 = 10: [0,10) gets 0 and 9.99; [10,20) gets 10; 59.995 is shown 60.00 → [60,70)
    # with 60; 99.5 and the maximum 100 both go to the top bin [90,100].
    bins = histogram([0, 9.99, 10, 59.995, 60, 99.5, 100, None], max_score=100)
    assert [b.label for b in bins] == ["0–10", "10–20", "20–30", "30–40", "40–50", "50–60", "60–70",
                                       "70–80", "80–90", "90–100"]
    assert [b.count for b in bins] == [2, 1, 0, 0, 0, 0, 2, 0, 0, 2]
    assert (bins[6].low, bins[6].high) == (60, 70)


def test_histogram_edges_are_exact_for_fractional_widths():
    # width 1/10: 0.3 starts the 4th bin (0.3/0.1 is 2.999… in binary floats, 3 in decimals).
    bins = histogram([0.3, 0.29], max_score=1)
    assert bins[3].label == "0.3–0.4" and bins[3].count == 1
    assert bins[2].count == 1
    assert [b.label for b in histogram([], max_score=25, bins=2)] == ["0–12.5", "12.5–25"]


def test_histogram_refuses_a_nonsense_scale():
    with pytest.raises(ValueError):
        histogram([1], max_score=0)
    with pytest.raises(ValueError):
        histogram([1], max_score=100, bins=0)


# ---------------------------------------------------------------- item analysis
#
# Five candidates, three questions:
#   Q1 single, 1 point (correct original key "B")
#   Q2 multiple, 2 points (correct "A","C"; half for a correct subset)
#   Q3 true/false, 1 point
#
#          Q1  Q2  Q3  total
#   A       1   2   0    3
#   B       1   1   0    2
#   C       1   2   1    4
#   D       0   0   1    1
#   E       0   0   1    1


def _five_candidates():
    def row(attempt_id, q1, q1_key, q2, q2_keys, q3):
        items = {1: ItemResponse(q1, 1, q1_key, section=0, position=1),
                 2: ItemResponse(q2, 2, q2_keys, section=1, position=2),
                 3: ItemResponse(q3, 1, (), section=2, position=3)}
        return AttemptRow(attempt_id, q1 + q2 + q3, items)

    return [row(101, 1, ["B"], 2, ["A", "C"], 0),
            row(102, 1, ["B"], 1, ["A"], 0),
            row(103, 1, ["B"], 2, ["C", "A"], 1),
            row(104, 0, ["A"], 0, ["A", "B"], 1),
            row(105, 0, [], 0, ["D"], 1)]


def test_facility_is_the_mean_fraction_of_the_marks():
    stats = {s.question_id: s for s in item_analysis(_five_candidates())}
    # Q1: (1+1+1+0+0)/5 = 0.6; Q2 fractions 2/2, 1/2, 2/2, 0, 0 → (1+0.5+1)/5 = 0.5; Q3: 3/5 = 0.6
    assert stats[1].facility == pytest.approx(0.6)
    assert stats[2].facility == pytest.approx(0.5)
    assert stats[3].facility == pytest.approx(0.6)
    assert [s.n for s in stats.values()] == [5, 5, 5]


def test_discrimination_is_the_correlation_with_the_rest_of_the_test():
    stats = {s.question_id: s for s in item_analysis(_five_candidates())}
    # Q1: x = [1,1,1,0,0], rest = total − Q1 = [2,1,3,1,1]
    #   mean x 0.6, mean rest 8/5 = 1.6
    #   dx = [.4,.4,.4,−.6,−.6], dy = [.4,−.6,1.4,−.6,−.6]
    #   Σdx·dy = .16 − .24 + .56 + .36 + .36 = 1.20
    #   Σdx² = 3·.16 + 2·.36 = 1.2; Σdy² = .16+.36+1.96+.36+.36 = 3.2
    #   r = 1.2 / √(1.2·3.2) = 1.2 / √3.84 = 1.2 / 1.95959 = 0.61237
    assert stats[1].discrimination == pytest.approx(0.61237, abs=1e-5)
    # Q2: x = fractions [1,.5,1,0,0], rest = total − earned = [1,1,2,1,1]
    #   mean x 0.5, mean rest 1.2; dx = [.5,0,.5,−.5,−.5], dy = [−.2,−.2,.8,−.2,−.2]
    #   Σdx·dy = −.1 + 0 + .4 + .1 + .1 = .5; Σdx² = 4·.25 = 1.0; Σdy² = 4·.04 + .64 = .8
    #   r = .5 / √.8 = .5 / .894427 = 0.559017
    assert stats[2].discrimination == pytest.approx(0.559017, abs=1e-6)
    # Q3: x = [0,0,1,1,1], rest = [3,2,3,0,0]
    #   mean x 0.6, mean rest 1.6; dx = [−.6,−.6,.4,.4,.4], dy = [1.4,.4,1.4,−1.6,−1.6]
    #   Σdx·dy = −.84 − .24 + .56 − .64 − .64 = −1.80
    #   Σdx² = 1.2; Σdy² = 1.96+.16+1.96+2.56+2.56 = 9.2
    #   r = −1.8 / √(1.2·9.2) = −1.8 / √11.04 = −1.8 / 3.32265 = −0.541736
    assert stats[3].discrimination == pytest.approx(-0.541736, abs=1e-6)


def test_an_item_with_negative_discrimination_is_flagged():
    stats = {s.question_id: s for s in item_analysis(_five_candidates())}
    assert stats[3].flags == (FLAG_NEGATIVE_DISCRIMINATION,)
    assert stats[1].flags == () and stats[2].flags == ()


def test_option_counts_use_original_keys_and_can_list_unchosen_options():
    stats = {s.question_id: s for s in item_analysis(_five_candidates(),
                                                     option_keys={1: "ABCD", 2: ["A", "B", "C", "D"]})}
    # Q1: B chosen by A, B, C; A by D; E left it blank.
    assert stats[1].options == {"A": 1, "B": 3, "C": 0, "D": 0}
    # Q2: A in A,B,C,D's answers; C in A,C; B in D; D in E.
    assert stats[2].options == {"A": 4, "B": 1, "C": 2, "D": 1}
    assert stats[3].options == {}
    assert stats[1].as_dict() == {"question": 1, "facility": stats[1].facility,
                                  "discrimination": stats[1].discrimination,
                                  "options": {"A": 1, "B": 3, "C": 0, "D": 0}}


def test_questions_on_some_papers_are_analysed_over_those_attempts_only():
    rows = _five_candidates()
    # Q9 was on only two random papers: n = 2, facility (1 + 0)/2 = 0.5, too few for a correlation.
    rows[0].items[9] = ItemResponse(1, 1, ["A"])
    rows[3].items[9] = ItemResponse(0, 1, ["C"])
    stats = {s.question_id: s for s in item_analysis(rows)}
    assert stats[9].n == 2 and stats[9].facility == 0.5 and stats[9].discrimination is None
    assert stats[9].options == {"A": 1, "C": 1}


def test_an_item_everyone_got_right_is_too_easy_and_has_no_discrimination():
    rows = [AttemptRow(i, total, {1: ItemResponse(1, 1), 2: ItemResponse(total - 1, 3)})
            for i, total in enumerate([1, 2, 3, 4])]
    easy = item_analysis(rows)[0]
    assert easy.facility == 1.0
    assert easy.discrimination is None            # no variance in the item score
    assert easy.flags == (FLAG_TOO_EASY,)


def test_facility_thresholds():
    assert item_flags(0.91, 0.3) == (FLAG_TOO_EASY,)
    assert item_flags(0.9, 0.3) == ()
    assert item_flags(0.2, 0.3) == ()
    assert item_flags(0.19, -0.1) == (FLAG_NEGATIVE_DISCRIMINATION, FLAG_TOO_HARD)
    assert item_flags(None, None) == ()
    assert item_analysis([]) == []


def test_pearson_of_perfectly_related_and_constant_series():
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert pearson([1, 2, 3], [5, 5, 5]) is None


# ---------------------------------------------------------------- reliability


def test_cronbach_alpha_of_four_persons_and_three_items():
    matrix = [[2, 3, 3],    # total 8
              [1, 1, 2],    # total 4
              [3, 3, 3],    # total 9
              [2, 1, 2]]    # total 5
    # item 1: [2,1,3,2], mean 2,   SS 0+1+1+0 = 2,           sample var 2/3
    # item 2: [3,1,3,1], mean 2,   SS 1+1+1+1 = 4,           sample var 4/3
    # item 3: [3,2,3,2], mean 2.5, SS 4·.25 = 1,              sample var 1/3   → Σ = 7/3
    # totals: [8,4,9,5], mean 6.5, SS 2.25+6.25+6.25+2.25 = 17, sample var 17/3
    # α = 3/2 · (1 − (7/3)/(17/3)) = 3/2 · 10/17 = 15/17 = 0.882353
    assert cronbach_alpha(matrix) == pytest.approx(15 / 17)


def test_kr20_on_right_wrong_items_equals_alpha():
    matrix = [[1, 1, 1],    # 3
              [1, 1, 0],    # 2
              [1, 0, 0],    # 1
              [0, 0, 0]]    # 0
    # p = 3/4, 2/4, 1/4; Σpq = 3/16 + 4/16 + 3/16 = 10/16 = 0.625
    # totals [3,2,1,0], mean 1.5, population var (2.25+.25+.25+2.25)/4 = 1.25
    # KR-20 = 3/2 · (1 − 0.625/1.25) = 3/2 · 0.5 = 0.75
    assert kr20(matrix) == pytest.approx(0.75)
    assert cronbach_alpha(matrix) == pytest.approx(kr20(matrix))


def test_reliability_needs_two_items_two_persons_and_a_spread():
    assert cronbach_alpha([[1, 2]]) is None
    assert cronbach_alpha([[1], [2]]) is None
    assert cronbach_alpha([[1, 1], [1, 1]]) is None
    assert kr20([[1, 0], [1, 0], [1, 0]]) is None
    with pytest.raises(ValueError):
        kr20([[1, 0.5], [0, 1]])
    with pytest.raises(ValueError):
        cronbach_alpha([[1, 2], [1]])


def test_exam_reliability_on_a_fixed_paper_is_alpha_over_the_questions():
    # All five had Q1–Q3. Marks (Q2 is worth 2): A [1,2,0], B [1,1,0], C [1,2,1], D [0,0,1], E [0,0,1]
    # item vars (sample, ÷4): Q1 [1,1,1,0,0] mean .6 SS 1.2 → .3; Q2 [2,1,2,0,0] mean 1 SS 1+0+1+1+1 = 4 → 1;
    #   Q3 [0,0,1,1,1] mean .6 SS 1.2 → .3; Σ = 1.6
    # totals [3,2,4,1,1], mean 2.2, SS .64+.04+3.24+1.44+1.44 = 6.8, var 1.7
    # α = 3/2 · (1 − 1.6/1.7) = 3/2 · 1/17 = 3/34 = 0.088235 (the bad Q3 keeps the test inconsistent)
    result = exam_reliability(_five_candidates())
    assert result.method == RELIABILITY_SAME_QUESTIONS
    assert (result.attempts, result.items) == (5, 3)
    assert result.alpha == pytest.approx(3 / 34)
    assert not result.dichotomous and result.label == "Cronbach's α"
    # SD = √1.7 = 1.303840; SEM = √(1.7 · 31/34) = √1.55 = 1.244990
    assert result.sd == pytest.approx(1.7 ** 0.5)
    assert result.sem == pytest.approx(1.55 ** 0.5)


# A fixed paper of three questions of the kinds: 单选 2 points, 多选 3 points, 判断 1 point.
#
#          单选(2)  多选(3)  判断(1)  total
#   A        2        3        1       6
#   B        2        3        0       5
#   C        2        0        1       3
#   D        0        3        1       4
#   E        0        0        0       0
MIXED_POINTS = [(2, 3, 1), (2, 3, 0), (2, 0, 1), (0, 3, 1), (0, 0, 0)]


def _mixed_points_rows(random_papers=False):
    """The MIXED_POINTS marks as attempts; with random_papers each attempt has its own question ids."""
    rows = []
    for n, (single, multiple, truefalse) in enumerate(MIXED_POINTS):
        base = 10 * n if random_papers else 0
        rows.append(AttemptRow(n, single + multiple + truefalse, {
            base + 1: ItemResponse(single, 2, section=0, position=1),
            base + 2: ItemResponse(multiple, 3, section=1, position=2),
            base + 3: ItemResponse(truefalse, 1, section=2, position=3)}))
    return rows


def test_alpha_is_over_marks_so_a_three_point_question_weighs_three_times_a_one_point_one():
    """α of the summed score, worked by hand with every intermediate sum (sample variances, ÷ n − 1 = 4).

    Item marks:
      单选 [2,2,2,0,0]  Σ = 6,  mean 1.2, deviations .8,.8,.8,−1.2,−1.2,
                        SS = 3·0.64 + 2·1.44 = 1.92 + 2.88 = 4.8,     variance 4.8/4 = 1.2
      多选 [3,3,0,3,0]  Σ = 9,  mean 1.8, deviations 1.2,1.2,−1.8,1.2,−1.8,
                        SS = 3·1.44 + 2·3.24 = 4.32 + 6.48 = 10.8,    variance 10.8/4 = 2.7
      判断 [1,0,1,1,0]  Σ = 3,  mean 0.6, SS = 3·0.16 + 2·0.36 = 1.2, variance 1.2/4 = 0.3
      Σ item variances = 1.2 + 2.7 + 0.3 = 4.2
    Totals [6,5,3,4,0]: Σ = 18, mean 3.6, deviations 2.4,1.4,−.6,.4,−3.6,
      SS = 5.76 + 1.96 + 0.36 + 0.16 + 12.96 = 21.2, variance 21.2/4 = 5.3
    α = k/(k−1) · (1 − Σσ²_i/σ²_total) = 3/2 · (1 − 4.2/5.3) = 3/2 · 1.1/5.3 = 1.65/5.3 = 33/106 = 0.311321
    SD = √5.3 = 2.302173; SEM = SD · √(1 − α) = √(5.3 · 73/106) = √3.65 = 1.910497

    Over fractions (the old computation) every item would weigh the same: each column is then
    [1,1,1,0,0]-like with variance 1.2/4 = 0.3 (Σ 0.9), totals [3,2,2,2,0] variance 4.8/4 = 1.2,
    α = 3/2 · (1 − 0.9/1.2) = 0.375 — not the reliability of the score that is ranked.
    """
    result = exam_reliability(_mixed_points_rows())
    assert result.method == RELIABILITY_SAME_QUESTIONS and (result.attempts, result.items) == (5, 3)
    assert result.alpha == pytest.approx(33 / 106)
    assert result.alpha != pytest.approx(0.375)
    assert result.sd == pytest.approx(5.3 ** 0.5)
    assert result.sem == pytest.approx(3.65 ** 0.5)
    assert not result.dichotomous and result.label == "Cronbach's α"   # right/wrong, but unequal points
    assert cronbach_alpha([list(marks) for marks in MIXED_POINTS]) == pytest.approx(33 / 106)


def test_random_paper_approximation_is_over_marks_too():
    # The same marks on five random papers (no question in common): the slots (section, k-th)
    # are the 单选, 多选 and 判断 columns above, so α = 33/106 and SEM = √3.65 again.
    result = exam_reliability(_mixed_points_rows(random_papers=True))
    assert result.method == RELIABILITY_SECTION_POSITIONS and (result.attempts, result.items) == (5, 3)
    assert result.alpha == pytest.approx(33 / 106)
    assert result.sem == pytest.approx(3.65 ** 0.5)


# Wuensch, K. L., "The Kuder-Richardson 20" (KR20.txt, East Carolina University StatHelp,
# core.ecu.edu/wuenschk/StatHelp/KR20.txt): ten students, a ten-item quiz marked 1/0. The page
# publishes the data, each item's p and p·q, and the total variance 5.84 (÷ n).
WUENSCH_KR20 = [
    [1, 1, 1, 1, 1, 1, 0, 1, 1, 0],   # A 8
    [1, 0, 1, 1, 0, 1, 1, 1, 0, 1],   # B 7
    [1, 1, 1, 1, 0, 1, 1, 0, 0, 1],   # C 7
    [0, 0, 1, 0, 0, 0, 1, 0, 0, 0],   # D 2
    [0, 0, 0, 0, 0, 1, 0, 0, 1, 0],   # E 2
    [1, 1, 1, 0, 1, 1, 1, 1, 1, 1],   # F 9
    [1, 1, 0, 1, 1, 1, 0, 1, 1, 1],   # G 8
    [1, 1, 1, 1, 1, 1, 1, 1, 0, 1],   # H 9
    [0, 1, 0, 1, 1, 1, 1, 1, 0, 1],   # I 7
    [1, 1, 0, 1, 1, 0, 1, 1, 1, 0],   # J 7
]


def test_kr20_matches_a_published_worked_example():
    """Published: p = .7 .7 .6 .7 .6 .8 .7 .7 .5 .6; p·q = .21 .21 .24 .21 .24 .16 .21 .21 .25 .24; σ² = 5.84.

    Σpq = 5·0.21 + 3·0.24 + 0.16 + 0.25 = 1.05 + 0.72 + 0.41 = 2.18
    totals [8,7,7,2,2,9,8,9,7,7], Σ = 66, mean 6.6, SS = 1.96+.16+.16+21.16+21.16+5.76+1.96+5.76+.16+.16 = 58.4,
    σ² = 58.4/10 = 5.84 (as published)
    KR-20 = 10/9 · (1 − 2.18/5.84) = 10/9 · 3.66/5.84 = 36.6/52.56 = 0.696347
    With sample variances (÷ 9) every variance is 10/9 larger and the ratio, so α, is the same.
    SD (sample) = √(58.4/9) = 2.547330; SEM² = (58.4/9) · (1 − α) = (58.4/9) · 15.96/52.56 = 159.6/81
    = 1.970370, SEM = 1.403699.
    """
    p = [sum(person[i] for person in WUENSCH_KR20) / 10 for i in range(10)]
    assert p == pytest.approx([.7, .7, .6, .7, .6, .8, .7, .7, .5, .6])
    assert sum(pi * (1 - pi) for pi in p) == pytest.approx(2.18)
    assert kr20(WUENSCH_KR20) == pytest.approx(36.6 / 52.56)
    assert cronbach_alpha(WUENSCH_KR20) == pytest.approx(36.6 / 52.56)
    rows = [AttemptRow(n, sum(marks), {q: ItemResponse(mark, 1) for q, mark in enumerate(marks, start=1)})
            for n, marks in enumerate(WUENSCH_KR20)]
    result = exam_reliability(rows)
    assert result.alpha == pytest.approx(0.696347, abs=1e-6)
    assert result.dichotomous and result.label == "KR-20"
    assert result.sd == pytest.approx(2.547330, abs=1e-6)
    assert result.sem == pytest.approx(1.403699, abs=1e-6)


def test_sem_is_not_given_for_a_negative_or_missing_alpha():
    assert Reliability(alpha=-0.2, method=RELIABILITY_SAME_QUESTIONS, attempts=5, items=3, dichotomous=False,
                       sd=2.0).sem is None
    assert exam_reliability([]).sem is None
    assert Reliability(alpha=0.75, method=RELIABILITY_SAME_QUESTIONS, attempts=5, items=3, dichotomous=False,
                       sd=2.0).sem == pytest.approx(1.0)   # 2 · √0.25


def test_exam_reliability_on_random_papers_uses_section_positions():
    # Four random papers, no question in common: section 0 has two questions, section 1 one.
    # The slots (0,1st), (0,2nd), (1,1st) hold the KR-20 example's 0/1 matrix times 2 points → 0.75
    # (doubling every mark doubles every SD and leaves α alone; right/wrong at equal points is KR-20).
    def paper(attempt_id, base, s0_first, s0_second, s1_first):
        return AttemptRow(attempt_id, s0_first + s0_second + s1_first, {
            base + 1: ItemResponse(s1_first, 2, section=1, position=1),      # section 1 shown first
            base + 2: ItemResponse(s0_second, 2, section=0, position=3),
            base + 3: ItemResponse(s0_first, 2, section=0, position=2)})

    rows = [paper(1, 10, 2, 2, 2), paper(2, 20, 2, 2, 0), paper(3, 30, 2, 0, 0), paper(4, 40, 0, 0, 0),
            # a paper with another layout (one question) is left out of the matrix
            AttemptRow(5, 2, {51: ItemResponse(2, 2, section=0, position=1)})]
    result = exam_reliability(rows)
    assert result.method == RELIABILITY_SECTION_POSITIONS
    assert (result.attempts, result.items) == (4, 3)
    assert result.alpha == pytest.approx(0.75)
    assert result.dichotomous and result.label == "KR-20"
    assert exam_reliability([]).alpha is None


# ---------------------------------------------------------------- per-article mastery

ORGAN = "机关部门"
TOWN = "乡镇街道"
MASTERY_ROWS = [
    MasteryResponse(10, 2, ORGAN, 1, 1),
    MasteryResponse(10, 2, TOWN, 0, 1),
    MasteryResponse(10, 2, TOWN, 2, 2),      # article 10: 3 of 4 = 0.75 over 3 responses
    MasteryResponse(31, 3, ORGAN, 0, 2),
    MasteryResponse(31, 3, TOWN, 1, 2),      # article 31: 1 of 4 = 0.25
    MasteryResponse(32, 3, ORGAN, 1, 1),     # article 32: 1 of 1 = 1.0
    MasteryResponse(5, 1, ORGAN, 0.5, 2),    # article 5: 0.5 of 2 = 0.25 (ties with 31)
    MasteryResponse(None, 1, ORGAN, 1, 1),   # a question citing chapter 1 but no article
]


def test_article_mastery_is_sorted_weakest_first_ties_by_article():
    result = article_mastery(MASTERY_ROWS)
    assert [(m.article, m.mastery) for m in result] == [(5, 0.25), (31, 0.25), (10, 0.75), (32, 1.0)]
    ten = result[2]
    assert (ten.chapter, ten.questions_answered, ten.earned, ten.possible) == (2, 3, 3, 4)


def test_chapter_mastery_counts_every_question_of_the_chapter():
    # ch1: 0.5/2 + 1/1 = 1.5/3 = 0.5; ch2: 3/4 = 0.75; ch3: (0+1+1)/(2+2+1) = 2/5 = 0.4
    result = chapter_mastery(MASTERY_ROWS)
    assert [(m.chapter, m.mastery, m.questions_answered) for m in result] == [(3, 0.4, 3), (1, 0.5, 2),
                                                                              (2, 0.75, 3)]
    assert all(m.article is None for m in result)


def test_mastery_per_organisation_kind():
    # 乡镇街道: ch3 1/2 = .5, ch2 (0+2)/(1+2) = 2/3
    # 机关部门: ch3 (0+1)/(2+1) = 1/3, ch1 (.5+1)/(2+1) = .5, ch2 1/1 = 1
    result = mastery_by_kind(MASTERY_ROWS)
    assert [(m.organization_kind, m.chapter) for m in result] == [(TOWN, 3), (TOWN, 2), (ORGAN, 3), (ORGAN, 1),
                                                                  (ORGAN, 2)]
    assert [m.mastery for m in result] == pytest.approx([0.5, 2 / 3, 1 / 3, 0.5, 1.0])
    by_article = mastery_by_kind(MASTERY_ROWS, level="article")
    # 乡镇街道: art 31 1/2 = .5, art 10 (0+2)/(1+2) = 2/3
    # 机关部门: art 31 0/2 = 0, art 5 .5/2 = .25, art 10 1/1 = 1 and art 32 1/1 = 1 (tie → chapter 2 before 3)
    assert [(m.organization_kind, m.article) for m in by_article] == [(TOWN, 31), (TOWN, 10), (ORGAN, 31), (ORGAN, 5),
                                                                      (ORGAN, 10), (ORGAN, 32)]
    report = mastery_report(MASTERY_ROWS)
    assert report.articles == article_mastery(MASTERY_ROWS) and report.by_kind_article == by_article
    with pytest.raises(ValueError):
        mastery_by_kind(MASTERY_ROWS, level="section")


def test_a_candidates_weakest_articles():
    mine = [MasteryResponse(7, 1, ORGAN, 0, 2),      # 0
            MasteryResponse(3, 1, ORGAN, 0, 1),      # 0 → ties with 7, article 3 first
            MasteryResponse(12, 2, ORGAN, 1, 2),     # 0.5
            MasteryResponse(40, 5, ORGAN, 1.34, 2),  # 0.67
            MasteryResponse(9, 1, ORGAN, 2, 2),      # 1.0: mastered, never "weak"
            MasteryResponse(15, 2, ORGAN, 0.5, 1),   # 0.5 → ties with 12, article 12 first
            MasteryResponse(20, 3, ORGAN, 1, 4)]     # 0.25
    assert [m.article for m in weakest_articles(mine)] == [3, 7, 20, 12, 15]
    assert [m.article for m in weakest_articles(mine, limit=3)] == [3, 7, 20]
    assert weakest_articles([MasteryResponse(9, 1, ORGAN, 2, 2)]) == []
