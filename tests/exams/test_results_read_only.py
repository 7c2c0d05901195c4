"""Reading results writes nothing: an overdue attempt (past its deadline and grace, not yet finalised by
`flask exams finalise-overdue`) is counted as it will be finalised, and the explicit step then writes it."""
from datetime import timedelta

import time_machine

from examapp.exams import results, services
from examapp.exams.models import END_SERVER, FINALISED_OVERDUE, IN_PROGRESS, Attempt, PaperItem
from examapp.extensions import db
from tests.conftest import login
from tests.exams.test_attempts import start


def _row_state(app, attempt_id):
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        earned = sorted((i.id, i.earned) for i in db.session.scalars(
            db.select(PaperItem).where(PaperItem.attempt_id == attempt_id)))
        return (attempt.status, attempt.score, attempt.submitted_at, attempt.finished_by, attempt.graded_at, earned)


def _overdue_attempt(app, exam, right=3):
    """sj09 answers `right` single-choice items right and walks away; returns (attempt id, deadline)."""
    client = app.test_client()
    login(client, "sj09")
    paper = start(client, exam)
    with app.app_context():
        attempt = db.session.get(Attempt, paper["attempt"])
        keys = {i.id: services.display_answer(i.version, i.option_order) for i in attempt.items}
        deadline = attempt.deadline_at
    singles = [i for i in paper["items"] if i["type"] == "single"][:right]
    for seq, item in enumerate(singles, start=1):
        client.post(f"/api/v1/attempts/{paper['attempt']}/answers",
                    json={"item": item["item"], "answer": keys[item["item"]], "seq": seq})
    return paper["attempt"], deadline


def test_reading_results_of_an_overdue_attempt_writes_nothing_and_shows_the_score_it_will_get(app, exam, runner):
    attempt_id, deadline = _overdue_attempt(app, exam)
    before = _row_state(app, attempt_id)
    assert before[0] == IN_PROGRESS and before[1] is None
    with time_machine.travel(deadline + timedelta(minutes=5), tick=False):
        organiser = app.test_client()
        login(organiser, "organizer")   # logging in writes the session row, not the attempt
        page = organiser.get(f"/manage/exams/{exam}/results")
        assert page.status_code == 200
        assert organiser.get(f"/manage/exams/{exam}/results.xlsx").status_code == 200
        assert organiser.get("/learning/manage").status_code == 200
        assert _row_state(app, attempt_id) == before                     # nothing written
        with app.app_context():
            read = results.exam_results(db.session.get(Attempt, attempt_id).exam)
            row = next(r for r in read.rows if r.attempt_id == attempt_id)
            assert (row.score, row.status) == (6.0, "服务器超时处理")   # 3 singles right at 2 points
            assert read.summary.count == 1
            seconds = row.seconds_used
        assert _row_state(app, attempt_id) == before
        assert "服务器超时处理" in page.get_data(as_text=True)

        # The explicit step (the deploy timer's command) finalises it, with the same numbers.
        assert "已自动交卷 1 份" in runner.invoke(args=["exams", "finalise-overdue"]).output
        with app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            assert (attempt.status, attempt.finished_by, attempt.score) == (FINALISED_OVERDUE, END_SERVER, 6.0)
            after = results.exam_results(attempt.exam)
            row = next(r for r in after.rows if r.attempt_id == attempt_id)
            assert (row.score, row.status, row.seconds_used) == (6.0, "服务器超时处理", seconds)
            assert [(i.stats.question_id, i.stats.facility) for i in after.items] == \
                   [(i.stats.question_id, i.stats.facility) for i in read.items]


def test_the_ranks_a_round_computation_reads_finalise_nothing(app, exam):
    attempt_id, deadline = _overdue_attempt(app, exam, right=1)
    before = _row_state(app, attempt_id)
    with time_machine.travel(deadline + timedelta(minutes=5), tick=False), app.app_context():
        rows, _, _ = results.result_rows(db.session.get(Attempt, attempt_id).exam)
        assert next(r for r in rows if r.attempt_id == attempt_id).score == 2.0
        assert not db.session.dirty and not db.session.new
        db.session.rollback()
    assert _row_state(app, attempt_id) == before
