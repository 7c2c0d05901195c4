"""Account logic: authentication with lockout, passwords, user import and management.

Like every service these flush and never commit: the view or the `flask` command commits once everything
succeeded (README, the transaction rule)."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash

from examapp.access.roles import CANDIDATE
from examapp.accounts import throttle
from examapp.accounts.importer import SecretaryRow
from examapp.accounts.models import PartyOrganization, PasswordSheet, User, hash_password
from examapp.audit.services import record
from examapp.extensions import db
from examapp.timeutil import format_local, utcnow
from examapp.usererror import UserError

# No 0/O, 1/l/I: initial passwords are read off paper by people who are not young.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class AccountError(UserError):
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


# Verified for an unknown login name, so that it takes as long as a wrong password (one per hash method).
_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = hash_password(secrets.token_hex(16))
    return _DUMMY_HASHES[method]


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()[:64]


def _password_matches(user: User | None, password: str) -> bool:
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password)
        return False
    return user.check_password(password)


def _minutes_until(moment, now) -> int:
    return max(1, int((moment - now).total_seconds() + 59) // 60)


WRONG_CREDENTIALS = "登录名或密码不正确。"


def authenticate(username: str, password: str, address: str) -> LoginResult:
    """Check credentials with throttling per (login name, address) (examapp/accounts/throttle.py).

    Unknown names and wrong passwords get the same messages, counts and (a dummy hash is verified) timing.
    Flushes only: the login view commits, a refused login's failure count too.
    """
    name, now = normalise_username(username), utcnow()
    paused_until = throttle.locked_until(name, address, now)
    if paused_until is not None:
        return LoginResult(None, f"此账号从您所在的网络地址登录失败次数过多，已暂停登录，请 "
                                 f"{_minutes_until(paused_until, now)} 分钟后再试；如忘记密码，请联系组织者重置。")
    user = find_user(name)
    if not _password_matches(user, password):
        failure = throttle.record_failure(name, address, now)
        if failure.paused_minutes:
            if user is not None:
                record("user.login_locked", target_type="user", target_id=user.id,
                       summary=f"{user.username} 从地址 {address} 连续登录失败 {failure.failures} 次，"
                               f"暂停该地址登录 {failure.paused_minutes} 分钟",
                       detail={"address": address, "failures": failure.failures,
                               "minutes": failure.paused_minutes})
            message = (f"{WRONG_CREDENTIALS}失败次数过多，此账号在您所在的网络地址暂停登录 "
                       f"{failure.paused_minutes} 分钟；如忘记密码，请联系组织者重置。")
        else:
            message = f"{WRONG_CREDENTIALS}再错 {failure.left} 次，此账号将在您所在的网络地址暂停登录。"
        return LoginResult(None, message)
    if not user.active:
        return LoginResult(None, "该账号已停用，请联系组织者。")
    throttle.clear(name, address)
    user.last_login_at = now
    return LoginResult(user)


def release_login(user: User) -> int:
    """The organiser lifts every login pause of this account; audited. Returns the number of addresses."""
    count = throttle.release(user.username)
    record("user.login_released", target_type="user", target_id=user.id,
           summary=f"解除 {user.username} 的登录暂停（{count} 个地址）")
    return count


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


def set_password(user: User, password: str, *, temporary: bool, actor_id: int | None = None) -> None:
    problem = password_problem(password, user.username)
    if problem:
        raise AccountError(problem)
    user.set_password(password, temporary=temporary)
    throttle.release(user.username)
    record("user.password_set", target_type="user", target_id=user.id,
           summary=f"为 {user.username} 设置{'临时' if temporary else ''}密码", actor_id=actor_id)


def reset_password(user: User) -> str:
    """Give the user a new temporary password (returned once, to be handed over)."""
    password = generate_password()
    user.set_password(password, temporary=True)     # ends the user's sessions
    throttle.release(user.username)
    record("user.password_reset", target_type="user", target_id=user.id, summary=f"重置 {user.username} 的密码")
    return password


def organization_kinds() -> dict[str, str]:
    return dict(db.session.execute(select(PartyOrganization.name, PartyOrganization.kind)).all())


def existing_secretaries() -> dict[tuple[str, str], str]:
    """(organisation, name) -> login of every active secretary, for the import's same-person check."""
    return {(org, name): username for org, name, username in db.session.execute(
        select(PartyOrganization.name, User.name, User.username).join(User.organization).where(
            User.role == CANDIDATE, User.active.is_(True)))}


def existing_usernames() -> set[str]:
    return set(db.session.scalars(select(User.username)))


def import_secretaries(records: list[SecretaryRow], created_by_id: int | None = None) -> PasswordSheet:
    """Add a fully validated import (the caller commits it as one transaction, or rolls it all back);
    return the one-time password sheet."""
    orgs = {o.name: o for o in db.session.scalars(select(PartyOrganization))}
    next_order = (db.session.scalar(select(func.max(PartyOrganization.sort_order))) or 0) + 1
    entries = []
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
    sheet = PasswordSheet(token=secrets.token_urlsafe(24), entries=entries, count=len(entries),
                          created_by_id=created_by_id)
    db.session.add(sheet)
    db.session.flush()
    record("user.import", target_type="password_sheet", target_id=sheet.id,
           summary=f"导入 {len(entries)} 名书记", detail={"usernames": [e["username"] for e in entries]})
    return sheet


def open_password_sheet(token: str, user: User | None, *,
                        admin_override: bool = False) -> tuple[PasswordSheet | None, list[dict]]:
    """Hand out a sheet's passwords once; afterwards only the fact that it was opened remains. The caller
    decides who may (the importer; an admin with `admin_override`, audited as such) and commits."""
    sheet = db.session.scalar(select(PasswordSheet).where(PasswordSheet.token == token).with_for_update())
    if sheet is None or sheet.opened_at is not None:
        return sheet, []
    entries = list(sheet.entries or [])
    sheet.entries = []
    sheet.opened_at = utcnow()
    record("password_sheet.admin_opened" if admin_override else "password_sheet.opened",
           target_type="password_sheet", target_id=sheet.id,
           summary=f"{'管理员查看他人导入的' if admin_override else '查看'}初始密码单"
                   f"（{sheet.count} 人，{format_local(sheet.created_at)} 生成）")
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
