"""Grading of objective questions (pure): each type's rule is in ``bank/qtypes.py`` (all-or-nothing,
half for a partial multiple choice when the exam says so, fill per blank); this names the exam's rule."""
from __future__ import annotations

from dataclasses import dataclass

from examapp.bank import qtypes

ALL_OR_NOTHING = "all_or_nothing"
PARTIAL_HALF = "partial_half"
MULTIPLE_RULES = {ALL_OR_NOTHING: "全部选对才得分", PARTIAL_HALF: "少选得一半分，错选不得分"}


@dataclass(frozen=True)
class ItemKey:
    """What grading needs of one paper item: its type, points and correct answer (original keys)."""
    type: str
    points: float
    answer: object


def grade_item(key: ItemKey, response: object, multiple_rule: str = ALL_OR_NOTHING) -> float:
    """Points earned for one response (None or an empty response earns nothing)."""
    qtype = qtypes.find(key.type)
    if qtype is None:
        return 0.0
    return qtype.grade(key.answer, response, key.points, partial=multiple_rule == PARTIAL_HALF)


def is_answered(qtype: str, response: object) -> bool:
    found = qtypes.find(qtype)
    return found is not None and found.is_answered(response)


def validate_response(qtype: str, response: object, option_keys: list[str], blanks: int) -> str | None:
    """Why a response has the wrong shape for its question (Chinese), or None. None clears an answer."""
    found = qtypes.find(qtype)
    if found is None:
        return None if response is None else "未知题型"
    return found.response_problem(response, option_keys, blanks)
