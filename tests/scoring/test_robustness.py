"""Robustness of the ranking to its weights: small cases where what must happen can be reasoned out by hand."""
from examapp.scoring.engine import compute
from examapp.scoring.inputs import ExamScore, OtherScore, Person, RoundInputs
from examapp.scoring.robustness import nearest_rank_percentile, weight_robustness
from examapp.scoring.scheme import Scheme


def scheme(draws=1000, perturbation=0.25, seed=1, aggregation="arithmetic", **weights):
    full = {"E": 0, "I": 0, "A": 0, "C": 0}
    full.update(weights)
    return Scheme.from_dict({"weights": full, "aggregation": aggregation,
                             "robustness": {"draws": draws, "perturbation": perturbation, "seed": seed}})


def test_nearest_rank_percentile():
    # ⌈P/100 · n⌉-th smallest: P50 of 1..4 is the 2nd; P5 of 1..20 the 1st; P95 of 1..20 the 19th
    assert nearest_rank_percentile([1, 2, 3, 4], 50) == 2
    assert nearest_rank_percentile(list(range(1, 21)), 5) == 1
    assert nearest_rank_percentile(list(range(1, 21)), 95) == 19
    assert nearest_rank_percentile([7], 5) == 7


def test_dominant_person_always_first_and_identical_people_always_tie():
    # 甲 is higher on both components, so any positive weights put 甲 first; 乙 and 丙 have the same
    # scores, so every draw gives them the same composite and they share 2nd every time
    scores = [{"E": 90, "C": 95}, {"E": 70, "C": 60}, {"E": 70, "C": 60}]
    rows = weight_robustness(scores, [1, 2, 2], scheme(E=30, C=15))
    assert [(r.median_rank, r.p5_rank, r.p95_rank, r.best_rank, r.worst_rank, r.mean_rank_shift) for r in rows] == [
        (1, 1, 1, 1, 1, 0.0), (2, 2, 2, 2, 2, 0.0), (2, 2, 2, 2, 2, 0.0)]


def test_two_mirror_images_are_a_coin_toss():
    # X: E 100, C 0; Y: E 0, C 100, equal weights → both 50.00, published 1 and 1.
    # In a draw X wins exactly when E's factor beats C's (probability ½), so in every draw one is 1st and the
    # other 2nd: each has 5th percentile 1 and 95th percentile 2, and their mean shifts add up to exactly 1.
    rows = weight_robustness([{"E": 100, "C": 0}, {"E": 0, "C": 100}], [1, 1], scheme(E=1, C=1))
    assert [(r.p5_rank, r.p95_rank, r.best_rank, r.worst_rank) for r in rows] == [(1, 2, 1, 2), (1, 2, 1, 2)]
    assert round(rows[0].mean_rank_shift + rows[1].mean_rank_shift, 2) == 1.0
    assert 0.4 < rows[0].mean_rank_shift < 0.6
    assert {rows[0].median_rank, rows[1].median_rank} <= {1, 2}


def test_a_fixed_seed_reproduces_the_table():
    scores = [{"E": 100, "C": 0}, {"E": 0, "C": 100}, {"E": 50, "C": 49}]
    first = weight_robustness(scores, [1, 1, 3], scheme(E=1, C=1, seed=7))
    again = weight_robustness(scores, [1, 1, 3], scheme(E=1, C=1, seed=7))
    assert first == again


def test_no_perturbation_keeps_the_published_ranks():
    scores = [{"E": 80, "C": 90}, {"E": 90, "C": 70}]
    # 30/15 weights: (2400 + 1350)/45 = 83.33 vs (2700 + 1050)/45 = 83.33 — a tie, and it stays one
    rows = weight_robustness(scores, [1, 1], scheme(E=30, C=15, perturbation=0))
    assert [(r.median_rank, r.mean_rank_shift) for r in rows] == [(1, 0.0), (1, 0.0)]


def test_zero_weights_stay_zero():
    # the two differ only in E, which weighs 0: they tie in every draw
    rows = weight_robustness([{"E": 100, "C": 80}, {"E": 0, "C": 80}], [1, 1], scheme(E=0, C=1))
    assert [(r.best_rank, r.worst_rank) for r in rows] == [(1, 1), (1, 1)]


def test_geometric_aggregation_keeps_a_dominant_person_first():
    rows = weight_robustness([{"E": 90, "C": 95}, {"E": 70, "C": 60}], [1, 2],
                             scheme(E=1, C=1, aggregation="geometric"))
    assert [(r.best_rank, r.worst_rank) for r in rows] == [(1, 1), (2, 2)]


def test_no_draws_means_no_table():
    assert weight_robustness([{"E": 1}], [1], scheme(E=1, draws=0)) == []


def test_compute_reports_robustness_for_ranked_people_only():
    inputs = RoundInputs(
        people=[Person("甲", "张三"), Person("乙", "李四"), Person("丙", "王五")],
        exams=[ExamScore("甲", "第一次", 90), ExamScore("乙", "第一次", 80)],
        others=[OtherScore("甲", "党建工作", 95), OtherScore("乙", "党建工作", 60)])
    settings = Scheme.from_dict({"weights": {"E": 1, "I": 0, "A": 0, "C": 0, "党建工作": 1},
                                 "robustness": {"draws": 200, "seed": 3}})
    result = compute(inputs, settings)
    # 丙 has neither E nor 党建工作 (C weighs 0): no composite, no rank, no robustness row
    assert [p.rank for p in result.results] == [1, 2, None]
    assert [row.index for row in result.robustness] == [0, 1]
    table = result.to_dict()["robustness"]
    assert [(r["name"], r["median_rank"], r["p5_rank"], r["p95_rank"], r["mean_rank_shift"]) for r in table] == [
        ("张三", 1, 1, 1, 0.0), ("李四", 2, 2, 2, 0.0)]
