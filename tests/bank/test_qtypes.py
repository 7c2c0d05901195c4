"""The question-type registry: each type's validation and grading by hand-worked cases, a type added in a
test working through the registry, and no list of type codes anywhere else."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from examapp.bank import qtypes
from examapp.bank.core import Article, QuestionData, validate_question
from examapp.exams.grading import ALL_OR_NOTHING, PARTIAL_HALF, ItemKey, grade_item, validate_response

ROOT = Path(__file__).resolve().parents[2] / "examapp"
CODES = {"single", "multiple", "truefalse", "fill"}
ARTICLES = {1: Article(1, 1, "为了持续优化营商环境，不断解放和发展社会生产力，制定本条例。")}
OPTIONS = [{"key": k, "text": t} for k, t in zip("ABCD", ("甲", "乙", "丙", "丁"), strict=True)]


def test_the_four_types_are_registered_in_order_with_their_labels():
    assert qtypes.codes() == ("single", "multiple", "truefalse", "fill")
    assert qtypes.labels() == {"single": "单选题", "multiple": "多选题", "truefalse": "判断题", "fill": "填空题"}
    assert [t.shape.name for t in qtypes.all_types()] == [qtypes.CHOICE_ONE, qtypes.CHOICE_MANY,
                                                          qtypes.TRUE_FALSE, qtypes.BLANKS]
    assert qtypes.from_name("单项选择题") == "single" and qtypes.from_name("判断") == "truefalse"
    assert qtypes.from_name("问答题") is None
    assert qtypes.label("essay") == "essay"


def test_single_choice_grades_all_or_nothing_and_validates_its_answer():
    single = qtypes.get("single")
    assert single.grade("B", "B", 2.0) == 2.0
    assert single.grade("B", "C", 2.0) == 0.0
    assert single.grade("B", ["B"], 2.0) == 0.0
    assert single.grade("B", None, 2.0) == 0.0
    assert single.problems(OPTIONS, "E", "题干（　）", "", None, None, strict=False) == ["答案“E”不是已有选项"]
    assert single.problems(OPTIONS[:3], "A", "题干（　）", "", None, None, strict=True) == [
        "单选题应有 4 个选项（现有 3 个）"]
    assert single.response_problem("Z", ["A", "B"], 1) == "单选题答案应为一个选项字母"


def test_multiple_choice_half_credit_only_for_a_strict_subset():
    multiple = qtypes.get("multiple")
    assert multiple.grade(["A", "C"], ["C", "A"], 3.0) == 3.0
    assert multiple.grade(["A", "C", "D"], ["A"], 3.0, partial=True) == 1.5
    assert multiple.grade(["A", "C", "D"], ["A"], 3.0, partial=False) == 0.0
    assert multiple.grade(["A", "C"], ["A", "B"], 3.0, partial=True) == 0.0
    assert multiple.grade(["A", "C"], [], 3.0, partial=True) == 0.0
    assert multiple.problems(OPTIONS, ["A"], "题干", "", None, None, strict=False) == ["多选题至少应有 2 个正确选项"]
    assert multiple.problems(OPTIONS, ["A", "B", "C", "D"], "题干", "", None, None, strict=True) == [
        "多选题不应所有选项都正确"]
    assert multiple.canonical_response(["C", "A"]) == ["A", "C"]
    assert multiple.in_letters(["A", "C"], {"A": "B", "C": "A"}) == ["A", "B"]


def test_truefalse_needs_a_boolean():
    truefalse = qtypes.get("truefalse")
    assert truefalse.grade(False, False, 1.0) == 1.0
    assert truefalse.grade(False, 0, 1.0) == 0.0
    assert truefalse.from_text("√") is True and truefalse.from_text("错") is False
    assert truefalse.problems([], "对", "题干", "", None, None, strict=False) == ["判断题答案应为“正确”或“错误”"]
    assert truefalse.problems(OPTIONS, True, "题干", "", None, None, strict=False) == ["判断题不应有选项"]


def test_fill_grades_per_blank_ignoring_width_and_punctuation():
    fill = qtypes.get("fill")
    key = [["营商环境"], ["社会生产力", "生产力"]]
    assert fill.grade(key, ["营商环境。", "生产力"], 2.0) == 2.0
    assert fill.grade(key, ["营商 环境", "劳动力"], 2.0) == 1.0
    assert fill.grade(key, ["", ""], 2.0) == 0.0
    assert fill.from_text("营商环境|社会生产力/生产力") == key
    assert fill.to_text(key) == "营商环境|社会生产力/生产力"
    assert fill.problems([], [["营商环境"]], "持续优化____。", "", ARTICLES[1].text, 1, strict=False) == []
    assert fill.problems([], [["服务"]], "持续优化____。", "", ARTICLES[1].text, 1, strict=False) == [
        "第 1 空的答案“服务”未在第一条原文中出现"]
    assert fill.problems([], [["a"], ["b"]], "只有____。", "", None, None, strict=False) == ["题干有 1 个空，答案有 2 个"]
    assert fill.response_problem(["a\tb"], [], 1).startswith("填空题第 1 空含有不能保存的字符")


@pytest.fixture()
def yesno():
    """A type registered in this test only: a true/false question labelled 是非题."""
    added = qtypes.register(qtypes.QuestionType("yesno", "是非题", qtypes.SHAPES[qtypes.TRUE_FALSE], (5, 2)))
    yield added
    qtypes.unregister("yesno")


def test_a_type_registered_elsewhere_validates_grades_and_is_offered(yesno, app):
    question = QuestionData(type="yesno", stem="营商环境是市场主体的体制机制性因素和条件。", answer="是")
    assert validate_question(question, ARTICLES) == ["是非题答案应为“正确”或“错误”"]
    question.answer = True
    assert validate_question(question, ARTICLES) == []
    assert grade_item(ItemKey("yesno", 2.0, True), True) == 2.0
    assert grade_item(ItemKey("yesno", 2.0, True), False, PARTIAL_HALF) == 0.0
    assert validate_response("yesno", "yes", [], 1) == "是非题答案应为 true 或 false"
    assert ("yesno", "是非题") in qtypes.choices()
    from examapp.bank.forms import QuestionForm
    from examapp.exams.forms import exam_form
    with app.test_request_context():
        assert "yesno" in [c.value for c in QuestionForm().type.choices]
        assert ("yesno", "是非题") in [(code, sub.label.text) for code, sub in exam_form().section_forms()]


def test_grade_item_of_an_unknown_type_earns_nothing():
    assert grade_item(ItemKey("essay", 5.0, "x"), "x", ALL_OR_NOTHING) == 0.0
    assert validate_response("essay", "x", [], 1) == "未知题型"


def _python_lists_of_codes(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        elements = (node.keys if isinstance(node, ast.Dict)
                    else node.elts if isinstance(node, ast.List | ast.Tuple | ast.Set) else [])
        named = {e.value for e in elements if isinstance(e, ast.Constant) and e.value in CODES}
        if len(named) >= 2:
            lines.append(node.lineno)
    return lines


# A bracketed run without nested brackets naming two or more codes in quotes (a JS array or object,
# a Jinja list, tuple or dict).
_BRACKETED = re.compile(r"[\[({][^\[\](){}]*[\])}]")
_QUOTED_CODE = re.compile(r"""["']?\b(single|multiple|truefalse|fill)\b["']?\s*[:,\])}]""")


def _text_lists_of_codes(path: Path) -> list[int]:
    text = path.read_text(encoding="utf-8")
    found = []
    for match in _BRACKETED.finditer(text):
        named = {m.group(1) for m in _QUOTED_CODE.finditer(match.group(0))}
        if len(named) >= 2:
            found.append(text.count("\n", 0, match.start()) + 1)
    return found


def test_no_list_of_type_codes_outside_the_registry():
    registry, own_templates = ROOT / "bank" / "qtypes.py", ROOT / "templates" / "qtypes"
    offenders = []
    for path in sorted(ROOT.rglob("*")):
        if path == registry or own_templates in path.parents or "vendor" in path.parts:
            continue
        if path.suffix == ".py":
            lines = _python_lists_of_codes(path)
        elif path.suffix in (".html", ".js"):
            lines = _text_lists_of_codes(path)
        else:
            continue
        offenders += [f"{path.relative_to(ROOT)}:{line}" for line in lines]
    assert offenders == []


def test_the_scan_catches_a_list_of_codes(tmp_path):
    python, script = tmp_path / "x.py", tmp_path / "x.js"
    python.write_text('if t in ("single", "multiple"):\n    pass\n', encoding="utf-8")
    script.write_text('const LABELS = { single: "单选题", fill: "填空题" };\n', encoding="utf-8")
    assert _python_lists_of_codes(python) == [1]
    assert _text_lists_of_codes(script) == [1]
