"""Attempts end to end through the JSON API: start, save with sequence numbers, deadline, submit, finalise."""
import re
import threading
from datetime import timedelta

import time_machine

from examapp.exams.autosave import saved_answers
from examapp.exams.models import Answer, Attempt, AttemptEvent, Exam, PaperItem
from examapp.exams.papers import display_answer
from examapp.extensions import db
from examapp.timeutil import utcnow
from tests.conftest import login


def start(client, exam_id):
    response = client.post(f"/api/v1/exams/{exam_id}/attempts", json={})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def correct_answers(app, attempt_id):
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        return {i.id: display_answer(i.version, i.option_order) for i in attempt.items}


def test_publication_draws_every_candidate_a_paper_of_the_same_shape(app, exam):
    with app.app_context():
        attempts = db.session.scalars(db.select(Attempt).where(Attempt.exam_id == exam)).all()
        assert len(attempts) == 72
        shapes = {tuple(sorted((i.type, i.version.question.article.chapter) for i in a.items)) for a in attempts[:10]}
        type_counts = {tuple(sorted({t: [i.type for i in a.items].count(t) for t in ("single", "fill")}.items()))
                       for a in attempts}
        assert type_counts == {(("fill", 2), ("single", 5))}
        assert len(shapes) >= 1
        assert all(a.max_score == 5 * 2 + 3 * 2 + 3 * 1 + 2 * 2 for a in attempts)


def test_start_returns_paper_without_answer_keys_and_never_a_second_attempt(client, exam):
    login(client, "sj01")
    first = start(client, exam)
    assert len(first["items"]) == 13 and first["status"] == "in_progress"
    text = str(first)
    assert "answer'" not in text.replace("'answers'", "") and "explanation" not in text
    assert all(set(item) <= {"item", "type", "stem", "points", "section", "options", "blanks"} for item in first["items"])
    again = start(client, exam)
    assert again["attempt"] == first["attempt"]
    assert 29 * 60 <= again["seconds_left"] <= 30 * 60


def test_saves_are_ordered_by_sequence_number(app, client, exam):
    login(client, "sj01")
    paper = start(client, exam)
    item = next(i for i in paper["items"] if i["type"] == "single")
    url = f"/api/v1/attempts/{paper['attempt']}/answers"
    assert client.post(url, json={"item": item["item"], "answer": "B", "seq": 2}).get_json()["saved"]
    client.post(url, json={"item": item["item"], "answer": "A", "seq": 1})   # late-arriving older save
    state = client.get(f"/api/v1/attempts/{paper['attempt']}").get_json()
    saved = {a["item"]: (a["answer"], a["seq"]) for a in state["answers"]}
    assert saved[item["item"]] == ("B", 2)
    client.post(url, json={"item": item["item"], "answer": "C", "seq": 3})
    state = client.get(f"/api/v1/attempts/{paper['attempt']}").get_json()
    assert {a["item"]: a["answer"] for a in state["answers"]}[item["item"]] == "C"


def test_a_save_that_is_not_newer_is_answered_not_saved_with_the_stored_answer(app, client, exam):
    """Two pages of one attempt each count seq from what they loaded: the second page's seq 1 loses to the
    first's, and its reply says so and what is stored (it used to say "saved": true)."""
    login(client, "sj01")
    paper = start(client, exam)
    single = next(i for i in paper["items"] if i["type"] == "single")
    multiple = next(i for i in paper["items"] if i["type"] == "multiple")
    url = f"/api/v1/attempts/{paper['attempt']}/answers"
    reply = client.post(url, json={"item": single["item"], "answer": "B", "seq": 2}).get_json()
    assert (reply["saved"], reply["seq"], reply["stored"]) == (True, 2, {"answer": "B", "seq": 2})
    assert reply["deadline"] and reply["server_time"]
    older = client.post(url, json={"item": single["item"], "answer": "A", "seq": 1}).get_json()
    assert (older["saved"], older["seq"], older["stored"]) == (False, 1, {"answer": "B", "seq": 2})
    same_seq = client.post(url, json={"item": single["item"], "answer": "C", "seq": 2}).get_json()
    assert (same_seq["saved"], same_seq["stored"]) == (False, {"answer": "B", "seq": 2})
    retry = client.post(url, json={"item": single["item"], "answer": "B", "seq": 2}).get_json()   # reply was lost
    assert (retry["saved"], retry["stored"]) == (True, {"answer": "B", "seq": 2})
    # The stored form of a multiple choice is sorted; a retry in another order is still the same answer.
    assert client.post(url, json={"item": multiple["item"], "answer": ["C", "A"], "seq": 1}).get_json()["stored"] \
        == {"answer": ["A", "C"], "seq": 1}
    assert client.post(url, json={"item": multiple["item"], "answer": ["A", "C"], "seq": 1}).get_json()["saved"]
    cleared = client.post(url, json={"item": multiple["item"], "answer": None, "seq": 5}).get_json()
    assert (cleared["saved"], cleared["stored"]) == (True, {"answer": None, "seq": 5})
    assert client.post(url, json={"item": multiple["item"], "answer": ["B"], "seq": 4}).get_json()["stored"] \
        == {"answer": None, "seq": 5}
    with app.app_context():
        stored = dict(db.session.execute(db.select(Answer.item_id, Answer.value)).all())
    assert stored == {single["item"]: "B", multiple["item"]: None}


def test_the_autosave_stays_one_lookup_and_one_upsert_and_reads_back_only_when_dropped(app, client, exam):
    from sqlalchemy import event
    login(client, "sj02")
    paper = start(client, exam)
    item = next(i for i in paper["items"] if i["type"] == "single")
    url = f"/api/v1/attempts/{paper['attempt']}/answers"
    statements = []

    def seen(conn, cursor, statement, *args):
        if statement.lstrip().split(None, 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            statements.append(statement.lstrip().split(None, 1)[0].upper())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert client.post(url, json={"item": item["item"], "answer": "A", "seq": 2}).get_json()["saved"] is True
        stored, statements[:] = list(statements), []
        assert client.post(url, json={"item": item["item"], "answer": "B", "seq": 1}).get_json()["saved"] is False
        dropped = list(statements)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert stored == ["SELECT", "INSERT"]
    assert dropped == ["SELECT", "INSERT", "SELECT"]


def test_malformed_answers_are_refused_in_chinese(client, exam):
    login(client, "sj01")
    paper = start(client, exam)
    url = f"/api/v1/attempts/{paper['attempt']}/answers"
    single = next(i for i in paper["items"] if i["type"] == "single")
    fill = next(i for i in paper["items"] if i["type"] == "fill")
    response = client.post(url, json={"item": single["item"], "answer": "Z", "seq": 1})
    assert response.status_code == 400 and "单选题" in response.get_json()["error"]
    response = client.post(url, json={"item": fill["item"], "answer": ["a"] * (fill["blanks"] + 1), "seq": 1})
    assert response.status_code == 400 and "填空题" in response.get_json()["error"]
    assert client.post(url, json={"answer": "A"}).status_code == 400


def test_candidate_cannot_touch_another_candidates_attempt(app, client, exam):
    login(client, "sj01")
    paper = start(client, exam)
    other = app.test_client()
    login(other, "sj02")
    assert other.get(f"/api/v1/attempts/{paper['attempt']}").status_code == 404
    item = paper["items"][0]["item"]
    response = other.post(f"/api/v1/attempts/{paper['attempt']}/answers", json={"item": item, "answer": "A", "seq": 1})
    assert response.status_code == 404


def test_save_after_deadline_is_refused_and_earlier_answers_are_kept(app, client, exam):
    login(client, "sj03")
    paper = start(client, exam)
    url = f"/api/v1/attempts/{paper['attempt']}/answers"
    single = next(i for i in paper["items"] if i["type"] == "single")
    client.post(url, json={"item": single["item"], "answer": "A", "seq": 1})
    with app.app_context():
        deadline = db.session.get(Attempt, paper["attempt"]).deadline_at
    with time_machine.travel(deadline + timedelta(seconds=20), tick=False):   # inside the grace
        assert client.post(url, json={"item": single["item"], "answer": "B", "seq": 2}).status_code == 200
    with time_machine.travel(deadline + timedelta(seconds=31), tick=False):
        response = client.post(url, json={"item": single["item"], "answer": "C", "seq": 3})
        assert response.status_code == 409 and "时间已到" in response.get_json()["error"]
    with app.app_context():
        saved = db.session.scalar(db.select(Answer.value).where(Answer.item_id == single["item"]))
        assert saved == "B"


def test_abandoned_attempt_is_finalised_by_the_cli_and_graded(app, client, runner, exam):
    login(client, "sj04")
    paper = start(client, exam)
    keys = correct_answers(app, paper["attempt"])
    url = f"/api/v1/attempts/{paper['attempt']}/answers"
    singles = [i for i in paper["items"] if i["type"] == "single"][:3]
    for seq, item in enumerate(singles, start=1):
        client.post(url, json={"item": item["item"], "answer": keys[item["item"]], "seq": seq})
    with app.app_context():
        deadline = db.session.get(Attempt, paper["attempt"]).deadline_at
    with time_machine.travel(deadline + timedelta(minutes=5), tick=False):
        result = runner.invoke(args=["exams", "finalise-overdue"])
        assert result.exit_code == 0 and "已自动交卷 1 份" in result.output
    with app.app_context():
        attempt = db.session.get(Attempt, paper["attempt"])
        assert attempt.status == "finalised_overdue" and attempt.finished_by == "server"
        assert attempt.score == 3 * 2.0
    assert "已自动交卷 0 份" in runner.invoke(args=["exams", "finalise-overdue"]).output


def test_submitting_twice_is_harmless_and_scores_by_the_rules(app, client, exam):
    login(client, "sj05")
    paper = start(client, exam)
    keys = correct_answers(app, paper["attempt"])
    url = f"/api/v1/attempts/{paper['attempt']}/answers"
    expected = 0.0
    for seq, item in enumerate(paper["items"], start=1):
        key = keys[item["item"]]
        if item["type"] == "multiple":
            client.post(url, json={"item": item["item"], "answer": key[:1], "seq": seq})   # 少选: half
            expected += 1.0
        elif item["type"] == "fill":
            client.post(url, json={"item": item["item"], "answer": [b[0] for b in key], "seq": seq})
            expected += 2.0
        elif item["type"] == "truefalse":
            client.post(url, json={"item": item["item"], "answer": not key, "seq": seq})  # wrong
        else:
            client.post(url, json={"item": item["item"], "answer": key, "seq": seq})
            expected += 2.0
    first = client.post(f"/api/v1/attempts/{paper['attempt']}/submit", json={}).get_json()
    second = client.post(f"/api/v1/attempts/{paper['attempt']}/submit", json={}).get_json()
    assert first["status"] == second["status"] == "submitted"
    assert first["score"] == second["score"] == expected == 5 * 2 + 3 * 1 + 2 * 2
    response = client.post(url, json={"item": paper["items"][0]["item"], "answer": "A", "seq": 999})
    assert response.status_code == 409
    assert client.post(f"/api/v1/exams/{exam}/attempts", json={}).status_code == 409


def test_saves_racing_from_two_threads_keep_the_newest(app, exam, engine_name):
    client_a, client_b = app.test_client(), app.test_client()
    login(client_a, "sj06")
    paper = start(client_a, exam)
    # The second "device" shares the session cookie, as two tabs of one browser do.
    client_b.set_cookie("session", client_a.get_cookie("session").value)
    item = next(i for i in paper["items"] if i["type"] == "single")
    url = f"/api/v1/attempts/{paper['attempt']}/answers"
    errors = []

    def send(client, seqs):
        for seq in seqs:
            response = client.post(url, json={"item": item["item"], "answer": "ABCD"[seq % 4], "seq": seq})
            if response.status_code != 200:
                errors.append(response.status_code)

    threads = [threading.Thread(target=send, args=(client_a, range(1, 40, 2))),
               threading.Thread(target=send, args=(client_b, range(2, 41, 2)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        row = db.session.execute(db.select(Answer.value, Answer.seq).where(Answer.item_id == item["item"])).one()
        assert row.seq == 40 and row.value == "ABCD"[40 % 4]


def test_starting_outside_the_window_is_refused(app, client, exam):
    with app.app_context():
        opens = db.session.get(Exam, exam).opens_at
    with time_machine.travel(opens - timedelta(minutes=1), tick=False):
        login(client, "sj07")
        response = client.post(f"/api/v1/exams/{exam}/attempts", json={})
        assert response.status_code == 409 and "尚未开始" in response.get_json()["error"]


def test_a_second_login_takes_over_the_first_session(app, exam):
    first, second = app.test_client(), app.test_client()
    login(first, "sj08")
    paper = start(first, exam)
    login(second, "sj08")
    response = first.get(f"/api/v1/attempts/{paper['attempt']}")
    assert response.status_code == 401 and response.get_json()["code"] == "session_replaced"
    assert "另一台设备" in response.get_json()["error"]
    assert second.get(f"/api/v1/attempts/{paper['attempt']}").status_code == 200


def test_focus_losses_are_counted_and_policy_can_force_submit(app, client, bank, demo):
    from tests.exams.conftest import open_exam
    with app.app_context():
        exam_id = open_exam(title="切屏考试", focus_warn_after=1, focus_submit_after=3).id
    login(client, "sj09")
    paper = start(client, exam_id)
    url = f"/api/v1/attempts/{paper['attempt']}/events"
    assert client.post(url, json={"kind": "focus_loss"}).get_json()["action"] == "warn"
    client.post(url, json={"kind": "focus_loss"})
    assert client.post(url, json={"kind": "focus_loss"}).get_json()["action"] == "submitted"
    with app.app_context():
        attempt = db.session.get(Attempt, paper["attempt"])
        assert attempt.focus_losses == 3 and attempt.status == "submitted" and attempt.finished_by == "focus_policy"


def test_every_count_under_a_submit_limit_warns_and_the_warning_survives_a_reload(app, client, bank, demo):
    """A 3-次 rule with no separate warning threshold used to answer "none" until the paper was taken away."""
    from tests.exams.conftest import open_exam
    with app.app_context():
        exam_id = open_exam(title="切屏考试", focus_submit_after=3).id
    login(client, "sj11")
    paper = start(client, exam_id)
    assert (paper["focus_losses"], paper["focus_limit"], paper["focus_warning"]) == (0, 3, False)
    url = f"/api/v1/attempts/{paper['attempt']}/events"
    first = client.post(url, json={"kind": "focus_loss", "away_seconds": 65}).get_json()
    assert first == {"focus_losses": 1, "action": "warn", "focus_limit": 3}
    again = start(client, exam_id)              # what a reloaded page learns
    assert (again["focus_losses"], again["focus_limit"], again["focus_warning"]) == (1, 3, True)
    assert client.post(url, json={"kind": "focus_loss", "away_seconds": 10}).get_json()["action"] == "warn"
    assert client.post(url, json={"kind": "focus_loss"}).get_json()["action"] == "submitted"
    with app.app_context():
        attempt = db.session.get(Attempt, paper["attempt"])
        assert (attempt.status, attempt.finished_by, attempt.focus_losses) == ("submitted", "focus_policy", 3)
        events = db.session.scalars(db.select(AttemptEvent).where(AttemptEvent.attempt_id == attempt.id)
                                    .order_by(AttemptEvent.id)).all()
        assert [(e.kind, e.detail) for e in events if e.kind != "start"] == [
            ("focus_loss", {"away_seconds": 65}), ("focus_loss", {"away_seconds": 10}), ("focus_loss", {}),
            ("submit", {"by": "focus_policy"})]
    finished = client.get(f"/api/v1/attempts/{paper['attempt']}").get_json()
    assert finished["focus_warning"] is False


def test_with_no_focus_policy_counts_are_recorded_without_a_warning(app, client, exam):
    login(client, "sj12")
    paper = start(client, exam)
    reply = client.post(f"/api/v1/attempts/{paper['attempt']}/events", json={"kind": "focus_loss", "away_seconds": 3})
    assert reply.get_json() == {"focus_losses": 1, "action": "none", "focus_limit": None}
    assert start(client, exam)["focus_warning"] is False


def test_bank_edit_after_publication_does_not_change_the_paper(app, client, exam):
    login(client, "sj10")
    paper = start(client, exam)
    item = paper["items"][0]
    with app.app_context():
        question = db.session.get(PaperItem, item["item"]).version.question
        data = question.current.as_data()
        data.stem = data.stem + "（已修改）"
        services_bank = __import__("examapp.bank.services", fromlist=["update_question"])
        services_bank.update_question(question, data, note="测试")
        db.session.commit()
        assert question.version == 2
    again = start(client, exam)
    assert again["items"][0]["stem"] == item["stem"]


def test_list_endpoint_shows_the_callers_exams(client, exam):
    login(client, "sj11")
    listing = client.get("/api/v1/exams").get_json()
    assert [e["id"] for e in listing["exams"]] == [exam]
    assert listing["exams"][0]["can_start"] and listing["exams"][0]["window"] == "open"


def test_review_policy_controls_what_the_candidate_sees(app, client, bank, demo):
    from tests.exams.conftest import open_exam
    with app.app_context():
        exam_id = open_exam(title="考后公布", review="after_close").id
        closes = db.session.get(Exam, exam_id).closes_at
    login(client, "sj12")
    paper = start(client, exam_id)
    client.post(f"/api/v1/attempts/{paper['attempt']}/submit", json={})
    page = client.get(f"/attempts/{paper['attempt']}").get_data(as_text=True)
    assert "答题详情" not in page and "正确答案：" not in page and "考试结束" in page
    with time_machine.travel(closes + timedelta(minutes=1), tick=False):
        login(client, "sj12")
        page = client.get(f"/attempts/{paper['attempt']}").get_data(as_text=True)
        assert "答题详情" in page and "正确答案：" in page and "解析：" in page
        assert re.search(r"<summary>《优化营商环境条例》第.章 \S+ 第\S+条 原文</summary>", page)
    assert utcnow() < closes


def test_autosave_checks_the_session_in_its_own_query(app, exam):
    """The save endpoint does not load the user through Flask-Login; its lookup refuses a replaced
    session (401, the takeover message), a deactivated account, and a password that must be changed."""
    from examapp.accounts.models import User
    first, second = app.test_client(), app.test_client()
    login(first, "sj01")
    paper = start(first, exam)
    item = next(i["item"] for i in paper["items"] if i["type"] == "single")
    url = f"/api/v1/attempts/{paper['attempt']}/answers"
    assert first.post(url, json={"item": item, "answer": "A", "seq": 1}).status_code == 200
    login(second, "sj01")                               # a newer login on another device
    replaced = first.post(url, json={"item": item, "answer": "B", "seq": 2})
    assert replaced.status_code == 401 and "另一台设备" in replaced.get_json()["error"]
    assert replaced.get_json()["code"] == "session_replaced"
    assert second.post(url, json={"item": item, "answer": "C", "seq": 3}).status_code == 200
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "sj01"))
        user.must_change_password = True
        db.session.commit()
    assert second.post(url, json={"item": item, "answer": "D", "seq": 4}).status_code == 403
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "sj01"))
        user.must_change_password, user.active = False, False
        db.session.commit()
    assert second.post(url, json={"item": item, "answer": "D", "seq": 5}).status_code == 401
    assert app.test_client().post(url, json={"item": item, "answer": "D", "seq": 6}).status_code == 401
    with app.app_context():
        assert saved_answers(db.session.get(Attempt, paper["attempt"]))[item] == ("C", 3)
