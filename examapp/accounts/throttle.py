"""Login throttling per (login name, network address): brute force gets slower and slower, strangers cannot
lock anybody out.

Policy (README “账号安全”):
- Failures are counted per login name *and* address; a correct password resets that count. Other people's
  failures from other addresses never refuse a correct password.
- After LOGIN_MAX_FAILURES failures (5) that pair is paused for 1 minute, and each further failure doubles
  the pause, up to LOGIN_LOCK_MINUTES (15). While paused the pair's attempts are refused without checking
  the password (so a guess in a pause tells nothing).
- Password spraying (one address trying a few passwords on every predictable name sj01…sj72): an address
  that failed on LOGIN_ADDRESS_NAMES (30) or more different login names in the last
  LOGIN_ADDRESS_WINDOW_MINUTES (10) gets only SPRAY_FREE_FAILURES (2) per name before the pause, so one
  typo each in a full exam room behind one NAT address still blocks nobody.
- Unknown login names are counted exactly like existing ones (same messages, same pauses), so the
  answers do not reveal which accounts exist.
- A count with no failure for LOGIN_FAILURE_MEMORY_HOURS (24) starts again from zero.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, delete, func, or_, select, update

from examapp.accounts.models import LoginThrottle
from examapp.extensions import db, insert_for

SPRAY_FREE_FAILURES = 2


def pause_minutes(failures: int, free_failures: int, cap_minutes: int) -> int:
    """Minutes a (name, address) pair is paused after its `failures`-th failure: 0 while free, then 1, 2, 4, …
    up to the cap."""
    if failures < max(1, free_failures):
        return 0
    return min(cap_minutes, 2 ** min(failures - max(1, free_failures), 16))


@dataclass(frozen=True)
class Failure:
    failures: int
    paused_minutes: int      # 0: not paused by this failure
    left: int                # failures left before a pause (0 when paused now)


def locked_until(username: str, address: str, now: datetime) -> datetime | None:
    """When this pair's current pause ends, or None when it may try now."""
    until = db.session.scalar(select(LoginThrottle.locked_until).where(
        LoginThrottle.username == username, LoginThrottle.address == address))
    return until if until is not None and until > now else None


def _spraying(address: str, now: datetime) -> bool:
    window = now - timedelta(minutes=current_app.config["LOGIN_ADDRESS_WINDOW_MINUTES"])
    names = db.session.scalar(select(func.count()).select_from(LoginThrottle).where(
        LoginThrottle.address == address, LoginThrottle.last_failure_at >= window))
    return names >= current_app.config["LOGIN_ADDRESS_NAMES"]


def record_failure(username: str, address: str, now: datetime) -> Failure:
    """Count one failure of the pair (atomically, whichever worker answers) and pause it when due."""
    config = current_app.config
    forget_before = now - timedelta(hours=config["LOGIN_FAILURE_MEMORY_HOURS"])
    table = LoginThrottle.__table__
    insert = insert_for(db.engine.dialect.name)
    stmt = insert(table).values(username=username, address=address, failures=1, last_failure_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.username, table.c.address],
        set_={"failures": case((table.c.last_failure_at < forget_before, 1), else_=table.c.failures + 1),
              "last_failure_at": now}).returning(table.c.failures)
    failures = db.session.execute(stmt).scalar_one()
    free = config["LOGIN_MAX_FAILURES"]
    if failures < free and _spraying(address, now):
        free = min(free, SPRAY_FREE_FAILURES)
    minutes = pause_minutes(failures, free, config["LOGIN_LOCK_MINUTES"])
    if minutes:
        db.session.execute(update(LoginThrottle).where(
            LoginThrottle.username == username, LoginThrottle.address == address).values(
            locked_until=now + timedelta(minutes=minutes)))
    # Forgotten counts (an address that fails on random names leaves many) are removed as we go.
    db.session.execute(delete(LoginThrottle).where(
        LoginThrottle.last_failure_at < forget_before,
        or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now)))
    return Failure(failures, minutes, max(0, free - failures))


def clear(username: str, address: str) -> None:
    """A correct password from this address: its count starts again."""
    db.session.execute(delete(LoginThrottle).where(
        LoginThrottle.username == username, LoginThrottle.address == address))


def release(username: str) -> int:
    """The organiser lets the name log in again from everywhere; returns how many addresses were paused."""
    return db.session.execute(delete(LoginThrottle).where(LoginThrottle.username == username)).rowcount


def paused(now: datetime, usernames: list[str] | None = None) -> dict[str, list[LoginThrottle]]:
    """Pairs paused now, or close to it (at least half the free failures used), by login name."""
    stmt = select(LoginThrottle).where(or_(
        LoginThrottle.locked_until > now,
        and_(LoginThrottle.failures * 2 >= current_app.config["LOGIN_MAX_FAILURES"],
             LoginThrottle.last_failure_at >= now - timedelta(hours=current_app.config["LOGIN_FAILURE_MEMORY_HOURS"]))))
    if usernames is not None:
        stmt = stmt.where(LoginThrottle.username.in_(usernames))
    result: dict[str, list[LoginThrottle]] = {}
    for row in db.session.scalars(stmt.order_by(LoginThrottle.username, LoginThrottle.last_failure_at.desc())):
        result.setdefault(row.username, []).append(row)
    return result
