"""An organiser imports a policy document on a 360 px phone: upload, preview (chapters, article count), confirm."""
import pytest
from playwright.sync_api import expect

from tests.bank.test_documents import SAMPLE
from tests.browser.conftest import log_in
from tests.browser.test_phone_browser import OVERFLOWING, PHONE
from tests.exams.test_documents import NUMBER

pytestmark = pytest.mark.browser


def upload_sample(page, base, tmp_path):
    """As the logged-in organiser: upload the sample regulation, check the preview, confirm; every page fits
    the viewport without sideways scrolling."""
    path = tmp_path / "示例办法.md"
    path.write_text(SAMPLE, encoding="utf-8")
    width = page.viewport_size["width"]
    page.goto(f"{base}/bank/documents")
    assert page.evaluate(OVERFLOWING) == []
    page.get_by_role("link", name="导入文件").click()
    assert page.evaluate(OVERFLOWING) == []
    page.set_input_files("input[name=file]", str(path))
    page.fill("input[name=number]", NUMBER)
    page.get_by_role("button", name="检查并预览").click()
    expect(page.get_by_role("heading", name="预览：《示例市优化营商服务办法》")).to_be_visible()
    expect(page.locator(".document-preview")).to_contain_text("共 2 章、5 条")
    assert page.evaluate(OVERFLOWING) == []
    confirm = page.get_by_role("button", name="确认保存")
    box = confirm.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    confirm.click()
    expect(page.locator(".alert-success")).to_contain_text("已保存《示例市优化营商服务办法》（5 条）")
    expect(page.locator(".documents")).to_contain_text(NUMBER)
    assert page.evaluate(OVERFLOWING) == []


def test_upload_preview_and_confirm_on_a_phone(browser, live_server, demo, bank, tmp_path):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    log_in(page, live_server, "organizer")
    upload_sample(page, live_server, tmp_path)
    context.close()
