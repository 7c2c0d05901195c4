"""Practice answers graded on the server, exam-only questions, the 错题本 and the daily drill, through the pages
and the API (both engines)."""
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from examapp.accounts.models import User
from examapp.bank.models import Question
from examapp.exams import proctoring
from examapp.exams import services as exam_services
from examapp.exams.attempts import start_attempt, submit_attempt
from examapp.exams.autosave import save_answer
from examapp.exams.models import Answer, Attempt, Exam
from examapp.exams.papers import display_answer
from examapp.extensions import db
from examapp.learning import services
from examapp.learning.models import DailyDrill, PracticeAnswer
from examapp.learning.progress import wrong_book
from examapp.learning.reading import highlight
from examapp.timeutil import utcnow
from tests.conftest import login
from tests.exams.conftest import open_exam

URL = "/learning/api/answers"


@pytest.fixture
def sj01(app, demo, bank):
    client = app.test_client()
    assert login(client, "sj01").status_code == 302
    return client


@contextmanager
def next_day(client, username="sj01", days=1):
    """A day later on the server's clock, logged in again (a session lasts 12 hours)."""
    with time_machine.travel(utcnow() + timedelta(days=days), tick=False):
        assert login(client, username).status_code == 302
        yield


def question_by_code(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Question.id).where(Question.code == code))


def answer(client, question: int, value, mode="practice", client_id=1):
    return client.post(URL, json={"question": question, "answer": value, "mode": mode, "client_id": client_id})


def practice_rows(app):
    with app.app_context():
        return db.session.execute(select(PracticeAnswer.question_id, PracticeAnswer.right, PracticeAnswer.earned,
                                         PracticeAnswer.mode)).all()


def test_the_practice_page_shows_options_in_bank_order_and_never_the_key(app, sj01):
    page = sj01.get("/learning/practice?article=10").get_data(as_text=True)
    # R10-01: 权利平等 / 机会平等 / 规则平等 / 结果平等 (key D) in bank order A–D.
    assert page.index("权利平等") < page.index("机会平等") < page.index("规则平等") < page.index("结果平等")
    assert "国家坚持的是权利平等、机会平等、规则平等，“结果平等”不在其中" not in page   # its explanation
    assert "练习不计入任何考试成绩" in page


def test_a_practice_answer_is_graded_by_the_server_with_explanation_and_article(app, sj01):
    question = question_by_code(app, "R10-01")
    wrong = answer(sj01, question, "A", client_id=11).get_json()
    assert wrong["right"] is False and wrong["earned"] == 0 and wrong["correct"] == "D"
    assert "结果平等" in wrong["explanation"] and wrong["article_label"] == "第十条"
    assert "权利平等、机会平等、规则平等" in wrong["article_text"]
    right = answer(sj01, question, "D", client_id=12).get_json()
    assert right["right"] is True and right["earned"] == 1.0
    assert sorted((r.right, r.mode) for r in practice_rows(app)) == [(False, "practice"), (True, "practice")]


def test_partly_right_multiple_choice_is_half_marks_and_counts_as_wrong(app, sj01):
    question = question_by_code(app, "R10-03")      # key B, C
    data = answer(sj01, question, ["C"], client_id=5).get_json()
    assert data["earned"] == 0.5 and data["right"] is False and data["correct"] == ["B", "C"]


def test_a_retried_answer_with_the_same_client_id_is_recorded_once(app, sj01):
    question = question_by_code(app, "R10-04")
    for _ in range(3):
        assert answer(sj01, question, True, client_id=77).status_code == 200
    assert len(practice_rows(app)) == 1


@pytest.mark.parametrize("body, message", [
    ({"question": 1, "answer": "A", "mode": "practice"}, "client_id"),
    ({"question": 1, "answer": "A", "mode": "exam", "client_id": 1}, "mode"),
    ({"question": 1, "answer": "A", "mode": "practice", "client_id": 1, "score": 5}, "不支持的字段"),
    ({"question": "1", "answer": "A", "mode": "practice", "client_id": 1}, "question"),
    ({"question": 1, "answer": {"x": 1}, "mode": "practice", "client_id": 1}, "answer"),
])
def test_a_malformed_answer_body_is_refused_in_chinese_and_nothing_is_written(app, sj01, body, message):
    response = sj01.post(URL, json=body)
    assert response.status_code == 400 and message in response.get_json()["error"]
    assert practice_rows(app) == []


def test_an_answer_of_the_wrong_shape_for_its_question_is_refused(app, sj01):
    question = question_by_code(app, "R10-01")
    response = answer(sj01, question, "Z")
    assert response.status_code == 400 and "单选题" in response.get_json()["error"]
    response = answer(sj01, question, None)
    assert response.status_code == 400 and "请先作答" in response.get_json()["error"]
    assert practice_rows(app) == []


def test_practice_answers_need_the_current_session(app, sj01):
    other_device = app.test_client()
    login(other_device, "sj01")          # takes over sj01's session
    response = answer(sj01, question_by_code(app, "R10-01"), "D")
    assert response.status_code == 401 and response.get_json()["code"] == "session_replaced"
    assert "另一台设备" in response.get_json()["error"]
    assert practice_rows(app) == []


def test_practice_after_a_password_reset_says_the_login_ended_not_that_another_device_logged_in(app, sj01):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "sj01"))
        user.set_password("reset-by-admin-1", temporary=True)
        db.session.commit()
    response = answer(sj01, question_by_code(app, "R10-01"), "D")
    assert response.status_code == 401 and response.get_json()["code"] == "login_required"
    assert "登录已失效" in response.get_json()["error"] and "另一台设备" not in response.get_json()["error"]
    assert practice_rows(app) == []


def test_staff_cannot_post_practice_answers(app, demo, bank):
    client = app.test_client()
    login(client, "organizer")
    assert answer(client, question_by_code(app, "R10-01"), "D").status_code == 401
    assert practice_rows(app) == []


def test_an_exam_only_question_never_appears_in_practice_and_cannot_be_answered(app, sj01):
    question = question_by_code(app, "R10-01")
    organiser = app.test_client()
    login(organiser, "organizer")
    response = organiser.post(f"/bank/questions/{question}/exam-only", follow_redirects=True)
    assert "仅用于考试" in response.get_data(as_text=True)
    assert "仅用于考试" in organiser.get("/bank/?article=10").get_data(as_text=True)    # marked in the list
    with app.app_context():
        assert db.session.get(Question, question).exam_only
        pool = {c.question_id for c in services.practice_pool()}
    assert question not in pool and len(pool) > 400
    assert "结果平等" not in sj01.get("/learning/practice?article=10").get_data(as_text=True)
    assert answer(sj01, question, "D").status_code == 404
    daily = sj01.get("/learning/daily")
    assert daily.status_code == 200
    with app.app_context():
        assert question not in db.session.scalar(select(DailyDrill.question_ids))
    # Exams still draw it: the active pool for papers is unchanged.
    with app.app_context():
        assert question in {p.question_id for p in exam_services.active_pool()}
    organiser.post(f"/bank/questions/{question}/exam-only")
    assert answer(sj01, question, "D").status_code == 200


def test_practice_writes_nothing_an_exam_counts(app, sj01):
    answer(sj01, question_by_code(app, "R10-01"), "D")
    with app.app_context():
        assert db.session.scalar(select(func.count(Answer.id))) == 0
        assert db.session.scalar(select(func.count(Attempt.id))) == 0


def test_a_wrong_answer_stays_in_the_wrong_book_until_right_on_two_different_days(app, sj01):
    question = question_by_code(app, "R10-01")
    answer(sj01, question, "A", client_id=1)
    assert "权利平等" in sj01.get("/learning/wrong").get_data(as_text=True)
    answer(sj01, question, "D", mode="wrongbook", client_id=2)      # right today
    answer(sj01, question, "D", mode="wrongbook", client_id=3)      # right again today: same day
    page = sj01.get("/learning/wrong").get_data(as_text=True)
    assert "权利平等" in page and "再在另一天答对 1 次即移出" in page
    with next_day(sj01):
        answer(sj01, question, "D", mode="wrongbook", client_id=4)
        assert "错题本是空的" in sj01.get("/learning/wrong").get_data(as_text=True)


def _closed_exam_with_wrong_answers(app, review: str) -> tuple[int, int]:
    """sj01 sits an exam answering every single-choice item wrongly; the exam then closes. Returns
    (exam id, one wrongly answered question id)."""
    with app.app_context():
        exam = open_exam(review=review, title=f"考试（{review}）")
        user = db.session.scalar(select(User).where(User.username == "sj01"))
        attempt = start_attempt(exam, user)
        wrong_question = None
        for item in attempt.items:
            if item.type == "single":
                key = display_answer(item.version, item.option_order)
                save_answer(attempt.id, user.id, item.id, "A" if key != "A" else "B", 1)
                wrong_question = item.version.question_id
        submit_attempt(attempt)
        db.session.commit()
        return exam.id, wrong_question


def test_closed_exam_mistakes_enter_the_wrong_book_only_once_the_review_policy_shows_answers(app, sj01):
    exam_id, question = _closed_exam_with_wrong_answers(app, "after_close")
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "sj01"))
        assert question not in {e.question["question"] for e in wrong_book(user_id)}   # still open
        proctoring.close_now(db.session.get(Exam, exam_id), "考试结束")
        db.session.commit()
        entries = wrong_book(user_id)
    assert question in {e.question["question"] for e in entries}
    assert "考试（after_close）" in sj01.get("/learning/wrong").get_data(as_text=True)


def test_score_only_exam_mistakes_never_enter_the_wrong_book(app, sj01):
    exam_id, question = _closed_exam_with_wrong_answers(app, "score_only")
    with app.app_context():
        proctoring.close_now(db.session.get(Exam, exam_id), "考试结束")
        db.session.commit()
        user_id = db.session.scalar(select(User.id).where(User.username == "sj01"))
        assert wrong_book(user_id) == []


def test_the_daily_drill_has_the_organisers_count_and_is_fixed_for_the_day(app, sj01):
    organiser = app.test_client()
    login(organiser, "organizer")
    assert "每日一练每天 4 题" in organiser.post("/learning/manage/settings", data={"daily_count": "4"},
                                               follow_redirects=True).get_data(as_text=True)
    page = sj01.get("/learning/daily").get_data(as_text=True)
    assert page.count('class="card practice-card') == 4 and "0</span> / 4 题已完成" in page
    with app.app_context():
        first = db.session.scalar(select(DailyDrill.question_ids))
    sj01.get("/learning/daily")
    with app.app_context():
        assert db.session.scalar(select(func.count(DailyDrill.id))) == 1
        assert db.session.scalar(select(DailyDrill.question_ids)) == first


@pytest.mark.parametrize("value", ["0", "51", "abc", ""])
def test_an_invalid_daily_count_is_refused_and_nothing_changes(app, demo, value):
    organiser = app.test_client()
    login(organiser, "organizer")
    page = organiser.post("/learning/manage/settings", data={"daily_count": value},
                          follow_redirects=True).get_data(as_text=True)
    assert "每日一练题数应为 1 到 50 之间的整数" in page
    with app.app_context():
        assert services.daily_count() == 10


def test_completing_the_drill_marks_today_done_and_counts_the_streak(app, sj01):
    with app.app_context():
        services.set_daily_count(2)
        db.session.commit()

    def do_drill(client_base: int) -> dict:
        sj01.get("/learning/daily")
        with app.app_context():
            drill = db.session.scalar(select(DailyDrill).order_by(DailyDrill.id.desc()))
            ids = list(drill.question_ids)
        last = None
        for n, question in enumerate(ids):
            last = answer(sj01, question, _right_answer(app, question), mode="daily",
                          client_id=client_base + n).get_json()
        return last

    assert "今天还有 2 题" in sj01.get("/exams").get_data(as_text=True)
    completed = do_drill(100)
    assert completed["drill_completed"] is True and completed["streak"] == 1
    home = sj01.get("/exams").get_data(as_text=True)
    assert "今日已完成" in home and '<strong class="streak">1</strong>' in home
    with next_day(sj01):
        assert '<strong class="streak">1</strong>' in sj01.get("/exams").get_data(as_text=True)  # not yet today
        do_drill(200)
        assert '<strong class="streak">2</strong>' in sj01.get("/exams").get_data(as_text=True)


def _right_answer(app, question_id: int):
    with app.app_context():
        version = db.session.get(Question, question_id).current
        return display_answer(version, [o["key"] for o in version.options or []]) \
            if version.type != "fill" else [alts[0] for alts in version.answer]


def test_the_next_days_drill_brings_back_yesterdays_mistake(app, sj01):
    question = question_by_code(app, "R10-01")
    answer(sj01, question, "A")
    with next_day(sj01):
        sj01.get("/learning/daily")
        with app.app_context():
            ids = db.session.scalar(select(DailyDrill.question_ids))
    assert ids[0] == question


def test_the_mastery_map_colours_each_article_by_the_evidence(app, sj01):
    answer(sj01, question_by_code(app, "R10-01"), "A", client_id=1)     # wrong
    answer(sj01, question_by_code(app, "R10-02"), "B", client_id=2)     # right
    page = sj01.get("/learning/mastery").get_data(as_text=True)
    assert page.count('class="mcell ') == 72
    # Article 10: 1 of 2 right = 50% -> the lowest band; article 11 untouched.
    assert 'class="mcell level-low" href="#evidence-10"' in page
    assert 'class="mcell level-none" href="/learning/practice?article=11"' in page     # untouched: go practise
    assert 'id="evidence-10"' in page and 'id="evidence-11"' not in page
    assert "练习 2 次，全对 1 次" in page


def test_reading_a_chapter_marks_key_phrases_and_links_each_article_to_practice(app, sj01):
    page = sj01.get("/learning/read/2").get_data(as_text=True)
    assert "第十条" in page and '<mark class="key-phrase">各种所有制</mark>' in page
    assert "/learning/practice?article=10" in page
    assert sj01.get("/learning/read/99").status_code == 404


def test_highlight_cuts_text_into_marked_runs():
    assert highlight("甲乙丙乙", ["乙"]) == [("甲", False), ("乙", True), ("丙", False), ("乙", True)]
    assert highlight("营商环境", ["营商", "营商环境"]) == [("营商环境", True)]
    assert highlight("abc", []) == [("abc", False)]


def test_the_days_first_drill_is_written_under_the_sqlite_write_lock_taken_up_front(app, sj01, engine_name):
    if engine_name != "sqlite":
        pytest.skip("SQLite's lock upgrade")
    from sqlalchemy import event
    with app.app_context():
        engine = db.engine
    seen = []

    def begin(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.split()[0] + (" " + statement.split()[1] if statement.startswith("BEGIN") and
                                            len(statement.split()) > 1 else ""))

    event.listen(engine, "before_cursor_execute", begin)
    try:
        assert sj01.get("/learning/daily").status_code == 200
        first_visit = list(seen)
        seen.clear()
        assert sj01.get("/learning/daily").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", begin)
    insert_at = first_visit.index("INSERT")
    assert "BEGIN IMMEDIATE" in first_visit[:insert_at]
    assert "BEGIN IMMEDIATE" not in seen and "INSERT" not in seen       # later visits only read
