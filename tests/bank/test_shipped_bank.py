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
