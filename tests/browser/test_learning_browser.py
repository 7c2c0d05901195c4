"""Learning in real headless Chromium on a phone: reading → practice → a wrong answer in the 错题本 →
the next day's 每日一练 (the server's clock moved a day on) → the mastery map.

Set LEARNING_SHOTS=/some/dir to also save screenshots (LEARNING_WIDTH=1280 for the desktop width)."""
import os
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect
from sqlalchemy import select

from examapp.bank.models import Question
from examapp.exams.papers import display_answer
from examapp.extensions import db
from examapp.learning import services
from examapp.learning.models import DailyDrill
from examapp.timeutil import utcnow

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("LEARNING_SHOTS")
WIDTH = int(os.environ.get("LEARNING_WIDTH", "360"))


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{WIDTH}-{name}.png"), full_page=True)


def log_in(page, base, username="sj01"):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/exams")


def key_of(app, question_id: int):
    """The correct answer as the practice page shows it (bank order)."""
    with app.app_context():
        version = db.session.get(Question, question_id).current
        if version.type == "fill":
            return [alternatives[0] for alternatives in version.answer]
        return display_answer(version, [o["key"] for o in version.options or []])


def answer_card(page, question_id: int, qtype: str, value):
    card = page.locator(f"#q{question_id}")
    if qtype == "single":
        card.locator(f"label.option:has(input[value='{value}'])").click()
    elif qtype == "truefalse":
        card.locator(f"label.option[data-value='{'true' if value else 'false'}']").click()
    elif qtype == "multiple":
        for key in value:
            card.locator(f"label.option:has(input[value='{key}'])").click()
    else:
        for index, text in enumerate(value):
            card.locator(".practice-blank").nth(index).fill(text)
    card.locator(".practice-submit").click()
    expect(card.locator(".practice-feedback")).to_be_visible()
    return card


def test_reading_practice_wrong_book_next_days_drill_and_mastery_map_on_a_phone(app, live_server, page, bank, demo):
    with app.app_context():
        services.set_daily_count(3)
        db.session.commit()
        question = db.session.scalar(select(Question.id).where(Question.code == "R10-01"))   # key D
    page.set_viewport_size({"width": WIDTH, "height": 760})
    log_in(page, live_server)
    expect(page.locator(".today-card")).to_contain_text("今天还有 3 题")
    shot(page, "home")

    # Reading: chapter by chapter, article by article, with key phrases and 练一练.
    page.locator(".today-card").get_by_role("link", name="学习").click()
    shot(page, "learning-index")
    page.get_by_role("link", name="学习条例").click()
    page.locator(".chapter-link", has_text="第二章").click()
    article = page.locator("#article-10")
    expect(article.locator("mark.key-phrase").first).to_be_visible()
    shot(page, "chapter")
    article.locator(".practise-article").click()

    # Practice: a wrong answer gets the key, the explanation and the article at once.
    card = answer_card(page, question, "single", "A")
    expect(card.locator(".practice-feedback")).to_contain_text("回答错误")
    expect(card.locator(".practice-feedback")).to_contain_text("正确答案：D")
    expect(card.locator(".practice-feedback")).to_contain_text("结果平等")
    expect(card.locator("label.option.right")).to_contain_text("结果平等")
    shot(page, "practice-feedback")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH   # nothing runs off a phone screen

    # The 错题本 has it.
    page.goto(f"{live_server}/learning/wrong")
    expect(page.locator(f"#q{question}")).to_contain_text("结果平等")
    shot(page, "wrong-book")

    # The next day (the server's clock): the drill brings the mistake back first.
    with time_machine.travel(utcnow() + timedelta(days=1), tick=True):
        log_in(page, live_server)                 # yesterday's session has expired
        expect(page.locator(".today-card")).to_contain_text("今天还有 3 题")
        page.goto(f"{live_server}/learning/daily")
        cards = page.locator(".practice-card")
        expect(cards).to_have_count(3)
        assert cards.first.get_attribute("data-question") == str(question)
        with app.app_context():
            drill = db.session.scalar(select(DailyDrill).where(DailyDrill.day == services.today()))
            assert drill is not None and drill.question_ids[0] == question
        for item in cards.all():
            qid = int(item.get_attribute("data-question"))
            answer_card(page, qid, item.get_attribute("data-type"), key_of(app, qid))
        expect(page.locator("#drill-done")).to_be_visible()
        expect(page.locator("#drill-answered")).to_have_text("3")
        expect(page.locator(".streak")).to_have_text("1")          # the page's streak counts today at once
        shot(page, "daily-done")
        page.goto(f"{live_server}/exams")
        expect(page.locator("#today-done")).to_have_text("今日已完成 ✓")
        expect(page.locator(".today-card .streak")).to_have_text("1")

        # The mastery map: article 10 answered wrong once and right once (plus the drill's other questions).
        page.goto(f"{live_server}/learning/mastery")
        expect(page.locator(".mcell")).to_have_count(72)
        cell = page.locator("a.mcell[href='#evidence-10']")
        expect(cell).not_to_have_class("mcell level-none")
        expect(page.locator("a.mcell.level-none")).to_have_count(72 - len(drill_articles(app, drill)))
        shot(page, "mastery")
        cell.click()
        expect(page.locator("#evidence-10")).to_contain_text("练习")


def drill_articles(app, drill) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(Question.article_number).where(
            Question.id.in_(drill.question_ids + [drill.question_ids[0]]))))


def wrong_answer_for(app, question_id: int):
    key = key_of(app, question_id)
    if isinstance(key, bool):
        return not key
    if isinstance(key, str):
        return "A" if key != "A" else "B"
    if all(isinstance(k, str) and len(k) == 1 for k in key):     # multiple choice
        return ["A"] if key != ["A"] else ["B"]
    return ["错"] * len(key)                                       # fill-in blanks


def test_the_organiser_reads_the_learning_overview_and_sets_the_daily_count(app, live_server, page, bank, demo):
    with app.app_context():
        from examapp.accounts.models import User
        users = dict(db.session.execute(select(User.username, User.id)).all())
        questions = db.session.scalars(select(Question.id).where(Question.article_number.in_([10, 11, 12]))
                                       .order_by(Question.id)).all()
        for n, qid in enumerate(questions[:12]):      # sj01, sj02, sj03 in turn; every third answer wrong
            value = key_of(app, qid) if n % 3 else wrong_answer_for(app, qid)
            services.answer_question(users[f"sj0{1 + n % 3}"], qid, value, "practice", n + 1)
        db.session.commit()
    page.set_viewport_size({"width": WIDTH, "height": 760})
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "organizer")
    page.fill("input[name=password]", "demo1234")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/learning/manage")
    expect(page.locator("#practised")).to_have_text("3")
    expect(page.locator("#weakest tbody tr").first).to_contain_text("第")
    shot(page, "overview")
    page.fill("input[name=daily_count]", "8")
    page.locator("form:has(input[name=daily_count]) button").click()
    expect(page.locator(".alert-success")).to_contain_text("每日一练每天 8 题")
    with app.app_context():
        assert services.daily_count() == 8
