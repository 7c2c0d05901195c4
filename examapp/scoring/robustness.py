"""Monte-Carlo robustness of a ranking to its weights (pure): is 12th really ahead of 13th, or a coin toss?

Each draw multiplies every non-zero component weight by its own factor drawn uniformly from [1 − p, 1 + p]
(``random.Random(seed)``, so a seed reproduces the table), recomputes every ranked person's composite from the
same printed (rounded) component scores with the same re-weighting, aggregation, rounding and tie-break, and ranks
again (standard competition ranking). Zero weights stay zero. Per person it reports the median and the 5th and 95th
percentile of the draws' ranks by the nearest-rank method (the ⌈P/100 · draws⌉-th smallest rank, always a rank that
occurred), the best and worst rank seen, and the mean absolute shift from the published rank.
Component scores are computed once; a draw is only weighted sums and a sort (1,000 draws × 72 people ≈ 0.3 s).
"""
from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from examapp.ranking import competition_ranks
from examapp.scoring.scheme import GEOMETRIC, Scheme

METHOD = ("每次抽样将每个非零权重乘以 [1−{p}, 1+{p}] 内均匀分布的随机系数（共 {draws} 次，随机种子 {seed}），"
          "用同样的成分得分重新计算综合得分和名次；中位名次与 5%、95% 分位名次按最近秩法"
          "（第 ⌈P%×抽样次数⌉ 小的名次）计算，平均名次变动为各次名次与公布名次之差的绝对值的平均。")


@dataclass(frozen=True)
class RobustnessRow:
    index: int                # position of the person in the round's people list
    rank: int                 # published rank
    median_rank: int
    p5_rank: int
    p95_rank: int
    best_rank: int
    worst_rank: int
    mean_rank_shift: float    # mean |draw rank − published rank|, rounded to 2 decimals


def nearest_rank_percentile(sorted_values: Sequence[int], percent: float) -> int:
    """The nearest-rank percentile: the ⌈P/100 · n⌉-th smallest value (P = 50 of 1..4 is 2; P = 95 of 1..20 is 19)."""
    position = max(1, math.ceil(percent / 100 * len(sorted_values)))
    return sorted_values[position - 1]


def weight_robustness(scores: Sequence[Mapping[str, float]], published: Sequence[int], scheme: Scheme,
                      indices: Sequence[int] | None = None) -> list[RobustnessRow]:
    """Rank stability of the ranked people under random weights.

    ``scores[i]`` holds person i's printed component scores (present components only, zero-weight ones included
    for the tie-break); ``published[i]`` the published rank. ``indices`` maps back to the round's people
    (default 0..n−1). Returns one row per person, in the given order; empty when draws is 0 or nobody is ranked.
    """
    settings = scheme.robustness
    indices = list(indices) if indices is not None else list(range(len(scores)))
    if settings.draws <= 0 or not scores:
        return []
    keys = [k for k in scheme.components if scheme.weight(k) > 0]
    base = [float(scheme.weight(k)) for k in keys]
    present = [[(j, float(person[k])) for j, k in enumerate(keys) if k in person] for person in scores]
    if scheme.aggregation == GEOMETRIC:
        present = [[(j, math.log(x) if x > 0 else None) for j, x in terms] for terms in present]
    tie_values = [tuple(float(person[k]) if k in person else -math.inf for k in scheme.tie_break)
                  for person in scores]
    scale = 10 ** scheme.precision
    rng = random.Random(settings.seed)
    low, high = 1 - settings.perturbation, 1 + settings.perturbation
    ranks_by_person: list[list[int]] = [[] for _ in scores]
    for _ in range(settings.draws):
        weights = [w * rng.uniform(low, high) for w in base]
        draw_keys = []
        for terms, ties in zip(present, tie_values, strict=True):
            value = _aggregate(terms, weights, scheme.aggregation)
            # half-up on the printed precision; the epsilon absorbs binary noise (x.xx5 exactly is measure zero)
            draw_keys.append(None if value is None else (math.floor(value * scale + 0.5 + 1e-7), *ties))
        for person, rank in enumerate(competition_ranks(draw_keys)):
            ranks_by_person[person].append(rank)
    rows = []
    for person, drawn in enumerate(ranks_by_person):
        drawn.sort()
        shift = sum(abs(r - published[person]) for r in drawn) / len(drawn)
        rows.append(RobustnessRow(index=indices[person], rank=published[person],
                                  median_rank=nearest_rank_percentile(drawn, 50),
                                  p5_rank=nearest_rank_percentile(drawn, 5),
                                  p95_rank=nearest_rank_percentile(drawn, 95), best_rank=drawn[0],
                                  worst_rank=drawn[-1], mean_rank_shift=round(shift + 1e-12, 2)))
    return rows


def describe(scheme: Scheme) -> str:
    s = scheme.robustness
    return METHOD.format(p=s.perturbation, draws=s.draws, seed=s.seed)


def _aggregate(terms, weights: Sequence[float], aggregation: str) -> float | None:
    total = sum(weights[j] for j, _ in terms)
    if total <= 0:
        return None
    if aggregation == GEOMETRIC:
        if any(log is None for _, log in terms):
            return 0.0
        return math.exp(sum(weights[j] * log for j, log in terms) / total)
    return sum(weights[j] * x for j, x in terms) / total
