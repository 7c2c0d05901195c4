"""Organisers define exams in the pages or as YAML; a blueprint the bank cannot fill is refused at once."""
from datetime import timedelta

from examapp.exams.models import Attempt, Exam
from examapp.extensions import db
from examapp.timeutil import to_local, utcnow
from tests.conftest import login

YAML = """
title: 2023年10月营商环境知识考试
description: 闭卷，独立完成。
opens_at: "{opens}"
closes_at: "{closes}"
duration_minutes: 60
attempts: 1
shuffle_questions: true
shuffle_options: true
multiple_rule: partial_half
pass_mark: 60
review: after_close
sections:
  - {{type: single, count: 40, points: 1}}
  - {{type: multiple, count: 20, points: 1.5}}
  - {{type: truefalse, count: 20, points: 1}}
  - {{type: fill, count: 10, points: 1, chapters: [1, 2, 3, 4, 5, 6]}}
"""


def local(app, dt):
    with app.app_context():
        return to_local(dt).strftime("%Y-%m-%d %H:%M")


def test_flask_exams_create_from_yaml_prints_the_id(app, runner, bank, tmp_path):
    now = utcnow()
    path = tmp_path / "exam.yaml"
    path.write_text(YAML.format(opens=local(app, now + timedelta(days=1)),
                                closes=local(app, now + timedelta(days=1, hours=3))),
                    encoding="utf-8")
    result = runner.invoke(args=["exams", "create", str(path)])
    assert result.exit_code == 0, result.output
    exam_id = int(result.output.strip())
    with app.app_context():
        exam = db.session.get(Exam, exam_id)
        assert exam.title == "2023年10月营商环境知识考试" and exam.total_points == 100
        assert exam.multiple_rule == "partial_half" and exam.review_policy == "after_close"
        assert exam.closes_at - exam.opens_at == timedelta(hours=3)
        assert exam.sections[3]["chapters"] == [1, 2, 3, 4, 5, 6]


def test_yaml_asking_more_than_the_bank_has_is_refused_with_what_is_missing(app, runner, bank, tmp_path):
    path = tmp_path / "exam.yaml"
    path.write_text(YAML.format(opens="2030-10-20 09:00", closes="2030-10-20 11:00")
                    .replace("count: 10, points: 1, chapters: [1, 2, 3, 4, 5, 6]", "count: 10, points: 1, chapters: [7]"),
                    encoding="utf-8")
    result = runner.invoke(args=["exams", "create", str(path)])
    assert result.exit_code != 0
    assert "填空题 10 题（第七章）" in result.output and "只有 1 道" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Exam.id))) == 0


def test_bad_yaml_time_is_explained(runner, bank, tmp_path):
    path = tmp_path / "exam.yaml"
    path.write_text(YAML.format(opens="10/20/2030", closes="2030-10-20 11:00"), encoding="utf-8")
    result = runner.invoke(args=["exams", "create", str(path)])
    assert result.exit_code != 0 and "YYYY-MM-DD HH:MM" in result.output


def form_data(**overrides):
    data = {"title": "七月考试", "description": "说明", "opens_at": "2030-07-15T09:00", "closes_at": "2030-07-15T11:00",
            "duration_minutes": "60", "attempts_allowed": "1", "pass_mark": "60", "multiple_rule": "partial_half",
            "review_policy": "after_close", "shuffle_questions": "y", "shuffle_options": "y", "audience": "all",
            "single-count": "40", "single-points": "1", "multiple-count": "20", "multiple-points": "1.5",
            "truefalse-count": "20", "truefalse-points": "1", "fill-count": "10", "fill-points": "1"}
    data.update(overrides)
    return data


def test_organiser_creates_previews_and_publishes_an_exam(app, client, bank, demo):
    login(client, "organizer")
    response = client.post("/manage/exams/new", data=form_data())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    exam_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        exam = db.session.get(Exam, exam_id)
        assert to_local(exam.opens_at).strftime("%H:%M") == "09:00" and exam.status == "draft"
    preview = client.get(f"/manage/exams/{exam_id}/preview").get_data(as_text=True)
    assert preview.count('class="card mb-2"') == 90
    client.post(f"/manage/exams/{exam_id}/publish")
    with app.app_context():
        assert db.session.get(Exam, exam_id).status == "published"
        assert db.session.scalar(db.select(db.func.count(Attempt.id)).where(Attempt.exam_id == exam_id)) == 72


def test_form_refuses_a_blueprint_the_bank_cannot_fill(app, client, bank, demo):
    login(client, "organizer")
    body = client.post("/manage/exams/new", data=form_data(**{"fill-count": "200"})).get_data(as_text=True)
    assert "考试未保存" in body and "填空题 200 题" in body and "少 " in body
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Exam.id))) == 0


def test_chosen_organisations_limit_who_may_take_the_exam(app, client, bank, demo):
    from examapp.accounts.models import PartyOrganization
    login(client, "organizer")
    with app.app_context():
        orgs = db.session.scalars(db.select(PartyOrganization.id).order_by(PartyOrganization.id).limit(2)).all()
    response = client.post("/manage/exams/new", data=form_data(audience="chosen", organizations=[str(o) for o in orgs]))
    exam_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    client.post(f"/manage/exams/{exam_id}/publish")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Attempt.id)).where(Attempt.exam_id == exam_id)) == 2


def test_demo_creates_an_open_exam_once(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        exams = db.session.scalars(db.select(Exam)).all()
        assert len(exams) == 1 and exams[0].status == "published" and exams[0].question_count == 90
        now = utcnow()
        assert exams[0].opens_at <= now < exams[0].closes_at


SHORT_YAML = """
title: 五十分小测
opens_at: "2030-10-20 09:00"
closes_at: "2030-10-20 10:00"
duration_minutes: 60
review: after_close
{pass_mark}
sections:
  - {{type: single, count: 30, points: 1}}
  - {{type: truefalse, count: 20, points: 1}}
"""


def create_from_yaml(app, runner, tmp_path, pass_mark_line):
    path = tmp_path / "exam.yaml"
    path.write_text(SHORT_YAML.format(pass_mark=pass_mark_line), encoding="utf-8")
    result = runner.invoke(args=["exams", "create", str(path)])
    if result.exit_code != 0:
        return None, result.output
    with app.app_context():
        exam = db.session.get(Exam, int(result.stdout.strip()))
        return (exam.total_points, exam.pass_mark), result.output


def test_a_50_point_yaml_without_pass_mark_passes_at_60_percent(app, runner, bank, tmp_path):
    assert create_from_yaml(app, runner, tmp_path, "")[0] == (50, 30)           # 60% × 50 = 30


def test_yaml_pass_mark_as_percentage_or_points(app, runner, bank, tmp_path):
    assert create_from_yaml(app, runner, tmp_path, "pass_mark: 75%")[0] == (50, 37.5)    # 75% × 50
    assert create_from_yaml(app, runner, tmp_path, "pass_mark: 36")[0] == (50, 36)
    refused, output = create_from_yaml(app, runner, tmp_path, "pass_mark: 60")
    assert refused is None and "及格分应在 0 到总分 50 之间" in output and "60%" in output
    refused, output = create_from_yaml(app, runner, tmp_path, "pass_mark: 六十分")
    assert refused is None and "及格分应写分数（如 36）或总分的百分比（如 60%）" in output


def test_pass_mark_points_by_hand():
    from examapp.exams.services import ExamError, pass_mark_points
    assert pass_mark_points(None, 50) == 30 and pass_mark_points("", 34.5) == 20.7     # 0.6 × 34.5
    assert pass_mark_points("60%", 100) == 60 and pass_mark_points("62.5％", 80) == 50     # full-width ％ too
    assert pass_mark_points(" 36 ", 50) == 36 and pass_mark_points("36 分", 50) == 36 and pass_mark_points(12, 19) == 12
    for bad in ("101%", "-5", 51, "abc"):
        try:
            pass_mark_points(bad, 50)
        except ExamError as exc:
            assert "及格分" in str(exc)
        else:
            raise AssertionError(f"{bad!r} accepted")


def test_form_pass_mark_blank_is_60_percent_and_accepts_a_percentage(app, client, bank, demo):
    login(client, "organizer")
    short = {"single-count": "30", "multiple-count": "0", "truefalse-count": "20", "fill-count": "0"}
    new_form = client.get("/manage/exams/new").get_data(as_text=True)
    assert 'name="pass_mark" type="text" value="60%"' in new_form and "不填为总分的 60%" in new_form
    for given, expected in (("", 30), ("80%", 40), ("45", 45)):
        response = client.post("/manage/exams/new", data=form_data(pass_mark=given, **short))
        assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
        exam_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        with app.app_context():
            assert db.session.get(Exam, exam_id).pass_mark == expected
    detail = client.get(f"/manage/exams/{exam_id}").get_data(as_text=True)
    assert "50 分 / 45 分（总分的 90%）" in detail
    edit = client.get(f"/manage/exams/{exam_id}/edit").get_data(as_text=True)
    assert 'name="pass_mark" type="text" value="45"' in edit
    body = client.post("/manage/exams/new", data=form_data(pass_mark="120%", **short)).get_data(as_text=True)
    assert "考试未保存" in body and "及格分的百分比应在 0% 到 100% 之间" in body


def test_after_submit_review_on_a_long_window_warns_everywhere(app, client, runner, bank, demo, tmp_path):
    path = tmp_path / "exam.yaml"
    path.write_text(YAML.format(opens="2030-10-20 09:00", closes="2030-10-20 12:00")
                    .replace("review: after_close", "review: after_submit"), encoding="utf-8")
    result = runner.invoke(args=["exams", "create", str(path)])
    assert result.exit_code == 0 and result.stdout.strip().isdigit()            # stdout stays the bare id
    assert "先交卷的考生看到的答案和解析" in result.stderr and "after_close" in result.stderr
    assert "考试开放 3 小时、答题时长 1 小时" in result.stderr
    login(client, "organizer")
    detail = client.get(f"/manage/exams/{result.stdout.strip()}").get_data(as_text=True)
    assert 'id="review-warning"' in detail and "随机组卷的试卷互有重叠" in detail
    saved = client.post("/manage/exams/new", data=form_data(review_policy="after_submit"), follow_redirects=True)
    assert saved.get_data(as_text=True).count("先交卷的考生看到的答案和解析") == 2     # the flash and the detail page


def test_no_early_review_warning_when_nobody_can_still_be_writing(app, client, runner, bank, demo, tmp_path):
    login(client, "organizer")
    for review, closes in (("after_close", "2030-07-15T11:00"), ("after_submit", "2030-07-15T10:00")):
        page = client.post("/manage/exams/new", data=form_data(review_policy=review, closes_at=closes),
                           follow_redirects=True).get_data(as_text=True)
        assert "考试已保存为草稿" in page and "先交卷的考生" not in page
