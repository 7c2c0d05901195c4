"""On a phone, a candidate chooses the second policy document on the practice page and practises its question, and
reads it and sees its own mastery map (LEARNING_SHOTS=/some/dir saves screenshots, as test_learning_browser)."""
import pytest
from playwright.sync_api import expect

from tests.browser.test_learning_browser import answer_card, log_in, shot
from tests.browser.test_phone_browser import OVERFLOWING
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


def test_a_candidate_reads_the_second_document_practises_an_article_and_sees_its_mastery_map_on_a_phone(
        app, live_server, page, bank, demo):
    sample_id, _ = sample_with_questions(app)
    page.set_viewport_size({"width": 360, "height": 760})
    log_in(page, live_server)
    page.goto(f"{live_server}/learning/read")
    page.select_option("#document", label="《示例市优化营商服务办法》")
    page.get_by_role("button", name="阅读").click()
    expect(page.get_by_role("heading", name="《示例市优化营商服务办法》")).to_be_visible()
    assert page.evaluate(OVERFLOWING) == []
    shot(page, "document-read")
    page.locator(".chapter-link", has_text="第二章 服务保障").click()
    expect(page.locator("#article-4")).to_contain_text("任何单位不得向市场主体收取帮办费用。")
    assert page.evaluate(OVERFLOWING) == []
    shot(page, "document-chapter")
    page.locator("#article-3 .practise-article").click()
    expect(page.get_by_role("heading", name="专项练习 · 第三条")).to_be_visible()
    card = page.locator(".practice-card").first
    expect(card).to_contain_text("《示例市优化营商服务办法》第三条")
    card = answer_card(page, int(card.get_attribute("data-question")), "truefalse", False)
    expect(card.locator(".practice-feedback")).to_contain_text("回答错误")
    expect(card.locator(".practice-feedback summary")).to_have_text("《示例市优化营商服务办法》第三条 原文")

    page.goto(f"{live_server}/learning/mastery")
    expect(page.locator(".document-title")).to_contain_text("《优化营商环境条例》，共 72 条")
    page.select_option("#document", label="《示例市优化营商服务办法》")
    page.get_by_role("button", name="查看").click()
    expect(page.locator(".document-title")).to_contain_text("《示例市优化营商服务办法》，共 5 条")
    expect(page.locator(".mcell.level-low")).to_have_count(1)
    expect(page.locator(".mcell.level-low")).to_contain_text("0%")
    assert page.evaluate(OVERFLOWING) == []
    shot(page, "document-mastery")
