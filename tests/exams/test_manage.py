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
