"""Running an exam: monitor, extra time, force-submit, reopen, window changes — audited, staff only."""
from datetime import timedelta

import time_machine

from examapp.audit.models import AuditEntry
from examapp.exams.models import Attempt, Exam
from examapp.extensions import db
from tests.conftest import login
from tests.exams.test_attempts import start


def staff(app):
    client = app.test_client()
    login(client, "organizer")
    return client


def test_monitor_counts_every_eligible_candidate(app, client, exam):
    login(client, "sj01")
    start(client, exam)
    monitor = staff(app).get(f"/manage/exams/{exam}/monitor.json").get_json()
    assert monitor["counts"] == {"not_started": 71, "in_progress": 1, "submitted": 0, "finalised_overdue": 0}
    row = next(r for r in monitor["rows"] if r["login"] == "sj01")
    assert row["status_label"] == "答题中" and row["answered"] == 0 and row["total"] == 13
    assert 0 < row["seconds_left"] <= 30 * 60
    page = staff(app).get(f"/manage/exams/{exam}/monitor").get_data(as_text=True)
    assert "未开始 <span data-count=\"not_started\">71</span>" in page


def test_time_away_is_shown_in_the_timeline_and_the_monitor(app, client, bank, demo):
    from tests.exams.conftest import open_exam
    with app.app_context():
        exam = open_exam(title="切屏考试", focus_warn_after=2, focus_submit_after=4).id
    login(client, "sj01")
    paper = start(client, exam)
    url = f"/api/v1/attempts/{paper['attempt']}/events"
    client.post(url, json={"kind": "focus_loss", "away_seconds": 65})
    client.post(url, json={"kind": "focus_loss", "away_seconds": 10})
    page = staff(app).get(f"/manage/exams/{exam}/attempts/{paper['attempt']}").get_data(as_text=True)
    assert "离开考试页面（切屏），离开 1 分 5 秒后返回" in page and "离开 10 秒后返回" in page
    assert "切屏次数：2" in page
    row = next(r for r in staff(app).get(f"/manage/exams/{exam}/monitor.json").get_json()["rows"] if r["login"] == "sj01")
    assert (row["focus_losses"], row["away_seconds"], row["away_label"]) == (2, 75, "共离开 1 分 15 秒")
    assert "共离开 1 分 15 秒" in staff(app).get(f"/manage/exams/{exam}/monitor").get_data(as_text=True)
    rule = client.get(f"/exams/{exam}").get_data(as_text=True)   # the start page states the rule
    assert "刷新页面不计" in rule and "切屏满 4 次，系统自动交卷" in rule


def test_duration_labels():
    from examapp.exams.proctoring import duration_label
    assert [duration_label(s) for s in (0, 59, 60, 65, 3599, 3720)] == \
        ["0 秒", "59 秒", "1 分钟", "1 分 5 秒", "59 分 59 秒", "1 小时 2 分"]


def test_extra_time_moves_the_deadline_and_is_audited(app, client, exam):
    login(client, "sj02")
    paper = start(client, exam)
    with app.app_context():
        before = db.session.get(Attempt, paper["attempt"]).deadline_at
    response = staff(app).post(f"/manage/exams/{exam}/attempts/{paper['attempt']}/extra-time",
                               data={"minutes": "10", "reason": "手机没电"}, follow_redirects=True)
    assert "已为" in response.get_data(as_text=True)
    with app.app_context():
        attempt = db.session.get(Attempt, paper["attempt"])
        assert attempt.deadline_at == before + timedelta(minutes=10)
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "attempt.extra_time"))
        assert entry.reason == "手机没电" and entry.actor_id is not None
    state = client.get(f"/api/v1/attempts/{paper['attempt']}").get_json()
    assert state["seconds_left"] > 30 * 60


def test_reason_is_required(app, client, exam):
    login(client, "sj03")
    paper = start(client, exam)
    body = staff(app).post(f"/manage/exams/{exam}/attempts/{paper['attempt']}/force-submit",
                           data={"reason": ""}, follow_redirects=True).get_data(as_text=True)
    assert "请填写原因" in body
    with app.app_context():
        assert db.session.get(Attempt, paper["attempt"]).status == "in_progress"


def test_force_submit_then_reopen_with_a_new_deadline(app, client, exam):
    login(client, "sj04")
    paper = start(client, exam)
    item = next(i for i in paper["items"] if i["type"] == "truefalse")
    client.post(f"/api/v1/attempts/{paper['attempt']}/answers", json={"item": item["item"], "answer": True, "seq": 1})
    organiser = staff(app)
    organiser.post(f"/manage/exams/{exam}/attempts/{paper['attempt']}/force-submit", data={"reason": "违纪"})
    assert client.get(f"/api/v1/attempts/{paper['attempt']}").get_json()["status"] == "submitted"
    organiser.post(f"/manage/exams/{exam}/attempts/{paper['attempt']}/reopen", data={"minutes": "15", "reason": "误操作"})
    state = client.get(f"/api/v1/attempts/{paper['attempt']}").get_json()
    assert state["status"] == "in_progress" and 14 * 60 <= state["seconds_left"] <= 15 * 60
    assert {a["item"]: a["answer"] for a in state["answers"]}[item["item"]] is True
    page = organiser.get(f"/manage/exams/{exam}/attempts/{paper['attempt']}").get_data(as_text=True)
    assert "组织者强制交卷" in page and "重新开放" in page and "误操作" in page
    with app.app_context():
        actions = set(db.session.scalars(db.select(AuditEntry.action)))
        assert {"attempt.force_submit", "attempt.reopen"} <= actions


def test_closing_the_window_submits_running_attempts(app, client, exam):
    login(client, "sj05")
    paper = start(client, exam)
    staff(app).post(f"/manage/exams/{exam}/window", data={"action": "close", "reason": "提前结束"})
    with app.app_context():
        attempt = db.session.get(Attempt, paper["attempt"])
        assert attempt.status == "submitted" and attempt.finished_by == "organiser" and attempt.score is not None
    assert client.post(f"/api/v1/exams/{exam}/attempts", json={}).status_code == 409


def test_extending_the_window_lifts_a_capped_deadline(app, client, bank, demo):
    from tests.exams.conftest import open_exam
    with app.app_context():
        exam_id = open_exam(duration=60).id
        exam = db.session.get(Exam, exam_id)
        closes = exam.closes_at
    with time_machine.travel(closes - timedelta(minutes=20), tick=False):
        login(client, "sj06")
        paper = start(client, exam_id)
        assert paper["seconds_left"] == 20 * 60
        new_close = (closes + timedelta(hours=1))
        from examapp.timeutil import to_local
        with app.app_context():
            local = to_local(new_close).strftime("%Y-%m-%dT%H:%M")
        staff(app).post(f"/manage/exams/{exam_id}/window", data={"action": "extend", "closes_at": local, "reason": "停电"})
        state = client.get(f"/api/v1/attempts/{paper['attempt']}").get_json()
        assert state["seconds_left"] == 60 * 60


def test_candidates_cannot_reach_any_organiser_action(app, client, exam):
    login(client, "sj07")
    paper = start(client, exam)
    for method, url in (("get", f"/manage/exams/{exam}/monitor"), ("get", f"/manage/exams/{exam}/monitor.json"),
                        ("post", f"/manage/exams/{exam}/attempts/{paper['attempt']}/extra-time"),
                        ("post", f"/manage/exams/{exam}/attempts/{paper['attempt']}/force-submit"),
                        ("post", f"/manage/exams/{exam}/attempts/{paper['attempt']}/reopen"),
                        ("post", f"/manage/exams/{exam}/window"),
                        ("get", f"/manage/exams/{exam}/attempts/{paper['attempt']}")):
        response = getattr(client, method)(url, data={"minutes": "10", "reason": "x"})
        assert response.status_code == 403, url


def test_regrade_after_a_key_correction_keeps_old_and_new_scores(app, client, exam):
    from examapp.bank import services as bank_services
    from examapp.exams.models import AttemptEvent, PaperItem
    login(client, "sj08")
    paper = start(client, exam)
    item = next(i for i in paper["items"] if i["type"] == "truefalse")
    with app.app_context():
        shown = db.session.get(PaperItem, item["item"]).version
        right, question_id = shown.answer, shown.question_id
    client.post(f"/api/v1/attempts/{paper['attempt']}/answers",
                json={"item": item["item"], "answer": not right, "seq": 1})   # wrong by the old key
    first = client.post(f"/api/v1/attempts/{paper['attempt']}/submit", json={}).get_json()
    assert first["score"] == 0
    with app.app_context():   # the organiser finds the key was wrong and corrects it: a new version
        question = db.session.get(PaperItem, item["item"]).version.question
        data = question.current.as_data()
        data.answer = not right
        bank_services.update_question(question, data, note="更正答案")
        db.session.commit()
    organiser = staff(app)
    detail = organiser.get(f"/manage/exams/{exam}").get_data(as_text=True)
    assert "重新评分" in detail and f"题目 {question_id}" in detail
    body = organiser.post(f"/manage/exams/{exam}/regrade/{question_id}", data={"reason": "原答案有误"},
                          follow_redirects=True).get_data(as_text=True)
    assert "0→1" in body
    with app.app_context():
        attempt = db.session.get(Attempt, paper["attempt"])
        assert attempt.score == 1.0
        event = db.session.scalar(db.select(AttemptEvent).where(AttemptEvent.kind == "regrade"))
        assert event.detail["old_score"] == 0 and event.detail["new_score"] == 1.0
        assert db.session.get(PaperItem, item["item"]).version.answer == right   # the paper still shows what was seen
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "exam.regrade"))
        assert entry.reason == "原答案有误"


def test_attempt_in_progress_is_未评分_and_says_考生_to_the_organiser(app, client, exam):
    from examapp.exams import services
    from examapp.exams.papers import display_answer
    login(client, "sj12")
    paper = start(client, exam)
    item = next(i for i in paper["items"] if i["type"] == "single")
    with app.app_context():
        key = display_answer(db.session.get(services.PaperItem, item["item"]).version,
                                      db.session.get(services.PaperItem, item["item"]).option_order)
    client.post(f"/api/v1/attempts/{paper['attempt']}/answers", json={"item": item["item"], "answer": key, "seq": 1})
    page = staff(app).get(f"/manage/exams/{exam}/attempts/{paper['attempt']}").get_data(as_text=True)
    assert "未评分（本题 2 分）" in page and "得分 0/" not in page and "border-danger" not in page
    assert "考生答案" in page and "考生选择" in page and "您的" not in page
    client.post(f"/api/v1/attempts/{paper['attempt']}/submit", json={})
    graded = staff(app).get(f"/manage/exams/{exam}/attempts/{paper['attempt']}").get_data(as_text=True)
    assert "得分 2/2" in graded and "未评分" not in graded
    own = client.get(f"/attempts/{paper['attempt']}").get_data(as_text=True)     # the candidate's own review
    assert "您的答案" in own and "您的选择" in own and "考生答案" not in own
