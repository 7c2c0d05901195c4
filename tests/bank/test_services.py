"""Loading the bank, versions that freeze once used, duplicates, deactivation, organiser pages."""
import io

import pytest

from examapp.bank import services
from examapp.bank.core import QuestionData
from examapp.bank.models import Article, Question, QuestionVersion
from examapp.extensions import db
from tests.conftest import login


def a_question(stem="依据条例，营商环境评价应当以（　）为导向。", answer="A") -> QuestionData:
    return QuestionData(type="single", stem=stem,
                        options=[{"key": "A", "text": "市场主体和社会公众满意度"}, {"key": "B", "text": "上级考核"},
                                 {"key": "C", "text": "财政收入"}, {"key": "D", "text": "招商数量"}],
                        answer=answer, explanation="第八条", article=8, difficulty=1)


def test_loading_the_shipped_bank_is_idempotent(app, bank):
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count(Question.id)))
        assert count >= 400
        assert db.session.scalar(db.select(db.func.count(Article.number))) == 72
        outcome = services.load_shipped_bank()
        assert outcome.created == 0 and outcome.updated == 0 and outcome.unchanged == count


def test_editing_an_unused_question_changes_it_in_place(app, bank):
    with app.app_context():
        question = services.create_question(a_question())
        db.session.commit()
        assert services.update_question(question, a_question(stem="依据条例，营商环境评价体系以（　）为导向。"))
        db.session.commit()
        assert question.version == 1 and len(question.versions) == 1
        assert question.current.stem == "依据条例，营商环境评价体系以（　）为导向。"


def test_editing_a_used_question_creates_a_new_version_and_keeps_the_old(app, bank):
    with app.app_context():
        question = services.create_question(a_question())
        db.session.commit()
        first = question.current
        services.mark_versions_used([first.id])
        db.session.commit()
        changed = a_question(answer="B")
        services.update_question(question, changed, note="更正答案")
        db.session.commit()
        assert question.version == 2
        old = db.session.get(QuestionVersion, first.id)
        assert old.answer == "A" and old.used_at is not None
        assert question.current.answer == "B" and question.current.change_note == "更正答案"


def test_duplicate_stem_is_refused_after_normalising(app, bank):
    with app.app_context():
        services.create_question(a_question())
        db.session.commit()
        with pytest.raises(services.BankError, match="重复"):
            services.create_question(a_question(stem="依据条例 ，营商环境评价应当以( )为导向"))


def test_import_is_all_or_nothing(app, bank):
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count(Question.id)))
        good = a_question(stem="新题一（　）。")
        bad = a_question(stem="新题二（　）。", answer="F")
        with pytest.raises(services.BankError) as error:
            services.import_questions([("第 1 题", good), ("第 2 题", bad)])
        assert any(p.startswith("第 2 题：") for p in error.value.problems)
        assert db.session.scalar(db.select(db.func.count(Question.id))) == before


def test_deactivated_question_leaves_the_active_bank(app, bank, client, demo):
    with app.app_context():
        question = db.session.scalar(db.select(Question).where(Question.code == "R01-01"))
        qid = question.id
    login(client, "organizer")
    client.post(f"/bank/questions/{qid}/active")
    with app.app_context():
        assert db.session.get(Question, qid).active is False
    body = client.get("/bank/?article=1").get_data(as_text=True)
    assert f"编号 {qid}（" not in body


def test_organiser_browses_filters_and_sees_coverage(client, bank, demo):
    login(client, "organizer")
    body = client.get("/bank/?type=fill&chapter=2").get_data(as_text=True)
    assert "填空题" in body and "单选题</span>" not in body
    coverage = client.get("/bank/coverage").get_data(as_text=True)
    assert "第七十二条" in coverage and "thin" not in coverage.split("明细")[0].replace('class="coverage-grid"', "")


def test_organiser_adds_and_edits_a_question_through_the_form(app, client, bank, demo):
    login(client, "organizer")
    form = {"type": "multiple", "stem": "依据第八条，开展营商环境评价不得（　）。", "option_a": "影响各地区正常工作",
            "option_b": "增加市场主体负担", "option_c": "听取市场主体意见", "option_d": "公开评价结果",
            "answer": "AB", "explanation": "第八条第二款", "article": "8", "difficulty": "2", "tags": "评价"}
    response = client.post("/bank/questions/new", data=form)
    assert response.status_code == 302
    qid = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/bank/questions/{qid}").get_data(as_text=True)
    assert "第八条 原文" in page and "开展营商环境评价，不得影响各地区" in page
    bad = dict(form, answer="AZ")
    body = client.post(f"/bank/questions/{qid}/edit", data=bad).get_data(as_text=True)
    assert "多选题答案" in body


def test_a_stem_longer_than_the_duplicate_key_column_is_refused(app):
    """stem_key is a 600-character column: PostgreSQL refused a longer one with a 500 before this check."""
    with app.app_context():
        services.load_articles()
        long_stem = "依据条例" * 151 + "（　）"
        with pytest.raises(services.BankError) as refused:
            services.import_questions([("第 1 题", a_question(stem=long_stem))])
        assert refused.value.problems == ["第 1 题：题干过长（不计空白和标点最多 600 字，现有 604 字）"]
        assert db.session.scalar(db.select(db.func.count(Question.id))) == 0


def test_a_file_with_nothing_importable_is_refused_not_reported_as_success(app, client, demo):
    from examapp.audit.models import AuditEntry
    login(client, "organizer")
    gift = b"::q1:: 2 + 2 = {#4}\n"      # a numerical question: a type the bank does not have
    page = client.post("/bank/import", data={"file": (io.BytesIO(gift), "numeric.gift")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "没有可导入的题目" in page and "导入成功" not in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
            AuditEntry.action == "question.import")) == 0
