"""The audit log for admins: browse with filters, export as Excel or CSV."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from openpyxl import Workbook
from sqlalchemy import Row, String, cast, or_, select

from examapp.access.policy import roles_required
from examapp.access.roles import ADMIN
from examapp.audit.models import AuditEntry
from examapp.converters import db_int
from examapp.downloads import send_download
from examapp.extensions import db
from examapp.spreadsheets import csv_safe, set_widths, style_header, workbook_bytes
from examapp.timeutil import format_local, local_to_utc, utcnow

bp = Blueprint("audit", __name__)

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000

# THE place for audit labels: every action code passed to record() anywhere in the code, in Chinese.
# tests/audit/test_coverage.py fails when a record("…") call site has no label here. The log page, its filter
# and the exports show only these labels; a code missing here shows as UNKNOWN_ACTION, never as the raw code.
# Automatic events (by the server, not a person) belong here too, e.g. an attempt submitted when its time ran
# out or a login throttled/locked out: add their codes with the other events of the same domain.
ACTION_LABELS = {
    "user.created": "新增用户",
    "user.updated": "修改用户（含角色）",
    "user.activated": "启用用户",
    "user.deactivated": "停用用户",
    "user.import": "导入书记",
    "user.password_changed": "本人修改密码",
    "user.password_set": "设置密码",
    "user.password_reset": "重置密码",
    "user.login_locked": "登录失败过多，暂停登录",
    "user.login_released": "解除登录暂停",
    "password_sheet.admin_opened": "管理员查看他人导入的初始密码单",
    "password_sheet.refused": "拒绝查看他人导入的初始密码单",
    "password_sheet.opened": "查看初始密码单",
    "organization.saved": "保存党组织",
    "question.created": "新建题目",
    "question.updated": "修改题目（含答案）",
    "question.activated": "启用题目",
    "question.deactivated": "停用题目",
    "question.import": "导入题目",
    "question.exam_only": "题目设为仅用于考试",
    "question.practice_allowed": "题目取消仅用于考试",
    "question.reviewed": "题目已复核（条款修订后）",
    "document.imported": "导入政策文件",
    "exam.created": "新建考试",
    "exam.updated": "修改考试设置",
    "exam.published": "发布考试",
    "exam.window": "修改考试结束时间",
    "exam.regrade": "重新评分",
    "attempt.extra_time": "延长考生时间",
    "attempt.submitted": "考生交卷",
    "attempt.auto_submit": "自动交卷",
    "attempt.force_submit": "组织者强制交卷",
    "attempt.reopen": "重新开放作答",
    "round.created": "新建考评批次",
    "round.import": "导入考评数据",
    "round.scheme": "修改计分方案",
    "round.exams": "设置计入的考试",
    "round.computed": "计算综合得分",
    "snapshot.published": "发布排名或成绩",
    "system.restored": "从备份恢复数据库",
    "settings.updated": "修改系统设置",
    "learning.daily_count": "修改每日一练题数",
}
TARGET_LABELS = {
    "user": "用户",
    "organization": "党组织",
    "password_sheet": "初始密码单",
    "question": "题目",
    "bank": "题库",
    "document": "政策文件",
    "exam": "考试",
    "attempt": "作答",
    "round": "考评批次",
    "snapshot": "发布快照",
    "database": "数据库",
    "settings": "系统设置",
    "learning": "学习设置",
}
SYSTEM_ACTOR = "系统/命令行"
UNKNOWN_ACTION = "其他操作"
UNKNOWN_TARGET = "其他对象"


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, UNKNOWN_ACTION)


def target_label(kind: str) -> str:
    return TARGET_LABELS.get(kind, UNKNOWN_TARGET) if kind else ""


@dataclass
class AuditFilter:
    action: str = ""
    actor: str = ""
    target_type: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""

    @classmethod
    def from_args(cls, args) -> AuditFilter:
        return cls(action=args.get("action", "").strip(), actor=args.get("actor", "").strip(),
                   target_type=args.get("target_type", "").strip(),
                   date_from=args.get("from", type=_filter_date),
                   date_to=args.get("to", type=_filter_date), q=args.get("q", "").strip())

    def as_args(self) -> dict:
        """The query string that reproduces this filter (for paging and export links)."""
        values = {"action": self.action, "actor": self.actor, "target_type": self.target_type,
                  "from": self.date_from.isoformat() if self.date_from else "",
                  "to": self.date_to.isoformat() if self.date_to else "", "q": self.q}
        return {k: v for k, v in values.items() if v}

    def statement(self):
        users = _users()
        stmt = (select(AuditEntry).outerjoin(users, users.c.id == AuditEntry.actor_id)
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
        if self.action:
            stmt = stmt.where(AuditEntry.action == self.action)
        if self.target_type:
            stmt = stmt.where(AuditEntry.target_type == self.target_type)
        if self.actor:
            if self.actor == SYSTEM_ACTOR:
                stmt = stmt.where(AuditEntry.actor_id.is_(None))
            else:
                like = f"%{_escape_like(self.actor)}%"
                stmt = stmt.where(or_(users.c.username.ilike(like, escape="\\"), users.c.name.ilike(like, escape="\\")))
        # Dates are the display timezone's calendar days; stored times are UTC.
        if self.date_from:
            stmt = stmt.where(AuditEntry.at >= local_to_utc(datetime.combine(self.date_from, time.min)))
        if self.date_to:
            stmt = stmt.where(AuditEntry.at < local_to_utc(datetime.combine(self.date_to + timedelta(days=1),
                                                                            time.min)))
        if self.q:
            like = f"%{_escape_like(self.q)}%"
            stmt = stmt.where(or_(*(column.ilike(like, escape="\\") for column in (
                AuditEntry.summary, AuditEntry.reason, AuditEntry.target_id, cast(AuditEntry.detail, String)))))
        return stmt


def _users():
    """The user table, by the name the actor's foreign key already names: audit reads who acted without
    importing the accounts package (it sits below every package, accounts included)."""
    return db.metadata.tables["user"]


def _filter_date(text: str) -> date:
    """A filter date; one at the ends of the calendar (0001-01-01, 9999-12-31) would overflow when converted
    to UTC or given its next day, so it counts as no date (ValueError → ignored by args.get)."""
    value = date.fromisoformat(text)
    if not date(1900, 1, 1) <= value <= date(2999, 12, 31):
        raise ValueError(f"{text} is outside the audit log's dates")
    return value


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def detail_text(detail) -> str:
    if not detail:
        return ""
    return json.dumps(detail, ensure_ascii=False, indent=2, sort_keys=True, default=str)


@dataclass
class AuditRow:
    entry: AuditEntry
    actor: Row | None     # the acting user's id, username and name; None for the system

    @property
    def actor_username(self) -> str:
        return self.actor.username if self.actor else SYSTEM_ACTOR

    @property
    def actor_name(self) -> str:
        return self.actor.name if self.actor else ""

    @property
    def action_label(self) -> str:
        return action_label(self.entry.action)

    @property
    def target(self) -> str:
        kind = target_label(self.entry.target_type) if self.entry.target_type else ""
        return f"{kind} {self.entry.target_id}".strip()

    @property
    def detail(self) -> str:
        return detail_text(self.entry.detail)

    def cells(self) -> list:
        entry = self.entry
        return [format_local(entry.at, "%Y-%m-%d %H:%M:%S"), self.actor_username, self.actor_name,
                self.action_label, entry.action, target_label(entry.target_type), entry.target_id,
                entry.summary, entry.reason, self.detail]


EXPORT_HEADER = ["时间", "操作人登录名", "操作人姓名", "操作", "操作代码", "对象类型", "对象编号", "摘要", "原因", "详情"]


def _with_actors(entries: list[AuditEntry]) -> list[AuditRow]:
    ids = {e.actor_id for e in entries if e.actor_id is not None}
    users = _users()
    actors = ({u.id: u for u in db.session.execute(select(users.c.id, users.c.username, users.c.name)
                                                     .where(users.c.id.in_(ids)))} if ids else {})
    return [AuditRow(e, actors.get(e.actor_id)) for e in entries]


def _rows(stmt) -> list[AuditRow]:
    return _with_actors(list(db.session.scalars(stmt)))


def _choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Action and target-type options: the known ones, then any other code found in the log under a numbered
    generic label (其他操作 1, 2, …) so it can still be filtered without showing the code."""
    def options(labels: dict[str, str], found, generic: str) -> list[tuple[str, str]]:
        unknown = sorted(code for code in set(found) if code and code not in labels)
        return (sorted(labels.items(), key=lambda item: item[0])
                + [(code, f"{generic} {i}") for i, code in enumerate(unknown, start=1)])
    return (options(ACTION_LABELS, db.session.scalars(select(AuditEntry.action).distinct()), UNKNOWN_ACTION),
            options(TARGET_LABELS, db.session.scalars(select(AuditEntry.target_type).distinct()), UNKNOWN_TARGET))


@bp.route("/")
@roles_required(ADMIN)
def log():
    filt = AuditFilter.from_args(request.args)
    page = db.paginate(filt.statement(), page=request.args.get("page", 1, type=db_int), per_page=PAGE_SIZE,
                       error_out=False, count=True)
    rows = _with_actors(list(page.items))
    actions, targets = _choices()
    return render_template("audit/log.html", page=page, rows=rows, filt=filt, args=filt.as_args(),
                           actions=actions, targets=targets, system_actor=SYSTEM_ACTOR)


def _export_name(extension: str) -> str:
    return f"操作日志-{format_local(utcnow(), '%Y%m%d-%H%M')}.{extension}"


@bp.route("/export.xlsx")
@roles_required(ADMIN)
def export_xlsx():
    rows = _rows(AuditFilter.from_args(request.args).statement().limit(EXPORT_LIMIT))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "操作日志"
    sheet.append(EXPORT_HEADER)
    style_header(sheet[1], fill=None)
    for row in rows:
        sheet.append(row.cells())
    set_widths(sheet, (20, 14, 10, 18, 22, 10, 10, 40, 30, 50))
    sheet.freeze_panes = "A2"
    return send_download(workbook_bytes(workbook), _export_name("xlsx"),
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")



@bp.route("/export.csv")
@roles_required(ADMIN)
def export_csv():
    rows = _rows(AuditFilter.from_args(request.args).statement().limit(EXPORT_LIMIT))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_HEADER)
    for row in rows:
        writer.writerow([csv_safe(value) for value in row.cells()])
    # UTF-8 with a byte-order mark, so that Excel opens the Chinese text correctly.
    body = "\ufeff" + buffer.getvalue()
    return send_download(body.encode("utf-8"), _export_name("csv"), "text/csv; charset=utf-8")
