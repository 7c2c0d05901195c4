"""Exam statistics (pure): ranks, summary, histogram, item analysis, reliability and per-article mastery.

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

RELIABILITY_SAME_QUESTIONS = "same_questions"
RELIABILITY_SECTION_POSITIONS = "section_positions"


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


# ---------------------------------------------------------------- reliability


def _check_matrix(matrix: Sequence[Sequence[float]]) -> tuple[int, int]:
    n = len(matrix)
    k = len(matrix[0]) if n else 0
    if any(len(person) != k for person in matrix):
        raise ValueError("every person needs a score for every item")
    return n, k


def cronbach_alpha(matrix: Sequence[Sequence[float]]) -> float | None:
    """Cronbach's α for n persons (rows) × k items (columns): α = k/(k−1) · (1 − Σσ²_i / σ²_total).

    Item and total variances are both sample variances (n − 1); the ratio is the same with
    population variances. None when k < 2, n < 2 or the totals do not vary.
    """
    n, k = _check_matrix(matrix)
    if n < 2 or k < 2:
        return None
    item_variances = [pystats.variance([person[i] for person in matrix]) for i in range(k)]
    total_variance = pystats.variance([math.fsum(person) for person in matrix])
    if total_variance <= 1e-12:
        return None
    return k / (k - 1) * (1 - math.fsum(item_variances) / total_variance)


def kr20(matrix: Sequence[Sequence[int | float]]) -> float | None:
    """Kuder–Richardson 20 for right/wrong (1/0) items: k/(k−1) · (1 − Σ p_i·q_i / σ²_total).

    p_i·q_i is the population variance of a 0/1 item, so the total variance here is the
    population variance too (÷ n); KR-20 then equals Cronbach's α on the same matrix.
    """
    n, k = _check_matrix(matrix)
    if any(value not in (0, 1) for person in matrix for value in person):
        raise ValueError("KR-20 needs items scored 0 or 1")
    if n < 2 or k < 2:
        return None
    p = [sum(person[i] for person in matrix) / n for i in range(k)]
    total_variance = pystats.pvariance([sum(person) for person in matrix])
    if total_variance <= 1e-12:
        return None
    return k / (k - 1) * (1 - math.fsum(pi * (1 - pi) for pi in p) / total_variance)


RELIABILITY_MEANING = ("α 估计总分的差异中有多大比例来自考生真实水平的差异：越接近 1，偶然因素（猜测、一时失误）"
                       "对名次的影响越小，排名越可信。")
# Each score ± 1 SEM is the usual score band (about two chances in three of holding the true score);
# two bands overlap, and so the ranks are not clearly different, when the scores differ by less than 2·SEM.
SEM_MEANING = "两名考生得分相差不足约 2×SEM 时，名次差异可能只是测量误差。"
RELIABILITY_METHODS = {
    RELIABILITY_SAME_QUESTIONS: "全体考生试题相同，按每题实际得分（与总分的加总方式一致，分值高的题权重大）计算",
    RELIABILITY_SECTION_POSITIONS: ("试卷随机抽题，没有人人都做的同一道题，故近似计算：把各题型中同一位置的题视为同一道"
                                    "（平行）题，按每题实际得分计算；前提是组卷方案使每人各题型题数、分值相同"),
}


@dataclass(frozen=True)
class Reliability:
    """The exam's internal consistency over item marks, and how it was computed (the page says which).

    ``sd`` is the sample SD (n − 1) of the matrix totals (the summed marks the α is about) and
    ``sem`` the standard error of measurement SD·√(1 − α), in marks; as Moodle's quiz statistics
    report it ("standard error"). ``sem`` is None when α is None or negative: SD·√(1 − α) would then
    exceed the SD itself, which says only that the items do not add up to one consistent score.
    """
    alpha: float | None
    method: str              # RELIABILITY_SAME_QUESTIONS or RELIABILITY_SECTION_POSITIONS
    attempts: int            # persons in the matrix
    items: int               # columns in the matrix
    dichotomous: bool        # every cell 0 or one common mark (right/wrong, equal points): α is then KR-20
    sd: float | None = None  # sample SD of the summed marks in the matrix

    @property
    def label(self) -> str:
        return "KR-20" if self.dichotomous else "Cronbach's α"

    @property
    def sem(self) -> float | None:
        if self.alpha is None or self.sd is None or self.alpha < 0:
            return None
        return self.sd * math.sqrt(1 - self.alpha)

    @property
    def method_text(self) -> str:
        return RELIABILITY_METHODS[self.method]

    @property
    def meaning(self) -> str:
        return RELIABILITY_MEANING

    @property
    def sem_meaning(self) -> str:
        """The 2×SEM sentence, with this exam's 2×SEM in marks when there is one."""
        if self.sem is None:
            return SEM_MEANING
        return SEM_MEANING.replace("2×SEM ", f"2×SEM（本次约 {2 * self.sem:.1f} 分）", 1)

    def as_dict(self) -> dict:
        """The keys of the results export's "reliability" object."""
        return {"alpha": self.alpha, "coefficient": self.label, "basis": "marks", "method": self.method,
                "attempts": self.attempts, "items": self.items, "sd": self.sd, "sem": self.sem}


def _slots(row: AttemptRow) -> dict[tuple[int, int], float]:
    """(section, k) → marks earned, k counting the row's items within a section in paper order."""
    by_section: dict[int, list[tuple[int, int, ItemResponse]]] = defaultdict(list)
    for question_id, response in row.items.items():
        by_section[response.section].append((response.position, question_id, response))
    slots = {}
    for section, entries in by_section.items():
        for k, (_, _, response) in enumerate(sorted(entries, key=lambda e: (e[0], e[1]))):
            slots[(section, k)] = float(response.earned)
    return slots


def _right_or_wrong(matrix: Sequence[Sequence[float]]) -> bool:
    """Every cell is 0 or one common mark c (items marked right/wrong, all worth c): α is then KR-20.

    Scaling every cell by 1/c changes no ratio of variances, so α over the marks equals KR-20 over
    the 0/1 matrix. Right/wrong items of different points are not KR-20: their α is weighted.
    """
    values = {v for person in matrix for v in person} - {0}
    return bool(matrix) and len(values) <= 1 and all(v > 0 for v in values)


def exam_reliability(rows: Iterable[AttemptRow]) -> Reliability:
    """Cronbach's α of the exam over attempts × items of the marks earned, and the SEM beside it.

    The cells are marks, not fractions (earned / points), because the published score is the sum
    of the marks: a 3-point 多选 weighs three times a 1-point 判断 in the score, and so in the α of
    that score. This is what Moodle's quiz statistics call the coefficient of internal consistency
    (computed from the marks per slot). Variances are sample variances (n − 1) throughout, like
    ``summary``'s SD; α is the same with population variances, the SD and SEM are the sample ones.

    When every attempt answered the same set of questions (a fixed paper), the columns are the
    questions: the textbook α. When papers are random, no question is common to all attempts,
    so the columns are paper slots instead: the k-th question (in paper order) of each section,
    on every paper, is treated as one parallel item. This is an approximation that rests on the
    blueprint drawing each section's questions from the same type, points and strata for every
    candidate; it is a property of the blueprint as much as of the questions. The columns are the
    slots of the most common paper layout; an attempt lacking one of them (a different section
    layout) is left out of the matrix.
    """
    rows = list(rows)
    if not rows:
        return Reliability(alpha=None, method=RELIABILITY_SAME_QUESTIONS, attempts=0, items=0, dichotomous=False)
    question_sets = {frozenset(row.items) for row in rows}
    if len(question_sets) == 1:
        method = RELIABILITY_SAME_QUESTIONS
        columns = sorted(next(iter(question_sets)))
        cells = [{q: float(r.items[q].earned) for q in columns} for r in rows]
    else:
        method = RELIABILITY_SECTION_POSITIONS
        slotted = [_slots(row) for row in rows]
        layouts = defaultdict(int)
        for slots in slotted:
            layouts[frozenset(slots)] += 1
        usual = max(layouts.items(), key=lambda kv: (kv[1], len(kv[0])))[0]
        cells = [slots for slots in slotted if usual <= slots.keys()]
        columns = sorted(usual)
    matrix = [[cell[c] for c in columns] for cell in cells]
    totals = [math.fsum(person) for person in matrix]
    return Reliability(alpha=cronbach_alpha(matrix) if matrix else None, method=method,
                       attempts=len(matrix), items=len(columns), dichotomous=_right_or_wrong(matrix),
                       sd=pystats.stdev(totals) if len(totals) >= 2 else None)


# ---------------------------------------------------------------- per-article mastery


@dataclass(frozen=True)
class MasteryResponse:
    """One candidate's result on one paper item, with what the question cites and who answered it."""
    article_number: int | None
    chapter: int | None
    organization_kind: str
    earned: float
    points: float


@dataclass(frozen=True)
class Mastery:
    """The share of marks earned on questions citing one article / chapter (optionally for one organisation kind).

    ``questions_answered`` counts paper items (responses), answered or left blank: a blank earns 0.
    """
    article: int | None
    chapter: int | None
    organization_kind: str | None
    questions_answered: int
    earned: float
    possible: float
    mastery: float          # earned / possible, 0..1

    def as_dict(self) -> dict:
        return {"article": self.article, "chapter": self.chapter, "organization_kind": self.organization_kind,
                "questions_answered": self.questions_answered, "earned": self.earned,
                "possible": self.possible, "mastery": self.mastery}


@dataclass(frozen=True)
class MasteryReport:
    articles: list[Mastery]
    chapters: list[Mastery]
    by_kind_chapter: list[Mastery]
    by_kind_article: list[Mastery]


def _mastery(rows: Iterable[MasteryResponse], key) -> list[Mastery]:
    """Group rows by key(row) → (article, chapter, kind); rows whose key is None or worth no points are left out.

    Sorted by organisation kind, then weakest first, then chapter and article number.
    """
    groups: dict[tuple, list[MasteryResponse]] = defaultdict(list)
    for row in rows:
        group = key(row)
        if group is not None and row.points > 0:
            groups[group].append(row)
    result = []
    for (article, chapter, kind), members in groups.items():
        earned = math.fsum(r.earned for r in members)
        possible = math.fsum(r.points for r in members)
        result.append(Mastery(article=article, chapter=chapter, organization_kind=kind,
                              questions_answered=len(members), earned=round(earned, 2),
                              possible=round(possible, 2), mastery=earned / possible))
    # Rounding the sort key lets 1/3 and 0.67/2.01 tie as a reader would expect.
    return sorted(result, key=lambda m: (m.organization_kind or "", round(m.mastery, 9),
                                         -1 if m.chapter is None else m.chapter,
                                         -1 if m.article is None else m.article))


def article_mastery(rows: Iterable[MasteryResponse]) -> list[Mastery]:
    """Per article, weakest first (ties by chapter, then article number); questions citing no article are left out."""
    return _mastery(rows, lambda r: None if r.article_number is None else (r.article_number, r.chapter, None))


def chapter_mastery(rows: Iterable[MasteryResponse]) -> list[Mastery]:
    """Per chapter, weakest first (ties by chapter number); questions with no chapter are left out."""
    return _mastery(rows, lambda r: None if r.chapter is None else (None, r.chapter, None))


def mastery_by_kind(rows: Iterable[MasteryResponse], level: str = "chapter") -> list[Mastery]:
    """Per organisation kind × chapter (or × article with level="article"), by kind, then weakest first."""
    if level == "chapter":
        return _mastery(rows, lambda r: None if r.chapter is None else (None, r.chapter, r.organization_kind))
    if level == "article":
        return _mastery(rows, lambda r: None if r.article_number is None
                        else (r.article_number, r.chapter, r.organization_kind))
    raise ValueError("level must be 'chapter' or 'article'")


def mastery_report(rows: Iterable[MasteryResponse]) -> MasteryReport:
    rows = list(rows)
    return MasteryReport(articles=article_mastery(rows), chapters=chapter_mastery(rows),
                         by_kind_chapter=mastery_by_kind(rows, "chapter"),
                         by_kind_article=mastery_by_kind(rows, "article"))


def weakest_articles(rows: Iterable[MasteryResponse], limit: int = 5) -> list[Mastery]:
    """One candidate's weakest articles (their own responses): up to ``limit``, weakest first, ties by article number.

    Articles the candidate fully mastered are not "weak" and are never listed, so a perfect
    paper gives an empty list.
    """
    weak = [m for m in article_mastery(rows) if m.mastery < 1 - 1e-9]
    weak.sort(key=lambda m: (round(m.mastery, 9), m.article))
    return weak[:limit]
