"""An exam on a second policy document, end to end in Chromium: the organiser imports the sample regulation,
builds an exam on one of its chapters in the exam form (the 限定章 lists follow the chosen document), publishes
it; a candidate on a 360 px phone sits it and the review quotes the sample's articles, not the 《条例》's.

Set EXAM_SHOTS=/some/dir to also save screenshots of the form and the review (360 px and 1280 px)."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from examapp.bank.core import QuestionData
from examapp.bank.models import Article, Document
from examapp.bank.services import create_question, default_document_id
from examapp.extensions import db
from examapp.timeutil import to_local, utcnow
from tests.browser.conftest import log_in
from tests.browser.test_documents_browser import upload_sample
from tests.browser.test_exam_browser import answer, paper, shot, wait_all_saved
from tests.browser.test_phone_browser import OVERFLOWING, PHONE
from tests.exams.test_documents import NUMBER, add_sample_questions, sample_with_questions

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
TITLE = "示例办法专题考试"


def chapter_labels(page, qtype):
    return page.locator(f"#{qtype}-chapters .checklist-item label").all_text_contents()


def ticked(page, qtype):
    return [box.get_attribute("value") for box in page.locator(f"#{qtype}-chapters input:checked").all()]


def sample_questions(app) -> tuple[int, set[int], int]:
    """The uploaded sample's id, its three chapter-2 questions and one on article 1 (chapter 1)."""
    with app.app_context():
        sample_id = db.session.scalar(select(Document.id).where(Document.number == NUMBER))
    chapter_two = add_sample_questions(app, sample_id)
    with app.app_context():
        chapter_one = create_question(QuestionData(type="truefalse", stem="（示例办法）本办法为测试导入而制定。",
                                                   answer=True, explanation="见第一条", article=1),
                                      document_id=sample_id).id
        db.session.commit()
    return sample_id, chapter_two, chapter_one


def build_exam_in_the_form(app, page, base, sample_id):
    """Fill the exam form: three true/false questions from chapter 2 of the sample; save and publish."""
    page.goto(f"{base}/manage/exams/new")
    with app.app_context():
        now = to_local(utcnow()).replace(tzinfo=None)
    page.fill("#title", TITLE)
    page.fill("#opens_at", (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#closes_at", (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#pass_mark", "2")
    page.select_option("#review_policy", "after_submit")
    for qtype in ("single", "multiple", "fill"):
        page.fill(f"#{qtype}-count", "0")
    page.fill("#truefalse-count", "3")
    regulation = chapter_labels(page, "truefalse")
    assert len(regulation) == 7 and regulation[4] == "第五章 监管执法"
    page.check("#truefalse-chapters-3")                  # the 《条例》's chapter 3, before changing the document
    page.select_option("#document", str(sample_id))
    for qtype in ("single", "multiple", "truefalse", "fill"):
        assert chapter_labels(page, qtype) == ["第一章 总则", "第二章 服务保障"]
    assert ticked(page, "truefalse") == []
    page.select_option("#document", label="《优化营商环境条例》（国务院令第722号）")
    assert len(chapter_labels(page, "truefalse")) == 7 and ticked(page, "truefalse") == ["3"]   # given back
    page.select_option("#document", str(sample_id))
    page.get_by_label("第二章 服务保障").nth(2).check()   # the third type's list: 判断题
    assert ticked(page, "truefalse") == ["2"] and ticked(page, "single") == []
    assert page.evaluate(OVERFLOWING) == []
    shot(page, "exam-form-document-1280")
    page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
    assert page.evaluate(OVERFLOWING) == []
    shot(page, "exam-form-document-360")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("考试已保存为草稿")
    expect(page.locator("main")).to_contain_text("《示例市优化营商服务办法》 第 2 章")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="发布").click()
    expect(page.locator("h1 .badge")).to_have_text("已发布")


def sit_the_exam(app, page, base, chapter_two, chapter_one) -> int:
    """As the logged-in candidate: start, check the paper holds the sample's chapter-2 questions only, answer
    each (true), submit; the attempt's id."""
    page.click(f"a.exam-row:has-text('{TITLE}')")
    page.get_by_role("button", name="开始答题").click()
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    expect(page.locator(".question-card")).to_have_count(3)
    attempt_id = int(page.locator("#exam-app").get_attribute("data-attempt"))
    with app.app_context():
        from examapp.exams.models import Attempt
        drawn = {item.version.question_id for item in db.session.get(Attempt, attempt_id).items}
    assert drawn == chapter_two and chapter_one not in drawn
    for card in page.locator(".question-card").all():
        expect(card).to_contain_text("（示例办法）")
    for item_id, correct, _points in paper(app, attempt_id)["truefalse"]:
        assert correct is True
        answer(page, item_id, "truefalse", True)
    wait_all_saved(page, attempt_id)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("#submit-button")
    page.click("#confirm-submit-button")
    expect(page.locator(".result-score")).to_contain_text("3")
    expect(page.locator(".result-score")).to_contain_text("/ 3 分")
    return attempt_id


def test_an_exam_on_the_second_document_from_import_to_review(app, browser, live_server, bank, demo, tmp_path):
    organiser = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = organiser.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server, "organizer")
    upload_sample(page, live_server, tmp_path)
    sample_id, chapter_two, chapter_one = sample_questions(app)
    build_exam_in_the_form(app, page, live_server, sample_id)
    organiser.close()

    candidate = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = candidate.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server, "sj01")
    sit_the_exam(app, page, live_server, chapter_two, chapter_one)
    with app.app_context():
        regulation_four = db.session.get(Article, (default_document_id(), 4)).text
    summary = page.locator("details summary", has_text="第四条 原文")
    expect(summary).to_have_count(1)
    expect(summary).to_have_text("《示例市优化营商服务办法》第二章 服务保障 第四条 原文")
    summary.click()
    expect(page.locator("details[open] .article-text")).to_have_text("任何单位不得向市场主体收取帮办费用。")
    assert regulation_four[:20] not in page.content()
    assert page.evaluate(OVERFLOWING) == []
    shot(page, "exam-document-review-360")
    page.set_viewport_size(DESKTOP)
    shot(page, "exam-document-review-1280")
    candidate.route("**/api/**", lambda route: route.abort())   # no late autosave while the app is torn down
    candidate.close()


def test_without_script_a_chapter_of_the_old_document_is_refused_and_the_new_ones_offered(app, browser,
                                                                                         live_server, bank, demo):
    sample_id, _ = sample_with_questions(app)
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "organizer")
    page.goto(f"{live_server}/manage/exams/new")
    page.fill("#title", TITLE)
    page.fill("#opens_at", "2030-07-15T09:00")
    page.fill("#closes_at", "2030-07-15T11:00")
    for qtype in ("single", "multiple", "fill"):
        page.fill(f"#{qtype}-count", "0")
    page.fill("#truefalse-count", "3")
    page.check("#truefalse-chapters-5")                  # the 《条例》's 第五章 监管执法
    page.select_option("#document", str(sample_id))
    assert len(chapter_labels(page, "truefalse")) == 7   # nothing follows the choice without the script
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".alert-danger")).to_contain_text(
        "判断题：限定章中的第五章不是《示例市优化营商服务办法》的章（该文件的章：第一章 总则、第二章 服务保障），请重新选择限定章")
    assert chapter_labels(page, "truefalse") == ["第一章 总则", "第二章 服务保障"]
    expect(page.locator("#document")).to_have_value(str(sample_id))
    page.check("#truefalse-chapters-2")
    page.fill("#pass_mark", "2")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("考试已保存为草稿")
    expect(page.locator("main")).to_contain_text("《示例市优化营商服务办法》 第 2 章")
    context.close()
