"""A round's scoring scheme (pure): every setting of the composite, its defaults and YAML-ready dicts
(validated by ``scheme_validation.py``).

The dict form (``Scheme.from_dict`` / ``Scheme.to_dict``) is what ``flask scoring scheme ROUND FILE.yaml`` reads
and ``--show`` prints::

    weights: {E: 30, I: 30, A: 25, C: 15}      # component key (E/I/A/C or an 其他指标 name) -> weight, 0 allowed
    precision: 2                               # decimals printed; rounding is half up (四舍五入)
    aggregation: arithmetic                    # or geometric
    tie_break: []                              # e.g. [E]: equal composites are split by higher E
    normalisation:                             # per component; omitted ones take the default
      I: {method: rank_linear}                 # default for I: 100·(N − r)/(N − 1) per ranked result
      E: {method: raw}                         # default for the others: the 0–100 value as is
      # A: {method: min_max}                   # 100·(x − min)/(max − min) over the round's units
      # C: {method: goalposts, worst: 60, best: 100}    # 100·(x − worst)/(best − worst), clipped to 0–100
      # I: {method: rank_bands, bands: [[1, 5, 100], [6, -4, 60], [-3, -1, 0]]}   # negative = from the bottom
      # I: {method: rank_step, step: 5, floor: 40}      # 100 − 5·(r − 1), never below 40
    indicator_roles: {lead: 1.0, responsible: 0.5}       # I: weight of a result as 牵头单位 / 责任单位
    assistance: {resolved: 40, on_time: 30, satisfaction: 0.3}   # A = 40·R + 30·T + 0.3·S
    conduct: {bonus_cap: 10}                   # bonuses offset deductions up to this many points
    exam_weights: {}                           # exam name -> weight; empty = every exam of the round, equal
    accountability: {top_n: 5, bottom_n: 3, repeat: 2}
    robustness: {draws: 1000, perturbation: 0.25, seed: 1}
    missing: reweight                          # a unit lacking a component: reweight | category_median | zero

It also holds the two conventions every published number follows: ``round_half_up`` and
``examapp.ranking.competition_ranks`` (standard competition ranking, 1, 2, 2, 4).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from numbers import Real

from examapp.usererror import UserError

# ---------------------------------------------------------------- domain constants

EXAM, INDICATORS, ASSISTANCE, CONDUCT = "E", "I", "A", "C"
STANDARD_COMPONENTS = (EXAM, INDICATORS, ASSISTANCE, CONDUCT)
COMPONENT_LABELS = {EXAM: "考试", INDICATORS: "指标排名", ASSISTANCE: "联企解困", CONDUCT: "执政形象"}
DEFAULT_WEIGHTS = {EXAM: 30, INDICATORS: 30, ASSISTANCE: 25, CONDUCT: 15}

RAW, MIN_MAX, GOALPOSTS = "raw", "min_max", "goalposts"
RANK_LINEAR, RANK_BANDS, RANK_STEP = "rank_linear", "rank_bands", "rank_step"
VALUE_METHODS = (RAW, MIN_MAX, GOALPOSTS)          # act on a component's value across units
RANK_METHODS = (RANK_LINEAR, RANK_BANDS, RANK_STEP)  # act on each indicator result's rank (I only)
METHOD_LABELS = {
    RAW: "原始分（0–100）",
    MIN_MAX: "极差标准化（本轮各单位最小值→0，最大值→100）",
    GOALPOSTS: "目标值标准化（最差值→0，最优值→100，超出截断）",
    RANK_LINEAR: "名次线性赋分 100×(N−r)/(N−1)",
    RANK_BANDS: "名次分段赋分",
    RANK_STEP: "每后退一名扣分（设保底分）",
}

ARITHMETIC, GEOMETRIC = "arithmetic", "geometric"
AGGREGATIONS = {ARITHMETIC: "加权算术平均", GEOMETRIC: "加权几何平均"}

# How a unit lacking a component (no indicator, no problem collected, ...) is scored.
REWEIGHT, CATEGORY_MEDIAN, ZERO = "reweight", "category_median", "zero"
MISSING_TREATMENTS = {
    REWEIGHT: "按其余成分重新计权",
    CATEGORY_MEDIAN: "取同类别党组织的中位数",
    ZERO: "该项记 0 分",
}
MISSING_EXPLANATIONS = {
    REWEIGHT: "缺项不计，综合得分 = 其余成分的加权平均（权重按比例放大）；缺项单位不受该项高低影响。",
    CATEGORY_MEDIAN: "缺项按同一党组织类别中有该项得分的单位的中位数计入；同类别无人有该项时按其余成分重新计权。",
    ZERO: "缺项按 0 分计入；最严格，缺项单位明显靠后。",
}

RANKING_RULE = "标准竞赛排名（得分相同者并列，后续名次顺延，如 1、2、2、4），按显示的综合得分（四舍五入）比较"

MAX_PRECISION = 6
MAX_SCHEME_NUMBER = 1_000_000     # any weight, threshold or score bound: far beyond a real scheme


class SchemeError(UserError):
    """A scheme that cannot be used; ``problems`` lists every problem found, in Chinese."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("评分方案有误：\n" + "\n".join(f"- {p}" for p in self.problems))


# ---------------------------------------------------------------- conventions: rounding and ranking


def exact(value: Real | Decimal | Fraction) -> Fraction:
    """A number as an exact fraction; a float is taken as the decimal a person typed (2.675 is 2.675, not 2.67499…)."""
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def round_half_up(value: Real | Decimal | Fraction, decimals: int = 2) -> Decimal:
    """Round half away from zero (四舍五入) exactly: 2.675 → 2.68, 82.345 → 82.35, never banker's rounding."""
    scaled = exact(value) * 10 ** decimals
    sign = -1 if scaled < 0 else 1
    whole = sign * math.floor(abs(scaled) + Fraction(1, 2))
    return (Decimal(whole) / Decimal(10) ** decimals).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- the settings


@dataclass(frozen=True)
class Normalisation:
    """How one component's value becomes its 0–100 score.

    Value methods (any component): ``raw`` keeps the value; ``min_max`` maps the round's lowest value to 0 and
    highest to 100 (all equal → 100 for everyone); ``goalposts`` maps ``worst`` → 0 and ``best`` → 100 and clips.
    Rank methods (I only) replace the per-result points: ``rank_linear`` 100·(N − r)/(N − 1) (N = 1 → 100);
    ``rank_bands`` the first band (from_rank, to_rank, points) containing r (a negative rank counts from the
    bottom: −1 is last, −3 third from last; a rank no band covers earns 0); ``rank_step`` 100 − step·(r − 1),
    never below ``floor``. Under a value method, I's per-result points are the linear ones.
    """
    method: str = RAW
    worst: float | None = None
    best: float | None = None
    bands: tuple[tuple[int, int, float], ...] = ()
    step: float | None = None
    floor: float = 0

    def to_dict(self) -> dict:
        out: dict = {"method": self.method}
        if self.method == GOALPOSTS:
            out.update(worst=_plain(self.worst), best=_plain(self.best))
        elif self.method == RANK_BANDS:
            out["bands"] = [[a, b, _plain(p)] for a, b, p in self.bands]
        elif self.method == RANK_STEP:
            out.update(step=_plain(self.step), floor=_plain(self.floor))
        return out

    def describe(self) -> str:
        if self.method == GOALPOSTS:
            return f"{METHOD_LABELS[GOALPOSTS]}：最差 {_plain(self.worst)}，最优 {_plain(self.best)}"
        if self.method == RANK_BANDS:
            parts = [f"{_rank_label(a)}–{_rank_label(b)} 名 {_plain(p)} 分" for a, b, p in self.bands]
            return f"{METHOD_LABELS[RANK_BANDS]}：" + "；".join(parts) + "；其余 0 分"
        if self.method == RANK_STEP:
            return f"{METHOD_LABELS[RANK_STEP]}：每名扣 {_plain(self.step)} 分，最低 {_plain(self.floor)} 分"
        return METHOD_LABELS[self.method]


@dataclass(frozen=True)
class AssistanceFormula:
    """A = resolved·R + on_time·T + satisfaction·S (R, T fractions; S a percentage), rescaled to 0–100."""
    resolved: float = 40
    on_time: float = 30
    satisfaction: float = 0.3


@dataclass(frozen=True)
class AccountabilityThresholds:
    top_n: int = 5        # r > top_n → 提醒警示
    bottom_n: int = 3     # r ≥ N − bottom_n + 1 → 约谈
    repeat: int = 2       # in the bottom in this many periods of the round → 诫勉谈话


@dataclass(frozen=True)
class RobustnessSettings:
    draws: int = 1000
    perturbation: float = 0.25   # each non-zero weight × uniform(1 − p, 1 + p)
    seed: int = 1


def _default_normalisation() -> dict[str, Normalisation]:
    return {key: Normalisation(RANK_LINEAR if key == INDICATORS else RAW) for key in STANDARD_COMPONENTS}


@dataclass(frozen=True)
class Scheme:
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    precision: int = 2
    aggregation: str = ARITHMETIC
    tie_break: tuple[str, ...] = ()
    normalisation: dict[str, Normalisation] = field(default_factory=_default_normalisation)
    lead_weight: float = 1.0
    responsible_weight: float = 0.5
    assistance: AssistanceFormula = field(default_factory=AssistanceFormula)
    bonus_cap: float = 10
    exam_weights: dict[str, float] = field(default_factory=dict)
    accountability: AccountabilityThresholds = field(default_factory=AccountabilityThresholds)
    robustness: RobustnessSettings = field(default_factory=RobustnessSettings)
    missing: str = REWEIGHT

    @property
    def components(self) -> list[str]:
        """Component keys in display order: E, I, A, C, then the district's own in the order of ``weights``."""
        return [k for k in STANDARD_COMPONENTS if k in self.weights] + [
            k for k in self.weights if k not in STANDARD_COMPONENTS]

    def weight(self, key: str) -> float:
        return self.weights.get(key, 0)

    def normalisation_for(self, key: str) -> Normalisation:
        return self.normalisation.get(key) or Normalisation(RANK_LINEAR if key == INDICATORS else RAW)

    # ------------------------------------------------------------ dict / YAML form

    def to_dict(self) -> dict:
        return {
            "weights": {k: _plain(self.weights[k]) for k in self.components},
            "precision": self.precision,
            "aggregation": self.aggregation,
            "tie_break": list(self.tie_break),
            "normalisation": {k: self.normalisation_for(k).to_dict() for k in self.components},
            "indicator_roles": {"lead": _plain(self.lead_weight), "responsible": _plain(self.responsible_weight)},
            "assistance": {"resolved": _plain(self.assistance.resolved), "on_time": _plain(self.assistance.on_time),
                           "satisfaction": _plain(self.assistance.satisfaction)},
            "conduct": {"bonus_cap": _plain(self.bonus_cap)},
            "exam_weights": {k: _plain(v) for k, v in self.exam_weights.items()},
            "accountability": {"top_n": self.accountability.top_n, "bottom_n": self.accountability.bottom_n,
                               "repeat": self.accountability.repeat},
            "robustness": {"draws": self.robustness.draws, "perturbation": _plain(self.robustness.perturbation),
                           "seed": self.robustness.seed},
            "missing": self.missing,
        }

    @classmethod
    def from_dict(cls, data: Mapping | None) -> Scheme:
        """Build a scheme from its dict form; a key left out keeps its default.

        ``weights``, when given, must name E, I, A and C (write 0 to leave one out) and may add the district's
        own components. Raises ``SchemeError`` listing every problem.
        """
        from examapp.scoring.scheme_validation import read_scheme  # it builds Scheme objects: imported late

        return read_scheme(data)


def _plain(value):
    """30.0 → 30 so the YAML reads as the organiser wrote it."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _rank_label(rank: int) -> str:
    return str(rank) if rank > 0 else f"倒数第{-rank}"
