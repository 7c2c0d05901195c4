"""`flask bank check` also checks the database's questions, document by document, against their own document."""
from __future__ import annotations

from examapp.bank.core import QuestionData
from examapp.extensions import db
from tests.bank.test_documents import SAMPLE, _import
from tests.conftest import reset_postgres_schema

# The sample's article 3 now says 两个工作日, and its article 5 is gone.
REVISED = SAMPLE.replace("三个工作日", "两个工作日").replace("\n第五条 本办法自发布之日起施行。\n", "\n")


def sections(output: str) -> dict[str, str]:
    """The check's output by heading (【题库文件】…, 【数据库】…)."""
    parts = {}
    for block in output.split("【")[1:]:
        heading, _, body = block.partition("\n")
        parts["【" + heading] = body
    return parts


def sample_with_questions(app) -> tuple[int, list[int]]:
    from examapp.bank import services
    with app.app_context():
        _checked, sample = _import(SAMPLE)
        questions = [
            # "三个工作日" is in the sample's article 3, not in the 《条例》's article 3.
            services.create_question(QuestionData(type="fill", stem="服务专员应当在____内答复咨询。",
                                                  answer=[["三个工作日"]], article=3), document_id=sample.id),
            services.create_question(QuestionData(type="truefalse", stem="本办法自发布之日起施行。", answer=True,
                                                  article=5), document_id=sample.id),
        ]
        db.session.commit()
        return sample.id, [q.id for q in questions]


def test_each_documents_questions_are_checked_and_counted_under_its_name(app, bank, runner):
    sample_id, _ids = sample_with_questions(app)
    result = runner.invoke(args=["bank", "check"])
    assert result.exit_code == 0, result.output
    parts = sections(result.output)
    assert list(parts) == ["【题库文件】question_bank/（优化营商环境条例）",
                           "【数据库】《优化营商环境条例》（国务院令第722号）的在用题目：",
                           f"【数据库】《示例市优化营商服务办法》（编号 {sample_id}）的在用题目："]
    regulation = parts["【数据库】《优化营商环境条例》（国务院令第722号）的在用题目："]
    assert "题目总数：518" in regulation and "第七章 附则：4" in regulation and "错误：0 个" in regulation
    sample = parts[f"【数据库】《示例市优化营商服务办法》（编号 {sample_id}）的在用题目："]
    assert "题目总数：2" in sample and "  填空题：1（50%）" in sample
    assert "  第一章 总则：0\n  第二章 服务保障：2\n" in sample
    assert "   1:0 !   2:0 !   3:1 !   4:0 !   5:1 !" in sample
    # Thin coverage of a new document is shown, not failed on.
    assert "少于 3 题的条款：第一条、第二条、第三条、第四条、第五条\n错误：0 个" in sample


def test_a_fill_answer_no_longer_in_its_revised_article_fails_the_check(app, runner):
    from examapp.bank import services
    with app.app_context():
        services.load_articles()
        db.session.commit()
    sample_id, (fill_id, removed_id) = sample_with_questions(app)
    with app.app_context():
        _checked, revised = _import(REVISED, revises_id=sample_id, number="示例政发〔2026〕9号")
        db.session.commit()
    result = runner.invoke(args=["bank", "check"])
    assert result.exit_code == 1
    parts = sections(result.output)
    revised_part = parts["【数据库】《示例市优化营商服务办法》（示例政发〔2026〕9号）的在用题目："]
    assert f"错误：1 个\n  题目 {fill_id}：第 1 空的答案“三个工作日”未在第三条原文中出现" in revised_part
    # The question on the removed article stays on the old text, which is listed while it has questions.
    old_part = parts[f"【数据库】《示例市优化营商服务办法》（编号 {sample_id}，已修订）的在用题目："]
    assert "题目总数：1" in old_part and "错误：0 个" in old_part
    assert "【数据库】《优化营商环境条例》（国务院令第722号）的在用题目：" in parts   # 现行, even without questions


def test_checking_named_files_leaves_the_database_alone(app, bank, runner, tmp_path):
    good = tmp_path / "chapter-97.yaml"
    good.write_text("questions:\n  - code: X3\n    article: 2\n    type: truefalse\n    difficulty: 1\n"
                    "    stem: 示例判断题。\n    answer: true\n    explanation: 见第二条。\n", encoding="utf-8")
    result = runner.invoke(args=["bank", "check", str(good)])
    assert list(sections(result.output)) == ["【题库文件】chapter-97.yaml（优化营商环境条例）"]
    assert "题目总数：1" in result.output


def test_a_database_without_tables_is_skipped_with_a_word(app_factory, engine_name):
    app = app_factory()
    if engine_name == "postgresql":
        with app.app_context():
            reset_postgres_schema()
    result = app.test_cli_runner().invoke(args=["bank", "check"])
    assert result.exit_code == 0, result.output
    assert "【数据库】尚未建表（flask db upgrade），未检查数据库中的题目。" in result.output
