"""examapp: online exams and composite scoring for the district's 书记大比武."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from examapp.config import settings_from_environment
from examapp.extensions import bootstrap, csrf, db, login_manager, migrate

APP_TITLE = "书记大比武考试与综合考评系统"


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(settings_from_environment(Path(app.instance_path)))
    if config:
        app.config.update(config)
    if app.config.get("TRUST_PROXY"):
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    _set_lock_timeout(app)
    from examapp.converters import DatabaseIntConverter
    app.url_map.converters["int"] = DatabaseIntConverter   # before any rule is added
    _init_extensions(app)
    _register_blueprints(app)
    _register_request_hooks(app)
    _register_template_helpers(app)
    from examapp.static_assets import register_static_versioning
    register_static_versioning(app)

    from examapp.errors import register_error_handlers
    register_error_handlers(app)
    from examapp.cli import register_cli
    register_cli(app)
    return app


def _set_lock_timeout(app: Flask) -> None:
    """How long a statement waits for a lock (SQLite's write lock, retried inside SQLite; a PostgreSQL row
    or table lock) before it gives up; the request then answers 503 + Retry-After (examapp/errors.py)
    instead of hanging until the worker is killed."""
    seconds = float(app.config["DATABASE_LOCK_TIMEOUT"])
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    connect_args = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {}).setdefault("connect_args", {})
    if uri.startswith("sqlite"):
        connect_args.setdefault("timeout", seconds)
    elif uri.startswith("postgresql"):
        connect_args.setdefault("options", f"-c lock_timeout={int(seconds * 1000)}")


def _init_extensions(app: Flask) -> None:
    from examapp import models  # noqa: F401  (every model registered before the mapper is used)

    db.init_app(app)
    from examapp.accounts.sessions import SessionInterface
    app.session_interface = SessionInterface()
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        from examapp.access.roles import CANDIDATE
        from examapp.accounts.models import User
        user = db.session.get(User, int(user_id))
        # Every session is valid only while it carries the user's current nonce: logout, a password change
        # or reset, deactivation and (for a candidate) a newer login elsewhere change it on the server.
        if user is not None and session.get("nonce") != user.session_nonce:
            g.session_ended = "replaced" if user.role == CANDIDATE and user.replaced_by_login else "ended"
            return None
        return user

    from examapp.access.policy import SESSION_ENDED, SESSION_REPLACED

    @login_manager.unauthorized_handler
    def unauthorized():
        ended = g.get("session_ended")
        message = {"replaced": SESSION_REPLACED, "ended": SESSION_ENDED}.get(ended, "请先登录。")
        if request.path.startswith("/api/"):
            code = "session_replaced" if ended == "replaced" else "login_required"
            return {"error": message, "status": 401, "code": code}, 401
        flash(message, "warning")
        return redirect(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))


def _register_blueprints(app: Flask) -> None:
    from examapp.accounts.routes import bp as accounts_bp
    from examapp.audit.routes import bp as audit_bp
    from examapp.bank.routes import bp as bank_bp
    from examapp.exams.api import bp as api_bp
    from examapp.exams.manage import bp as manage_exams_bp
    from examapp.exams.routes import bp as exams_bp
    from examapp.home import bp as home_bp
    from examapp.learning.routes import bp as learning_bp
    from examapp.publishing.routes import bp as published_bp
    from examapp.scoring.routes import bp as scoring_bp
    from examapp.settings.routes import bp as settings_bp

    app.register_blueprint(home_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(bank_bp, url_prefix="/bank")
    app.register_blueprint(exams_bp)
    app.register_blueprint(manage_exams_bp, url_prefix="/manage/exams")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(scoring_bp, url_prefix="/scoring")
    app.register_blueprint(published_bp, url_prefix="/published")
    app.register_blueprint(audit_bp, url_prefix="/admin/audit")
    app.register_blueprint(settings_bp, url_prefix="/admin/settings")
    app.register_blueprint(learning_bp, url_prefix="/learning")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL and foreign keys for SQLite; we issue BEGIN ourselves (see below). The busy timeout is the
    driver's `timeout` (DATABASE_LOCK_TIMEOUT, set in create_app)."""
    import sqlite3
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    """Every transaction of a write request and of a `flask` command (e.g. cron's finalise-overdue beside
    the workers) takes SQLite's write lock up front (BEGIN IMMEDIATE), so it never fails upgrading a read
    lock; GET requests and other code (tests, shells) begin deferred."""
    if conn.dialect.name != "sqlite":
        return
    import click
    from flask import has_request_context
    if has_request_context():
        immediate = request.method in WRITE_METHODS
    else:
        immediate = click.get_current_context(silent=True) is not None
    immediate = immediate or conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def end_idle_staff_sessions():
        from examapp.access.roles import IDLE_LIMITED
        from examapp.timeutil import utcnow
        if request.endpoint in (None, "static", "bootstrap.static"):
            return None
        if getattr(app.view_functions.get(request.endpoint), "light_session", False):
            return None   # candidates only (@candidate_session): the view checks the session in its own query
        if not current_user.is_authenticated:
            return None
        if current_user.role not in IDLE_LIMITED:
            return None  # candidates' sessions are not rewritten on every autosave
        now = utcnow()
        last_seen, login_at = session.get("last_seen"), session.get("login_at")
        limit = timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"])
        lifetime = timedelta(hours=app.config["STAFF_SESSION_HOURS"])
        message = None
        if not login_at or now - datetime.fromisoformat(login_at) > lifetime:
            message = f"为安全起见，组织者和管理员每次登录最长 {app.config['STAFF_SESSION_HOURS']} 小时，请重新登录。"
        elif last_seen and now - datetime.fromisoformat(last_seen) > limit:
            message = f"您已超过 {app.config['IDLE_TIMEOUT_MINUTES']} 分钟未操作，为安全起见已自动退出，请重新登录。"
        if message:
            logout_user()
            session.clear()
            flash(message, "warning")
            return redirect(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))
        session["last_seen"] = now.isoformat()
        return None

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
            "form-action 'self'")
        # The session, not current_user: reading the user here after the commit would reload it.
        if "_user_id" in session:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.teardown_request
    def rollback_unfinished(exc):
        if exc is not None:
            db.session.rollback()


def _register_template_helpers(app: Flask) -> None:
    from examapp.access.roles import ROLE_LABELS, STAFF
    from examapp.bank import qtypes
    from examapp.bank.core import int_to_cn_numeral
    from examapp.timeutil import format_local
    from examapp.xlsxutil import MAX_LISTED_PROBLEMS
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.filters["cn"] = lambda n: int_to_cn_numeral(int(n)) if n else ""
    # A question's type (its label, its shape's template in templates/qtypes/) and, for scripts, all types.
    app.jinja_env.globals["qtype"] = qtypes.find
    app.jinja_env.globals["qtype_hints"] = qtypes.page_hints

    @app.context_processor
    def globals_for_templates():
        return {"APP_TITLE": APP_TITLE, "ROLE_LABELS": ROLE_LABELS, "STAFF_ROLES": STAFF,
                "MAX_LISTED_PROBLEMS": MAX_LISTED_PROBLEMS}
