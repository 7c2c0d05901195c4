"""Exam statistics (pure): ranks, summary, histogram and item analysis; reliability (``reliability.py``) and
per-article mastery (``mastery.py``) follow the same conventions.

Plain data in, plain dataclasses out; no Flask and no database. Conventions used throughout:

- Ranks, pass/fail and histogram bins use the score *as displayed*: rounded half-up to
  ``decimals`` places (``displayed_score``), so what a reader sees and where it is counted agree.
- Ranking is standard competition ranking (1, 2, 2, 4): equal displayed scores share a place and
  the next place skips. An absent candidate (缺考, score None) has no rank.
- The standard deviation is the *sample* SD (n − 1 in the denominator), as Moodle's quiz statistics
  report it; it is None for fewer than two scores.
- Fractions (facility index, pass rate, mastery) are 0..1; the page multiplies by 100 to show a percent.
- Reliability (α, KR-20, SEM) is over the marks earned per item, as the score is summed; item
  analysis (facility, discrimination) is over fractions, so questions of different points compare.
"""
from __future__ import annotations

import math
import statistics as pystats
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from examapp import ranking

# Item-analysis review thresholds (facility index as a fraction 0..1).
EASY_FACILITY = 0.9
HARD_FACILITY = 0.2
FLAG_NEGATIVE_DISCRIMINATION = "区分度为负"
FLAG_TOO_EASY = "过易"
FLAG_TOO_HARD = "过难"
# Fewer responses than this and a correlation means nothing: discrimination is None.
MIN_RESPONSES_FOR_DISCRIMINATION = 3

RANKING_RULE = "标准竞赛排名（同分同名次，后续名次顺延，如 1、2、2、4），按显示的分数（保留两位小数，四舍五入）比较"


# ---------------------------------------------------------------- scores as displayed, ranks


def displayed_score(score: float, decimals: int = 2) -> Decimal:
    """The score as shown on the page: rounded half-up (89.995 → 90.00), not banker's or binary rounding.

    ``repr`` gives the shortest decimal that round-trips the float, so 89.995 is treated as
    the decimal 89.995 a person typed or computed, not as 89.99499999… in binary.
    """
    return Decimal(repr(float(score))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def competition_ranks(scores: Sequence[float | None], decimals: int = 2) -> list[int | None]:
    """Standard competition ranks (1, 2, 2, 4) on the displayed scores, in the order given; None stays None."""
    return ranking.competition_ranks([None if s is None else displayed_score(s, decimals) for s in scores])


# ---------------------------------------------------------------- summary and histogram


@dataclass(frozen=True)
class Summary:
    """Descriptive statistics of the candidates who sat (absent candidates are only counted in ``absent``)."""
    count: int
    absent: int
    mean: float | None
    median: float | None
    sd: float | None          # sample standard deviation (n − 1); None when count < 2
    max: float | None
    min: float | None
    pass_count: int
    pass_rate: float | None   # 0..1; None when nobody sat

    def as_dict(self) -> dict:
        """The keys of the results export's "summary" object."""
        return {"count": self.count, "mean": self.mean, "median": self.median, "sd": self.sd,
                "max": self.max, "min": self.min, "pass_rate": self.pass_rate}


def summary(scores: Iterable[float | None], pass_mark: float, decimals: int = 2) -> Summary:
    """Count, mean, median, sample SD, highest, lowest and pass rate; None scores (缺考) are left out.

    A candidate passes when the displayed score reaches the pass mark (59.995 shows as 60.00 and passes 60).
    """
    all_scores = list(scores)
    sat = [float(s) for s in all_scores if s is not None]
    absent = len(all_scores) - len(sat)
    if not sat:
        return Summary(count=0, absent=absent, mean=None, median=None, sd=None, max=None, min=None,
                       pass_count=0, pass_rate=None)
    mark = displayed_score(pass_mark, decimals)
    passed = sum(1 for s in sat if displayed_score(s, decimals) >= mark)
    return Summary(count=len(sat), absent=absent, mean=pystats.fmean(sat), median=float(pystats.median(sat)),
                   sd=pystats.stdev(sat) if len(sat) >= 2 else None, max=max(sat), min=min(sat),
                   pass_count=passed, pass_rate=passed / len(sat))


@dataclass(frozen=True)
class Bin:
    """One bar of the score distribution: scores with low <= score < high (the top bin also takes high)."""
    low: float
    high: float
    count: int
    label: str   # "60–70"


def _plain(number: Decimal) -> str:
    """60 → "60", 12.50 → "12.5", 33.333… → "33.33" (bin edges for labels)."""
    text = f"{number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def histogram(scores: Iterable[float | None], max_score: float, bins: int = 10, decimals: int = 2) -> list[Bin]:
    """Equal-width bins from 0 to max_score; None scores are left out, out-of-range scores go to the end bins.

    A score is placed by its displayed value, so 89.995 (shown 90.00) counts in 90–100. Bin
    arithmetic is done in decimals so an edge score (e.g. 0.3 with width 0.1) lands in the bin it starts.
    """
    if bins < 1:
        raise ValueError("bins must be at least 1")
    if max_score <= 0:
        raise ValueError("max_score must be positive")
    top = Decimal(repr(float(max_score)))
    counts = [0] * bins
    for score in scores:
        if score is None:
            continue
        index = int((displayed_score(score, decimals) * bins / top).to_integral_value(rounding=ROUND_FLOOR))
        counts[min(max(index, 0), bins - 1)] += 1
    edges = [top * i / bins for i in range(bins + 1)]
    return [Bin(low=float(edges[i]), high=float(edges[i + 1]), count=counts[i],
                label=f"{_plain(edges[i])}–{_plain(edges[i + 1])}") for i in range(bins)]


# ---------------------------------------------------------------- item analysis


@dataclass(frozen=True)
class ItemResponse:
    """One attempt's result on one question.

    ``chosen`` holds the ORIGINAL option keys chosen (not the shuffled display letters) for choice
    questions, empty otherwise. ``section`` and ``position`` (the paper position, any numbering that
    orders items within a section) are only needed by ``exam_reliability`` for random papers.
    """
    earned: float
    points: float
    chosen: tuple[str, ...] | list[str] = ()
    section: int = 0
    position: int = 0


@dataclass(frozen=True)
class AttemptRow:
    """One finished attempt: its total score and its responses keyed by question id."""
    attempt_id: int
    total: float
    items: Mapping[int, ItemResponse]


@dataclass(frozen=True)
class ItemStats:
    """Moodle-style statistics of one question over the attempts whose paper had it."""
    question_id: int
    n: int
    facility: float | None          # mean fraction of the marks earned, 0..1
    discrimination: float | None    # Pearson r of item fraction vs rest of test; None if n < 3 or no variance
    options: dict[str, int] = field(default_factory=dict)   # original option key → times chosen
    flags: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        """The keys of one entry of the results export's "items" list."""
        return {"question": self.question_id, "facility": self.facility,
                "discrimination": self.discrimination, "options": dict(self.options)}


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson correlation r = Σdx·dy / √(Σdx²·Σdy²); None when either side has no variance."""
    if len(xs) != len(ys):
        raise ValueError("pearson needs two sequences of the same length")
    if len(xs) < 2:
        return None
    mx, my = pystats.fmean(xs), pystats.fmean(ys)
    dx = [x - mx for x in xs]
    dy = [y - my for y in ys]
    sxx = math.fsum(d * d for d in dx)
    syy = math.fsum(d * d for d in dy)
    # Variance this small is float noise around a constant, not spread.
    if sxx <= 1e-12 * max(1.0, mx * mx) or syy <= 1e-12 * max(1.0, my * my):
        return None
    return math.fsum(a * b for a, b in zip(dx, dy, strict=True)) / math.sqrt(sxx * syy)


def item_flags(facility: float | None, discrimination: float | None) -> tuple[str, ...]:
    """Review flags: negative discrimination, facility above EASY_FACILITY or below HARD_FACILITY."""
    flags = []
    if discrimination is not None and discrimination < 0:
        flags.append(FLAG_NEGATIVE_DISCRIMINATION)
    if facility is not None and facility > EASY_FACILITY:
        flags.append(FLAG_TOO_EASY)
    if facility is not None and facility < HARD_FACILITY:
        flags.append(FLAG_TOO_HARD)
    return tuple(flags)


def item_analysis(rows: Iterable[AttemptRow],
                  option_keys: Mapping[int, Sequence[str]] | None = None) -> list[ItemStats]:
    """Facility, discrimination, option counts and flags per question, ordered by question id.

    Papers are random, so each question is analysed over the attempts whose paper had it (n).
    The item score is the fraction earned (earned / points), which gives the same correlation as
    the raw score when the points are constant and stays comparable if a question was worth
    different points on different papers. "Rest of test" is the attempt's total minus the points
    earned on this item, so the item does not correlate with itself. A response worth 0 points is
    ignored. ``option_keys`` (question id → original keys) lists options so unchosen ones show 0.
    """
    fractions: dict[int, list[float]] = defaultdict(list)
    rests: dict[int, list[float]] = defaultdict(list)
    options: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        for question_id, response in row.items.items():
            if response.points <= 0:
                continue
            fractions[question_id].append(response.earned / response.points)
            rests[question_id].append(row.total - response.earned)
            counts = options[question_id]
            for key in dict.fromkeys(response.chosen):   # a key counts once per attempt
                counts[key] = counts.get(key, 0) + 1
    result = []
    for question_id in sorted(set(fractions) | set(option_keys or {})):
        xs = fractions.get(question_id, [])
        facility = pystats.fmean(xs) if xs else None
        discrimination = pearson(xs, rests[question_id]) if len(xs) >= MIN_RESPONSES_FOR_DISCRIMINATION else None
        counts = {key: 0 for key in (option_keys or {}).get(question_id, ())}
        counts.update(options.get(question_id, {}))
        result.append(ItemStats(question_id=question_id, n=len(xs), facility=facility,
                                discrimination=discrimination, options=dict(sorted(counts.items())),
                                flags=item_flags(facility, discrimination)))
    return result
