"""Account logic: authentication with lockout, passwords, user import and management."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from examapp.accounts.importer import SecretaryRow
from examapp.accounts.models import PartyOrganization, PasswordSheet, User
from examapp.accounts.roles import CANDIDATE
from examapp.audit.services import record
from examapp.extensions import db
from examapp.timeutil import format_local, utcnow

# No 0/O, 1/l/I: initial passwords are read off paper by people who are not young.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is shown to the user."""


@dataclass
class LoginResult:
    user: User | None
    message: str = ""


def generate_password(length: int = 8) -> str:
    while True:
        candidate = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))
        if re.search(r"[a-z]", candidate) and re.search(r"\d", candidate):
            return candidate


def password_problem(password: str, username: str = "") -> str | None:
    """Why a chosen password is not acceptable, in Chinese; None when it is."""
    if len(password) < 8:
        return "密码至少 8 位"
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return "密码须同时包含字母和数字"
    if username and password.lower() == username.lower():
        return "密码不能与登录名相同"
    return None


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))


def authenticate(username: str, password: str) -> LoginResult:
    """Check credentials and keep the per-account failure count that locks an account for a while."""
    user = find_user(username)
    generic = "登录名或密码不正确。"
    if user is None:
        return LoginResult(None, generic)
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return LoginResult(None, f"该账号连续登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试，或请组织者重置密码。")
    if not user.check_password(password):
        user.failed_logins += 1
        limit = current_app.config["LOGIN_MAX_FAILURES"]
        if user.failed_logins >= limit:
            user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
            db.session.commit()
            return LoginResult(None, f"连续 {limit} 次密码错误，账号已锁定 "
                                     f"{current_app.config['LOGIN_LOCK_MINUTES']} 分钟。")
        db.session.commit()
        left = limit - user.failed_logins
        return LoginResult(None, f"{generic}再错 {left} 次账号将被暂时锁定。")
    if not user.active:
        return LoginResult(None, "该账号已停用，请联系组织者。")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.commit()
    return LoginResult(user)


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError("原密码不正确")
    problem = password_problem(new, user.username)
    if problem:
        raise AccountError(problem)
    if user.check_password(new):
        raise AccountError("新密码不能与原密码相同")
    user.set_password(new, temporary=False)
    record("user.password_changed", target_type="user", target_id=user.id, summary="本人修改密码",
           actor_id=user.id)
    db.session.commit()


def set_password(user: User, password: str, *, temporary: bool, actor_id: int | None = None) -> None:
    problem = password_problem(password, user.username)
    if problem:
        raise AccountError(problem)
    user.set_password(password, temporary=temporary)
    record("user.password_set", target_type="user", target_id=user.id,
           summary=f"为 {user.username} 设置{'临时' if temporary else ''}密码", actor_id=actor_id)
    db.session.commit()


def reset_password(user: User) -> str:
    """Give the user a new temporary password (returned once, to be handed over)."""
    password = generate_password()
    user.set_password(password, temporary=True)
    record("user.password_reset", target_type="user", target_id=user.id, summary=f"重置 {user.username} 的密码")
    db.session.commit()
    return password


def organization_kinds() -> dict[str, str]:
    return dict(db.session.execute(select(PartyOrganization.name, PartyOrganization.kind)).all())


def existing_usernames() -> set[str]:
    return set(db.session.scalars(select(User.username)))


def import_secretaries(records: list[SecretaryRow]) -> PasswordSheet:
    """Write a fully validated import in one transaction; return the one-time password sheet."""
    orgs = {o.name: o for o in db.session.scalars(select(PartyOrganization))}
    next_order = (db.session.scalar(select(func.max(PartyOrganization.sort_order))) or 0) + 1
    entries = []
    try:
        for rec in records:
            org = orgs.get(rec.organization)
            if org is None:
                org = PartyOrganization(name=rec.organization, kind=rec.kind, sort_order=next_order)
                next_order += 1
                db.session.add(org)
                orgs[rec.organization] = org
            password = generate_password()
            user = User(username=rec.username, name=rec.name, role=CANDIDATE, organization=org,
                        phone=rec.phone, active=True)
            user.set_password(password, temporary=True)
            db.session.add(user)
            entries.append({"organization": rec.organization, "name": rec.name,
                            "username": rec.username, "password": password})
        sheet = PasswordSheet(token=secrets.token_urlsafe(24), entries=entries, count=len(entries))
        db.session.add(sheet)
        db.session.flush()
        record("user.import", target_type="password_sheet", target_id=sheet.id,
               summary=f"导入 {len(entries)} 名书记", detail={"usernames": [e["username"] for e in entries]})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return sheet


def open_password_sheet(token: str, user: User) -> tuple[PasswordSheet | None, list[dict]]:
    """Hand out a sheet's passwords once; afterwards only the fact that it was opened remains."""
    sheet = db.session.scalar(select(PasswordSheet).where(PasswordSheet.token == token).with_for_update())
    if sheet is None or sheet.opened_at is not None:
        return sheet, []
    entries = list(sheet.entries or [])
    sheet.entries = []
    sheet.opened_at = utcnow()
    record("password_sheet.opened", target_type="password_sheet", target_id=sheet.id,
           summary=f"查看初始密码单（{sheet.count} 人，{format_local(sheet.created_at)} 生成）")
    db.session.commit()
    return sheet, entries


def search_users(q: str = "", role: str = "", organization_id: int | None = None,
                 include_inactive: bool = True) -> list[User]:
    stmt = select(User).outerjoin(PartyOrganization)
    if q:
        # autoescape: a typed % or _ is that character, not a wildcard.
        text = q.strip()
        stmt = stmt.where(or_(*(column.icontains(text, autoescape=True) for column in (
            User.username, User.name, PartyOrganization.name, User.phone))))
    if role:
        stmt = stmt.where(User.role == role)
    if organization_id:
        stmt = stmt.where(User.organization_id == organization_id)
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
    stmt = stmt.order_by(User.role, PartyOrganization.sort_order, User.username)
    return list(db.session.scalars(stmt))


def list_organizations() -> list[PartyOrganization]:
    return list(db.session.scalars(select(PartyOrganization).order_by(PartyOrganization.sort_order,
                                                                     PartyOrganization.id)))


def user_as_dict(user: User) -> dict:
    return {"login": user.username, "name": user.name, "role": user.role,
            "organization": user.organization.name if user.organization else None,
            "phone": user.phone or None, "active": user.active}
