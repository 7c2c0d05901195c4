"""`flask check`: each configuration or data problem is reported with its severity, and 错误 fails the command."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_migrate import stamp

from examapp.accounts.models import User
from examapp.exams.models import DRAFT, IN_PROGRESS, PUBLISHED, Attempt, Exam
from examapp.extensions import db
from examapp.ops import checks
from examapp.ops.checks import ERROR, OK, WARNING
from examapp.reports import fonts
from examapp.timeutil import utcnow
from tests.conftest import make_app

STRONG = "x" * 64


def by_topic(findings, topic):
    found = [f for f in findings if f.topic == topic]
    assert found, [f.line() for f in findings]
    return found


@pytest.mark.parametrize(("env", "option", "expected"), [
    ({}, None, None),
    ({}, 3, 3),
    ({"WEB_CONCURRENCY": "4"}, None, 4),
    ({"WEB_CONCURRENCY": "4"}, 2, 2),
    ({"GUNICORN_CMD_ARGS": "-b 127.0.0.1:8000 -w 4"}, None, 4),
    ({"GUNICORN_CMD_ARGS": "--workers=3 --timeout 60"}, None, 3),
    ({"GUNICORN_CMD_ARGS": "--workers 2"}, None, 2),
    ({"GUNICORN_CMD_ARGS": "-w5"}, None, 5),
    ({"GUNICORN_CMD_ARGS": "--timeout 60"}, None, None),
])
def test_worker_count_comes_from_the_option_or_the_environment(env, option, expected):
    assert checks.configured_workers(env, option) == expected


@pytest.mark.parametrize(("key", "env", "severity"), [
    ("test-secret-key", {"SECRET_KEY": "test-secret-key"}, ERROR),   # a published value
    ("dev", {"SECRET_KEY": "dev"}, ERROR),
    ("abc123", {"SECRET_KEY": "abc123"}, ERROR),                     # too short
    (STRONG, {"SECRET_KEY": STRONG}, OK),
    (STRONG, {}, OK),                                                # generated into instance/secret_key
], ids=["published", "dev", "short", "strong", "generated"])
def test_secret_key(tmp_path, key, env, severity):
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "instance", SECRET_KEY=key)
    [finding] = checks.check_secret_key(app, env)
    assert finding.severity == severity
    assert finding.hint or severity == OK
    if not env:
        assert "多台服务器" in finding.hint


@pytest.mark.parametrize(("database", "workers", "warned"), [
    ("sqlite", 4, {"数据库"}),
    ("sqlite", 1, set()),
    ("sqlite", None, set()),
    ("postgresql://u@127.0.0.1:1/x", 4, set()),
])
def test_several_workers_need_postgresql(tmp_path, database, workers, warned):
    # Login throttling lives in the database, so several workers need no shared store besides it.
    url = f"sqlite:///{tmp_path / 'x.db'}" if database == "sqlite" else database
    app = make_app(url, tmp_path / "instance")
    with app.app_context():
        findings = checks.check_workers(app, workers)
    assert {f.topic for f in findings if f.severity == WARNING} == warned
    assert all(f.hint for f in findings if f.severity == WARNING)


@pytest.mark.parametrize(("secure", "host", "severity"), [
    (False, "exam.example.gov.cn", WARNING),
    (False, "https://10.1.2.3:8443/", WARNING),
    (False, None, WARNING),
    (False, "127.0.0.1", OK),
    (False, "localhost:5000", OK),
    (True, "exam.example.gov.cn", OK),
])
def test_session_cookie_must_be_https_only_when_served_beyond_this_machine(tmp_path, secure, host, severity):
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "instance", SESSION_COOKIE_SECURE=secure)
    [finding] = checks.check_cookie_security(app, host)
    assert finding.severity == severity


def test_missing_cjk_font(tmp_path, monkeypatch):
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "instance", REPORT_FONT_PATH="")
    monkeypatch.delenv("REPORT_FONT_PATH", raising=False)
    monkeypatch.setattr(fonts, "REGULAR_CANDIDATES", ())
    monkeypatch.setattr(fonts, "FONT_DIRS", ())
    [finding] = checks.check_fonts(app)
    assert finding.severity == WARNING and "fonts-wqy-zenhei" in finding.hint
    configured = make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "instance",
                          REPORT_FONT_PATH=str(tmp_path / "no-such-font.ttf"))
    [finding] = checks.check_fonts(configured)
    assert finding.severity == ERROR and "no-such-font.ttf" in finding.message


def test_invalid_display_timezone(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "instance", DISPLAY_TIMEZONE="Asia/Beijing")
    [finding] = checks.check_timezone(app)
    assert finding.severity == ERROR and "Asia/Shanghai" in finding.hint


def test_database_must_be_migrated_to_head(app):
    with app.app_context():
        [finding] = checks.check_database(app)
        assert finding.severity == ERROR and "flask db upgrade" in finding.hint   # create_all, never stamped
        stamp(revision="4fb1f541b24a")                                             # the first revision
        [finding] = checks.check_database(app)
        assert finding.severity == ERROR and "4fb1f541b24a" in finding.message
        stamp()
        [finding] = checks.check_database(app)
        assert finding.severity == OK


def test_unreachable_database(tmp_path):
    app = make_app("postgresql://nobody@127.0.0.1:1/examapp", tmp_path / "instance")
    with app.app_context():
        [finding] = checks.check_database(app)
        findings = checks.run_checks(app, {"SECRET_KEY": STRONG}, host="127.0.0.1")
    assert finding.severity == ERROR and finding.topic == "数据库连接" and "DATABASE_URL" in finding.hint
    assert not any(f.topic in ("账号", "题库") for f in findings)     # data checks are skipped, not crashed


def test_accounts_and_bank(app, demo):
    with app.app_context():
        assert checks.check_bank()[0].severity == WARNING                 # empty bank: nothing to draw from
        assert [f.severity for f in checks.check_accounts()] == [OK]
        db.session.scalar(db.select(User).where(User.username == "admin")).active = False
        db.session.commit()
        assert [f.severity for f in checks.check_accounts()] == [WARNING]


def test_bank_loaded(app, bank):
    with app.app_context():
        [finding] = checks.check_bank()
    assert finding.severity == OK and "518" in finding.message


def _exam(title, audience_all=True, status=PUBLISHED, **times):
    now = utcnow()
    exam = Exam(title=title, opens_at=times.get("opens", now + timedelta(days=1)),
                closes_at=times.get("closes", now + timedelta(days=1, hours=2)), duration_minutes=60, sections=[],
                status=status, audience_all=audience_all)
    db.session.add(exam)
    return exam


def test_exams_without_candidates_unpublished_or_not_finalised(app, demo):
    with app.app_context():
        _exam("无人可考", audience_all=False)
        _exam("尚未发布", status=DRAFT)
        _exam("一切就绪")
        _exam("早已结束", closes=utcnow() - timedelta(days=1), opens=utcnow() - timedelta(days=2))
        running = _exam("进行中", opens=utcnow() - timedelta(hours=1))
        user = db.session.scalar(db.select(User).where(User.username == "sj01"))
        db.session.add(Attempt(exam=running, user=user, seed=1, status=IN_PROGRESS, started_at=utcnow(),
                               deadline_at=utcnow() - timedelta(minutes=10)))
        db.session.commit()
        findings = {f.message.split("“")[1].split("”")[0] if "“" in f.message else f.topic: f
                    for f in checks.check_exams()}
    assert findings["无人可考"].severity == ERROR
    assert findings["尚未发布"].severity == WARNING and "flask exams publish" in findings["尚未发布"].hint
    assert findings["一切就绪"].severity == OK and "72" in findings["一切就绪"].message
    assert "早已结束" not in findings
    assert findings["自动交卷"].severity == WARNING and "finalise-overdue" in findings["自动交卷"].hint


def test_flask_check_exits_non_zero_only_on_errors(app, demo, bank, monkeypatch, tmp_path):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    monkeypatch.setenv("SECRET_KEY", STRONG)
    with app.app_context():
        stamp()
    runner = app.test_cli_runner()
    app.config["SECRET_KEY"] = "test-secret-key"
    failing = runner.invoke(args=["check", "--host", "127.0.0.1"])
    assert failing.exit_code == 1
    assert "[错误] 会话密钥" in failing.output and "错误 1 项" in failing.output
    app.config["SECRET_KEY"] = STRONG
    passing = runner.invoke(args=["check", "--host", "127.0.0.1", "--workers", "4"])
    assert passing.exit_code == 0, passing.output
    assert "[正常] 数据库结构" in passing.output and "[警告] " in passing.output
    for line in passing.output.splitlines()[:-1]:
        assert line.startswith(("[错误]", "[警告]", "[正常]")), line   # one finding per line
