"""YAML that people type or upload (scoring schemes, exam definitions): aliases are refused before they can
expand (356 bytes of nested aliases drove a worker past 8 GB), deep nesting is a clear Chinese error, not a
500, and nothing is written."""
from __future__ import annotations

import os
import resource
import subprocess
import sys

from examapp.exams.models import Exam
from examapp.extensions import db
from examapp.scoring import services
from examapp.scoring.models import EvaluationRound
from tests.conftest import login
from tests.servers import REPO

# Nine levels of nine aliases: 9**9 strings (about 8 GB) once anything walks it, here when the scheme's
# message quotes the `aggregation` value.
LEVELS = "abcdefghi"
BOMB = "aggregation: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
BOMB = "".join(f"{name}: &{name} [{','.join([f'*{LEVELS[n - 1]}'] * 9)}]\n" if n else
               f"{name}: &{name} [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
               for n, name in enumerate(LEVELS[:-1])) + BOMB
SMALL_ALIAS = "weights: &w {E: 40, I: 30, A: 20, C: 10}\nexam_weights: *w\n"
DEEP = "weights: " + "[" * 5000 + "]" * 5000 + "\n"


def make_round(app, name="2024年度测试"):
    with app.app_context():
        round_ = services.ensure_round(name)
        db.session.commit()
        return round_.id, services.scheme_of(round_).to_dict()


def stored_scheme(app, round_id):
    with app.app_context():
        return services.scheme_of(db.session.get(EvaluationRound, round_id)).to_dict()


def test_the_bomb_is_small():
    assert len(BOMB.encode()) < 400 and BOMB.count("*") == 72


def test_a_scheme_with_yaml_aliases_is_refused_on_the_page_and_nothing_saved(app, client, demo):
    round_id, before = make_round(app)
    login(client, "organizer")
    # (The bomb itself only in the memory-capped process below: a test must not take 8 GB if this regresses.)
    response = client.post(f"/scoring/{round_id}/scheme", data={"scheme": SMALL_ALIAS})
    assert response.status_code == 200
    assert "第 2 行：不支持 YAML 锚点和别名" in response.get_data(as_text=True)
    assert stored_scheme(app, round_id) == before


def test_a_deeply_nested_scheme_is_a_clear_error_not_500(app, client, demo):
    round_id, before = make_round(app)
    login(client, "organizer")
    response = client.post(f"/scoring/{round_id}/scheme", data={"scheme": DEEP})
    assert response.status_code == 200
    assert "嵌套超过 20 层" in response.get_data(as_text=True)
    assert stored_scheme(app, round_id) == before


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, 2 * 1024 ** 3))


def test_the_alias_bomb_as_a_scheme_file_is_refused_in_bounded_memory(app, demo, tmp_path):
    """Through the real CLI in a process capped at 2 GB (before the fix it needed more than 8 GB)."""
    round_id, before = make_round(app)
    path = tmp_path / "方案.yaml"
    path.write_text(BOMB, encoding="utf-8")
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY="test",
               PYTHONPATH=str(REPO), FLASK_APP="wsgi:app")
    result = subprocess.run([sys.executable, "-m", "flask", "scoring", "scheme", "2024年度测试", str(path)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=120, preexec_fn=_limit_memory)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "不支持 YAML 锚点和别名" in result.stderr and "Traceback" not in result.stderr
    assert stored_scheme(app, round_id) == before


EXAM = """title: 考试
opens_at: "2030-01-01 09:00"
closes_at: "2030-01-01 11:00"
duration_minutes: 60
sections:
  - &s {type: single, count: 1, points: 1}
  - *s
"""


def test_an_exam_definition_with_aliases_or_deep_nesting_is_refused_and_nothing_created(app, runner, bank, tmp_path):
    path = tmp_path / "exam.yaml"
    for text, message in ((EXAM, "不支持 YAML 锚点和别名"),
                          (EXAM.split("sections")[0] + "sections: " + "[" * 3000 + "]" * 3000, "嵌套超过 20 层")):
        path.write_text(text, encoding="utf-8")
        result = runner.invoke(args=["exams", "create", str(path)])
        assert result.exit_code == 1 and message in result.output, result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Exam)) == 0
