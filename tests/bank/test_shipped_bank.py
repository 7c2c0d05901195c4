"""The shipped bank passes `flask bank check`: ≥ 400 questions, every article tested at least 3 times."""
from examapp.bank.shipped import chapter_files, check_bank, load_regulation


def test_shipped_bank_is_valid_and_covers_every_article():
    regulation = load_regulation()
    report = check_bank(regulation, chapter_files())
    assert report.errors == []
    assert len(report.questions) >= 400
    assert report.thin_articles == []
    total = len(report.questions)
    shares = {t: report.per_type[t] / total for t in ("single", "multiple", "truefalse", "fill")}
    assert shares["single"] >= 0.40 and shares["multiple"] >= 0.20
    assert shares["truefalse"] >= 0.15 and shares["fill"] >= 0.10


def test_bank_check_command_prints_coverage_and_passes(runner):
    result = runner.invoke(args=["bank", "check"])
    assert result.exit_code == 0, result.output
    assert "题目总数" in result.output and "错误：0 个" in result.output
    assert "第七章 附则" in result.output


def test_bank_check_fails_on_a_broken_file(runner, tmp_path):
    bad = tmp_path / "chapter-99.yaml"
    bad.write_text("questions:\n  - code: X1\n    article: 2\n    type: single\n    stem: 问（　）。\n"
                   "    options: {A: 甲, B: 乙}\n    answer: C\n", encoding="utf-8")
    result = runner.invoke(args=["bank", "check", str(bad)])
    assert result.exit_code == 1
    assert "答案“C”不是已有选项" in result.output and "单选题应有 4 个选项" in result.output


def test_every_option_letter_in_the_shipped_explanations_can_be_renamed():
    """About a quarter of the explanations name options by letter; each such letter must be found as
    an option of its question, so that a shuffled paper shows the letters the candidate saw."""
    import re

    from examapp.bank.letters import explanation_letter_problems, find_letter_references
    report = check_bank(load_regulation(), chapter_files())
    naming = 0
    for item in report.questions:
        data = item.data
        capitals = re.findall("[A-ZＡ-Ｚ]", data.explanation)
        if data.type not in ("single", "multiple"):
            assert capitals == [], item.where   # no options shown, so no letter may be named
            continue
        keys = [o["key"] for o in data.options]
        assert explanation_letter_problems(data.explanation, keys) == [], item.where
        found = "".join(r.letters for r in find_letter_references(data.explanation) if r.certain)
        assert len(found) == len(capitals), (item.where, data.explanation)
        naming += bool(found)
    assert naming >= 100


def test_bank_check_names_explanations_whose_letters_cannot_be_renamed(runner, tmp_path):
    crafted = tmp_path / "chapter-98.yaml"
    crafted.write_text("questions:\n  - code: X2\n    article: 2\n    type: single\n    difficulty: 1\n"
                       "    stem: 营商环境是指（　）。\n    options: {A: 甲, B: 乙, C: 丙, D: 丁}\n    answer: A\n"
                       "    explanation: 依据第二条，A 正确；E 是干扰项，这也是 ACE 原则。\n", encoding="utf-8")
    result = runner.invoke(args=["bank", "check", str(crafted)])
    assert result.exit_code == 1
    assert "chapter-98.yaml 第1题（X2）：解析中“…二条，A 正确；E 是干扰项，这也…”提到的选项 E 在本题中不存在" in result.output
    assert "chapter-98.yaml 第1题（X2）：解析中“…干扰项，这也是 ACE 原则。”的“ACE”不能确定是否指选项" in result.output
