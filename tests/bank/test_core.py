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
    ({"article": 99}, "第99条”不存在"),
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
    assert any("未在第2条原文中出现" in p for p in validate_question(wrong, regulation.articles_by_number))
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
