"""Editing, in Chromium, an exam whose document was revised since it was defined: the form shows the revision,
says so above the 政策文件 select, keeps a chapter the revision removed ticked (also after choosing another
document and back) and saving refuses it; at 360 px nothing runs off the screen.

Set EXAM_SHOTS=/some/dir to also save screenshots of the form (360 px and 1280 px)."""
from datetime import datetime

import pytest
from playwright.sync_api import expect

from examapp.exams import services
from examapp.exams.assembly import Section
from examapp.exams.models import Exam
from examapp.extensions import db
from tests.browser.conftest import log_in
from tests.browser.test_exam_browser import shot
from tests.browser.test_exam_documents_browser import DESKTOP, chapter_labels, ticked
from tests.browser.test_phone_browser import OVERFLOWING, PHONE
from tests.exams.test_documents import NUMBER, sample_with_questions
from tests.exams.test_revised_documents import NEW_NUMBER, ONE_CHAPTER, revise

pytestmark = pytest.mark.browser

SAMPLE_TITLE = "《示例市优化营商服务办法》"


def draft_on_chapter_two(app, sample_id: int) -> int:
    with app.app_context():
        exam = services.save_exam(services.ExamDefinition(
            title="示例办法第二章测验", description="", opens_at=datetime(2030, 7, 15, 1), closes_at=datetime(2030, 7, 15, 3),
            duration_minutes=60, pass_mark=2,
            sections=[Section(type="truefalse", count=3, points=1, chapters=(2,), document=sample_id)]))
        db.session.commit()
        return exam.id


def test_the_form_of_an_exam_on_a_revised_document(app, browser, live_server, bank, demo):
    sample_id, _ = sample_with_questions(app)
    exam_id = draft_on_chapter_two(app, sample_id)
    revised_id = revise(app, sample_id, ONE_CHAPTER)
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server, "organizer")
    page.goto(f"{live_server}/manage/exams/{exam_id}")
    expect(page.locator("main")).to_contain_text(f"{SAMPLE_TITLE}（已修订，现行版本为{SAMPLE_TITLE}（{NEW_NUMBER}）） 第 2 章")
    page.get_by_role("link", name="编辑").click()
    expect(page.locator("#document")).to_have_value(str(revised_id))
    note = page.locator("[data-document-revised]")
    expect(note).to_contain_text(f"本考试原按{SAMPLE_TITLE}（{NUMBER}）出题，该文件已修订，现行版本为{SAMPLE_TITLE}（{NEW_NUMBER}）")
    expect(note).to_contain_text("限定章中的第二章不是《示例市优化营商服务办法》的章")
    assert note.bounding_box()["y"] < page.locator("#document").bounding_box()["y"]
    assert chapter_labels(page, "truefalse") == ["第一章 总则", "第二章（现行版本中已无此章）"]
    assert ticked(page, "truefalse") == ["2"]
    # Another document and back: the removed chapter is offered and ticked again, not silently dropped.
    page.select_option("#document", label="《优化营商环境条例》（国务院令第722号）")
    assert len(chapter_labels(page, "truefalse")) == 7 and ticked(page, "truefalse") == []
    page.select_option("#document", str(revised_id))
    assert chapter_labels(page, "truefalse") == ["第一章 总则", "第二章（现行版本中已无此章）"]
    assert ticked(page, "truefalse") == ["2"]
    assert page.evaluate(OVERFLOWING) == []
    expect(page.locator("[data-document-chosen]")).to_be_hidden()
    shot(page, "exam-form-revised-1280")
    page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
    assert page.evaluate(OVERFLOWING) == []
    # The select cuts the name short on a phone; the full name, with the 文号 that tells the versions apart, is
    # written beneath it.
    expect(page.locator("[data-document-chosen]")).to_have_text(f"已选：{SAMPLE_TITLE}（{NEW_NUMBER}）")
    note.scroll_into_view_if_needed()
    shot(page, "exam-form-revised-360")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".alert-danger")).to_contain_text(
        "判断题：限定章中的第二章不是《示例市优化营商服务办法》的章（该文件的章：第一章 总则），请重新选择限定章")
    expect(page.locator("#document")).to_have_value(str(revised_id))
    # As after any refused chapter, the list comes back with the chosen document's chapters only.
    assert chapter_labels(page, "truefalse") == ["第一章 总则"] and ticked(page, "truefalse") == []
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("已保存")
    with app.app_context():
        assert db.session.get(Exam, exam_id).sections == [
            {"type": "truefalse", "count": 3, "points": 1.0, "document": revised_id}]
    context.close()
