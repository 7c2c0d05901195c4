"""The composite-score engine (pure): a round's inputs and scheme in, every person's traceable scores and rank out.

``compute(inputs, scheme)`` scores each secretary through his or her organisation (党组织):

- **E 考试** — weighted mean of the counted exams' scores (the scheme's ``exam_weights``; when empty, every exam
  of the round with equal weight). 缺考 counts 0; 请假 leaves the exam out of that person's mean; an exam with
  no row for the organisation (or a 正常 row without a score) is also left out, with a note on the person so
  the organiser can fix the data. No exam left → E missing.
- **I 指标排名** — for each ranked result (indicator × period of the round) of an indicator whose 牵头单位 or
  责任单位 is the organisation, points from the rank (default 100·(N − r)/(N − 1); N = 1 → 100; tied ranks share
  points), weighted 1.0 as 牵头单位 and 0.5 as 责任单位 (an organisation that is both counts once, as 牵头);
  I = Σ weight·points / Σ weight. No indicator → missing (未承担指标); indicators but no ranked result → missing.
- **A 联企解困** — over the round's periods R = Σ已解决/Σ收集, T = Σ按期/Σ已解决, S = mean of the periods' 满意度
  (periods without a survey left out). A = (40·R + 30·T + 0.3·S) · 100 / (sum of the present terms' maxima):
  with all three present the maxima sum to 100 and A = 40·R + 30·T + 0.3·S exactly; when none was resolved T is
  missing and A = (40·R + 0.3·S)·100/70 as the issue states; when no period was surveyed S is missing and the
  same rule gives A = (40·R + 30·T)·100/70 (and 100·R with T missing too). No problem collected → A missing.
- **C 执政形象** — min(100, max(0, 100 − Σ扣分 + min(Σ加分, 10))); never missing (no item → 100).
- **其他指标** — the organisation's score as given; no score → missing. A component with scores but no weight in
  the scheme is shown with weight 0 and a warning.

Then each value is normalised as the scheme says (min-max across the round's organisations with a value; all
equal → 100) and rounded half up to ``precision`` — that printed number is the component score. The composite
is computed from the printed scores of the present components with a non-zero weight, re-weighted over them
(Σ w·X / Σ w; geometric: Π X^(w/Σw), so one score of 0 makes it 0), rounded half up; nobody to weigh → no
composite and no rank. A missing component is treated as the scheme's ``missing`` says (``treat_missing``):
``reweight`` (default) leaves it out as above; ``category_median`` counts the median printed score of the same
党组织类别's organisations that have it (none → re-weighted); ``zero`` counts 0. The result also ranks the round
under all three treatments (``treatment_ranks``) and counts who lacks what (``missing_summary``). Arithmetic is exact (fractions; floats are read as the decimals they print as), so every
printed number can be redone by hand. Ranks are standard competition ranks on the printed composite (1, 2, 2, 4);
configured tie-break components (higher first, missing last) split equal composites.

The raw value of each component, with its working, is computed in ``components.py``; the result's shape
(``ComponentResult``, ``PersonResult``, ``RoundResult`` and their JSON-ready dicts) is ``result.py``.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from examapp.ranking import competition_ranks
from examapp.scoring.accountability import (
    accountability_entries,
    round_ranks,
    unknown_indicator_codes,
)
from examapp.scoring.components import (
    MISSING_NO_SCORE,
    RawValue,
    assistance_value,
    conduct_value,
    counted_exams,
    exam_value,
    fmt,
    indicator_roles,
    indicator_value,
    to_float,
)
from examapp.scoring.inputs import (
    AssistanceRecord,
    ConductItem,
    ExamScore,
    IndicatorRank,
    RoundInputs,
)
from examapp.scoring.result import ComponentResult, PersonResult, RoundResult, component_label
from examapp.scoring.robustness import weight_robustness
from examapp.scoring.scheme import (
    ASSISTANCE,
    CONDUCT,
    EXAM,
    GEOMETRIC,
    GOALPOSTS,
    INDICATORS,
    MIN_MAX,
    MISSING_TREATMENTS,
    REWEIGHT,
    ZERO,
    Scheme,
    exact,
    round_half_up,
)

# ---------------------------------------------------------------- the computation


def compute(inputs: RoundInputs, scheme: Scheme) -> RoundResult:
    """Score, rank, apply the accountability rules and test the ranking's robustness for one round."""
    warnings: list[str] = []
    components = list(scheme.components)
    for other in inputs.others:
        if other.component not in components:
            components.append(other.component)
            warnings.append(f"其他指标“{other.component}”未在方案中设置权重，只显示、不计入综合得分")
    warnings += [f"指标排名中的指标编码 {code} 不在指标表中，无法确定牵头单位、责任单位和指标长"
                 for code in unknown_indicator_codes(inputs)]
    if scheme.exam_weights:
        warnings += [f"考试“{name}”未在方案的 exam_weights 中，不计入考试成绩"
                     for name in dict.fromkeys(e.exam for e in inputs.exams) if name not in scheme.exam_weights]

    organisations = list(dict.fromkeys(p.organization for p in inputs.people))
    categories = {p.organization: p.category for p in inputs.people}
    raw = {key: _raw_values(key, organisations, inputs, scheme) for key in components}
    scored = {key: _normalise(key, raw[key], scheme) for key in components}

    def scored_people(treatment: str) -> list[PersonResult]:
        treated = {key: treat_missing(scored[key], categories, treatment, scheme.precision) for key in components}
        people = []
        for person in inputs.people:
            comps = {key: treated[key][person.organization] for key in components}
            notes = [note for key in components for note in raw[key][person.organization].notes]
            people.append(PersonResult(person.organization, person.name, comps, notes=notes))
        for person in people:
            _composite(person, components, scheme)
        _rank(people, scheme)
        return people

    results = scored_people(scheme.missing)
    # The same round under each treatment of missing components, so the office can see what its choice does.
    by_treatment = {t: results if t == scheme.missing else scored_people(t) for t in MISSING_TREATMENTS}
    treatment_ranks = [{t: by_treatment[t][i].rank for t in MISSING_TREATMENTS} for i in range(len(results))]

    ranked = [i for i, person in enumerate(results) if person.rank is not None]
    robustness = weight_robustness(
        [{k: float(c.effective) for k, c in results[i].components.items() if c.effective is not None}
         for i in ranked], [results[i].rank for i in ranked], scheme, indices=ranked)
    return RoundResult(scheme=scheme, components=components, results=results,
                       accountability=accountability_entries(inputs, scheme.accountability),
                       robustness=robustness, warnings=warnings,
                       missing_summary=missing_summary(results, components, scheme),
                       treatment_ranks=treatment_ranks)


def treat_missing(scored: dict[str, ComponentResult], categories: dict[str, str], treatment: str,
                  precision: int) -> dict[str, ComponentResult]:
    """One component's results with each missing one imputed as the treatment says.

    ``reweight`` leaves them missing (the composite re-weights over the rest); ``zero`` counts 0;
    ``category_median`` counts the median of the printed scores of the organisations of the same 党组织类别 that
    have the component (even count: the mean of the middle two), rounded half up; with no such peer the
    component stays missing and is re-weighted.
    """
    if treatment == REWEIGHT:
        return scored
    peers: dict[str, list[Decimal]] = defaultdict(list)
    for org, c in scored.items():
        if c.score is not None:
            peers[categories.get(org, "")].append(c.score)
    out = {}
    for org, c in scored.items():
        if c.score is not None or c.missing is None:
            out[org] = c
            continue
        if treatment == ZERO:
            value, how = round_half_up(0, precision), "按 0 分计入"
        else:
            category = categories.get(org, "")
            values = sorted(peers.get(category, []))
            if not values:
                out[org] = replace(c, details=dict(c.details, imputation=(
                    f"同类别（{category or '未分类'}）无单位有该项得分，按其余成分重新计权")))
                continue
            value = round_half_up(median(values), precision)
            how = f"按同类别（{category or '未分类'}）{len(values)} 个单位该项得分的中位数 {value} 计入"
        working = (c.working + "；" if c.working else "") + f"缺项（{c.missing}），{how}"
        out[org] = replace(c, imputed=value, working=working, details=dict(c.details, imputation=how))
    return out


def median(values: Sequence[Decimal]) -> Fraction:
    """The median of sorted values, exactly: the middle one, or the mean of the middle two."""
    n = len(values)
    middle = values[n // 2]
    return Fraction(middle) if n % 2 else (Fraction(values[n // 2 - 1]) + Fraction(middle)) / 2


def missing_summary(results: Sequence[PersonResult], components: Sequence[str], scheme: Scheme) -> list[dict]:
    """Per weighted component that someone lacks: how many lack it, why, and how many were imputed."""
    out = []
    for key in components:
        if scheme.weight(key) <= 0:
            continue
        lacking = [p.components[key] for p in results if p.components[key].score is None]
        if not lacking:
            continue
        reasons: dict[str, int] = {}
        for c in lacking:
            reasons[c.missing or "无数据"] = reasons.get(c.missing or "无数据", 0) + 1
        out.append({"key": key, "label": component_label(key), "weight": scheme.weight(key), "count": len(lacking),
                    "reasons": reasons, "imputed": sum(1 for c in lacking if c.imputed is not None)})
    return out


def _raw_values(key: str, organisations: Sequence[str], inputs: RoundInputs, scheme: Scheme) -> dict[str, RawValue]:
    if key == EXAM:
        exams = counted_exams(inputs, scheme)
        by_org: dict[str, dict[str, ExamScore]] = defaultdict(dict)
        for record in inputs.exams:
            by_org[record.organization][record.exam] = record
        return {org: exam_value(by_org.get(org, {}), exams) for org in organisations}
    if key == INDICATORS:
        roles = indicator_roles(inputs.indicators, scheme)
        ranks_by_code: dict[str, list[IndicatorRank]] = defaultdict(list)
        for r in round_ranks(inputs):
            ranks_by_code[r.code].append(r)
        rule = scheme.normalisation_for(INDICATORS)
        return {org: indicator_value(roles.get(org, []), ranks_by_code, rule) for org in organisations}
    if key == ASSISTANCE:
        periods = set(inputs.periods)
        records: dict[str, list[AssistanceRecord]] = defaultdict(list)
        for record in inputs.assistance:
            if not periods or record.period in periods:
                records[record.organization].append(record)
        order = {p: i for i, p in enumerate(inputs.periods)}
        return {org: assistance_value(sorted(records.get(org, []), key=lambda r: order.get(r.period, 0)), scheme)
                for org in organisations}
    if key == CONDUCT:
        items: dict[str, list[ConductItem]] = defaultdict(list)
        for item in inputs.conduct:
            items[item.organization].append(item)
        return {org: conduct_value(sorted(items.get(org, []), key=lambda i: i.date), scheme.bonus_cap)
                for org in organisations}
    given = {o.organization: o.score for o in inputs.others if o.component == key}
    return {org: RawValue(exact(given[org]), None, f"{key} = {fmt(given[org])}（录入得分）", {})
            if org in given else RawValue(None, MISSING_NO_SCORE, "", {}) for org in organisations}


# ---------------------------------------------------------------- normalisation and rounding


def _normalise(key: str, raw: dict[str, RawValue], scheme: Scheme) -> dict[str, ComponentResult]:
    rule = scheme.normalisation_for(key)
    present = [r.value for r in raw.values() if r.value is not None]
    low, high = (min(present), max(present)) if present else (None, None)
    out = {}
    for org, r in raw.items():
        working, normalised = r.working, r.value
        if r.value is not None and rule.method == MIN_MAX:
            normalised = 100 * (r.value - low) / (high - low) if high > low else Fraction(100)
            working += (f"；极差标准化 100×({fmt(r.value)} − {fmt(low)})/({fmt(high)} − {fmt(low)}) = "
                        f"{fmt(normalised)}" if high > low else "；极差标准化：本轮各单位取值相同，均记 100")
        elif r.value is not None and rule.method == GOALPOSTS:
            worst, best = exact(rule.worst), exact(rule.best)
            unclipped = 100 * (r.value - worst) / (best - worst)
            normalised = min(Fraction(100), max(Fraction(0), unclipped))
            working += (f"；目标值标准化 100×({fmt(r.value)} − {fmt(worst)})/({fmt(best)} − {fmt(worst)}) = "
                        f"{fmt(unclipped)}" + (f"，截取为 {fmt(normalised)}" if normalised != unclipped else ""))
        score = None if normalised is None else round_half_up(normalised, scheme.precision)
        details = dict(r.details, normalisation=rule.describe())
        if rule.method == MIN_MAX and present:
            details.update(min=float(low), max=float(high))
        out[org] = ComponentResult(key=key, label=component_label(key), weight=scheme.weight(key),
                                   value=to_float(r.value), score=score, missing=r.missing, working=working,
                                   details=details)
    return out


# ---------------------------------------------------------------- composite and rank


def _composite(person: PersonResult, components: Sequence[str], scheme: Scheme) -> None:
    counted = [(exact(c.weight), c) for c in person.components.values() if c.counted]
    absent = [key for key in components if person.components[key].effective is None and scheme.weight(key) > 0]
    if not counted:
        person.notes.append("没有可计权的成分，不计综合得分和名次")
        return
    total = sum(w for w, _ in counted)
    if scheme.aggregation == GEOMETRIC:
        if any(c.effective == 0 for _, c in counted):
            value: float | Fraction = 0.0
        else:
            value = math.exp(sum(float(w / total) * math.log(float(c.effective)) for w, c in counted))
        shown = " × ".join(f"{c.effective}^({fmt(w)}/{fmt(total)})" for w, c in counted)
    else:
        value = sum(w * Fraction(c.effective) for w, c in counted) / total
        shown = "(" + " + ".join(f"{fmt(w)}×{c.effective}" for w, c in counted) + f") ÷ {fmt(total)}"
    person.composite = round_half_up(value, scheme.precision)
    person.composite_working = f"{shown} = {person.composite}"
    for c in person.components.values():
        if c.imputed is not None and c.weight > 0:
            person.notes.append(f"缺少{component_label(c.key)}（{c.missing}），{c.details['imputation']}")
    if absent:
        weights = "、".join(f"{component_label(c.key)} {fmt(w)}" for w, c in counted)
        person.notes.append(f"缺少{'、'.join(component_label(k) for k in absent)}，"
                            f"按其余成分重新计权（{weights}，合计 {fmt(total)}）")


def _rank(results: Sequence[PersonResult], scheme: Scheme) -> None:
    lowest = Decimal("-Infinity")
    keys = [None if p.composite is None else
            (p.composite, *(p.components[k].effective if p.components[k].effective is not None else lowest
                            for k in scheme.tie_break)) for p in results]
    for person, rank in zip(results, competition_ranks(keys), strict=True):
        person.rank = rank
    if scheme.tie_break:
        by_composite: dict[Decimal, set[int]] = defaultdict(set)
        for p in results:
            if p.composite is not None:
                by_composite[p.composite].add(p.rank)
        for p in results:
            if p.composite is not None and len(by_composite[p.composite]) > 1:
                p.notes.append(f"综合得分与他人相同，按{'、'.join(component_label(k) for k in scheme.tie_break)}"
                               "依次比较（高者在前）确定名次")
