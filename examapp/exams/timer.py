"""The server's clock for an attempt (pure): deadlines, time left, whether a save is still on time."""
from __future__ import annotations

from datetime import datetime, timedelta


def compute_deadline(started_at: datetime, duration_minutes: int, closes_at: datetime,
                     extra_seconds: int = 0) -> datetime:
    """Start + duration, capped by the window's close, plus any extra time granted to this person."""
    natural = started_at + timedelta(minutes=duration_minutes)
    return min(natural, closes_at) + timedelta(seconds=extra_seconds)


def seconds_left(deadline_at: datetime, now: datetime) -> int:
    return max(0, int((deadline_at - now).total_seconds()))


def accepts_save(deadline_at: datetime, now: datetime, grace_seconds: int) -> bool:
    """A save counts until the deadline plus a small network grace."""
    return now <= deadline_at + timedelta(seconds=grace_seconds)


def is_overdue(deadline_at: datetime, now: datetime, grace_seconds: int) -> bool:
    """Past the deadline and its grace: the server finalises the attempt."""
    return now > deadline_at + timedelta(seconds=grace_seconds)
