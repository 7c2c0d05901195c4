"""Party organisations and the people who use the system."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from examapp.access.policy import session_replaced_by_login
from examapp.access.roles import CANDIDATE, ROLE_LABELS, STAFF
from examapp.extensions import db
from examapp.timeutil import utcnow


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


class PartyOrganization(db.Model):
    """A 党组织 whose secretary takes part in the competition."""
    __tablename__ = "party_organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    sort_order: Mapped[int] = mapped_column(default=0)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="organization")

    def __repr__(self) -> str:
        return f"<PartyOrganization {self.name}>"


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(20), default=CANDIDATE, index=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("party_organization.id", ondelete="RESTRICT"), index=True)
    phone: Mapped[str] = mapped_column(String(20), default="")
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(String(256), default="")
    must_change_password: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Every session carries the value it was issued with and is valid only while it matches (checked on each
    # request). A new value ends the user's other sessions: logout, a password change or reset, deactivation,
    # a role change, and (one active session per candidate) every candidate login.
    session_nonce: Mapped[str] = mapped_column(String(32), default="", server_default="")

    organization: Mapped[PartyOrganization | None] = relationship(back_populates="members")

    # Flask-Login: an inactive account cannot log in and is logged out on its next request.
    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    def set_password(self, password: str, *, temporary: bool, hashed: str | None = None) -> None:
        self.password_hash = hashed or hash_password(password)
        self.must_change_password = temporary
        self.password_changed_at = utcnow()
        self.end_sessions()

    def end_sessions(self, *, by_login: bool = False) -> None:
        """Invalidate every session of this user (the caller re-issues the current one if it should go on).

        The nonce's first character says why, so that an ended session is told the truth: "L" a newer login
        elsewhere (one session per candidate), "X" anything else (logout, password change or reset,
        deactivation, role change). Older nonces are 32 hex digits (lower case) and read as "X"."""
        self.session_nonce = ("L" if by_login else "X") + secrets.token_hex(16)[:31]

    @property
    def replaced_by_login(self) -> bool:
        return session_replaced_by_login(self.session_nonce)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class LoginThrottle(db.Model):
    """Failed logins for one login name (existing or not) from one network address: the unit that is slowed
    down, so nobody else's failures can lock an account (examapp/accounts/throttle.py)."""
    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("username", "address", name="uq_login_throttle_username_address"),
                      Index("ix_login_throttle_address_last_failure_at", "address", "last_failure_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(index=True)
    locked_until: Mapped[datetime | None]


class PasswordSheet(db.Model):
    """Generated initial passwords, kept only until the organiser opens the printable sheet once."""
    __tablename__ = "password_sheet"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # The organiser who ran the import: the only one who may open the sheet (an admin by explicit action).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[User | None] = relationship()
    opened_at: Mapped[datetime | None]
    # [{"organization", "name", "username", "password"}]; emptied when the sheet is opened.
    entries: Mapped[list] = mapped_column(JSON, default=list)
    count: Mapped[int] = mapped_column(default=0)
