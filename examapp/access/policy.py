"""The one access policy: every view declares who may use it with @roles_required or @public.

A test walks the URL map and fails if any view lacks a declaration, so a forgotten check
cannot ship.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, flash, redirect, request, session, url_for
from flask_login import current_user

from examapp.extensions import login_manager

# Views a user who must change the initial password can still reach.
PASSWORD_CHANGE_ENDPOINTS = {"accounts.change_password", "accounts.logout"}


def public(view):
    """Reachable without logging in (login page, health check)."""
    view.access_roles = "public"
    return view


def roles_required(*roles: str):
    """Logged-in users of the given roles (any role when none are named)."""
    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
                if request.path.startswith("/api/"):
                    return {"error": "请先在页面上修改初始密码。", "status": 403}, 403
                flash("首次登录或密码已被重置，请先修改密码。", "warning")
                return redirect(url_for("accounts.change_password"))
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        guarded.access_roles = tuple(roles) or "any"
        return guarded
    return decorator


# A newer login of the same candidate elsewhere ended this session (one active session per candidate).
SESSION_REPLACED = "您的账号已在另一台设备或浏览器登录，此处已退出。如需在此继续，请重新登录（已保存的答案不会丢失）。"
# The session was ended on the server: logged out elsewhere, password changed or reset, account deactivated.
SESSION_ENDED = "您的登录已失效（已在别处退出、密码已修改或重置、或账号已停用），请重新登录。"


def session_replaced_by_login(current_nonce: str | None) -> bool:
    """Whether the user's sessions were last ended by a newer login elsewhere (User.end_sessions: "L…")."""
    return bool(current_nonce) and current_nonce.startswith("L")


def ended_session_error(active: bool, current_nonce: str | None) -> tuple[str, str]:
    """(message, API code) for a candidate's request whose session nonce is no longer the user's."""
    if not active:
        return "账号已停用。", "login_required"
    if session_replaced_by_login(current_nonce):
        return SESSION_REPLACED, "session_replaced"
    return SESSION_ENDED, "login_required"


def candidate_session(view):
    """For the autosave hot path only: a logged-in candidate's session, verified inside the view's own
    database query instead of a separate SELECT of the user. The view gets `session_user=(user_id, nonce)`
    and must refuse unless that user is an active candidate whose current session nonce is `nonce`
    (one active session per candidate) and who need not change the password first."""
    @wraps(view)
    def guarded(*args, **kwargs):
        user_id, nonce = session.get("_user_id"), session.get("nonce")
        if not user_id or not nonce:
            return login_manager.unauthorized()
        return view(*args, session_user=(int(user_id), nonce), **kwargs)

    guarded.access_roles = ("candidate",)
    guarded.light_session = True     # request hooks must not load the user for it either
    return guarded
