"""The scoring scheme as a web form (pure): the form's flat fields to and from the scheme's dict form.

The form does not validate: ``dict_from_form`` turns what was typed into the same dict a YAML file gives, and
``Scheme.from_dict`` (the one validator) judges it, so the form and ``flask scoring scheme`` agree on every rule.
What the form does not show (tie-break order, per-exam weights, 其他指标 added in YAML) is kept from the current
scheme.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from examapp.scoring.scheme import (
    AGGREGATIONS,
    ARITHMETIC,
    GEOMETRIC,
    GOALPOSTS,
    INDICATORS,
    METHOD_LABELS,
    MIN_MAX,
    MISSING_EXPLANATIONS,
    MISSING_TREATMENTS,
    RANK_BANDS,
    RANK_LINEAR,
    RANK_METHODS,
    RANK_STEP,
    RAW,
    VALUE_METHODS,
    Scheme,
)

METHOD_EXPLANATIONS = {
    RAW: "直接使用 0–100 的原始得分。",
    MIN_MAX: "本轮最低者记 0、最高者记 100，其余按比例；拉开差距，但受极端值影响。",
    GOALPOSTS: "设定最差值（记 0）和最优值（记 100），超出者截断；不同年度可比。",
    RANK_LINEAR: "第 1 名 100 分、最后一名 0 分，按名次等距递减。",
    RANK_BANDS: "按名次分段给分；每段写“起始名次,截止名次,分值”，段间用分号，负数从末位倒数（-1 为末位）。",
    RANK_STEP: "第 1 名 100 分，每后退一名扣固定分，不低于保底分。",
}
AGGREGATION_EXPLANATIONS = {
    ARITHMETIC: "各成分得分按权重加权平均；某项偏低可由其他项弥补。",
    GEOMETRIC: "各成分得分按权重加权几何平均；某项偏低会明显拉低综合得分，任一项为 0 则综合为 0。",
}
# The numbers of the form's “更多设置” part: (form field, section, key).
SECTION_FIELDS = (
    ("roles.lead", "indicator_roles", "lead"), ("roles.responsible", "indicator_roles", "responsible"),
    ("assist.resolved", "assistance", "resolved"), ("assist.on_time", "assistance", "on_time"),
    ("assist.satisfaction", "assistance", "satisfaction"), ("conduct.bonus_cap", "conduct", "bonus_cap"),
    ("acc.top_n", "accountability", "top_n"), ("acc.bottom_n", "accountability", "bottom_n"),
    ("acc.repeat", "accountability", "repeat"),
    ("rob.draws", "robustness", "draws"), ("rob.perturbation", "robustness", "perturbation"),
    ("rob.seed", "robustness", "seed"),
)
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def methods_for(key: str) -> list[tuple[str, str, str]]:
    """(method, label, one-line explanation) offered for a component."""
    methods = VALUE_METHODS + RANK_METHODS if key == INDICATORS else VALUE_METHODS
    return [(m, METHOD_LABELS[m], METHOD_EXPLANATIONS[m]) for m in methods]


def aggregation_choices() -> list[tuple[str, str, str]]:
    return [(a, AGGREGATIONS[a], AGGREGATION_EXPLANATIONS[a]) for a in (ARITHMETIC, GEOMETRIC)]


def missing_choices() -> list[tuple[str, str, str]]:
    return [(m, MISSING_TREATMENTS[m], MISSING_EXPLANATIONS[m]) for m in MISSING_TREATMENTS]


def number(text):
    """A typed number as int or float; anything else is returned as typed (the validator names it), blank → None."""
    text = str(text if text is not None else "").strip().replace("，", ".").replace("。", ".")
    if not text:
        return None
    if not NUMBER.fullmatch(text):
        return text
    value = float(text)
    return int(value) if re.fullmatch(r"[+-]?\d+", text) else value


def bands_text(bands) -> str:
    return "; ".join(f"{a},{b},{_plain(p)}" for a, b, p in bands)


def parse_bands(text: str):
    """“1,5,100; 6,-4,60” → [[1, 5, 100], [6, -4, 60]]; a malformed part is kept so the validator reports it."""
    bands = []
    for part in re.split(r"[;；\n]+", text or ""):
        if part.strip():
            bands.append([number(x) for x in re.split(r"[,，\s]+", part.strip())])
    return bands


def form_values(scheme: Scheme) -> dict[str, str]:
    """The flat field values the form shows for a scheme."""
    data = scheme.to_dict()
    values = {f"weight.{k}": str(_plain(w)) for k, w in data["weights"].items()}
    values.update(precision=str(scheme.precision), aggregation=scheme.aggregation, missing=scheme.missing)
    for key in scheme.components:
        rule = scheme.normalisation_for(key)
        values[f"norm.{key}.method"] = rule.method
        values[f"norm.{key}.worst"] = "" if rule.worst is None else str(_plain(rule.worst))
        values[f"norm.{key}.best"] = "" if rule.best is None else str(_plain(rule.best))
        values[f"norm.{key}.step"] = "" if rule.step is None else str(_plain(rule.step))
        values[f"norm.{key}.floor"] = str(_plain(rule.floor))
        values[f"norm.{key}.bands"] = bands_text(rule.bands)
    for name, section, key in SECTION_FIELDS:
        values[name] = str(data[section][key])
    return values


def dict_from_form(form: Mapping[str, str], current: Scheme) -> dict:
    """The scheme dict the submitted form describes (not yet validated)."""
    data = current.to_dict()
    data["weights"] = {k: number(form.get(f"weight.{k}")) for k in current.components}
    data["precision"] = number(form.get("precision"))
    data["aggregation"] = form.get("aggregation", "")
    data["missing"] = form.get("missing", "")
    normalisation = {}
    for key in current.components:
        method = form.get(f"norm.{key}.method", "")
        spec: dict = {"method": method}
        if method == GOALPOSTS:
            spec.update(worst=number(form.get(f"norm.{key}.worst")), best=number(form.get(f"norm.{key}.best")))
        elif method == RANK_STEP:
            spec.update(step=number(form.get(f"norm.{key}.step")), floor=number(form.get(f"norm.{key}.floor")) or 0)
        elif method == RANK_BANDS:
            spec["bands"] = parse_bands(form.get(f"norm.{key}.bands", ""))
        normalisation[key] = spec
    data["normalisation"] = normalisation
    for name, section, key in SECTION_FIELDS:
        data[section] = dict(data[section], **{key: number(form.get(name))})
    return data


def _plain(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value

