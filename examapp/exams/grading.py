"""Grading of objective questions (pure): all-or-nothing, half for a partial multiple choice, fill per blank."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from examapp.bank.core import normalise_width

ALL_OR_NOTHING = "all_or_nothing"
PARTIAL_HALF = "partial_half"
MULTIPLE_RULES = {ALL_OR_NOTHING: "全部选对才得分", PARTIAL_HALF: "少选得一半分，错选不得分"}


def normalise_fill(text: str) -> str:
    """Whitespace, full/half width and punctuation do not decide a fill-in answer."""
    folded = normalise_width(text or "")
    return "".join(ch for ch in folded if not unicodedata.category(ch).startswith("P")).lower()


@dataclass(frozen=True)
class ItemKey:
    """What grading needs of one paper item: its type, points and correct answer (original keys)."""
    type: str
    points: float
    answer: object


def grade_item(key: ItemKey, response: object, multiple_rule: str = ALL_OR_NOTHING) -> float:
    """Points earned for one response (None or an empty response earns nothing)."""
    if response is None:
        return 0.0
    if key.type == "single":
        return key.points if isinstance(response, str) and response == key.answer else 0.0
    if key.type == "truefalse":
        return key.points if isinstance(response, bool) and response is key.answer else 0.0
    if key.type == "multiple":
        if not isinstance(response, list) or not response:
            return 0.0
        chosen, correct = set(response), set(key.answer)
        if chosen == correct:
            return key.points
        if multiple_rule == PARTIAL_HALF and chosen < correct:
            return round(key.points / 2, 2)
        return 0.0
    if key.type == "fill":
        blanks = key.answer or []
        if not isinstance(response, list) or not blanks:
            return 0.0
        right = 0
        for index, accepted in enumerate(blanks):
            given = response[index] if index < len(response) else ""
            value = normalise_fill(given if isinstance(given, str) else "")
            if value and any(value == normalise_fill(alt) for alt in accepted):
                right += 1
        return round(key.points * right / len(blanks), 2)
    return 0.0


def is_answered(qtype: str, response: object) -> bool:
    if response is None:
        return False
    if qtype == "fill":
        return isinstance(response, list) and any(isinstance(r, str) and r.strip() for r in response)
    if qtype == "multiple":
        return isinstance(response, list) and len(response) > 0
    if qtype == "single":
        return isinstance(response, str) and bool(response)
    return isinstance(response, bool)


def validate_response(qtype: str, response: object, option_keys: list[str], blanks: int) -> str | None:
    """Why a response has the wrong shape for its question (Chinese), or None. None clears an answer."""
    if response is None:
        return None
    if qtype == "single":
        ok = isinstance(response, str) and response in option_keys
        return None if ok else "单选题答案应为一个选项字母"
    if qtype == "multiple":
        ok = (isinstance(response, list) and all(isinstance(k, str) and k in option_keys for k in response)
              and len(set(response)) == len(response))
        return None if ok else "多选题答案应为选项字母列表"
    if qtype == "truefalse":
        return None if isinstance(response, bool) else "判断题答案应为 true 或 false"
    if qtype == "fill":
        ok = (isinstance(response, list) and len(response) == blanks
              and all(isinstance(v, str) and len(v) <= 200 for v in response))
        if not ok:
            return f"填空题答案应为 {blanks} 个文字"
        for number, value in enumerate(response, start=1):
            if not is_storable_text(value):
                return f"填空题第 {number} 空含有不能保存的字符（如制表符、换行等控制字符或残缺的文字编码），请删除后重新填写"
        return None
    return "未知题型"


def is_storable_text(value: str) -> bool:
    """No control characters (tab and newline included: a blank is one line; the page sends spaces)
    and no lone surrogates (not text: they cannot be written out as UTF-8, so pages showing them fail)."""
    return not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value)
