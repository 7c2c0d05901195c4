"""The organiser's home page is the exam-day dashboard: live counts per open exam and what the current
考评批次 still needs."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from examapp.accounts.models import User
from examapp.exams.attempts import start_attempt, submit_attempt
from examapp.exams.models import Exam
from examapp.extensions import db
from examapp.scoring import services as scoring
from examapp.timeutil import utcnow
from tests.conftest import login
from tests.exams.conftest import open_exam


def _start(username: str, exam_id: int):
    user = db.session.scalar(select(User).where(User.username == username))
    attempt = start_attempt(db.session.get(Exam, exam_id), user)
    db.session.commit()
    return attempt


def test_dashboard_counts_candidates_by_state_and_focus_alerts(app, client, bank, demo):
    with app.app_context():
        exam_id = open_exam(focus_warn_after=2).id
        _start("sj01", exam_id)
        second = _start("sj02", exam_id)
        second.focus_losses = 2
        submit_attempt(second)
        db.session.commit()
    login(client, "organizer")
    data = client.get("/dashboard.json").get_json()
    [exam] = data["exams"]
    assert exam["id"] == exam_id and exam["is_open"]
    counts = exam["counts"]
    assert counts == {"not_started": 70, "in_progress": 1, "submitted": 1, "focus_alerts": 1}


def test_dashboard_lists_open_and_upcoming_exams_with_a_monitor_link(app, client, bank, demo):
    with app.app_context():
        now_id = open_exam(title="今天的考试").id
        later = open_exam(title="下周的考试")
        later.opens_at = utcnow() + timedelta(days=7)
        later.closes_at = utcnow() + timedelta(days=7, hours=2)
        over = open_exam(title="上周的考试")
        over.opens_at, over.closes_at = utcnow() - timedelta(days=7), utcnow() - timedelta(days=6)
        db.session.commit()
    login(client, "organizer")
    page = client.get("/").get_data(as_text=True)
    assert "今天的考试" in page and "下周的考试" in page and "上周的考试" not in page
    assert page.index("今天的考试") < page.index("下周的考试")
    assert f"/manage/exams/{now_id}/monitor" in page
    for label in ("未开始", "答题中", "已交卷", "切屏告警"):
        assert label in page


def test_dashboard_says_what_the_current_round_still_needs(app, client, demo):
    with app.app_context():
        scoring.ensure_round("2026年10月考评")
        db.session.commit()
    login(client, "organizer")
    page = client.get("/").get_data(as_text=True)
    assert "当前考评批次：2026年10月考评" in page
    assert "考试成绩：尚未选定计入的考试" in page
    assert "指标排名：尚未导入指标" in page
    assert "联企解困：尚未导入数据" in page
    assert "尚未计算" in page and "尚未发布" in page


def test_dashboard_round_shows_computed_then_stale_after_a_change(app, client, demo):
    from examapp.demo import load_demo_round
    with app.app_context():
        round_ = load_demo_round()
        name = round_.name
        scoring.compute_round(round_)
        db.session.commit()
    login(client, "organizer")
    page = client.get("/").get_data(as_text=True)
    assert "各项数据已齐备" in page
    assert "已计算" in page and "需重新计算" not in page
    with app.app_context():
        round_ = scoring.get_round(name)
        scoring.set_scheme(round_, {"weights": {"E": 40, "I": 30, "A": 15, "C": 15}})
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "需重新计算" in page


def test_dashboard_json_is_for_staff_only(app, client, demo):
    login(client, "sj01")
    assert client.get("/dashboard.json").status_code in (302, 403)
