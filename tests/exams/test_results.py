"""Results: ranks with ties on the displayed score, 缺考, summary, exports, candidate's rank after close."""
import io
import json
from datetime import timedelta

import openpyxl
import time_machine

from examapp.exams.models import Attempt, Exam
from examapp.exams.papers import display_answer
from examapp.extensions import db
from examapp.timeutil import utcnow
from tests.conftest import login
from tests.exams.test_attempts import start


def sit(app, client, exam, login_name, answers_right):
    """A candidate answers the first `answers_right` single-choice items right and submits."""
    login(client, login_name)
    paper = start(client, exam)
    with app.app_context():
        attempt = db.session.get(Attempt, paper["attempt"])
        keys = {i.id: display_answer(i.version, i.option_order) for i in attempt.items}
    singles = [i for i in paper["items"] if i["type"] == "single"][:answers_right]
    for seq, item in enumerate(singles, start=1):
        client.post(f"/api/v1/attempts/{paper['attempt']}/answers",
                    json={"item": item["item"], "answer": keys[item["item"]], "seq": seq})
    client.post(f"/api/v1/attempts/{paper['attempt']}/submit", json={})
    return paper["attempt"]


def test_results_rank_ties_and_absentees(app, exam, runner, tmp_path):
    # sj01 and sj02 both get 3 singles right (6 points), sj03 gets 1 (2 points); 69 never start.
    for login_name, right in (("sj01", 3), ("sj02", 3), ("sj03", 1)):
        sit(app, app.test_client(), exam, login_name, right)
    out = tmp_path / "results.json"
    with app.app_context():
        closes = db.session.get(Exam, exam).closes_at
    with time_machine.travel(closes + timedelta(minutes=1), tick=False):   # 缺考 once nobody can start
        result = runner.invoke(args=["exams", "results", str(exam), "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    ranked = {r["login"]: (r["score"], r["rank"], r["status"]) for r in data["results"]}
    assert ranked["sj01"] == (6.0, 1, "已交卷") and ranked["sj02"] == (6.0, 1, "已交卷")
    assert ranked["sj03"] == (2.0, 3, "已交卷")
    assert ranked["sj04"] == (None, None, "缺考")
    summary = data["summary"]
    # mean of 6, 6, 2 = 4.6667; median 6; sample sd = sqrt(((1.333)^2*2 + (2.667)^2)/2) = 2.3094
    assert summary["count"] == 3 and round(summary["mean"], 4) == 4.6667 and summary["median"] == 6.0
    assert round(summary["sd"], 4) == 2.3094 and summary["max"] == 6.0 and summary["min"] == 2.0
    assert summary["pass_rate"] == 0.0   # pass mark 12
    assert {"question", "facility", "discrimination", "options"} <= set(data["items"][0])
    assert data["articles"] and {"document", "article", "mastery"} == set(data["articles"][0])
    # Random papers: α over the marks of the 13 paper slots (5 单选 ×2, 3 多选 ×2, 3 判断 ×1, 2 填空 ×2).
    # Only 单选 slots vary: slot 1 [2,2,2] var 0; slots 2 and 3 [2,2,0] mean 4/3, SS 8/9+8/9... = 24/9,
    # var 4/3 each → Σ 8/3; totals [6,6,2] var 16/3 (the summary's sd² = 2.3094²).
    # α = 13/12 · (1 − (8/3)/(16/3)) = 13/24 = 0.541667; right/wrong at 2 points each → KR-20.
    # SEM = √(16/3 · (1 − 13/24)) = √(16/3 · 11/24) = √(22/9) = 1.563472
    reliability = data["reliability"]
    assert data["alpha"] == reliability["alpha"] and round(reliability["alpha"], 6) == 0.541667
    assert reliability["coefficient"] == "KR-20" and reliability["basis"] == "marks"
    assert reliability["method"] == "section_positions" and (reliability["attempts"], reliability["items"]) == (3, 13)
    assert round(reliability["sem"], 6) == 1.563472


def test_results_page_and_excel_for_organisers_only(app, client, exam):
    sit(app, app.test_client(), exam, "sj05", 2)
    login(client, "organizer")
    page = client.get(f"/manage/exams/{exam}/results").get_data(as_text=True)
    assert "标准竞赛排名" in page and "未参加（考试进行中）" in page and "条款掌握情况" in page and "题目分析" in page
    response = client.get(f"/manage/exams/{exam}/results.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    candidate = app.test_client()
    login(candidate, "sj06")
    assert candidate.get(f"/manage/exams/{exam}/results").status_code == 403


def test_results_page_and_excel_show_alpha_over_marks_and_the_sem(app, client, exam):
    # The same three candidates as above: KR-20 = 13/24 = 0.542, SEM = 1.563 → 2×SEM ≈ 3.1 points.
    for login_name, right in (("sj01", 3), ("sj02", 3), ("sj03", 1)):
        sit(app, app.test_client(), exam, login_name, right)
    login(client, "organizer")
    page = client.get(f"/manage/exams/{exam}/results").get_data(as_text=True)
    assert "排名可信度：信度 KR-20 = 0.542" in page and "按每题得分计算" in page
    assert "测量标准误 SEM = 1.56 分" in page
    assert "两名考生得分相差不足约 2×SEM（本次约 3.1 分）时，名次差异可能只是测量误差。" in page
    assert "越接近 1" in page and "各题型中同一位置的题视为同一道" in page
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/manage/exams/{exam}/results.xlsx").data))
    values = {row[0]: row[1] for row in workbook["统计"].iter_rows(values_only=True)}
    assert values["信度（KR-20，按每题得分）"] == 0.542
    assert values["测量标准误 SEM（分）= 标准差 × √(1 − α)"] == 1.56
    assert "本次约 3.1 分" in values["测量标准误说明"] and "同一位置" in values["信度计算方法"]


def test_candidate_sees_rank_and_weak_articles_after_close(app, bank, demo):
    from tests.exams.conftest import open_exam
    with app.app_context():
        exam_id = open_exam(title="考后排名", review="after_close").id
        closes = db.session.get(Exam, exam_id).closes_at
    attempt_a = sit(app, app.test_client(), exam_id, "sj07", 4)
    sit(app, app.test_client(), exam_id, "sj08", 5)
    with time_machine.travel(closes + timedelta(minutes=5), tick=False):
        client = app.test_client()
        login(client, "sj07")
        page = client.get(f"/attempts/{attempt_a}").get_data(as_text=True)
        assert "第 <strong>2</strong> 名（共 2 人参考" in page
        assert "需要加强的条款" in page and "答题详情" in page
    assert utcnow() < closes


def test_while_the_exam_is_open_nobody_is_缺考_and_publishing_says_why_not(app, client, exam):
    sit(app, app.test_client(), exam, "sj05", 2)
    login(client, "organizer")
    page = client.get(f"/manage/exams/{exam}/results").get_data(as_text=True)
    assert "未参加（考试进行中）" in page and "缺考" not in page and "未交卷者不排名" in page
    assert "暂不能发布成绩：考试尚未结束" in page and "结束后才能发布成绩" in page
    assert 'disabled aria-describedby="publish-blocker">发布成绩通报' in page
    assert '<option value="notice" selected>先公示</option>' in page


def test_publishing_waits_for_extra_time_and_says_how_many_are_writing(app, client, exam):
    writer = app.test_client()
    login(writer, "sj06")
    start(writer, exam)
    sit(app, app.test_client(), exam, "sj07", 1)
    with app.app_context():
        exam_row = db.session.get(Exam, exam)
        closes = exam_row.closes_at
        attempt = db.session.scalar(db.select(Attempt).where(Attempt.exam_id == exam, Attempt.status == "in_progress"))
        attempt.deadline_at = closes + timedelta(minutes=20)       # granted extra time past the close
        db.session.commit()
    with time_machine.travel(closes + timedelta(minutes=5), tick=False):
        login(client, "organizer")
        page = client.get(f"/manage/exams/{exam}/results").get_data(as_text=True)
        assert "暂不能发布成绩：还有 1 人在延时作答" in page and 'disabled aria-describedby="publish-blocker"' in page
        assert "答题中" in page and "缺考" not in page.split("成绩排名")[0]     # the cards say 未交卷 meanwhile
    with time_machine.travel(closes + timedelta(minutes=30), tick=False):
        login(client, "organizer")
        page = client.get(f"/manage/exams/{exam}/results").get_data(as_text=True)
        assert "暂不能发布成绩" not in page and 'disabled aria-describedby' not in page and "缺考" in page
        response = client.post(f"/published/exams/{exam}/publish", data={"mode": "notice"})
        assert response.status_code == 302 and "/published/" in response.headers["Location"]


def test_time_used_of_a_server_finalised_attempt_stops_at_its_deadline(app, client, exam, runner):
    login(client, "sj08")
    paper = start(client, exam)
    with app.app_context():
        deadline = db.session.get(Attempt, paper["attempt"]).deadline_at
    with time_machine.travel(deadline + timedelta(minutes=45), tick=False):   # cron came back 45 minutes late
        runner.invoke(args=["exams", "finalise-overdue"])
        with app.app_context():
            from examapp.exams.results import exam_results
            row = exam_results(db.session.get(Exam, exam)).by_user[db.session.get(Attempt, paper["attempt"]).user_id]
    assert (row.status, row.time_used) == ("服务器超时处理", "30 分 00 秒")      # the 30-minute paper, not 75
