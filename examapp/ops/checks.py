"""`flask check`: configuration and data problems worth fixing before an exam day.

Each check returns Findings (severity 错误/警告/正常, a one-line Chinese message and a hint). The checks are
cheap: they read the configuration, the environment and a few counts, and never change anything.
"""
from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from examapp.extensions import db
from examapp.timeutil import format_local, utcnow

ERROR = "错误"
WARNING = "警告"
OK = "正常"

# Secret keys seen in tutorials, templates and our own tests: never acceptable in production.
KNOWN_WEAK_SECRETS = {"dev", "development", "secret", "secret-key", "secret_key", "changeme", "change-me",
                      "please-change-me", "test", "testing", "test-secret-key", "examapp", "default", "key",
                      "一段长随机字符串"}
MIN_SECRET_LENGTH = 32
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
# Attempts past their deadline by more than this are a sign that the finalise-overdue cron is not running.
OVERDUE_ALARM = timedelta(minutes=5)


@dataclass(frozen=True)
class Finding:
    severity: str
    topic: str
    message: str
    hint: str = ""

    def line(self) -> str:
        return f"[{self.severity}] {self.topic}：{self.message}" + (f"（处理：{self.hint}）" if self.hint else "")


def configured_workers(env: Mapping[str, str], option: int | None = None) -> int | None:
    """How many worker processes will serve the app: the --workers option, else WEB_CONCURRENCY, else
    gunicorn's -w/--workers in GUNICORN_CMD_ARGS; None when nothing says."""
    if option:
        return option
    value = (env.get("WEB_CONCURRENCY") or "").strip()
    if value.isdigit():
        return int(value)
    try:
        args = shlex.split(env.get("GUNICORN_CMD_ARGS") or "")
    except ValueError:
        return None
    for index, arg in enumerate(args):
        match = re.fullmatch(r"(?:--workers=|-w)(\d+)", arg)
        if match:
            return int(match.group(1))
        if arg in ("-w", "--workers") and index + 1 < len(args) and args[index + 1].isdigit():
            return int(args[index + 1])
    return None


def check_secret_key(app: Flask, env: Mapping[str, str]) -> list[Finding]:
    key = str(app.config.get("SECRET_KEY") or "")
    if not key:
        return [Finding(ERROR, "会话密钥", "未设置 SECRET_KEY", "设置环境变量 SECRET_KEY 为 64 位随机字符，"
                        "可用 python -c \"import secrets; print(secrets.token_hex(32))\" 生成")]
    if key.strip().lower() in KNOWN_WEAK_SECRETS:
        return [Finding(ERROR, "会话密钥", "SECRET_KEY 是公开的示例值，任何人都能伪造登录会话",
                        "改为随机生成的长字符串，或删除该环境变量以使用 instance/secret_key 中自动生成的密钥")]
    if len(key) < MIN_SECRET_LENGTH:
        return [Finding(ERROR, "会话密钥", f"SECRET_KEY 只有 {len(key)} 个字符，太短，容易被猜出",
                        f"改为至少 {MIN_SECRET_LENGTH} 个字符的随机字符串")]
    if not env.get("SECRET_KEY"):
        return [Finding(OK, "会话密钥", "使用首次启动时自动生成并保存在 instance/secret_key 中的密钥",
                        "如由多台服务器共同提供服务，须在每台设置相同的 SECRET_KEY 环境变量")]
    return [Finding(OK, "会话密钥", "SECRET_KEY 已设置")]


def check_workers(app: Flask, workers: int | None) -> list[Finding]:
    sqlite = db.engine.dialect.name == "sqlite"
    several = workers is not None and workers > 1
    findings = []
    if sqlite and several:
        findings.append(Finding(
            WARNING, "数据库", f"SQLite 数据库由 {workers} 个进程同时使用：单机可以运行，但写入须排队，"
            "考试高峰时可能变慢；放在网络共享盘上会损坏数据",
            "多人同时考试建议改用 PostgreSQL（设置 DATABASE_URL）；继续用 SQLite 时只在一台机器上运行"))
    elif sqlite:
        findings.append(Finding(OK, "数据库", "SQLite（单机）" + (f"，{workers} 个进程" if workers else ""),
                                "" if workers else "如用 gunicorn 多进程运行，请加 --workers N 再检查一次"))
    else:
        findings.append(Finding(OK, "数据库", f"{db.engine.dialect.name}" + (f"，{workers} 个进程" if workers else "")))
    return findings


def hostname(address: str) -> str:
    """"https://exam.example.cn:8443/x" → "exam.example.cn"; "[::1]:5000" → "::1"."""
    address = address.split("://", 1)[-1].split("/", 1)[0]
    if address.startswith("["):
        return address[1:].split("]", 1)[0]
    return address.split(":", 1)[0]


def check_cookie_security(app: Flask, host: str | None) -> list[Finding]:
    host = hostname(host or app.config.get("SERVER_NAME") or "")
    if app.config.get("SESSION_COOKIE_SECURE"):
        return [Finding(OK, "Cookie", "会话 Cookie 只通过 HTTPS 发送（SESSION_COOKIE_SECURE=1）")]
    if host and host.lower() in LOCAL_HOSTS:
        return [Finding(OK, "Cookie", "只在本机访问，未启用 HTTPS 可以接受")]
    where = f"通过 {host} 访问" if host else "未指定访问地址（--host）"
    return [Finding(WARNING, "Cookie", f"{where}，但 SESSION_COOKIE_SECURE 未开启，登录会话可能以明文传输",
                    "启用 HTTPS（nginx）后设置 SESSION_COOKIE_SECURE=1；只在本机访问时用 --host 127.0.0.1 检查")]


def check_fonts(app: Flask) -> list[Finding]:
    from examapp.reports.fonts import FontError, load_fonts
    try:
        fonts = load_fonts(app.config.get("REPORT_FONT_PATH") or None)
    except FontError as exc:
        return [Finding(ERROR, "PDF 字体", str(exc), "修正 REPORT_FONT_PATH，或删除该设置以自动查找中文字体")]
    if fonts.regular_path is None:
        return [Finding(WARNING, "PDF 字体", "未找到中文 TrueType 字体，PDF 将使用内置的 STSong-Light（不嵌入文件，"
                        "在别的电脑上显示可能不同，生僻字无法打印）",
                        "Debian：apt install fonts-arphic-uming fonts-wqy-zenhei fonts-wqy-microhei；"
                        "或设置 REPORT_FONT_DIR / REPORT_FONT_PATH")]
    return [Finding(OK, "PDF 字体", fonts.regular_path)]


def check_timezone(app: Flask) -> list[Finding]:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    name = app.config.get("DISPLAY_TIMEZONE", "Asia/Shanghai")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return [Finding(ERROR, "时区", f"DISPLAY_TIMEZONE={name} 不是有效的时区名",
                        "设置为 Asia/Shanghai；Windows 上需安装 tzdata（pip install tzdata）")]
    return [Finding(OK, "时区", f"页面显示时区 {name}", "考试前核对服务器时间是否准确（已开启网络时间同步）")]


def migration_heads() -> tuple[str, ...]:
    """The revision(s) the program's migrations end at."""
    from alembic.script import ScriptDirectory

    from examapp.extensions import migrate
    return tuple(sorted(ScriptDirectory.from_config(migrate.get_config()).get_heads()))


def database_revisions() -> tuple[str, ...]:
    from alembic.runtime.migration import MigrationContext
    with db.engine.connect() as conn:
        return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


def check_database(app: Flask) -> list[Finding]:
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means the same to the operator
        return [Finding(ERROR, "数据库连接", f"无法连接数据库：{str(exc).splitlines()[0]}",
                        "检查 DATABASE_URL、数据库服务是否启动、用户名和口令")]
    heads, current = migration_heads(), database_revisions()
    if not current:
        return [Finding(ERROR, "数据库结构", "数据库尚未初始化（没有结构版本记录）", "运行 flask db upgrade")]
    if current != heads:
        return [Finding(ERROR, "数据库结构", f"数据库结构版本 {', '.join(current)} 不是程序要求的 {', '.join(heads)}",
                        "运行 flask db upgrade（先 flask backup 备份）")]
    return [Finding(OK, "数据库结构", f"已是最新版本（{', '.join(heads)}）")]


def check_accounts() -> list[Finding]:
    from examapp.access.roles import ADMIN, CANDIDATE
    from examapp.accounts.models import User
    admins = db.session.scalar(select(func.count(User.id)).where(User.role == ADMIN, User.active.is_(True)))
    candidates = db.session.scalar(select(func.count(User.id)).where(User.role == CANDIDATE,
                                                                     User.active.is_(True)))
    findings = [Finding(OK, "账号", f"管理员 {admins} 个，考生 {candidates} 名")
                if admins else Finding(WARNING, "账号", "没有可用的管理员账号", "运行 flask create-admin")]
    if not candidates:
        findings.append(Finding(WARNING, "考生", "还没有考生账号", "在“用户管理 → 批量导入书记”中导入，或 flask users import"))
    return findings


def check_bank() -> list[Finding]:
    from examapp.bank.models import Question
    active = db.session.scalar(select(func.count(Question.id)).where(Question.active.is_(True)))
    if not active:
        return [Finding(WARNING, "题库", "题库中没有在用的题目，无法组卷", "运行 flask bank load 载入随系统提供的题库")]
    return [Finding(OK, "题库", f"在用题目 {active} 道")]


def check_exams(now=None) -> list[Finding]:
    """Exams not yet over: published, with candidates and papers; overdue attempts finalised (cron)."""
    from examapp.exams import services
    from examapp.exams.models import IN_PROGRESS, PUBLISHED, Attempt, Exam
    now = now or utcnow()
    findings = []
    for exam in db.session.scalars(select(Exam).where(Exam.closes_at > now, Exam.is_demo.is_(False))
                                   .order_by(Exam.opens_at)):
        name = f"考试 {exam.id}“{exam.title}”（{format_local(exam.opens_at)} 开始）"
        eligible = db.session.scalar(select(func.count()).select_from(services.eligible_users_query(exam).subquery()))
        if not eligible:
            findings.append(Finding(ERROR, "考试", f"{name}没有符合条件的考生",
                                    "在考试设置中检查参考人员（党组织、人员），并确认考生账号已启用"))
        elif exam.status != PUBLISHED:
            findings.append(Finding(WARNING, "考试", f"{name}尚未发布，考生看不到", "在考试详情中发布，或 flask exams publish "
                                    f"{exam.id}"))
        else:
            findings.append(Finding(OK, "考试", f"{name}已发布，参考 {eligible} 人"))
    overdue = db.session.scalar(select(func.count(Attempt.id)).where(Attempt.status == IN_PROGRESS,
                                                                     Attempt.deadline_at < now - OVERDUE_ALARM))
    if overdue:
        findings.append(Finding(WARNING, "自动交卷", f"有 {overdue} 份作答已超过截止时间 5 分钟以上仍未自动交卷",
                                "运行 flask exams finalise-overdue，并用 cron 每分钟运行一次"))
    return findings


def check_office_settings() -> list[Finding]:
    """Publishing refuses while a ×× placeholder remains: say so before the day the ranking is due."""
    from examapp.settings.services import SETTINGS_PAGE, placeholder_problems
    problems = placeholder_problems()
    if problems:
        return [Finding(ERROR, "系统设置", "；".join(problems) + "，通报不能发布",
                        f"管理员在{SETTINGS_PAGE}中填写（或设置环境变量 ISSUING_ORGAN、DISTRICT_NAME、DOC_NUMBER_PREFIX 等）")]
    return [Finding(OK, "系统设置", "发文机关、发文字号、范围用语等已填写")]


def check_backups(app: Flask) -> list[Finding]:
    directory = Path(app.instance_path) / "backups"
    files = sorted((p for p in directory.glob("*") if p.suffix in (".db", ".dump") and p.is_file()),
                   key=lambda p: p.stat().st_mtime) if directory.is_dir() else []
    if not files:
        return [Finding(WARNING, "备份", f"{directory} 中还没有备份", "考试前运行 flask backup")]
    latest = files[-1]
    taken = datetime.fromtimestamp(latest.stat().st_mtime, UTC).replace(tzinfo=None)
    age = utcnow() - taken
    if age > timedelta(days=1):
        return [Finding(WARNING, "备份", f"最近一次备份是 {format_local(taken)}（{latest.name}），已超过一天",
                        "考试前运行 flask backup")]
    return [Finding(OK, "备份", f"最近一次备份 {format_local(taken)}（{latest.name}）")]


def run_checks(app: Flask, env: Mapping[str, str], *, workers: int | None = None,
               host: str | None = None) -> list[Finding]:
    """Every check, configuration first; a check that cannot run because the database is down is skipped."""
    workers = configured_workers(env, workers)
    findings = (check_secret_key(app, env) + check_cookie_security(app, host) + check_timezone(app)
                + check_fonts(app))
    database = check_database(app)
    findings += database
    data_checks: list[Callable[[], list[Finding]]] = [lambda: check_workers(app, workers)]
    if database[0].severity == OK:
        data_checks += [check_accounts, check_bank, check_exams, check_office_settings]
    for check in data_checks:
        try:
            findings += check()
        except SQLAlchemyError as exc:
            db.session.rollback()
            findings.append(Finding(ERROR, "数据", f"检查未能完成：{str(exc).splitlines()[0]}",
                                    "先处理上面的数据库问题（flask db upgrade）"))
    findings += check_backups(app)
    return findings
