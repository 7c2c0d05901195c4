"""The exam page in real headless Chromium: answering on a phone, reload, offline and back, submit,
auto-submit when time runs out, and a login on another device taking over.

Set EXAM_SHOTS=/some/dir to also save screenshots of the exam page (phone and desktop widths)."""
import json
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from examapp.accounts.models import User
from examapp.exams.attempts import start_attempt
from examapp.exams.models import Answer, Attempt, AttemptEvent, Exam
from examapp.exams.papers import display_answer
from examapp.extensions import db
from examapp.timeutil import utcnow
from tests.exams.conftest import open_exam

pytestmark = pytest.mark.browser

SAVE_URLS = "**/api/v1/attempts/*/answers"
SAVED = "✓ 已保存"
OFFLINE = "未保存（网络异常，正在重试）"
SHOTS = os.environ.get("EXAM_SHOTS")
# The clock as seconds ("29:51" or "1:02:03"), read in the page.
CLOCK_SECONDS = ("() => { const t = document.getElementById('clock').textContent;"
                 " if (!/^\\d+(:\\d\\d)+$/.test(t)) { return null; }"
                 " return t.split(':').reduce((s, part) => s * 60 + Number(part), 0); }")


@pytest.fixture
def exam_id(app, bank, demo):
    with app.app_context():
        return open_exam().id


@pytest.fixture(autouse=True)
def quiet_close(page):
    """Block the API before the page closes, so that no request (a last autosave or sync) is still using
    a database connection when the app is torn down."""
    yield
    page.context.route("**/api/**", lambda route: route.abort())


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))
        page.screenshot(path=str(Path(SHOTS) / f"{name}-full.png"), full_page=True)


def log_in(page, base, username="sj01"):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/exams")


def open_attempt_page(page, base, attempt_id):
    page.goto(f"{base}/attempts/{attempt_id}")
    expect(page.locator(".question-card")).to_have_count(13)
    expect(page.locator("#save-status")).to_have_text(SAVED)


def start_for(app, exam_id, username="sj01") -> int:
    """Start the candidate's attempt on the server (as the start page would) and return its id."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        attempt_id = start_attempt(db.session.get(Exam, exam_id), user).id
        db.session.commit()
        return attempt_id


def paper(app, attempt_id):
    """{type: [(item id, correct answer as the candidate sees it, points), ...]} in paper order."""
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        by_type = {}
        for item in attempt.items:
            correct = display_answer(item.version, item.option_order)
            if item.type == "fill":
                correct = [alternatives[0] for alternatives in correct]
            by_type.setdefault(item.type, []).append((item.id, correct, item.points))
        return by_type


def saved_in_db(app, attempt_id):
    with app.app_context():
        return dict(db.session.execute(select(Answer.item_id, Answer.value).where(Answer.attempt_id == attempt_id)).all())


def other_key(key, keys="ABCD"):
    return next(k for k in keys if k != key)


def answer(page, item_id, qtype, value):
    """Answer one question the way a candidate does: click the options, type in the blanks."""
    card = page.locator(f"#q-{item_id}")
    if qtype == "single":
        card.locator(f"input[value='{value}']").check()
    elif qtype == "truefalse":
        card.locator(f"input[value='{'true' if value else 'false'}']").check()
    elif qtype == "multiple":
        for box in card.locator("input[type=checkbox]").all():
            box.set_checked(box.get_attribute("value") in value)
    else:
        for index, text in enumerate(value):
            blank = card.locator(".blanks input").nth(index)
            blank.fill(text)
            blank.press("Tab")   # leaving the blank saves at once (typing alone saves after a pause)


def pending(page, attempt_id):
    return json.loads(page.evaluate(f"localStorage.getItem('examapp-pending-{attempt_id}')") or "{}")


def wait_all_saved(page, attempt_id, timeout=15000):
    page.wait_for_function(
        "([key, saved]) => { const p = JSON.parse(localStorage.getItem(key) || '{}');"
        " return Object.keys(p).length === 0 && document.getElementById('save-status').textContent === saved; }",
        arg=[f"examapp-pending-{attempt_id}", SAVED], timeout=timeout)


def shown_answer(page, item_id, qtype):
    card = page.locator(f"#q-{item_id}")
    if qtype in ("single", "truefalse"):
        checked = card.locator("input:checked")
        return checked.get_attribute("value") if checked.count() == 1 else None
    if qtype == "multiple":
        return sorted(box.get_attribute("value") for box in card.locator("input:checked").all())
    return [blank.input_value() for blank in card.locator(".blanks input").all()]


def test_candidate_answers_on_a_phone_and_a_reload_keeps_answers_and_clock(app, live_server, page, exam_id):
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, live_server)
    page.click("a.exam-row:has-text('测试考试')")
    page.click("button:has-text('开始答题')")
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    expect(page.locator(".question-card")).to_have_count(13)
    attempt_id = int(page.locator("#exam-app").get_attribute("data-attempt"))
    items = paper(app, attempt_id)
    chosen = {
        "single": (items["single"][0][0], items["single"][0][1]),
        "multiple": (items["multiple"][0][0], items["multiple"][0][1]),
        "truefalse": (items["truefalse"][0][0], items["truefalse"][0][1]),
        "fill": (items["fill"][0][0], items["fill"][0][1]),
    }
    for qtype, (item_id, value) in chosen.items():
        answer(page, item_id, qtype, value)
    wait_all_saved(page, attempt_id)
    expect(page.locator("#save-status")).to_have_text(SAVED)
    expect(page.locator("#sheet-summary")).to_have_text("已答 4 / 13 题")
    assert saved_in_db(app, attempt_id) == {item_id: value for item_id, value in chosen.values()}

    # Nothing wider than the phone, the answer sheet opens from the bar.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("#sheet-toggle")
    expect(page.locator("#answer-sheet")).to_be_visible()
    expect(page.locator(".sheet-cell.answered")).to_have_count(4)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("#sheet-toggle")
    shot(page, "exam-360")

    first = page.wait_for_function(f"() => ({CLOCK_SECONDS})()").json_value()
    assert 28 * 60 < first <= 30 * 60
    page.wait_for_function(f"() => ({CLOCK_SECONDS})() <= {first - 2}")   # well clear of a fresh 30:00
    before = page.evaluate(CLOCK_SECONDS)
    page.reload()
    expect(page.locator(".question-card")).to_have_count(13)
    after = page.wait_for_function(f"() => ({CLOCK_SECONDS})()").json_value()
    with app.app_context():
        server_left = (db.session.get(Attempt, attempt_id).deadline_at - utcnow()).total_seconds()
    assert before - 15 < after <= before          # carried on, not reset to the full 30 minutes
    assert abs(after - server_left) <= 2          # and it is the server's clock
    expect(page.locator("#save-status")).to_have_text(SAVED)
    for qtype, (item_id, value) in chosen.items():
        expected = ("true" if value else "false") if qtype == "truefalse" else value
        assert shown_answer(page, item_id, qtype) == expected, qtype
    expect(page.locator("#sheet-summary")).to_have_text("已答 4 / 13 题")
    page.wait_for_function(f"() => ({CLOCK_SECONDS})() < {after}", timeout=5000)   # and still running
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_offline_changes_wait_in_local_storage_and_are_saved_when_back(app, live_server, page, exam_id):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server)
    attempt_id = start_for(app, exam_id)
    items = paper(app, attempt_id)
    single_id, single_key, _ = items["single"][0]
    tf_id, tf_value, _ = items["truefalse"][0]
    fill_id, fill_value, _ = items["fill"][0]
    open_attempt_page(page, live_server, attempt_id)
    answer(page, single_id, "single", single_key)
    wait_all_saved(page, attempt_id)

    page.route(SAVE_URLS, lambda route: route.abort("internetdisconnected"))
    answer(page, single_id, "single", other_key(single_key))
    answer(page, tf_id, "truefalse", not tf_value)
    answer(page, fill_id, "fill", ["离线填写"] * len(fill_value))
    expect(page.locator("#save-status")).to_have_text(OFFLINE)
    stored = pending(page, attempt_id)
    assert {int(k): v["answer"] for k, v in stored.items()} == {
        single_id: other_key(single_key), tf_id: not tf_value, fill_id: ["离线填写"] * len(fill_value)}
    assert saved_in_db(app, attempt_id) == {single_id: single_key}   # nothing got through

    page.unroute(SAVE_URLS)
    wait_all_saved(page, attempt_id, timeout=40000)   # the page retries by itself (backoff ≤ 16 s here)
    assert saved_in_db(app, attempt_id) == {
        single_id: other_key(single_key), tf_id: not tf_value, fill_id: ["离线填写"] * len(fill_value)}
    assert pending(page, attempt_id) == {}


def test_submit_asks_for_confirmation_with_unanswered_count_and_shows_the_score(app, live_server, page, exam_id):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server)
    page.click("a.exam-row:has-text('测试考试')")
    page.click("button:has-text('开始答题')")
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    expect(page.locator(".question-card")).to_have_count(13)
    attempt_id = int(page.locator("#exam-app").get_attribute("data-attempt"))
    items = paper(app, attempt_id)
    single_id, single_key, single_points = items["single"][0]
    tf_id, tf_value, tf_points = items["truefalse"][0]
    answer(page, single_id, "single", single_key)
    answer(page, tf_id, "truefalse", tf_value)
    wait_all_saved(page, attempt_id)
    shot(page, "exam-1280")

    page.click("#submit-button")
    expect(page.locator("#confirm-submit")).to_have_css("opacity", "1")   # faded in
    expect(page.locator("#confirm-body")).to_have_text("还有 11 道题未作答。交卷后不能再修改答案，确定交卷吗？")
    shot(page, "exam-1280-confirm")
    page.click("#confirm-submit-button")
    score = single_points + tf_points
    expect(page.locator(".result-score")).to_contain_text(f"{score:g}")
    expect(page.locator(".result-score")).to_contain_text("/ 23 分")
    expect(page.locator("text=已交卷")).to_be_visible()
    assert pending(page, attempt_id) == {}
    shot(page, "result-1280")
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert (attempt.status, attempt.finished_by, attempt.score) == ("submitted", "candidate", score)
        first_submitted_at = attempt.submitted_at

    again = page.evaluate(
        "async (url) => { const r = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json',"
        " 'X-CSRFToken': document.querySelector('meta[name=csrf-token]').content}, body: '{}'});"
        " return {status: r.status, body: await r.json()}; }",
        f"/api/v1/attempts/{attempt_id}/submit")
    assert again["status"] == 200
    assert (again["body"]["status"], again["body"]["score"]) == ("submitted", score)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert (attempt.status, attempt.score, attempt.submitted_at) == ("submitted", score, first_submitted_at)
        submits = db.session.scalar(select(func.count(AttemptEvent.id)).where(
            AttemptEvent.attempt_id == attempt_id, AttemptEvent.kind == "submit"))
        assert submits == 1


def test_the_page_submits_by_itself_when_time_is_up(app, live_server, page, bank, demo):
    page.set_viewport_size({"width": 360, "height": 740})
    with app.app_context():
        open_exam(duration=1)
    log_in(page, live_server)
    page.click("a.exam-row:has-text('测试考试')")
    page.click("button:has-text('开始答题')")
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    expect(page.locator(".question-card")).to_have_count(13)
    assert 50 <= page.wait_for_function(f"() => ({CLOCK_SECONDS})()").json_value() <= 60
    expect(page.locator("#time-warning")).to_contain_text("1 分钟")
    expect(page.locator("#clock")).to_have_class(re.compile("clock-danger"))
    attempt_id = int(page.locator("#exam-app").get_attribute("data-attempt"))
    items = paper(app, attempt_id)
    single_id, single_key, single_points = items["single"][0]
    tf_id, tf_value, tf_points = items["truefalse"][0]
    answer(page, single_id, "single", single_key)
    wait_all_saved(page, attempt_id)

    # Rather than wait out the minute: the deadline moves to 3 s from now on the server, and the page
    # learns it from the reply to its next save.
    with app.app_context():
        db.session.get(Attempt, attempt_id).deadline_at = utcnow() + timedelta(seconds=3)
        db.session.commit()
    answer(page, tf_id, "truefalse", tf_value)
    page.wait_for_function(f"() => ({CLOCK_SECONDS})() <= 3")
    expect(page.locator(".result-score")).to_be_visible(timeout=15000)
    expect(page.locator(".result-score")).to_contain_text(f"{single_points + tf_points:g}")
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert (attempt.status, attempt.finished_by) == ("submitted", "timer")
        assert attempt.score == single_points + tf_points
        earned = {i.id: i.earned for i in attempt.items}
        assert (earned[single_id], earned[tf_id]) == (single_points, tf_points)


def test_login_on_another_device_takes_over_and_the_first_page_says_so(app, live_server, page, browser, exam_id):
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, live_server)
    page.click("a.exam-row:has-text('测试考试')")
    page.click("button:has-text('开始答题')")
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    expect(page.locator(".question-card")).to_have_count(13)
    attempt_id = int(page.locator("#exam-app").get_attribute("data-attempt"))
    items = paper(app, attempt_id)
    single_id, single_key, _ = items["single"][0]
    answer(page, single_id, "single", single_key)
    wait_all_saved(page, attempt_id)

    other = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        second = other.new_page()
        second.set_default_timeout(15000)
        log_in(second, live_server)

        answer(page, single_id, "single", other_key(single_key))
        expect(page.locator("#fatal")).to_be_visible()
        expect(page.locator("#fatal")).to_contain_text("您的账号已在另一台设备或浏览器登录")
        expect(page.locator("#save-status")).to_have_text("未保存（登录已失效，请重新登录）")
        assert {int(k): v["answer"] for k, v in pending(page, attempt_id).items()} == {single_id: other_key(single_key)}
        assert saved_in_db(app, attempt_id) == {single_id: single_key}
        shot(page, "exam-360-takeover")

        # The second device continues the same attempt, with what the first one saved.
        second.click("a.exam-row:has-text('测试考试')")
        second.click("a:has-text('继续答题')")
        expect(second.locator(".question-card")).to_have_count(13)
        assert int(second.locator("#exam-app").get_attribute("data-attempt")) == attempt_id
        assert shown_answer(second, single_id, "single") == single_key
    finally:
        other.route("**/api/**", lambda route: route.abort())
        other.close()


def test_submitting_while_offline_still_sends_the_unsaved_answers_first(app, live_server, page, exam_id):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server)
    attempt_id = start_for(app, exam_id)
    items = paper(app, attempt_id)
    single_id, single_key, single_points = items["single"][0]
    open_attempt_page(page, live_server, attempt_id)
    answer(page, single_id, "single", other_key(single_key))
    wait_all_saved(page, attempt_id)

    page.route("**/api/v1/attempts/**", lambda route: route.abort("internetdisconnected"))
    answer(page, single_id, "single", single_key)           # corrected while the network is down
    expect(page.locator("#save-status")).to_have_text(OFFLINE)
    page.click("#submit-button")
    page.click("#confirm-submit-button")
    expect(page.locator("#save-status")).to_have_text("交卷未成功（网络异常，正在重试）")
    page.unroute("**/api/v1/attempts/**")
    expect(page.locator(".result-score")).to_be_visible(timeout=30000)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "submitted"
        assert saved_in_db(app, attempt_id) == {single_id: single_key}
        assert attempt.score == single_points


def test_a_refused_save_is_reported_and_a_busy_server_is_retried(app, live_server, page, exam_id):
    """A save the server refuses (400) says so instead of "已保存"; a 503 (database busy) is retried
    until it is stored."""
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, live_server)
    attempt_id = start_for(app, exam_id)
    items = paper(app, attempt_id)
    first_id, first_key, _ = items["single"][0]
    second_id, second_key, _ = items["single"][1]
    open_attempt_page(page, live_server, attempt_id)

    page.route(SAVE_URLS, lambda route: route.fulfill(status=400, content_type="application/json",
                                                      body=json.dumps({"error": "单选题答案应为一个选项字母", "status": 400})))
    answer(page, first_id, "single", first_key)
    number = page.locator(".question-card").evaluate_all(
        f"cards => cards.findIndex(c => c.id === 'q-{first_id}') + 1")
    expect(page.locator("#save-status")).to_have_text(f"第{number}题未保存")
    problem = page.locator(f"#q-{first_id} .save-problem")
    expect(problem).to_contain_text("此题未保存：单选题答案应为一个选项字母")
    page.wait_for_timeout(1500)
    expect(page.locator("#save-status")).to_have_text(f"第{number}题未保存")   # not replaced by "已保存"
    page.unroute(SAVE_URLS)
    answer(page, first_id, "single", other_key(first_key))          # answering again clears the note
    expect(problem).to_have_count(0)
    wait_all_saved(page, attempt_id)

    busy = {"left": 2}

    def busy_then_pass(route):
        if busy["left"]:
            busy["left"] -= 1
            route.fulfill(status=503, headers={"Retry-After": "2"}, content_type="application/json",
                          body=json.dumps({"error": "系统繁忙", "status": 503}))
        else:
            route.continue_()

    page.route(SAVE_URLS, busy_then_pass)
    answer(page, second_id, "single", second_key)
    # Said as it is: the server is busy (not "网络异常"), and the save is retried.
    expect(page.locator("#save-status")).to_have_text("未保存（服务器繁忙，正在重试）")
    wait_all_saved(page, attempt_id, timeout=30000)
    assert busy["left"] == 0
    assert saved_in_db(app, attempt_id) == {first_id: other_key(first_key), second_id: second_key}


# The Page Visibility API as a tab switch drives it: headless pages are always "visible", so the test sets
# document.visibilityState / document.hidden and dispatches the event the browser would.
SET_VISIBILITY = ("(state) => { Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => state});"
                  " Object.defineProperty(document, 'hidden', {configurable: true, get: () => state === 'hidden'});"
                  " document.dispatchEvent(new Event('visibilitychange')); }")
# What a reload or closing the tab does, in the order the HTML standard gives: pagehide, then hidden.
UNLOAD_ORDER = ("() => { window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: false}));"
                f" ({SET_VISIBILITY})('hidden'); }}")


def focus_state(app, attempt_id):
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        events = db.session.scalars(select(AttemptEvent.detail).where(
            AttemptEvent.attempt_id == attempt_id, AttemptEvent.kind == "focus_loss").order_by(AttemptEvent.id)).all()
        return attempt.status, attempt.focus_losses, events


def leave_and_come_back(page, away_ms=1200):
    page.evaluate(SET_VISIBILITY, "hidden")
    page.wait_for_timeout(away_ms)
    page.evaluate(SET_VISIBILITY, "visible")


@pytest.fixture
def limited_exam(app, bank, demo):
    with app.app_context():
        return open_exam(title="切屏考试", focus_submit_after=3).id


def test_reload_is_not_counted_as_leaving(app, live_server, page, limited_exam):
    """The start page says a reload continues the paper; three reloads under a 3-次 rule used to submit it."""
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, live_server)
    page.goto(f"{live_server}/exams/{limited_exam}")
    expect(page.locator("#focus-rule")).to_contain_text("切屏满 3 次，系统自动交卷")
    expect(page.locator("#focus-rule")).to_contain_text("刷新页面不计")
    attempt_id = start_for(app, limited_exam)
    open_attempt_page(page, live_server, attempt_id)
    for _ in range(3):
        page.evaluate(UNLOAD_ORDER)          # as the browser does it on a reload ...
        page.wait_for_timeout(300)           # (time for a request the page should not send)
        page.reload()                        # ... and a real reload too
        expect(page.locator(".question-card")).to_have_count(13)
    # Hidden first, then the page goes away (closing a tab on some browsers): not counted either.
    page.evaluate(SET_VISIBILITY, "hidden")
    page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: false}))")
    page.wait_for_timeout(300)
    page.reload()
    expect(page.locator(".question-card")).to_have_count(13)
    expect(page.locator("#save-status")).to_have_text(SAVED)
    page.wait_for_timeout(500)
    assert focus_state(app, attempt_id) == ("in_progress", 0, [])
    expect(page.locator("#focus-warning")).to_be_hidden()


def test_leaving_the_page_and_coming_back_counts_once_and_warns_also_after_a_reload(app, live_server, page,
                                                                                       limited_exam):
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, live_server)
    attempt_id = start_for(app, limited_exam)
    open_attempt_page(page, live_server, attempt_id)
    page.evaluate(SET_VISIBILITY, "hidden")
    page.wait_for_timeout(1200)
    assert focus_state(app, attempt_id)[1] == 0      # not while away: on return
    page.evaluate(SET_VISIBILITY, "visible")
    warning = page.locator("#focus-warning")
    expect(warning).to_contain_text("您已离开考试页面（切屏）1 次，本次离开约 1 秒")
    expect(warning).to_contain_text("切屏满 3 次系统将自动交卷，还剩 2 次")
    status, count, events = focus_state(app, attempt_id)
    assert (status, count) == ("in_progress", 1) and len(events) == 1 and 1 <= events[0]["away_seconds"] <= 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "exam-360-focus-warning")

    page.reload()                                     # the warning comes from the server
    expect(page.locator(".question-card")).to_have_count(13)
    expect(page.locator("#focus-warning")).to_contain_text("您已离开考试页面（切屏）1 次。切屏满 3 次系统将自动交卷，还剩 2 次")
    page.wait_for_timeout(300)
    assert focus_state(app, attempt_id)[1] == 1

    leave_and_come_back(page, 100)
    expect(warning).to_contain_text("切屏）2 次")
    expect(warning).to_contain_text("还剩 1 次")
    leave_and_come_back(page, 100)                    # the third: the paper is submitted, and the page says why
    expect(page.locator("#fatal")).to_contain_text("您已切屏 3 次，达到本场考试的上限，系统已自动交卷")
    expect(page.locator(".result-score")).to_be_visible()
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert (attempt.status, attempt.finished_by, attempt.focus_losses) == ("submitted", "focus_policy", 3)


def test_a_page_discarded_in_the_background_counts_the_return(app, live_server, page, limited_exam):
    """A phone may discard a hidden tab and reload it on return, without any pagehide: still counted."""
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server)
    attempt_id = start_for(app, limited_exam)
    open_attempt_page(page, live_server, attempt_id)
    page.evaluate(SET_VISIBILITY, "hidden")
    # Stand-in for a discard: the moment of leaving is still in sessionStorage when the page loads again.
    page.evaluate(f"() => window.addEventListener('pagehide', () => sessionStorage.setItem("
                  f"'examapp-left-{attempt_id}', String(Date.now() - 5000)))")
    page.reload()
    expect(page.locator("#focus-warning")).to_contain_text("切屏）1 次，本次离开约 5 秒")
    status, count, events = focus_state(app, attempt_id)
    assert (status, count) == ("in_progress", 1) and 5 <= events[0]["away_seconds"] <= 7


def test_two_tabs_of_one_attempt_never_disagree_silently(app, live_server, page, exam_id):
    """Each tab counts seq from what it loaded: the tab whose save was not stored shows the stored answer
    and says so (it used to show ✓ 已保存 for an answer that was not graded)."""
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server)
    attempt_id = start_for(app, exam_id)
    items = paper(app, attempt_id)
    single_id, key, _ = items["single"][0]
    other = other_key(key)
    open_attempt_page(page, live_server, attempt_id)
    second = page.context.new_page()
    second.set_viewport_size({"width": 360, "height": 740})
    open_attempt_page(second, live_server, attempt_id)

    answer(page, single_id, "single", key)                 # first tab: seq 1, stored
    wait_all_saved(page, attempt_id)
    # A plain click: Playwright's check() clicks again when the question is redrawn under it before it verifies.
    second.locator(f"#q-{single_id} input[value='{other}']").click()   # second tab: also seq 1, not stored
    note = second.locator(f"#q-{single_id} .stored-elsewhere")
    expect(note).to_have_text("此题已在另一页面作答，已显示保存的答案。如需修改，请在此重新作答。")
    assert shown_answer(second, single_id, "single") == key
    expect(second.locator("#save-status")).to_have_text(SAVED)
    assert saved_in_db(app, attempt_id) == {single_id: key}
    assert second.evaluate("document.documentElement.scrollWidth") <= 360
    shot(second, "exam-360-stored-elsewhere")

    answer(second, single_id, "single", other)             # answered again there: seq follows the stored one
    expect(note).to_have_count(0)
    wait_all_saved(second, attempt_id)
    assert saved_in_db(app, attempt_id) == {single_id: other}

    third = next(k for k in "ABCD" if k not in (key, other))
    page.locator(f"#q-{single_id} input[value='{third}']").click()   # the first tab (showing its own) is now stale
    expect(page.locator(f"#q-{single_id} .stored-elsewhere")).to_be_visible()
    assert shown_answer(page, single_id, "single") == other
    assert saved_in_db(app, attempt_id) == {single_id: other}
    shot(page, "exam-1280-stored-elsewhere")
    second.route("**/api/**", lambda route: route.abort())
