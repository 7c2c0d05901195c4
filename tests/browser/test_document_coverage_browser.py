"""The second policy document is covered by questions from the pages: the organiser goes from 政策文件 to its
条款覆盖, sees an article without questions, writes one in the question form (the form cites that document)
and finds the article covered. On a phone and a desktop."""
import pytest
from playwright.sync_api import expect

from examapp.extensions import db
from tests.bank.test_documents import SAMPLE, _import
from tests.browser.conftest import log_in
from tests.browser.test_phone_browser import OVERFLOWING, PHONE

pytestmark = pytest.mark.browser

TITLE = "《示例市优化营商服务办法》"


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["phone", "desktop"])
def test_an_article_of_the_second_document_becomes_covered_by_a_question_written_in_the_form(
        browser, app, live_server, demo, bank, viewport):
    with app.app_context():
        _checked, sample = _import(SAMPLE, number="示例政发〔2026〕1号")
        db.session.commit()
        sample_id = sample.id
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    log_in(page, live_server, "organizer")
    page.goto(f"{live_server}/bank/documents")
    entry = page.locator(".documents .list-group-item").filter(has_text=TITLE)
    entry.get_by_role("link", name="条款覆盖").click()
    expect(page.get_by_role("heading", name=f"条款覆盖 {TITLE}")).to_be_visible()
    fourth = page.locator(".coverage-cell").filter(has_text="第四条")
    expect(fourth).to_contain_text("0 题")
    expect(fourth).to_have_class("coverage-cell thin")
    expect(page.locator(".coverage-cell")).to_have_count(5)               # the sample's five articles, not 72
    assert page.evaluate(OVERFLOWING) == []

    page.goto(f"{live_server}/bank/documents")
    entry.get_by_role("link", name="新增题目").click()
    expect(page.get_by_text(f"所考文件：{TITLE}")).to_be_visible()
    page.select_option("select[name=type]", "truefalse")
    page.fill("textarea[name=stem]", "任何单位不得向市场主体收取帮办费用。")
    page.fill("[name=answer]", "对")
    page.select_option("select[name=article]", label="第四条（第二章 服务保障）")
    assert page.evaluate(OVERFLOWING) == []
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_be_visible()

    page.goto(f"{live_server}/bank/coverage?document={sample_id}")
    expect(fourth).to_contain_text("1 题")
    fourth.click()                                   # the article's questions: the new one, on this document
    expect(page.get_by_text("共 1 题")).to_be_visible()
    expect(page.get_by_text(f"{TITLE}第四条")).to_be_visible()
    # From the question list of this document, 条款覆盖 and 新增题目 stay on it.
    page.get_by_role("link", name="条款覆盖").click()
    expect(page.get_by_role("heading", name=f"条款覆盖 {TITLE}")).to_be_visible()
    page.go_back()
    page.get_by_role("link", name="新增题目").click()
    expect(page.get_by_text(f"所考文件：{TITLE}")).to_be_visible()
    context.close()
