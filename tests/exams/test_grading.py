"""Grading rules, checked by hand-worked cases."""
from examapp.bank.qtypes import normalise_fill
from examapp.exams.grading import (
    ALL_OR_NOTHING,
    PARTIAL_HALF,
    ItemKey,
    grade_item,
    is_answered,
    validate_response,
)


def test_single_and_truefalse_are_all_or_nothing():
    assert grade_item(ItemKey("single", 1.0, "B"), "B") == 1.0
    assert grade_item(ItemKey("single", 1.0, "B"), "C") == 0.0
    assert grade_item(ItemKey("truefalse", 2.0, False), False) == 2.0
    assert grade_item(ItemKey("truefalse", 2.0, False), True) == 0.0
    assert grade_item(ItemKey("single", 1.0, "B"), None) == 0.0


def test_multiple_all_or_nothing():
    key = ItemKey("multiple", 2.0, ["A", "C", "D"])
    assert grade_item(key, ["A", "C", "D"], ALL_OR_NOTHING) == 2.0
    assert grade_item(key, ["A", "C"], ALL_OR_NOTHING) == 0.0


def test_multiple_partial_half_for_a_subset_without_a_wrong_choice():
    key = ItemKey("multiple", 1.5, ["A", "C", "D"])
    assert grade_item(key, ["A", "C", "D"], PARTIAL_HALF) == 1.5
    assert grade_item(key, ["A", "D"], PARTIAL_HALF) == 0.75      # 少选得一半分
    assert grade_item(key, ["A", "B"], PARTIAL_HALF) == 0.0       # 错选不得分
    assert grade_item(key, ["A", "B", "C", "D"], PARTIAL_HALF) == 0.0
    assert grade_item(key, [], PARTIAL_HALF) == 0.0


def test_fill_is_graded_per_blank_ignoring_width_spaces_and_punctuation():
    key = ItemKey("fill", 2.0, [["30日", "三十日"], ["市场主体"]])
    assert grade_item(key, ["３０日", "市场主体。"]) == 2.0
    assert grade_item(key, ["三十日", "企业"]) == 1.0
    assert grade_item(key, [" ", "市场 主体"]) == 1.0
    assert grade_item(ItemKey("fill", 1.0, [["a"], ["b"], ["c"]]), ["a", "x", "c"]) == 0.67
    assert normalise_fill("“体制机制性”") == "体制机制性"


def test_response_shapes_are_checked():
    keys = ["A", "B", "C", "D"]
    assert validate_response("single", "B", keys, 0) is None
    assert validate_response("single", "E", keys, 0)
    assert validate_response("multiple", ["A", "A"], keys, 0)
    assert validate_response("truefalse", "true", keys, 0)
    assert validate_response("fill", ["x"], keys, 2)
    assert validate_response("fill", ["x", "y"], keys, 2) is None
    assert validate_response("single", None, keys, 0) is None


def test_answered_means_something_was_given():
    assert is_answered("fill", ["", "x"]) and not is_answered("fill", ["", " "])
    assert is_answered("truefalse", False) and not is_answered("multiple", [])


def test_a_fill_blank_with_a_control_character_or_lone_surrogate_is_not_a_valid_response():
    assert validate_response("fill", ["营商环境", "😀 全角　空格"], [], 2) is None
    assert "第 2 空" in validate_response("fill", ["营商环境", "a\tb"], [], 2)
    assert "第 1 空" in validate_response("fill", ["\ud800"], [], 1)
    assert "第 1 空" in validate_response("fill", ["\x00"], [], 1)
