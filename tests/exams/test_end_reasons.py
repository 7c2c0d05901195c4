"""Why the paper ended: every way an attempt is finalised stores its reason on the attempt, and the
candidate's result page, the monitor, the attempt page and the audit log all say it."""
from datetime import timedelta

import time_machine

from examapp.audit.models import AuditEntry
from examapp.exams.models import Attempt, AttemptEvent
from examapp.extensions import db
from tests.conftest import login
from tests.exams.test_attempts import start


def staff(app):
    client = app.test_client()
    login(client, "organizer")
    return client


def candidate(app, name):
    client = app.test_client()
    login(client, name)
    return client


def audit_of(app, attempt_id):
    with app.app_context():
        entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.target_type == "attempt",
                                                                AuditEntry.target_id == str(attempt_id))
                                     .order_by(AuditEntry.id)).all()
        for entry in entries:
            db.session.expunge(entry)
        return entries


def user_id(app, username):
    from examapp.accounts.models import User
    with app.app_context():
        return db.session.scalar(db.select(User.id).where(User.username == username))


def assert_said_everywhere(app, exam_id, attempt_id, client, login_name, text):
    """The result page, the monitor (page and JSON), the attempt page all show `text`."""
    result = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert f"<span data-end-reason>{text}</span>" in result
    organiser = staff(app)
    detail = organiser.get(f"/manage/exams/{exam_id}/attempts/{attempt_id}").get_data(as_text=True)
    assert f"交卷方式：<strong data-end-reason>{text}</strong>" in detail
    monitor = organiser.get(f"/manage/exams/{exam_id}/monitor").get_data(as_text=True)
    row = next(r for r in organiser.get(f"/manage/exams/{exam_id}/monitor.json").get_json()["rows"]
               if r["login"] == login_name)
    shown = row["end_reason"] or row["status_label"]      # 服务器超时处理 is the status itself
    assert shown == text and text in monitor
    return detail


def test_candidates_own_submit_is_本人交卷_and_audited_as_theirs(app, exam):
    client = candidate(app, "sj01")
    paper = start(client, exam)
    state = client.post(f"/api/v1/attempts/{paper['attempt']}/submit", json={}).get_json()
    assert (state["end_reason"], state["end_reason_label"]) == ("candidate", "本人交卷")
    assert_said_everywhere(app, exam, paper["attempt"], client, "sj01", "本人交卷")
    [entry] = audit_of(app, paper["attempt"])
    assert (entry.action, entry.reason, entry.actor_id) == ("attempt.submitted", "本人交卷", user_id(app, "sj01"))


def test_page_timer_at_the_deadline_is_时间到自动交卷_not_the_server(app, exam):
    client = candidate(app, "sj02")
    paper = start(client, exam)
    with app.app_context():
        deadline = db.session.get(Attempt, paper["attempt"]).deadline_at
    with time_machine.travel(deadline + timedelta(seconds=3), tick=False):   # the page's countdown hit zero
        state = client.post(f"/api/v1/attempts/{paper['attempt']}/submit", json={"reason": "timeout"}).get_json()
        assert state["end_reason"] == "timer"
        assert_said_everywhere(app, exam, paper["attempt"], client, "sj02", "时间到自动交卷")
    [entry] = audit_of(app, paper["attempt"])
    assert (entry.action, entry.reason, entry.actor_id) == ("attempt.auto_submit", "时间到自动交卷", None)
    assert "时间到自动交卷" in entry.summary and entry.detail["end_reason"] == "timer"


def test_focus_limit_is_切屏超限自动交卷_and_audited(app, bank, demo):
    from tests.exams.conftest import open_exam
    with app.app_context():
        exam_id = open_exam(title="切屏考试", focus_submit_after=2).id
    client = candidate(app, "sj03")
    paper = start(client, exam_id)
    for _ in range(2):
        action = client.post(f"/api/v1/attempts/{paper['attempt']}/events", json={"kind": "focus_loss"}).get_json()
    assert action["action"] == "submitted"
    assert_said_everywhere(app, exam_id, paper["attempt"], client, "sj03", "切屏超限自动交卷")
    [entry] = audit_of(app, paper["attempt"])
    assert (entry.action, entry.reason, entry.actor_id) == ("attempt.auto_submit", "切屏超限自动交卷", None)


def test_organiser_force_submit_shows_the_organisers_reason(app, exam):
    client = candidate(app, "sj04")
    paper = start(client, exam)
    staff(app).post(f"/manage/exams/{exam}/attempts/{paper['attempt']}/force-submit", data={"reason": "违纪"})
    with app.app_context():
        attempt = db.session.get(Attempt, paper["attempt"])
        assert (attempt.finished_by, attempt.end_note) == ("organiser", "违纪")
    detail = assert_said_everywhere(app, exam, paper["attempt"], client, "sj04", "组织者强制交卷（原因：违纪）")
    assert "交卷（组织者强制交卷）：违纪" in detail               # the timeline
    [entry] = audit_of(app, paper["attempt"])
    assert (entry.action, entry.reason, entry.actor_id) == ("attempt.force_submit", "违纪", user_id(app, "organizer"))


def test_closing_the_exam_now_is_an_organiser_end_with_the_reason(app, exam):
    client = candidate(app, "sj05")
    paper = start(client, exam)
    staff(app).post(f"/manage/exams/{exam}/window", data={"action": "close", "reason": "停电"})
    assert_said_everywhere(app, exam, paper["attempt"], client, "sj05", "组织者强制交卷（原因：停电）")
    [entry] = audit_of(app, paper["attempt"])
    assert (entry.action, entry.reason) == ("attempt.force_submit", "停电")


def test_cli_finalise_overdue_is_服务器超时处理_by_the_system(app, exam, runner):
    client = candidate(app, "sj06")
    paper = start(client, exam)
    with app.app_context():
        deadline = db.session.get(Attempt, paper["attempt"]).deadline_at
    with time_machine.travel(deadline + timedelta(minutes=5), tick=False):
        assert "已自动交卷 1 份" in runner.invoke(args=["exams", "finalise-overdue"]).output
        assert_said_everywhere(app, exam, paper["attempt"], client, "sj06", "服务器超时处理")
    [entry] = audit_of(app, paper["attempt"])
    assert (entry.action, entry.reason, entry.actor_id) == ("attempt.auto_submit", "服务器超时处理", None)


def test_an_overdue_attempt_the_organiser_reopens_is_finalised_first_as_the_servers(app, exam):
    # Reading the monitor finalises nothing; the organiser's 重新开放 (a POST) finalises the overdue attempt
    # first, as the server's, then reopens it.
    client = candidate(app, "sj07")
    paper = start(client, exam)
    with app.app_context():
        deadline = db.session.get(Attempt, paper["attempt"]).deadline_at
    with time_machine.travel(deadline + timedelta(minutes=5), tick=False):
        organiser = staff(app)
        organiser.get(f"/manage/exams/{exam}/monitor")
        with app.app_context():
            assert db.session.get(Attempt, paper["attempt"]).status == "in_progress"
        organiser.post(f"/manage/exams/{exam}/attempts/{paper['attempt']}/reopen",
                       data={"minutes": "10", "reason": "设备故障"})
        with app.app_context():
            attempt = db.session.get(Attempt, paper["attempt"])
            assert attempt.status == "in_progress" and attempt.deadline_at == deadline + timedelta(minutes=15)
            events = db.session.scalars(db.select(AttemptEvent.kind).where(AttemptEvent.attempt_id == attempt.id)
                                        .order_by(AttemptEvent.id)).all()
            assert events[-2:] == ["overdue", "reopen"]
    finalised, reopened = audit_of(app, paper["attempt"])
    assert finalised.action == "attempt.auto_submit" and finalised.actor_id is None     # 系统, not the organiser
    assert finalised.reason == "服务器超时处理"
    assert (reopened.action, reopened.reason, reopened.actor_id) == ("attempt.reopen", "设备故障", user_id(app, "organizer"))


def test_a_late_timer_submit_after_the_grace_is_the_servers(app, exam):
    # The browser was gone past the deadline and its grace: the server finalises it, whatever the page says.
    client = candidate(app, "sj08")
    paper = start(client, exam)
    with app.app_context():
        deadline = db.session.get(Attempt, paper["attempt"]).deadline_at
    with time_machine.travel(deadline + timedelta(minutes=2), tick=False):
        state = client.post(f"/api/v1/attempts/{paper['attempt']}/submit", json={"reason": "timeout"}).get_json()
    assert (state["status"], state["end_reason"], state["end_reason_label"]) == \
        ("finalised_overdue", "server", "服务器超时处理")


def test_reopen_clears_how_it_ended_until_it_ends_again(app, exam):
    client = candidate(app, "sj09")
    paper = start(client, exam)
    organiser = staff(app)
    organiser.post(f"/manage/exams/{exam}/attempts/{paper['attempt']}/force-submit", data={"reason": "违纪"})
    organiser.post(f"/manage/exams/{exam}/attempts/{paper['attempt']}/reopen", data={"minutes": "10", "reason": "误操作"})
    state = client.get(f"/api/v1/attempts/{paper['attempt']}").get_json()
    assert state["status"] == "in_progress" and "end_reason" not in state
    client.post(f"/api/v1/attempts/{paper['attempt']}/submit", json={})
    with app.app_context():
        attempt = db.session.get(Attempt, paper["attempt"])
        assert (attempt.finished_by, attempt.end_note, attempt.end_description) == ("candidate", None, "本人交卷")


def test_a_finished_attempt_without_a_recorded_end_says_未记录(app, exam):
    with app.app_context():
        attempt = db.session.scalars(db.select(Attempt).where(Attempt.exam_id == exam)).first()
        attempt.status, attempt.finished_by = "submitted", ""
        assert attempt.end_description == "未记录"
        attempt.status = "in_progress"
        assert attempt.end_description == ""
        db.session.rollback()


def test_every_end_reason_has_one_chinese_label():
    from examapp.exams.models import END_REASON_LABELS
    assert set(END_REASON_LABELS.values()) == {"本人交卷", "时间到自动交卷", "切屏超限自动交卷", "组织者强制交卷",
                                               "服务器超时处理"}


def test_migration_copies_the_organisers_reason_onto_ended_attempts(app_factory, engine_name):
    """Upgrading a database with finished attempts fills end_note from their timeline (and a missing end
    reason from their submit event); attempts ended otherwise keep NULL."""
    import flask_migrate

    from examapp.exams.models import AttemptEvent, Exam
    from examapp.timeutil import utcnow
    from tests.conftest import reset_postgres_schema
    app = app_factory()
    with app.app_context():
        if engine_name == "postgresql":
            reset_postgres_schema()
        flask_migrate.upgrade(revision="aded68d17f8d")
        now = utcnow()
        with db.engine.begin() as conn:
            # The user table as it was at that revision (later revisions drop columns the model no longer has).
            users = db.Table("user", db.MetaData(), autoload_with=conn)
            user = conn.execute(users.insert().values(
                username="sj01", name="张三", role="candidate", phone="", active=True, password_hash="",
                must_change_password=True, is_demo=False, created_at=now, session_nonce="",
                failed_logins=0)).inserted_primary_key[0]
            exam = conn.execute(Exam.__table__.insert().values(
                title="旧考试", opens_at=now, closes_at=now, duration_minutes=30)).inserted_primary_key[0]
            ids = {}
            for number, (status, by) in enumerate((("submitted", "organiser"), ("submitted", "candidate"),
                                                   ("submitted", ""), ("in_progress", "")), start=1):
                ids[number] = conn.execute(Attempt.__table__.insert().values(
                    exam_id=exam, user_id=user, number=number, status=status, seed=1,
                    finished_by=by)).inserted_primary_key[0]
            events = [(1, "force_submit", {"reason": "早先的原因"}), (1, "submit", {"by": "organiser"}),
                      (1, "force_submit", {"reason": "违纪"}), (2, "force_submit", {"reason": "重新开放前"}),
                      (2, "submit", {"by": "candidate"}), (3, "submit", {"by": "timer"})]
            for offset, (number, kind, detail) in enumerate(events):
                conn.execute(AttemptEvent.__table__.insert().values(
                    attempt_id=ids[number], at=now + timedelta(seconds=offset), kind=kind, detail=detail))
        flask_migrate.upgrade(revision="orga0001e7d1")
        with db.engine.connect() as conn:
            rows = {n: (by, note) for n, by, note in conn.execute(
                db.select(Attempt.number, Attempt.finished_by, Attempt.end_note).where(Attempt.exam_id == exam))}
        assert rows == {1: ("organiser", "违纪"), 2: ("candidate", None), 3: ("timer", None), 4: ("", None)}
        flask_migrate.downgrade(revision="base")
