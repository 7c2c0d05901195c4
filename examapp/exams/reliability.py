"""An exam's reliability (pure): Cronbach's α / KR-20 over the items every candidate answered, and the SEM."""
from __future__ import annotations

import math
import statistics as pystats
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from examapp.exams.statistics import (
    AttemptRow,
    ItemResponse,
)

# ---------------------------------------------------------------- reliability

RELIABILITY_SAME_QUESTIONS = "same_questions"
RELIABILITY_SECTION_POSITIONS = "section_positions"


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
