"""Validation of a scheme dict (pure): ``Scheme.from_dict`` reads it here, collecting every problem in the
organiser's words (the setting's Chinese name with its YAML key) before raising one ``SchemeError``."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from examapp.scoring.scheme import (
    AGGREGATIONS,
    COMPONENT_LABELS,
    DEFAULT_WEIGHTS,
    GOALPOSTS,
    INDICATORS,
    MAX_PRECISION,
    MAX_SCHEME_NUMBER,
    MIN_MAX,
    MISSING_TREATMENTS,
    RANK_BANDS,
    RANK_LINEAR,
    RANK_METHODS,
    RANK_STEP,
    RAW,
    REWEIGHT,
    STANDARD_COMPONENTS,
    VALUE_METHODS,
    AccountabilityThresholds,
    AssistanceFormula,
    Normalisation,
    RobustnessSettings,
    Scheme,
    SchemeError,
)

# Chinese names of the settings, so one validator speaks to both the form and the YAML (the key follows in brackets).
FIELD_LABELS = {
    "precision": "保留小数位", "aggregation": "汇总方法", "tie_break": "同分比较顺序", "missing": "缺项处理",
    "weights": "权重", "normalisation": "标准化方法", "exam_weights": "各考试权重",
    "indicator_roles.lead": "牵头单位系数", "indicator_roles.responsible": "责任单位系数",
    "assistance.resolved": "联企解困·解决率系数", "assistance.on_time": "联企解困·按期解决率系数",
    "assistance.satisfaction": "联企解困·满意度系数", "conduct.bonus_cap": "执政形象·加分上限",
    "accountability.top_n": "问责·全市前几名以外提醒警示", "accountability.bottom_n": "问责·后几名约谈",
    "accountability.repeat": "问责·几次排名靠后诫勉谈话",
    "robustness.draws": "稳健性检验·抽样次数", "robustness.perturbation": "稳健性检验·权重扰动幅度",
    "robustness.seed": "稳健性检验·随机种子",
}
_PARAMETER_LABELS = {"worst": "最差值", "best": "最优值", "step": "每名扣分", "floor": "保底分", "bands": "分段",
                     "method": "方法"}


def label(path: str) -> str:
    """A setting's Chinese name followed by its YAML key: “考试权重（weights.E）”."""
    head, _, rest = path.partition(".")
    if path in FIELD_LABELS:
        name = FIELD_LABELS[path]
    elif head == "weights" and rest:
        name = f"{COMPONENT_LABELS.get(rest, '“' + rest + '”')}权重"
    elif head == "exam_weights" and rest:
        name = f"考试“{rest}”的权重"
    elif head == "normalisation" and rest:
        key, _, parameter = rest.partition(".")
        name = f"{COMPONENT_LABELS.get(key, key)}标准化" + (f"·{_PARAMETER_LABELS.get(parameter, parameter)}"
                                                          if parameter else "")
    else:
        name = FIELD_LABELS.get(head, head)
    return f"{name}（{path}）"


_TOP_KEYS = ("weights", "precision", "aggregation", "tie_break", "normalisation", "indicator_roles", "assistance",
             "conduct", "exam_weights", "accountability", "robustness", "missing")


class _SchemeReader:
    """Reads a scheme dict, collecting every problem before raising."""

    def __init__(self, data: Mapping | None):
        self.data = {} if data is None else data
        self.problems: list[str] = []

    def read(self) -> Scheme:
        if not isinstance(self.data, Mapping):
            raise SchemeError(["评分方案应为键值对象"])
        for key in self.data:
            if key not in _TOP_KEYS:
                self.problems.append(f"未知设置项“{key}”（可用：{'、'.join(_TOP_KEYS)}）")
        default = Scheme()
        weights = self._weights()
        components = [k for k in STANDARD_COMPONENTS if k in weights] + [k for k in weights
                                                                         if k not in STANDARD_COMPONENTS]
        precision = self._int(self.data.get("precision", default.precision), "precision", 0, MAX_PRECISION)
        aggregation = self.data.get("aggregation", default.aggregation)
        if aggregation not in AGGREGATIONS:
            self.problems.append(f"{label('aggregation')}应为 {' 或 '.join(AGGREGATIONS)}，现为“{aggregation}”")
        tie_break = self._tie_break(weights)
        normalisation = self._normalisation(components)
        roles = self._section("indicator_roles", ("lead", "responsible"))
        lead = self._number(roles.get("lead", default.lead_weight), "indicator_roles.lead", minimum=0)
        responsible = self._number(roles.get("responsible", default.responsible_weight),
                                   "indicator_roles.responsible", minimum=0)
        assist = self._section("assistance", ("resolved", "on_time", "satisfaction"))
        formula = AssistanceFormula(**{
            name: self._number(assist.get(name, getattr(default.assistance, name)), f"assistance.{name}", minimum=0)
            for name in ("resolved", "on_time", "satisfaction")})
        if all(getattr(formula, name) == 0 for name in ("resolved", "on_time", "satisfaction")):
            self.problems.append("联企解困的三个系数（assistance）不能全为 0")
        conduct = self._section("conduct", ("bonus_cap",))
        bonus_cap = self._number(conduct.get("bonus_cap", default.bonus_cap), "conduct.bonus_cap", minimum=0)
        exam_weights = self._exam_weights()
        acc = self._section("accountability", ("top_n", "bottom_n", "repeat"))
        thresholds = AccountabilityThresholds(
            top_n=self._int(acc.get("top_n", 5), "accountability.top_n", 1),
            bottom_n=self._int(acc.get("bottom_n", 3), "accountability.bottom_n", 1),
            repeat=self._int(acc.get("repeat", 2), "accountability.repeat", 1))
        rob = self._section("robustness", ("draws", "perturbation", "seed"))
        robustness = RobustnessSettings(
            draws=self._int(rob.get("draws", 1000), "robustness.draws", 0, 100_000),
            perturbation=self._number(rob.get("perturbation", 0.25), "robustness.perturbation", 0, 0.99),
            seed=self._int(rob.get("seed", 1), "robustness.seed"))
        missing = self.data.get("missing", REWEIGHT)
        if missing not in MISSING_TREATMENTS:
            self.problems.append(f"{label('missing')}应为 {'、'.join(MISSING_TREATMENTS)} 之一，现为“{missing}”")
        if self.problems:
            raise SchemeError(self.problems)
        return Scheme(weights=weights, precision=precision, aggregation=aggregation, tie_break=tie_break,
                      normalisation=normalisation, lead_weight=lead, responsible_weight=responsible,
                      assistance=formula, bonus_cap=bonus_cap, exam_weights=exam_weights, accountability=thresholds,
                      robustness=robustness, missing=missing)

    # ------------------------------------------------------------ pieces

    def _weights(self) -> dict[str, float]:
        raw = self.data.get("weights")
        if raw is None:
            return dict(DEFAULT_WEIGHTS)
        if not isinstance(raw, Mapping) or not raw:
            self.problems.append("weights 应为“成分: 权重”的键值对象，如 {E: 30, I: 30, A: 25, C: 15}")
            return dict(DEFAULT_WEIGHTS)
        weights: dict[str, float] = {}
        for key, value in raw.items():
            if not isinstance(key, str) or not key.strip():
                self.problems.append(f"weights 的成分名“{key}”无效")
                continue
            weights[key.strip()] = self._number(value, f"weights.{key}", minimum=0)
        missing = [k for k in STANDARD_COMPONENTS if k not in weights]
        if missing:
            self.problems.append(f"权重（weights）缺少 {'、'.join(missing)}（不计入的成分请写 0）")
        if weights and all(v == 0 for v in weights.values()):
            self.problems.append("各成分权重（weights）不能全为 0")
        return weights

    def _tie_break(self, weights: Mapping[str, float]) -> tuple[str, ...]:
        raw = self.data.get("tie_break", [])
        if raw is None:
            return ()
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list):
            self.problems.append("tie_break 应为成分名列表，如 [E]")
            return ()
        for key in raw:
            if key not in weights:
                self.problems.append(f"tie_break 中的“{key}”不是方案中的成分")
        if len(set(raw)) != len(raw):
            self.problems.append("tie_break 中有重复的成分")
        return tuple(str(k) for k in raw)

    def _normalisation(self, components: Sequence[str]) -> dict[str, Normalisation]:
        raw = self.data.get("normalisation") or {}
        if not isinstance(raw, Mapping):
            self.problems.append("normalisation 应为“成分: {method: …}”的键值对象")
            raw = {}
        for key in raw:
            if key not in components and key not in STANDARD_COMPONENTS:
                self.problems.append(f"normalisation 中的“{key}”不是方案中的成分")
            elif key not in components:
                self._one_normalisation(key, raw[key])      # still checked: weights already reports the gap
        result = {}
        for key in components:
            spec = raw.get(key)
            if spec is None:
                result[key] = Normalisation(RANK_LINEAR if key == INDICATORS else RAW)
            else:
                result[key] = self._one_normalisation(key, spec)
        return result

    def _one_normalisation(self, key: str, spec) -> Normalisation:
        where = f"normalisation.{key}"
        if isinstance(spec, str):
            spec = {"method": spec}
        if not isinstance(spec, Mapping):
            self.problems.append(f"{where} 应为 {{method: …}} 形式")
            return Normalisation()
        method = spec.get("method")
        allowed = VALUE_METHODS + RANK_METHODS if key == INDICATORS else VALUE_METHODS
        if method not in allowed:
            extra = "（名次类方法只适用于 I）" if method in RANK_METHODS else ""
            self.problems.append(f"{label(where + '.method')}应为 {'、'.join(allowed)} 之一，现为“{method}”{extra}")
            return Normalisation()
        params = {RAW: (), MIN_MAX: (), RANK_LINEAR: (), GOALPOSTS: ("worst", "best"),
                  RANK_BANDS: ("bands",), RANK_STEP: ("step", "floor")}[method]
        for name in spec:
            if name != "method" and name not in params:
                self.problems.append(f"{where} 的方法 {method} 没有参数“{name}”")
        if method == GOALPOSTS:
            worst = self._number(spec.get("worst"), f"{where}.worst")
            best = self._number(spec.get("best"), f"{where}.best")
            if worst == best and "worst" in spec and "best" in spec:
                self.problems.append(f"{label(where)}：最差值（worst）与最优值（best）不能相等")
            return Normalisation(GOALPOSTS, worst=worst, best=best)
        if method == RANK_BANDS:
            return Normalisation(RANK_BANDS, bands=self._bands(spec.get("bands"), f"{where}.bands"))
        if method == RANK_STEP:
            step = self._number(spec.get("step"), f"{where}.step", minimum=0)
            if step == 0 and "step" in spec:
                self.problems.append(f"{label(where + '.step')}应大于 0")
            floor = self._number(spec.get("floor", 0), f"{where}.floor", 0, 100)
            return Normalisation(RANK_STEP, step=step, floor=floor)
        return Normalisation(method)

    def _bands(self, raw, where: str) -> tuple[tuple[int, int, float], ...]:
        if not isinstance(raw, list) or not raw:
            self.problems.append(f"{where} 应为 [起始名次, 截止名次, 分值] 的列表，如 [[1, 5, 100], [-3, -1, 0]]")
            return ()
        bands = []
        for index, band in enumerate(raw, start=1):
            ok = (isinstance(band, list | tuple) and len(band) == 3
                  and all(isinstance(b, int) and not isinstance(b, bool) and b != 0 for b in band[:2])
                  and _is_number(band[2]) and 0 <= band[2] <= 100)
            if not ok:
                self.problems.append(f"{where} 第 {index} 项应为 [起始名次, 截止名次, 分值]：名次为非零整数"
                                     f"（负数从末位倒数，-1 为末位），分值 0–100")
                continue
            start, end, points = band
            if (start > 0) == (end > 0) and start > end:
                self.problems.append(f"{where} 第 {index} 项：起始名次 {start} 大于截止名次 {end}")
            bands.append((start, end, points))
        return tuple(bands)

    def _exam_weights(self) -> dict[str, float]:
        raw = self.data.get("exam_weights") or {}
        if not isinstance(raw, Mapping):
            self.problems.append("exam_weights 应为“考试名称: 权重”的键值对象")
            return {}
        weights = {str(k): self._number(v, f"exam_weights.{k}", minimum=0) for k, v in raw.items()}
        if weights and all(v == 0 for v in weights.values()):
            self.problems.append("exam_weights 不能全为 0")
        return weights

    def _section(self, name: str, keys: Sequence[str]) -> Mapping:
        raw = self.data.get(name)
        if raw is None:
            return {}
        if not isinstance(raw, Mapping):
            self.problems.append(f"{name} 应为键值对象（{'、'.join(keys)}）")
            return {}
        for key in raw:
            if key not in keys:
                self.problems.append(f"{name} 中的未知设置项“{key}”（可用：{'、'.join(keys)}）")
        return raw

    def _number(self, value, where: str, minimum: float | None = None, maximum: float | None = None) -> float:
        where = label(where)
        if value is None:
            self.problems.append(f"缺少 {where}")
            return 0
        if not _is_number(value):
            self.problems.append(f"{where}应为数字，现为“{value}”")
            return 0
        # Every number has a bound: a weight of 1e308 was accepted and the computation then overflowed (500).
        minimum = -MAX_SCHEME_NUMBER if minimum is None else minimum
        maximum = MAX_SCHEME_NUMBER if maximum is None else maximum
        if value < minimum:
            self.problems.append(f"{where}不能小于 {minimum:g}，现为 {value:g}")
        if value > maximum:
            self.problems.append(f"{where}不能大于 {maximum:g}，现为 {value:g}")
        return value

    def _int(self, value, where: str, minimum: int | None = None, maximum: int | None = None) -> int:
        where = label(where)
        if value is None:
            self.problems.append(f"缺少 {where}")
            return minimum or 0
        if not isinstance(value, int) or isinstance(value, bool):
            self.problems.append(f"{where}应为整数，现为“{value}”")
            return minimum or 0
        if minimum is not None and value < minimum:
            self.problems.append(f"{where}不能小于 {minimum}，现为 {value}")
        if maximum is not None and value > maximum:
            self.problems.append(f"{where}不能大于 {maximum}，现为 {value}")
        return value


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def read_scheme(data: Mapping | None) -> Scheme:
    """``Scheme.from_dict``: the scheme a dict describes, or ``SchemeError`` listing every problem."""
    return _SchemeReader(data).read()
