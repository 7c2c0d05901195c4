"""The organiser's dashboard in headless Chromium: its counts follow candidates starting and submitting
without a reload."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from examapp.accounts.models import User
from examapp.exams.attempts import start_attempt, submit_attempt
from examapp.exams.models import Attempt, Exam
from examapp.extensions import db
from tests.exams.conftest import open_exam

pytestmark = pytest.mark.browser


def log_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_dashboard_counts_change_when_a_candidate_starts_and_submits(app, bank, demo, live_server, page):
    app.config["DASHBOARD_POLL_SECONDS"] = 1
    with app.app_context():
        exam_id = open_exam().id
    log_in(page, live_server, "organizer")
    card = page.locator(f'.dashboard-exam[data-exam="{exam_id}"]')
    count = lambda key: card.locator(f'[data-count="{key}"]')  # noqa: E731
    expect(count("not_started")).to_have_text("72")
    expect(count("in_progress")).to_have_text("0")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "sj01"))
        attempt_id = start_attempt(db.session.get(Exam, exam_id), user).id
        db.session.commit()
    expect(count("in_progress")).to_have_text("1")
    expect(count("not_started")).to_have_text("71")
    with app.app_context():
        submit_attempt(db.session.get(Attempt, attempt_id))
        db.session.commit()
    expect(count("submitted")).to_have_text("1")
    expect(count("in_progress")).to_have_text("0")
    expect(page.locator("#dashboard-refreshed")).to_contain_text("更新于")
    card.get_by_role("link", name="进入监控").click()
    page.wait_for_url(f"{live_server}/manage/exams/{exam_id}/monitor")
