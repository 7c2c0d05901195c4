"""Pages on a 360 px phone and for older eyes, in headless Chromium: tables fit without sideways scrolling,
long lists are checkbox lists with a filter, and the 大字号 choice persists."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from examapp.accounts.models import PartyOrganization
from examapp.exams.models import Exam
from examapp.extensions import db
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 780}
# Pages with wide tables, by role: each must fit a 360 px screen without any sideways scrolling.
TABLE_PAGES = {"organizer": ["monitor", "users", "organizations", "exams", "ranking", "results", "breakdown",
                             "published-ranking", "published-results", "exam-edit", "learning-overview"],
               "admin": ["audit-log"], "viewer": ["published-ranking"]}
# Something wider than its box and scrollable sideways (the page itself, or a box inside it).
OVERFLOWING = """() => {
  const wide = [];
  if (document.documentElement.scrollWidth > window.innerWidth) { wide.push("page " + document.documentElement.scrollWidth); }
  document.querySelectorAll("main *").forEach(function (node) {
    const style = getComputedStyle(node);
    if (["auto", "scroll"].includes(style.overflowX) && node.scrollWidth > node.clientWidth + 1) {
      wide.push(node.tagName + "." + node.className + " " + node.scrollWidth + ">" + node.clientWidth);
    }
  });
  return wide;
}"""


def test_every_table_page_fits_a_phone_without_sideways_scrolling(browser, live_server, demo_pages):
    for role, names in TABLE_PAGES.items():
        context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
        page = context.new_page()
        log_in(page, live_server, {"organizer": "organizer", "admin": "admin", "viewer": "viewer"}[role])
        paths = dict(demo_pages[role])
        for name in names:
            page.goto(live_server + paths[name])
            assert page.evaluate(OVERFLOWING) == [], name
            assert page.locator("table.table-stack").count() == page.locator("table.is-stacked").count() > 0, name
        context.close()


def test_composite_score_is_on_screen_in_the_phone_rankings(browser, live_server, demo_pages):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "viewer")
    page.goto(live_server + dict(demo_pages["viewer"])["published-ranking"])
    cell = page.locator('table.is-stacked tbody tr:first-child td[data-label="综合得分"]')
    expect(cell).to_be_visible()
    box = cell.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    checksums = page.locator("details.hash-details code")        # the document's and its public copy's
    expect(checksums.first).to_be_attached()
    for checksum in checksums.all():
        expect(checksum).to_be_hidden()                           # folded away
    context.close()


def test_results_histogram_fits_a_phone(browser, live_server, demo_pages):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "organizer")
    page.goto(live_server + dict(demo_pages["organizer"])["results"])
    box = page.locator(".histogram").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    for bar in page.locator(".hist-col").all():
        label = bar.locator(".hist-label").bounding_box()
        assert label["x"] + label["width"] <= PHONE["width"]
    context.close()


def test_organisations_are_chosen_from_a_filterable_checkbox_list(app, bank, demo, live_server, page):
    from tests.exams.conftest import open_exam
    with app.app_context():
        exam = open_exam()
        exam.status = "draft"
        db.session.commit()
        exam_id = exam.id
    log_in(page, live_server, "organizer")
    page.goto(f"{live_server}/manage/exams/{exam_id}/edit")
    chooser = page.locator("#organizations")
    expect(chooser.locator(".checklist-count")).to_have_text("已选 0 / 72")
    chooser.get_by_role("searchbox").fill("财政")
    expect(chooser.locator(".checklist-item:visible")).to_have_count(1)
    chooser.get_by_role("button", name="全选").click()
    expect(chooser.locator(".checklist-count")).to_have_text("已选 1 / 72（筛出 1 项）")
    chooser.get_by_role("searchbox").fill("")
    expect(chooser.locator(".checklist-item:visible")).to_have_count(72)
    chooser.get_by_label("示例·区商务局党组").check()
    expect(chooser.locator(".checklist-count")).to_have_text("已选 2 / 72")
    page.get_by_label("指定党组织", exact=True).first.check()
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{live_server}/manage/exams/{exam_id}")
    with app.app_context():
        chosen = db.session.get(Exam, exam_id).audience_organizations
        assert sorted(o.name for o in chosen) == ["示例·区商务局党组", "示例·区财政局党组"]
        assert db.session.scalar(select(PartyOrganization.id).where(PartyOrganization.name == "示例·区财政局党组"))
    page.goto(f"{live_server}/manage/exams/{exam_id}/edit")
    chooser.get_by_role("button", name="全不选").click()
    expect(chooser.locator(".checklist-count")).to_have_text("已选 0 / 72")


def test_checkbox_list_posts_like_the_multi_select_without_script(app, client, bank, demo):
    from tests.conftest import login
    login(client, "organizer")
    html = client.get("/manage/exams/new").get_data(as_text=True)
    assert html.count('type="checkbox" name="organizations"') == 72
    assert "按住 Ctrl" not in html


def test_large_text_choice_applies_on_every_page_and_survives_a_reload(demo, live_server, page):
    page.goto(f"{live_server}/login")
    toggle = page.locator("#text-size-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    size = "() => getComputedStyle(document.documentElement).fontSize"
    assert page.evaluate(size) == "17px"
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(size) == "21px"
    log_in(page, live_server, "viewer")
    assert page.evaluate(size) == "21px"
    page.reload()
    assert page.evaluate(size) == "21px"
    page.locator("#text-size-toggle").click()
    assert page.evaluate(size) == "17px"
    page.reload()
    assert page.evaluate(size) == "17px"
