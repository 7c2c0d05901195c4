"""The review pages (candidate's result, organiser's attempt view) explain in the letters the paper showed."""
import re
from datetime import timedelta

from examapp.accounts.models import User
from examapp.bank import services as bank
from examapp.bank.core import QuestionData
from examapp.bank.models import Question
from examapp.exams import services
from examapp.exams.assembly import Section
from examapp.exams.attempts import start_attempt, submit_attempt
from examapp.exams.autosave import save_answer
from examapp.exams.marking import regrade_question
from examapp.exams.models import Attempt, PaperItem
from examapp.extensions import db
from examapp.timeutil import utcnow
from tests.conftest import login

OPTIONS = {"A": "以市场主体需求为导向", "B": "以财政收入为导向", "C": "以市场主体和社会公众满意度为导向",
           "D": "以招商数量为导向"}
EXPLANATION = "A、C正确：依据条例。B项与条文相反，选项D错误。"
# The paper shows the bank's D, A, B, C as A–D: bank A is shown as B, B as C, C as D and D as A.
ORDER = ["D", "A", "B", "C"]
SHOWN = "B、D正确：依据条例。C项与条文相反，选项A错误。"


def sat_paper(app, explanation=EXPLANATION) -> tuple[int, int, int]:
    """One multiple-choice question, sj01's paper showing it in ORDER, answered and submitted."""
    with app.app_context():
        question = bank.create_question(QuestionData(
            type="multiple", stem="营商环境评价应当以（　）为导向。（复核解析测试）",
            options=[{"key": k, "text": t} for k, t in OPTIONS.items()], answer=["A", "C"],
            explanation=explanation, difficulty=1))
        now = utcnow().replace(microsecond=0)
        exam = services.save_exam(services.ExamDefinition(
            title="解析字母", description="", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=2),
            duration_minutes=30, sections=[Section("multiple", 1, 2.0)], pass_mark=1, review_policy="after_submit"))
        services.publish_exam(exam)
        sj01 = db.session.scalar(db.select(User).where(User.username == "sj01"))
        attempt = start_attempt(exam, sj01)
        attempt.items[0].option_order = ORDER
        db.session.flush()
        save_answer(attempt.id, sj01.id, attempt.items[0].id, ["B", "C"], 1)
        submit_attempt(attempt)
        db.session.commit()
        return exam.id, attempt.id, question.id


def ticked(page: str) -> list[str]:
    return re.findall(r"<li[^>]*>\s*([A-F])\. [^<]*✓", page)


def test_review_pages_explain_in_the_letters_the_paper_showed(app, client, demo):
    exam_id, attempt_id, _ = sat_paper(app)
    login(client, "sj01")
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert f"B. {OPTIONS['A']}" in page and f"D. {OPTIONS['C']}" in page
    assert ticked(page) == ["B", "D"]
    assert f"解析：</strong>{SHOWN}" in page and EXPLANATION not in page
    organiser = app.test_client()
    login(organiser, "organizer")
    page = organiser.get(f"/manage/exams/{exam_id}/attempts/{attempt_id}").get_data(as_text=True)
    assert ticked(page) == ["B", "D"]
    assert f"解析：</strong>{SHOWN}" in page and EXPLANATION not in page


def test_review_shows_the_corrected_explanation_after_a_regrade(app, client, demo):
    exam_id, attempt_id, question_id = sat_paper(app, explanation="A、C正确。")
    with app.app_context():
        question = db.session.get(Question, question_id)
        corrected = QuestionData(**question.current.as_data().as_dict() | {"explanation": "A、C正确，D项也不对。"})
        bank.update_question(question, corrected, note="更正解析")
        regrade_question(db.session.get(Attempt, attempt_id).exam, question_id, "解析有误")
        db.session.commit()
        assert db.session.scalar(db.select(PaperItem.option_order).where(PaperItem.attempt_id == attempt_id)) == ORDER
    login(client, "sj01")
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "解析：</strong>B、D正确，A项也不对。" in page
