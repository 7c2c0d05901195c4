"""The bank's pure rules: regulation parsing, normalisation, question validation, answers as typed."""
import pytest

from examapp.bank.core import (
    QuestionData,
    answer_from_text,
    answer_to_text,
    cn_numeral_to_int,
    count_blanks,
    grade_fill_blank,
    int_to_cn_numeral,
    normalise_stem,
    validate_question,
)
from examapp.bank.letters import explanation_letter_problems, find_letter_references, remap_option_letters
from examapp.bank.shipped import load_regulation


@pytest.fixture(scope="module")
def regulation():
    return load_regulation()


def test_regulation_has_72_articles_in_7_chapters(regulation):
    assert len(regulation.articles) == 72 and len(regulation.chapters) == 7
    assert [c.title for c in regulation.chapters][0] == "总则"
    chapter_of = {a.number: a.chapter for a in regulation.articles}
    assert (chapter_of[9], chapter_of[10], chapter_of[33], chapter_of[34], chapter_of[72]) == (1, 2, 3, 4, 7)


def test_article_text_keeps_its_paragraphs_and_items(regulation):
    art = regulation.article(3)
    assert art.text.startswith("国家持续深化简政放权")
    assert "以公开为常态、不公开为例外" in art.text.split("\n")[1]
    assert "（一）" in regulation.article(69).text


@pytest.mark.parametrize(("text", "number"), [("一", 1), ("十", 10), ("十一", 11), ("二十", 20),
                                              ("二十八", 28), ("七十二", 72), ("一百零五", 105)])
def test_chinese_numerals_both_ways(text, number):
    assert cn_numeral_to_int(text) == number
    assert int_to_cn_numeral(number) == text


def test_stem_normalisation_ignores_width_spaces_and_punctuation():
    assert normalise_stem("市场主体依法享有经营自主权。") == normalise_stem("市场主体依法享有 经营自主权")
    assert normalise_stem("期限为３０日（　）") == normalise_stem("期限为30日")
    assert normalise_stem("甲") != normalise_stem("乙")


def test_fill_answers_are_graded_width_insensitively():
    assert grade_fill_blank("３０日", ["30日"])
    assert grade_fill_blank(" 30日 ", ["三十日", "30日"])
    assert not grade_fill_blank("", ["30日"])
    assert not grade_fill_blank("15日", ["30日"])


def single(**kw):
    base = dict(type="single", stem="题干（　）", options=[{"key": k, "text": t} for k, t in zip("ABCD", "甲乙丙丁", strict=True)],
                answer="A", explanation="因为", article=1, difficulty=1)
    base.update(kw)
    return QuestionData(**base)


def test_valid_single_choice_passes_strict_rules(regulation):
    assert validate_question(single(), regulation.articles_by_number, strict=True) == []


@pytest.mark.parametrize(("change", "message"), [
    ({"answer": "E"}, "不是已有选项"),
    ({"article": 99}, "第九十九条”不存在"),
    ({"difficulty": 5}, "难度"),
    ({"options": [{"key": "A", "text": "甲"}, {"key": "A", "text": "乙"}]}, "选项字母重复"),
    ({"options": [{"key": k, "text": "同"} for k in "ABCD"]}, "内容相同"),
    ({"explanation": ""}, "缺少解析"),
])
def test_invalid_single_choice_is_reported(regulation, change, message):
    problems = validate_question(single(**change), regulation.articles_by_number, strict=True)
    assert any(message in p for p in problems), problems


def test_multiple_choice_needs_two_correct_and_not_all(regulation):
    q = single(type="multiple", answer=["A"])
    assert any("至少应有 2 个" in p for p in validate_question(q, regulation.articles_by_number))
    q = single(type="multiple", answer=["A", "B", "C", "D"])
    assert any("不应所有选项都正确" in p for p in validate_question(q, regulation.articles_by_number, strict=True))


def test_fill_answer_must_appear_in_the_cited_article(regulation):
    ok = QuestionData(type="fill", stem="营商环境是指……____因素和条件。", answer=[["体制机制性"]],
                      explanation="第二条", article=2, difficulty=1)
    assert validate_question(ok, regulation.articles_by_number, strict=True) == []
    wrong = QuestionData(type="fill", stem="营商环境是指……____因素和条件。", answer=[["政策性"]],
                         explanation="第二条", article=2, difficulty=1)
    assert any("未在第二条原文中出现" in p for p in validate_question(wrong, regulation.articles_by_number))
    blanks = QuestionData(type="fill", stem="____和____", answer=[["体制机制性"]], article=2)
    assert any("2 个空，答案有 1 个" in p for p in validate_question(blanks, regulation.articles_by_number))


def test_answers_written_the_chinese_way_are_understood():
    assert answer_from_text("single", "ｂ") == "B"
    assert answer_from_text("multiple", "DBA") == ["A", "B", "D"]
    assert answer_from_text("multiple", "A、C") == ["A", "C"]
    for word, value in [("正确", True), ("对", True), ("√", True), ("错误", False), ("错", False), ("×", False)]:
        assert answer_from_text("truefalse", word) is value
    assert answer_from_text("fill", "30日/三十日|市场主体") == [["30日", "三十日"], ["市场主体"]]
    assert answer_from_text("fill", "甲；乙") == [["甲"], ["乙"]]
    with pytest.raises(ValueError, match="判断题答案"):
        answer_from_text("truefalse", "也许")
    assert answer_to_text("fill", [["30日", "三十日"], ["市场主体"]]) == "30日/三十日|市场主体"


def test_blanks_are_counted_in_both_notations():
    assert count_blanks("甲____乙（　）丙(  )") == 3


# --- option letters in explanations, renamed for a shuffled paper ------------------------------------

def test_letters_of_a_real_explanation_follow_the_shuffle():
    # R01-02 (options A–E, key ABC). The paper shows the bank's E, C, A, D, B as A–E, so the bank's
    # A, B, C are shown as C, E, B (listed in order: B、C、E), D stays D and E is shown as A.
    text = ("依据第一条，立法目的是持续优化营商环境、不断解放和发展社会生产力、加快建设现代化经济体系、推动高质量发展，"
            "A、B、C均为原文所列。条例讲的是“高质量发展”而不是“高速增长”，D错误；扩大行政审批事项与条例简政放权的取向相反，E错误。")
    assert remap_option_letters(text, ["E", "C", "A", "D", "B"]) == (
        "依据第一条，立法目的是持续优化营商环境、不断解放和发展社会生产力、加快建设现代化经济体系、推动高质量发展，"
        "B、C、E均为原文所列。条例讲的是“高质量发展”而不是“高速增长”，D错误；扩大行政审批事项与条例简政放权的取向相反，A错误。")


def test_a_list_matched_item_by_item_keeps_its_order():
    # R70-02: "B、C、A 分别是…第（一）（二）（三）项". Shown order D, C, A, B: bank D→A, C→B, A→C, B→D.
    text = "依据第七十条，B、C、A 分别是该条第（一）（二）（三）项规定的应当责令改正的情形。D 正是履行第（一）项要求的公开义务。"
    assert remap_option_letters(text, ["D", "C", "A", "B"]) == (
        "依据第七十条，D、B、C 分别是该条第（一）（二）（三）项规定的应当责令改正的情形。A 正是履行第（一）项要求的公开义务。")


def test_letters_in_brackets_and_before_xiang_follow_the_shuffle():
    # R35-04: shown order B, A, E, C, D: bank A→B, E→C, C→D, D→E, B→A.
    text = "编制并公开办事指南（A），细化量化政务服务标准（E），压缩自由裁量权（C），推进无差别受理（D）。B 项既扩大了自由裁量。"
    assert remap_option_letters(text, ["B", "A", "E", "C", "D"]) == (
        "编制并公开办事指南（B），细化量化政务服务标准（C），压缩自由裁量权（D），推进无差别受理（E）。A 项既扩大了自由裁量。")


@pytest.mark.parametrize(("text", "shown"), [
    # Shown order C, A, D, B: bank A→B, B→D, C→A, D→C.
    ("选项B与条文相反", "选项D与条文相反"),
    ("A选项正确", "B选项正确"),
    ("B、C、D项均错误", "A、C、D项均错误"),
    ("ABD均正确", "BCD均正确"),
    ("故选AC。", "故选AB。"),
    ("答案为 CD", "答案为 AC"),
    ("A和C都对", "B和A都对"),            # a pair joined by 和 keeps its order
    ("A、C 不对，前者缩小范围，后者方向相反", "B、A 不对，前者缩小范围，后者方向相反"),
    ("A. 是原文；D.不是", "B. 是原文；C.不是"),
    ("（Ａ）与Ｃ项", "（Ｂ）与Ａ项"),        # full-width letters stay full-width
    ("D超出了时限", "C超出了时限"),         # 超出 is a verb, not "B超"
])
def test_forms_of_letter_references_are_renamed(text, shown):
    assert remap_option_letters(text, ["C", "A", "D", "B"]) == shown


@pytest.mark.parametrize("text", [
    "纳税信用A级企业可以通过APP办理，B2B平台和E-mail均可，A类、C端、A股不受影响，见第12条。",
    "A/B测试",
    "依据第七十条第（一）项。",
])
def test_text_that_names_no_option_is_left_alone(text):
    assert remap_option_letters(text, ["C", "A", "D", "B"]) == text
    assert all(not r.certain for r in find_letter_references(text))


def test_unshuffled_options_leave_the_text_as_written():
    text = "C、A 均正确，B 错误。"
    assert remap_option_letters(text, ["A", "B", "C", "D"]) == text
    assert remap_option_letters(text, []) == text


@pytest.mark.parametrize(("text", "message"), [
    ("A、B 正确，E 错误。", "“A、B 正确，E 错误。”提到的选项 E 在本题中不存在"),
    ("选项F不对", "选项 F 在本题中不存在"),
    ("这是 ACE 原则。", "“这是 ACE 原则。”的“ACE”不能确定是否指选项"),
    ("A/B 都对", "的“A”不能确定是否指选项"),
    ("选项b不对", "的“b”不能确定是否指选项"),
    ("A公司向C市申请登记", "的“A”不能确定是否指选项"),   # a party in a case, or option A's text "公司…"?
])
def test_letters_that_cannot_be_renamed_are_reported(text, message):
    problems = explanation_letter_problems(text, ["A", "B", "C", "D"])
    assert any(message in p for p in problems), problems


def test_letters_that_cannot_be_renamed_stay_as_written():
    assert remap_option_letters("E 错误；这是 ACE 原则；A 正确。", ["B", "A", "C", "D"]) == "E 错误；这是 ACE 原则；B 正确。"
    assert remap_option_letters("A公司向C市申请，C 企业无权。", ["B", "A", "C", "D"]) == "A公司向C市申请，C 企业无权。"


def test_a_question_whose_explanation_names_a_missing_option_is_invalid(regulation):
    question = single(explanation="A 正确，E 是干扰项。")
    for strict in (False, True):
        problems = validate_question(question, regulation.articles_by_number, strict=strict)
        assert any("选项 E 在本题中不存在" in p for p in problems), problems
    assert validate_question(single(explanation="A 正确，B、C、D 错误。"), regulation.articles_by_number, strict=True) == []
