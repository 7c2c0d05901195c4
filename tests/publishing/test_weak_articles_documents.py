"""Weak articles on the result page and the score card when an exam draws on a second policy document: the article
is that document's, named and quoted from it (both engines)."""
from sqlalchemy import select

from examapp.accounts.models import User
from examapp.bank.models import Question
from examapp.exams import proctoring
from examapp.exams.assembly import Section
from examapp.exams.attempts import start_attempt, submit_attempt
from examapp.exams.autosave import save_answer
from examapp.exams.papers import display_answer
from examapp.extensions import db
from tests.conftest import login
from tests.exams.conftest import open_exam
from tests.exams.test_documents import sample_with_questions
from tests.publishing.test_publishing import sj01_score_card

TITLE = "《示例市优化营商服务办法》"


def sit_sample_exam(app) -> tuple[int, int]:
    """sj01 sits an exam of two 《条例》 true/false items and the sample's three, all right but the sample's
    第三条 (its answer is true; sj01 says false); the exam then closes. Returns (exam id, attempt id)."""
    sample_id, _ = sample_with_questions(app)
    with app.app_context():
        exam = open_exam(title="十月知识考试", pass_mark=3, sections=[Section("truefalse", 2, 1.0),
                                                       Section("truefalse", 3, 1.0, document=sample_id)])
        user = db.session.scalar(select(User).where(User.username == "sj01"))
        attempt = start_attempt(exam, user)
        for seq, item in enumerate(attempt.items, start=1):
            question = db.session.get(Question, item.version.question_id)
            wrong = (question.document_id, question.article_number) == (sample_id, 3)
            save_answer(attempt.id, user.id, item.id, not display_answer(item.version, item.option_order)
                        if wrong else display_answer(item.version, item.option_order), seq)
        submit_attempt(attempt)
        proctoring.close_now(exam, "考试结束")
        db.session.commit()
        assert (attempt.score, attempt.max_score) == (4.0, 5.0)
        return exam.id, attempt.id


def test_the_score_card_quotes_the_second_documents_weak_article(app, bank, demo):
    exam_id, _ = sit_sample_exam(app)
    card = sj01_score_card(app, [exam_id])
    # The only article below full marks is the sample's 第三条 (0 of 1), quoted from the sample, not the
    # 《条例》's 第三条 (国家持续深化简政放权……).
    assert card["weakest_articles"] == [{"article": f"{TITLE}第三条", "mastery": 0.0,
                                         "title": "服务专员应当在三个工作日内答复市场主体的咨询。"}]


def test_the_result_page_names_the_second_documents_weak_article(app, bank, demo):
    _exam_id, attempt_id = sit_sample_exam(app)     # closed: the result page lists the weak articles
    client = app.test_client()
    login(client, "sj01")
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert f"需要加强的条款：</strong>\n    <span class=\"badge text-bg-light border me-1\">{TITLE}第三条 得分率 0%</span>" in page


def test_the_score_card_pools_the_weak_articles_of_every_counted_exam(app, bank, demo):
    """Two counted exams: the sample's 第三条 wrong in the first, one 《条例》 article wrong in the second. The card
    lists both (each 0 of 1), not only the last exam's."""
    first_exam, _ = sit_sample_exam(app)
    with app.app_context():
        second = open_exam(title="十一月知识考试", pass_mark=1, sections=[Section("truefalse", 2, 1.0)])
        user = db.session.scalar(select(User).where(User.username == "sj01"))
        attempt = start_attempt(second, user)
        wrong_article = attempt.items[0].version.article_number     # every item on it answered wrong
        for seq, item in enumerate(attempt.items, start=1):
            right = display_answer(item.version, item.option_order)
            save_answer(attempt.id, user.id, item.id,
                        not right if item.version.article_number == wrong_article else right, seq)
        submit_attempt(attempt)
        proctoring.close_now(second, "考试结束")
        db.session.commit()
        second_exam = second.id
    card = sj01_score_card(app, [first_exam, second_exam])
    from examapp.bank.core import int_to_cn_numeral
    assert sorted(w["article"] for w in card["weakest_articles"]) == sorted(
        [f"{TITLE}第三条", f"第{int_to_cn_numeral(wrong_article)}条"])
    assert {w["mastery"] for w in card["weakest_articles"]} == {0.0}
