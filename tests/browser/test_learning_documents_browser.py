"""On a phone, a candidate chooses the second policy document on the practice page and practises its question."""
import pytest
from playwright.sync_api import expect

from tests.browser.test_learning_browser import answer_card, log_in
from tests.exams.test_documents import sample_with_questions

pytestmark = pytest.mark.browser


def test_a_candidate_practises_a_question_of_the_second_document_on_a_phone(app, live_server, page, bank, demo):
    sample_id, sample_questions = sample_with_questions(app)
    page.set_viewport_size({"width": 360, "height": 760})
    log_in(page, live_server)
    page.goto(f"{live_server}/learning/practice")
    page.select_option("#document", label="《示例市优化营商服务办法》")
    page.select_option("#type", "truefalse")
    page.get_by_role("button", name="开始练习").click()
    expect(page.get_by_text("共 3 题，本组第 1–3 题")).to_be_visible()
    expect(page.locator("#document")).to_have_value(str(sample_id))
    question = min(sample_questions)
    card = answer_card(page, question, "truefalse", True)
    expect(card.locator(".practice-feedback")).to_contain_text("回答正确")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
