"""Chinese error pages (and JSON errors for API clients), and the one handler of user errors.

User errors: every domain error derives from `examapp.usererror.UserError` and carries its Chinese
message. A view catches one only to do something better than the common case (re-render a form with
the user's input and the problems beside the fields); any other is answered here: an API client gets
`{"error": message, "status": status}` (plus "code" when set) with the error's status, a browser gets
the message flashed and is sent back to the page it came from (a same-site referrer, else the home page).
Either way the transaction is rolled back first, so nothing the request wrote before the error is kept.

Transactions: services flush, they never commit. The request (the view, once everything it asked for
succeeded) or the `flask` command commits; an error anywhere rolls the whole request back. GET requests
read only and commit nothing; jobs such as finalising overdue attempts are explicit steps (`flask exams
finalise-overdue` from the deploy timer, or an organiser's POST), not side effects of reading a page. The
exceptions (README, maintainers' section): a candidate's own exam pages finalise that candidate's overdue
attempt, and the day's first daily drill is written when the candidate opens it.
"""
from urllib.parse import urlsplit

from flask import current_app, flash, g, jsonify, make_response, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from examapp.extensions import db, login_manager
from examapp.usererror import UserError

# Seconds a client is asked to wait before retrying when the database is busy.
BUSY_RETRY_AFTER = 2
# SQLSTATEs of PostgreSQL errors that mean "busy, try again": serialization failure, deadlock,
# lock not available, query cancelled by statement/lock timeout, too many connections.
RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03", "57014", "53300"}

MESSAGES = {
    400: ("请求无效", "提交的内容不完整或格式不正确，请返回重试。"),
    403: ("无权访问", "您的账号没有访问此页面的权限。如需办理，请联系组织者。"),
    404: ("页面不存在", "您要找的页面不存在或已被移除，请检查网址或返回首页。"),
    405: ("操作不允许", "不支持这种访问方式。"),
    413: ("文件过大", "上传的文件超过大小限制（16 MB）。"),
    429: ("操作过于频繁", "请求过于频繁，请稍后再试。"),
    503: ("系统繁忙", "当前访问人数较多，系统繁忙，请稍候几秒再试；已保存的答案不受影响。"),
    500: ("系统错误", "服务器出现了意外错误，已记录。请稍后重试；如仍有问题，请联系管理员。"),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(code: int, detail: str | None = None, template: str = "errors/error.html"):
    title, message = MESSAGES.get(code, ("出错了", "请求未能完成。"))
    if detail:
        message = detail
    if _wants_json():
        return jsonify({"error": message, "status": code}), code
    return render_template(template, code=code, title=title, message=message), code


def user_error_json(exc: UserError):
    """The API's error body for a user error: {"error": message, "status": status[, "code": code]}."""
    db.session.rollback()
    body = {"error": str(exc), "status": exc.status}
    if exc.code:
        body["code"] = exc.code
    return jsonify(body), exc.status


def same_site_referrer() -> str | None:
    """The page the request came from, if it is on this site (path and query only), else None."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//") or "\\" in path or not referrer.isprintable():
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def is_busy_error(exc: BaseException) -> bool:
    """A database error that means "busy, try again" rather than a fault in the program."""
    if isinstance(exc, PoolTimeoutError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    message = str(exc.orig).lower()
    return isinstance(exc, OperationalError) and ("database is locked" in message or "database table is locked"
                                                  in message or "database is busy" in message)


def _too_large() -> str:
    """The 413 message with the limit actually configured (MAX_CONTENT_LENGTH), not a number written here."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    size = f"{limit / 1024 / 1024:g} MB" if limit >= 1024 * 1024 else f"{limit / 1024:g} KB"
    return f"上传的文件超过大小限制（{size}），未保存任何内容。"


def register_error_handlers(app) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, lambda exc, code=code: render_error(
            code, getattr(exc, "description", None) if code == 429 else _too_large() if code == 413 else None))

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeoutError)
    def database_busy(exc):
        """SQLite still locked after its busy timeout (DATABASE_LOCK_TIMEOUT), a PostgreSQL lock timeout or
        serialization conflict, or no free connection: 503 with Retry-After, and nothing was written
        (the transaction is rolled back), so the client's retry is safe. Anything else stays a 500."""
        db.session.rollback()
        if not is_busy_error(exc):
            raise exc
        app.logger.warning("database busy: %s %s: %s", request.method, request.path, exc.orig if
                           isinstance(exc, DBAPIError) else exc)
        if "_login_user" not in g:
            # Flask-Login's template context would load the user from the busy database.
            g._login_user = login_manager.anonymous_user()
        response = make_response(render_error(503, template="errors/busy.html"))
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response

    @app.errorhandler(UserError)
    def user_error(exc: UserError):
        """A user error no view handled: nothing is kept, the user is told why (see the module's doc)."""
        if _wants_json():
            return user_error_json(exc)
        db.session.rollback()
        flash(str(exc), "danger")
        target = same_site_referrer()
        if target is None or target == request.full_path.rstrip("?") and request.method == "GET":
            target = url_for("home.index")   # never send a GET back to itself
        return redirect(target)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_error(400, "页面已过期或表单校验失败（CSRF），请刷新页面后重新提交。")
