"""Presenting a paper: options in the order shown, the key in the candidate's letters, one item."""
from __future__ import annotations

from examapp.bank import qtypes
from examapp.bank.core import OPTION_KEYS, count_blanks
from examapp.bank.models import QuestionVersion
from examapp.exams import grading
from examapp.exams.models import (
    PaperItem,
)


def display_options(version: QuestionVersion, option_order: list[str]) -> list[dict]:
    texts = {o["key"]: o["text"] for o in version.options or []}
    return [{"key": OPTION_KEYS[i], "text": texts[original]} for i, original in enumerate(option_order)]


def display_answer(version: QuestionVersion, option_order: list[str]) -> object:
    """The correct answer in the letters this candidate saw."""
    to_display = {original: OPTION_KEYS[i] for i, original in enumerate(option_order)}
    qtype = qtypes.find(version.type)
    return qtype.in_letters(version.answer, to_display) if qtype else version.answer


def present_item(version: QuestionVersion, option_order: list[str], item_id: int, points: float,
                 section: int = 0) -> dict:
    """A paper item for the candidate's browser: never the key or the explanation."""
    item = {"item": item_id, "type": version.type, "stem": version.stem, "points": points, "section": section,
            "options": display_options(version, option_order) if qtypes.has_options(version.type) else []}
    if qtypes.has_blanks(version.type):
        item["blanks"] = max(1, count_blanks(version.stem))
    return item


def item_key(item: PaperItem) -> grading.ItemKey:
    """The key that grades an item: the version shown, or the corrected one after a regrade."""
    return grading.ItemKey(type=item.type, points=item.points, answer=display_answer(item.key_version, item.option_order))
