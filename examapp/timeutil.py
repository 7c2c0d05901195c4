"""Time in one place: stored as naive UTC, shown in the display timezone (Asia/Shanghai)."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    """Now as naive UTC, the form every timestamp is stored in."""
    return datetime.now(UTC).replace(tzinfo=None)


def display_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "Asia/Shanghai"))


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(display_zone())


def local_to_utc(value: datetime) -> datetime:
    """A naive local (display-zone) time, as typed by an organiser, to naive UTC."""
    return value.replace(tzinfo=display_zone()).astimezone(UTC).replace(tzinfo=None)


def format_local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    local = to_local(value)
    return local.strftime(fmt) if local else "—"
