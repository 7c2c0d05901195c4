"""Writing to the audit log inside the caller's transaction."""
from __future__ import annotations

from flask_login import current_user

from examapp.audit.models import AuditEntry
from examapp.extensions import db


def record(action: str, *, target_type: str = "", target_id: object = "", summary: str = "",
           reason: str = "", detail: dict | None = None, actor_id: int | None = None,
           system: bool = False) -> AuditEntry:
    """Add an audit entry to the current session; it commits with the change it describes.

    The actor is actor_id, else the signed-in user; `system=True` records the system itself (e.g. an
    automatic submission that happened while an organiser's page was being served).
    """
    if actor_id is None and not system:
        try:
            actor_id = current_user.id if current_user and current_user.is_authenticated else None
        except (AttributeError, RuntimeError):
            actor_id = None
    entry = AuditEntry(actor_id=actor_id, action=action, target_type=target_type,
                       target_id=str(target_id or ""), summary=summary, reason=reason,
                       detail=detail or {})
    db.session.add(entry)
    return entry
