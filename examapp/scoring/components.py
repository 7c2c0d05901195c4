"""The raw value of each component for one organisation, with its working (pure; the rules are in
``engine.py``'s docstring): E 考试, I 指标排名, A 联企解困, C 执政形象, and the number formats of a working line."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from examapp.scoring.inputs import (
    CONDUCT_BONUS,
    CONDUCT_DEDUCTION,
    EXAM_ABSENT,
    EXAM_EXCUSED,
    AssistanceRecord,
    ConductItem,
    ExamScore,
    Indicator,
    IndicatorRank,
    RoundInputs,
)
from examapp.scoring.scheme import (
    RANK_BANDS,
    RANK_METHODS,
    RANK_STEP,
    Normalisation,
    Scheme,
    exact,
    round_half_up,
)

LEAD, RESPONSIBLE = "牵头单位", "责任单位"
NO_RECORD = "无记录"

MISSING_NO_EXAM = "无计入的考试成绩"
MISSING_NO_INDICATOR = "未承担指标"
MISSING_NO_RANKED_RESULT = "所承担指标本轮无排名结果"
MISSING_NO_ASSISTANCE = "无联企解困记录"
MISSING_NO_PROBLEM = "未收集问题"
MISSING_NO_SCORE = "无该项得分"


# The three parts of 联企解困 as the working names them.
ASSISTANCE_TERMS = {"R": "问题解决率", "T": "按期解决率", "S": "满意度"}


@dataclass
class RawValue:
    """A component's value for one organisation before normalisation, with its working."""
    value: Fraction | None
    missing: str | None
    working: str
    details: dict
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- E


def counted_exams(inputs: RoundInputs, scheme: Scheme) -> dict[str, Fraction]:
    if scheme.exam_weights:
        return {name: exact(w) for name, w in scheme.exam_weights.items()}
    return {name: Fraction(1) for name in dict.fromkeys(e.exam for e in inputs.exams)}


def exam_value(records: dict[str, ExamScore], exams: dict[str, Fraction]) -> RawValue:
    """E for one organisation: weighted mean over the counted exams (缺考 → 0, 请假 / no score → left out)."""
    lines, terms, notes = [], [], []
    for name, weight in exams.items():
        record = records.get(name)
        status = record.status if record else NO_RECORD
        if record is not None and status == EXAM_ABSENT:
            score = Fraction(0)
        elif record is not None and status != EXAM_EXCUSED and record.score is not None:
            score = exact(record.score)
        else:
            score = None
            if status != EXAM_EXCUSED:
                notes.append(f"考试“{name}”无成绩记录，未计入考试成绩")
        counted = score is not None and weight > 0
        lines.append({"exam": name, "status": status, "score": to_float(score), "weight": float(weight),
                      "counted": counted})
        if counted:
            terms.append((weight, score, status))
    details = {"exams": lines}
    total = sum(w for w, _, _ in terms)
    if not terms:
        return RawValue(None, MISSING_NO_EXAM, "", details, notes)
    value = sum(w * s for w, s, _ in terms) / total
    shown = " + ".join(f"{fmt(s)}×{fmt(w)}" + ("（缺考）" if st == EXAM_ABSENT else "") for w, s, st in terms)
    return RawValue(value, None, f"各次考试按权重平均：({shown}) ÷ {fmt(total)} = {fmt(value)}", details, notes)


# ---------------------------------------------------------------- I


def indicator_roles(indicators: Sequence[Indicator], scheme: Scheme) -> dict[str, list[tuple[Indicator, str, Fraction]]]:
    roles: dict[str, list[tuple[Indicator, str, Fraction]]] = defaultdict(list)
    for ind in indicators:
        if ind.lead_org:
            roles[ind.lead_org].append((ind, LEAD, exact(scheme.lead_weight)))
        for org in dict.fromkeys(ind.responsible_orgs):
            if org != ind.lead_org:
                roles[org].append((ind, RESPONSIBLE, exact(scheme.responsible_weight)))
    return roles


def rank_to_points(rank: int, ranked_count: int, rule: Normalisation | None = None) -> Fraction:
    """Points of a city rank r among N under the scheme's rank rule (default linear: 100·(N − r)/(N − 1))."""
    if not 1 <= rank <= ranked_count:
        raise ValueError(f"全市排名 {rank} 应在 1 至参评地区数 {ranked_count} 之间")
    method = rule.method if rule is not None else None
    if method == RANK_BANDS:
        for start, end, points in rule.bands:
            low = start if start > 0 else ranked_count + 1 + start
            high = end if end > 0 else ranked_count + 1 + end
            if low <= rank <= high:
                return exact(points)
        return Fraction(0)
    if method == RANK_STEP:
        return max(exact(rule.floor), 100 - exact(rule.step) * (rank - 1))
    if ranked_count == 1:
        return Fraction(100)
    return Fraction(100 * (ranked_count - rank), ranked_count - 1)


def indicator_value(roles: Sequence[tuple[Indicator, str, Fraction]], ranks_by_code: dict[str, list[IndicatorRank]],
                    rule: Normalisation) -> RawValue:
    """I for one organisation: weighted mean of its ranked results' points (牵头 1.0, 责任 0.5 by default)."""
    if not roles:
        return RawValue(None, MISSING_NO_INDICATOR, "", {"results": []})
    point_rule = rule if rule.method in RANK_METHODS else None
    lines, terms = [], []
    for ind, role, weight in roles:
        for r in ranks_by_code.get(ind.code, []):
            points = rank_to_points(r.rank, r.ranked_count, point_rule)
            lines.append({"code": ind.code, "name": ind.name, "period": r.period, "rank": r.rank,
                          "ranked_count": r.ranked_count, "role": role, "weight": float(weight),
                          "points": float(points)})
            terms.append((weight, points))
    details = {"results": lines}
    total = sum(w for w, _ in terms)
    if not terms or total == 0:
        return RawValue(None, MISSING_NO_RANKED_RESULT, "", details)
    value = sum(w * p for w, p in terms) / total
    shown = " + ".join(f"{fmt(p)}×{fmt(w)}" for w, p in terms)
    return RawValue(value, None, f"各项指标的名次得分按权重平均：({shown}) ÷ {fmt(total)} = {fmt(value)}", details)


# ---------------------------------------------------------------- A


def assistance_value(records: Sequence[AssistanceRecord], scheme: Scheme) -> RawValue:
    """A for one organisation over the round's periods (see the module's docstring for missing T or S)."""
    lines = [{"period": r.period, "visited": r.visited, "collected": r.collected, "resolved": r.resolved,
              "resolved_on_time": r.resolved_on_time, "satisfaction": r.satisfaction} for r in records]
    collected = sum(r.collected for r in records)
    resolved = sum(r.resolved for r in records)
    on_time = sum(r.resolved_on_time for r in records)
    surveyed = [exact(r.satisfaction) for r in records if r.satisfaction is not None]
    details: dict = {"periods": lines, "collected": collected, "resolved": resolved, "resolved_on_time": on_time,
                     "R": None, "T": None, "S": None, "terms": {}}
    if not records:
        return RawValue(None, MISSING_NO_ASSISTANCE, "", details)
    if collected == 0:
        return RawValue(None, MISSING_NO_PROBLEM, "", details)
    coef = scheme.assistance
    ratio_r = Fraction(resolved, collected)
    ratio_t = Fraction(on_time, resolved) if resolved else None
    mean_s = sum(surveyed) / len(surveyed) if surveyed else None
    # (name, coefficient, value, maximum of coefficient·value)
    terms = [("R", exact(coef.resolved), ratio_r, exact(coef.resolved)),
             ("T", exact(coef.on_time), ratio_t, exact(coef.on_time)),
             ("S", exact(coef.satisfaction), mean_s, exact(coef.satisfaction) * 100)]
    present = [t for t in terms if t[2] is not None]
    ceiling = sum(t[3] for t in present)
    details.update(R=to_float(ratio_r), T=to_float(ratio_t), S=to_float(mean_s),
                   terms={name: float(c * v) for name, c, v, _ in present}, ceiling=float(ceiling))
    working = [f"{ASSISTANCE_TERMS['R']} = 已解决 {resolved} ÷ 收集 {collected} = {fmt(ratio_r)}",
               f"{ASSISTANCE_TERMS['T']} = 按期解决 {on_time} ÷ 已解决 {resolved} = {fmt(ratio_t)}"
               if ratio_t is not None else f"{ASSISTANCE_TERMS['T']}：无已解决问题，不适用",
               (f"{ASSISTANCE_TERMS['S']} = ({' + '.join(fmt(s) for s in surveyed)}) ÷ {len(surveyed)} = {fmt(mean_s)}"
                if mean_s is not None else f"{ASSISTANCE_TERMS['S']}：无满意度调查，不适用")]
    if ceiling == 0:
        return RawValue(None, "联企解困适用项的系数均为 0", "；".join(working), details)
    total = sum(c * v for _, c, v, _ in present)
    value = total * 100 / ceiling
    formula = " + ".join(f"{fmt(c)}×{ASSISTANCE_TERMS[name]}" for name, c, _, _ in present)
    numbers = " + ".join(fmt(c * v) for _, c, v, _ in present)
    if ceiling == 100:
        working.append(f"联企解困得分 = {formula} = {numbers} = {fmt(value)}")
    else:
        working.append(f"联企解困得分 = ({formula})×100 ÷ {fmt(ceiling)} = ({numbers})×100 ÷ {fmt(ceiling)}"
                       f" = {fmt(value)}（不适用的项不计，按其余各项满分 {fmt(ceiling)} 折算为百分制）")
    return RawValue(value, None, "；".join(working), details)


# ---------------------------------------------------------------- C


def conduct_value(items: Sequence[ConductItem], bonus_cap: float) -> RawValue:
    """C = min(100, max(0, 100 − Σ扣分 + min(Σ加分, cap))); no item → 100."""
    deductions = sum((exact(i.points) for i in items if i.kind == CONDUCT_DEDUCTION), Fraction(0))
    bonuses = sum((exact(i.points) for i in items if i.kind == CONDUCT_BONUS), Fraction(0))
    cap = exact(bonus_cap)
    unclipped = 100 - deductions + min(bonuses, cap)
    value = min(Fraction(100), max(Fraction(0), unclipped))
    lines = [{"date": i.date.isoformat(), "kind": i.kind, "points": i.points, "reason": i.reason,
              "evidence": i.evidence} for i in items]
    working = conduct_working(deductions, bonuses, cap, unclipped, value)
    return RawValue(value, None, working, {"items": lines, "deductions": float(deductions), "bonuses": float(bonuses),
                                       "bonus_counted": float(min(bonuses, cap))})


def conduct_working(deductions: Fraction, bonuses: Fraction, cap: Fraction, unclipped: Fraction,
                    value: Fraction) -> str:
    """The 执政形象 working in words: only the parts that apply, the bonus cap only when it bites."""
    if not deductions and not bonuses:
        return "无扣分、加分记录，记 100 分"
    text = "100"
    if deductions:
        text += f" − 扣分 {fmt(deductions)}"
    if bonuses:
        text += f" + 加分 {fmt(min(bonuses, cap))}"
        if bonuses > cap:
            text += f"（加分共 {fmt(bonuses)} 分，最多计 {fmt(cap)} 分）"
    text += f" = {fmt(unclipped)}"
    if value != unclipped:
        text += f"，{'超过 100 分按 100 分' if unclipped > 100 else '低于 0 分按 0 分'}计"
    return text


# ---------------------------------------------------------------- formatting


def fmt(value, places: int = 4) -> str:
    """A number for a working line: up to ``places`` decimals (half up), trailing zeros dropped."""
    if value is None:
        return "—"
    shown = round_half_up(value, places).normalize()
    return f"{shown:f}"


def to_float(value) -> float | None:
    return None if value is None else float(value)


def to_number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
