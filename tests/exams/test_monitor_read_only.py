"""The organiser's pages that only read write nothing: with an overdue attempt (past its deadline and
grace, not yet finalised) the monitor (page and JSON), the exam-day dashboard (page and /dashboard.json) and
the attempt page leave the attempts, answers, events and the audit log as they were, and show the attempt
as it will be finalised (服务器超时处理, with the score it will get). `flask exams finalise-overdue` (the
deploy timer) then writes it, and the pages show the same."""
from datetime import timedelta

import time_machine

from examapp.exams.models import FINALISED_OVERDUE, IN_PROGRESS, Attempt
from examapp.extensions import db
from tests.conftest import login
from tests.exams.test_results_read_only import _overdue_attempt

TABLES = ("attempt", "answer", "paper_item", "attempt_event", "audit_entry")


def digest(app) -> dict[str, list[tuple]]:
    """Every row of the tables a finalisation writes, in key order."""
    with app.app_context():
        tables = [db.metadata.tables[name] for name in TABLES]
        return {table.name: [tuple(row) for row in db.session.execute(
            db.select(table).order_by(*table.primary_key.columns))] for table in tables}


def pages(organiser, exam, attempt_id) -> dict:
    """GET every organiser page that shows the attempt; each answers 200."""
    urls = {"monitor": f"/manage/exams/{exam}/monitor", "monitor.json": f"/manage/exams/{exam}/monitor.json",
            "dashboard": "/", "dashboard.json": "/dashboard.json",
            "attempt": f"/manage/exams/{exam}/attempts/{attempt_id}"}
    shown = {}
    for name, url in urls.items():
        response = organiser.get(url)
        assert response.status_code == 200, url
        shown[name] = response.get_json() if name.endswith(".json") else response.get_data(as_text=True)
    return shown


def monitor_row(shown, login_name="sj09") -> dict:
    return next(r for r in shown["monitor.json"]["rows"] if r["login"] == login_name)


def test_staff_pages_show_an_overdue_attempt_as_finalised_and_write_nothing(app, exam, runner):
    attempt_id, deadline = _overdue_attempt(app, exam)      # 3 singles right: 6 points
    with time_machine.travel(deadline + timedelta(minutes=5), tick=False):
        organiser = app.test_client()
        login(organiser, "organizer")   # logging in writes the session row, nothing digested here
        before = digest(app)
        shown = pages(organiser, exam, attempt_id)
        assert digest(app) == before
        with app.app_context():
            assert db.session.get(Attempt, attempt_id).status == IN_PROGRESS

        row = monitor_row(shown)
        assert (row["status"], row["status_label"], row["score"], row["seconds_left"], row["end_reason"]) == \
            (FINALISED_OVERDUE, "服务器超时处理", 6.0, None, "")   # the status says how it ended
        counts = shown["monitor.json"]["counts"]
        assert (counts["in_progress"], counts["finalised_overdue"]) == (0, 1)
        assert 'status-finalised_overdue">服务器超时处理</span>' in shown["monitor"]
        [card] = shown["dashboard.json"]["exams"]
        assert (card["counts"]["in_progress"], card["counts"]["submitted"]) == (0, 1)
        assert 'data-count="in_progress">0</div>' in shown["dashboard"]
        assert 'data-count="submitted">1</div>' in shown["dashboard"]
        detail = shown["attempt"]
        assert "状态：<strong>服务器超时处理</strong>" in detail
        assert "交卷方式：<strong data-end-reason>服务器超时处理</strong>" in detail
        assert "得分：6 / " in detail and "data-pending-finalise" in detail
        assert "重新开放" in detail and "强制交卷" not in detail        # as a finalised attempt's actions
        assert detail.count("得分 2/2") == 3                               # the marks it will get

        # The explicit step writes it; the pages then show the same numbers, read from what is stored.
        assert "已自动交卷 1 份" in runner.invoke(args=["exams", "finalise-overdue"]).output
        assert digest(app) != before
        after = pages(organiser, exam, attempt_id)
        assert monitor_row(after) == row
        assert after["monitor.json"]["counts"] == counts
        assert after["dashboard.json"]["exams"] == shown["dashboard.json"]["exams"]
        assert "状态：<strong>服务器超时处理</strong>" in after["attempt"] and "得分：6 / " in after["attempt"]
        assert "data-pending-finalise" not in after["attempt"] and after["attempt"].count("得分 2/2") == 3


def test_reading_a_running_attempt_writes_nothing_either(app, exam):
    attempt_id, deadline = _overdue_attempt(app, exam, right=1)
    with time_machine.travel(deadline - timedelta(minutes=5), tick=False):
        organiser = app.test_client()
        login(organiser, "organizer")
        before = digest(app)
        shown = pages(organiser, exam, attempt_id)
        assert digest(app) == before
    row = monitor_row(shown)
    assert (row["status"], row["score"], row["seconds_left"]) == (IN_PROGRESS, None, 5 * 60)
    assert "状态：<strong>答题中</strong>" in shown["attempt"] and "data-pending-finalise" not in shown["attempt"]
    assert "强制交卷" in shown["attempt"]


def test_force_submit_of_an_overdue_attempt_does_not_make_it_the_organisers(app, exam):
    # A stale page may still offer 强制交卷: the attempt is the server's to finalise, so it is refused.
    attempt_id, deadline = _overdue_attempt(app, exam)
    with time_machine.travel(deadline + timedelta(minutes=5), tick=False):
        organiser = app.test_client()
        login(organiser, "organizer")
        before = digest(app)
        body = organiser.post(f"/manage/exams/{exam}/attempts/{attempt_id}/force-submit", data={"reason": "违纪"},
                              follow_redirects=True).get_data(as_text=True)
        assert "不在答题中" in body
        assert digest(app) == before          # the refusal rolls the request back
