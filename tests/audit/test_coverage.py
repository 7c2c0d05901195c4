"""Every score-, key-, time- or role-changing action leaves an audit entry (who, what, why), and every action
code written anywhere has a Chinese label on the audit page."""
from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

from examapp.accounts.models import User
from examapp.audit.models import AuditEntry
from examapp.audit.routes import ACTION_LABELS
from examapp.bank import services as bank_services
from examapp.bank.core import QuestionData
from examapp.bank.models import Question
from examapp.exams import proctoring
from examapp.exams import services as exam_services
from examapp.exams.attempts import start_attempt
from examapp.exams.models import Exam
from examapp.extensions import db
from examapp.publishing import services as publishing
from examapp.scoring.models import EvaluationRound
from tests.conftest import login
from tests.exams.conftest import open_exam

PACKAGE = Path(__file__).resolve().parents[2] / "examapp"


def recorded_action_codes() -> dict[str, str]:
    """Action code -> file, for every string literal in the first argument of a record(...) call."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "record" \
                    and node.args:
                for part in ast.walk(node.args[0]):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        found[part.value] = str(path.relative_to(PACKAGE.parent))
    return found


def test_every_recorded_action_has_a_chinese_label():
    codes = recorded_action_codes()
    assert len(codes) > 20                       # the scan found the calls
    missing = {code: where for code, where in codes.items() if code not in ACTION_LABELS}
    assert not missing, f"add Chinese labels to examapp/audit/routes.py ACTION_LABELS: {missing}"


class Audit:
    """Asserts that what a block of code did produced exactly the expected new audit actions."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            self.seen = db.session.scalar(db.select(db.func.max(AuditEntry.id))) or 0

    def new(self) -> list[AuditEntry]:
        with self.app.app_context():
            entries = list(db.session.scalars(db.select(AuditEntry).where(AuditEntry.id > self.seen)
                                              .order_by(AuditEntry.id)))
            for entry in entries:
                db.session.expunge(entry)
        if entries:
            self.seen = entries[-1].id
        return entries

    def expect(self, *actions: str) -> list[AuditEntry]:
        entries = self.new()
        assert [e.action for e in entries] == list(actions)
        return entries


def user_id(username: str) -> int:
    return db.session.scalar(db.select(User.id).where(User.username == username))


def test_role_changes_are_audited(app, client, demo):
    audit = Audit(app)
    login(client, "admin")
    with app.app_context():
        viewer = user_id("viewer")
    client.post("/users/new", data={"username": "newstaff", "name": "新组织者", "role": "organizer",
                                    "organization_id": "0", "active": "y"})
    [created] = audit.expect("user.created")
    assert created.actor_id is not None and "组织者" in created.summary
    client.post(f"/users/{viewer}/edit", data={"username": "viewer", "name": "示例领导", "role": "organizer",
                                               "organization_id": "0", "active": "y"})
    [updated] = audit.expect("user.updated")
    assert (updated.detail["before"]["role"], updated.detail["after"]["role"]) == ("viewer", "organizer")
    client.post(f"/users/{viewer}/active", data={})
    audit.expect("user.deactivated")
    result = app.test_cli_runner().invoke(args=["create-admin", "--username", "root2", "--name", "备用管理员",
                                                "--password", "Very-long-pw-123"])
    assert result.exit_code == 0, result.output
    [admin] = audit.expect("user.created")
    assert admin.actor_id is None and "管理员" in admin.summary


def test_answer_key_changes_are_audited(app, client, demo, bank):
    audit = Audit(app)
    login(client, "organizer")
    response = client.post("/bank/questions/new", data={
        "type": "truefalse", "stem": "本条例自公布之日起施行吗？（审计测试）", "answer": "错", "explanation": "见第七十二条",
        "article": "72", "difficulty": "1", "tags": "", "note": "新增一题"})
    assert response.status_code == 302
    [created] = audit.expect("question.created")
    assert created.actor_id is not None and created.reason == "新增一题"
    with app.app_context():
        question = db.session.get(Question, int(created.target_id))
        data = question.current.as_data()
        data.answer = not data.answer
        bank_services.update_question(question, data, note="更正答案", actor_id=user_id("organizer"))
        bank_services.set_active(question, False, actor_id=user_id("organizer"))
        db.session.commit()
    updated, deactivated = audit.expect("question.updated", "question.deactivated")
    assert updated.reason == "更正答案" and updated.actor_id == deactivated.actor_id is not None
    with app.app_context():
        bank_services.import_questions([("第1行", QuestionData(type="truefalse", stem="导入的判断题（审计测试）", answer=True,
                                                              explanation="说明", article=1, difficulty=1))])
        db.session.commit()   # services flush; the caller commits
    audit.expect("question.import")


def test_time_and_score_changes_are_audited(app, demo, bank):
    with app.app_context():
        exam = open_exam()
        exam_id = exam.id
        organizer = user_id("organizer")
        attempts = [start_attempt(exam, db.session.get(User, user_id(name))) for name in ("sj01", "sj02")]
        db.session.commit()
        attempt_ids = [a.id for a in attempts]
    audit = Audit(app)
    with app.app_context():
        exam = db.session.get(Exam, exam_id)
        first, second = (db.session.get(exam_services.Attempt, i) for i in attempt_ids)
        proctoring.grant_extra_time(first, 5, "设备故障", actor_id=organizer)
        proctoring.set_window_close(exam, exam.closes_at + timedelta(minutes=30), "全体延时", actor_id=organizer)
        proctoring.force_submit(second, "违纪", actor_id=organizer)
        proctoring.reopen(second, 10, "误操作", actor_id=organizer)
        db.session.commit()
    entries = audit.expect("attempt.extra_time", "exam.window", "attempt.force_submit", "attempt.reopen")
    assert [e.reason for e in entries] == ["设备故障", "全体延时", "违纪", "误操作"]
    assert {e.actor_id for e in entries} == {organizer}


def test_composite_score_changes_are_audited(app, demo):
    from tests.publishing.test_publishing import computed_round
    audit = Audit(app)
    round_id = computed_round(app)
    actions = [e.action for e in audit.new()]
    assert "round.import" in actions and actions[-1] == "round.computed"
    with app.app_context():
        publishing.publish("ranking", round_=db.session.get(EvaluationRound, round_id), reason="首次公示")
        db.session.commit()
    [published] = audit.expect("snapshot.published")
    assert published.reason == "首次公示"
