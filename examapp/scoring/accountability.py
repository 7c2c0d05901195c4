"""Accountability rules on indicator rankings (pure): who is warned, interviewed or admonished, with the evidence.

For each indicator result (indicator × period of the round) with r the district's city rank among N:

- r > top_n (default 5) → 提醒警示 for the 指标长 of its 一级 ancestor and the 牵头单位 and 责任单位 of the ranked
  indicator and of its 二级 parent (the indicator itself when it is 二级);
- r ≥ N − bottom_n + 1 (default the bottom 3) → 约谈 of the ranked indicator's own 指标长;
- in the bottom in ``repeat`` (default 2) or more periods of the round → 诫勉谈话 for the principal and
  responsible leaders of the ranked indicator's 牵头单位 and 责任单位.

The rules are independent: a result both outside the top 5 and in the bottom 3 (e.g. 15th of 16) yields both a
提醒警示 and a 约谈, as the district's rules stack. With few districts ranked (N ≤ bottom_n) every rank is in the
bottom. Entries are grouped per indicator and action: ``periods`` and ``ranks`` list every result that triggered
it, in period order.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from examapp.scoring.inputs import LEVELS, Indicator, IndicatorRank, RoundInputs
from examapp.scoring.scheme import AccountabilityThresholds

WARNING, INTERVIEW, ADMONITION = "提醒警示", "约谈", "诫勉谈话"
ACTIONS = (WARNING, INTERVIEW, ADMONITION)
LEADERS = "主要负责人、分管负责人"
UNFILLED = "（未填写）"


@dataclass(frozen=True)
class AccountabilityEntry:
    indicator: str                  # 指标编码 of the ranked indicator
    indicator_name: str
    action: str                     # 提醒警示 | 约谈 | 诫勉谈话
    periods: tuple[str, ...]
    ranks: tuple[int, ...]
    ranked_counts: tuple[int, ...]  # N of each period
    targets: tuple[str, ...]        # e.g. "指标长：张三（一级指标 A1）", "牵头单位：区发改局（三级指标 A1.1.1）"
    rule: str                       # the rule applied, in Chinese

    def to_dict(self) -> dict:
        return {"indicator": self.indicator, "indicator_name": self.indicator_name, "action": self.action,
                "periods": list(self.periods), "ranks": list(self.ranks), "ranked_counts": list(self.ranked_counts),
                "targets": list(self.targets), "rule": self.rule}


def is_outside_top(rank: int, top_n: int) -> bool:
    """r > top_n: 5th is inside the top 5, 6th is outside."""
    return rank > top_n


def is_in_bottom(rank: int, ranked_count: int, bottom_n: int) -> bool:
    """r ≥ N − bottom_n + 1: with N = 16 and the bottom 3, ranks 14, 15 and 16."""
    return rank >= ranked_count - bottom_n + 1


def period_order(inputs: RoundInputs) -> dict[str, int]:
    """Position of each period: the round's own order, then any other period in order of appearance."""
    order = {p: i for i, p in enumerate(inputs.periods)}
    return order


def round_ranks(inputs: RoundInputs) -> list[IndicatorRank]:
    """The ranked results of the round's periods (all results when the round lists no periods), in period order.

    Raises ValueError (in Chinese) when a rank lies outside 1..N.
    """
    problems = [f"指标 {r.code} {r.period}：全市排名 {r.rank} 应在 1 至参评地区数 {r.ranked_count} 之间"
                for r in inputs.ranks if not 1 <= r.rank <= r.ranked_count]
    if problems:
        raise ValueError("；".join(problems))
    if not inputs.periods:
        seen: dict[str, int] = {}
        for r in inputs.ranks:
            seen.setdefault(r.period, len(seen))
        return sorted(inputs.ranks, key=lambda r: seen[r.period])
    order = period_order(inputs)
    return sorted((r for r in inputs.ranks if r.period in order), key=lambda r: order[r.period])


def accountability_entries(inputs: RoundInputs, thresholds: AccountabilityThresholds) -> list[AccountabilityEntry]:
    """Every 提醒警示, 约谈 and 诫勉谈话 the round's rankings trigger, indicator by indicator (in the 指标 sheet's order)."""
    by_code = {ind.code: ind for ind in inputs.indicators}
    results: dict[str, list[IndicatorRank]] = {}
    for r in round_ranks(inputs):
        results.setdefault(r.code, []).append(r)
    position = {code: i for i, code in enumerate(by_code)}
    entries: list[AccountabilityEntry] = []
    for code in sorted(results, key=lambda c: (position.get(c, len(position)), c)):
        ranked = results[code]
        indicator = by_code.get(code)
        name = indicator.name if indicator else ""
        outside = [r for r in ranked if is_outside_top(r.rank, thresholds.top_n)]
        bottom = [r for r in ranked if is_in_bottom(r.rank, r.ranked_count, thresholds.bottom_n)]
        if outside:
            entries.append(_entry(code, name, WARNING, outside, _warning_targets(code, by_code),
                                  f"全市排名在前 {thresholds.top_n} 名之外"))
        if bottom:
            entries.append(_entry(code, name, INTERVIEW, bottom, _interview_targets(code, by_code),
                                  f"全市排名后 {thresholds.bottom_n} 名"))
        if len({r.period for r in bottom}) >= thresholds.repeat:
            entries.append(_entry(code, name, ADMONITION, bottom, _admonition_targets(code, by_code),
                                  f"{thresholds.repeat} 个及以上考核期排名后 {thresholds.bottom_n} 名"))
    return entries


def unknown_indicator_codes(inputs: RoundInputs) -> list[str]:
    """Codes ranked but absent from the indicator list (their entries name no targets)."""
    known = {ind.code for ind in inputs.indicators}
    return sorted({r.code for r in inputs.ranks if r.code not in known})


# ---------------------------------------------------------------- targets


def _entry(code: str, name: str, action: str, ranked: Sequence[IndicatorRank], targets: list[str],
           rule: str) -> AccountabilityEntry:
    return AccountabilityEntry(indicator=code, indicator_name=name, action=action,
                               periods=tuple(r.period for r in ranked), ranks=tuple(r.rank for r in ranked),
                               ranked_counts=tuple(r.ranked_count for r in ranked),
                               targets=tuple(dict.fromkeys(targets)), rule=rule)


def _ancestors(code: str, by_code: dict[str, Indicator]) -> list[Indicator]:
    """The indicator itself, then its parent, grandparent, … (stops at an unknown code or a cycle)."""
    chain: list[Indicator] = []
    seen: set[str] = set()
    current = by_code.get(code)
    while current is not None and current.code not in seen:
        chain.append(current)
        seen.add(current.code)
        current = by_code.get(current.parent_code) if current.parent_code else None
    return chain


def _label(indicator: Indicator) -> str:
    return f"{LEVELS.get(indicator.level, '')}指标 {indicator.code}"


def _leader(indicator: Indicator) -> str:
    return f"指标长：{indicator.leader or UNFILLED}（{_label(indicator)}）"


def _units(indicator: Indicator, suffix: str = "") -> list[str]:
    units = []
    if indicator.lead_org:
        units.append(f"牵头单位：{indicator.lead_org}{suffix}（{_label(indicator)}）")
    units.extend(f"责任单位：{org}{suffix}（{_label(indicator)}）" for org in indicator.responsible_orgs)
    return units


def _warning_targets(code: str, by_code: dict[str, Indicator]) -> list[str]:
    chain = _ancestors(code, by_code)
    if not chain:
        return []
    top = next((ind for ind in chain if ind.level == 1), chain[-1])
    second = next((ind for ind in chain if ind.level == 2), None)
    targets = [_leader(top)] + _units(chain[0])
    if second is not None and second is not chain[0]:
        targets += _units(second)
    return targets


def _interview_targets(code: str, by_code: dict[str, Indicator]) -> list[str]:
    indicator = by_code.get(code)
    return [_leader(indicator)] if indicator else []


def _admonition_targets(code: str, by_code: dict[str, Indicator]) -> list[str]:
    indicator = by_code.get(code)
    return _units(indicator, suffix=" " + LEADERS) if indicator else []
