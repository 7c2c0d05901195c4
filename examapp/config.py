"""Settings read from the environment; the defaults give a working single-machine install."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way (postgres://, postgresql://)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def load_or_create_secret_key(instance_path: Path) -> str:
    """A key generated once per installation and kept in instance/ (never in the code)."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        # Several gunicorn workers may start at once: each writes its own candidate and links it into
        # place; link() fails if the file exists, so exactly one key wins and every worker reads it.
        instance_path.mkdir(parents=True, exist_ok=True)
        candidate = instance_path / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        candidate.write_text(secrets.token_hex(32), encoding="utf-8")
        candidate.chmod(0o600)
        try:
            os.link(candidate, key_file)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return key_file.read_text(encoding="utf-8").strip()


def settings_from_environment(instance_path: Path) -> dict:
    env = os.environ
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'examapp.db'}"
    return {
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SECRET_KEY": env.get("SECRET_KEY") or load_or_create_secret_key(instance_path),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE")),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": int(env.get("SESSION_LIFETIME_HOURS", "12")) * 3600,
        # The cookie is re-sent only when the session changes (not on every autosave); the lifetime
        # counts from login. Staff sessions change on every request anyway (idle timeout).
        "SESSION_REFRESH_EACH_REQUEST": False,
        # Organisers and admins are logged out after this many idle minutes.
        "IDLE_TIMEOUT_MINUTES": int(env.get("IDLE_TIMEOUT_MINUTES", "30")),
        # Absolute limit of an organiser's or admin's session, however active (ASVS 3.3.2).
        "STAFF_SESSION_HOURS": int(env.get("STAFF_SESSION_HOURS", "8")),
        # Login throttling per (login name, address): examapp/accounts/throttle.py states the policy.
        "LOGIN_MAX_FAILURES": int(env.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCK_MINUTES": int(env.get("LOGIN_LOCK_MINUTES", "15")),
        "LOGIN_ADDRESS_NAMES": int(env.get("LOGIN_ADDRESS_NAMES", "30")),
        "LOGIN_ADDRESS_WINDOW_MINUTES": int(env.get("LOGIN_ADDRESS_WINDOW_MINUTES", "10")),
        "LOGIN_FAILURE_MEMORY_HOURS": int(env.get("LOGIN_FAILURE_MEMORY_HOURS", "24")),
        "DISPLAY_TIMEZONE": env.get("DISPLAY_TIMEZONE", "Asia/Shanghai"),
        "BOOTSTRAP_SERVE_LOCAL": True,
        "WTF_CSRF_TIME_LIMIT": None,
        # WTForms' own Chinese messages (formutil.BaseForm) rather than Flask-Babel.
        "WTF_I18N_ENABLED": False,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # Defaults of the office's settings (admin page “系统设置” overrides them; see examapp/settings/services.py).
        # The ×× placeholders make publishing and `flask check` refuse until the office fills them in.
        "ISSUING_ORGAN": env.get("ISSUING_ORGAN", "中共××区委优化营商环境工作领导小组办公室"),
        "DISTRICT_NAME": env.get("DISTRICT_NAME", "××区"),
        "DISTRICT_SCOPE": env.get("DISTRICT_SCOPE", "全区"),
        "CITY_SCOPE": env.get("CITY_SCOPE", "全市"),
        "DOC_NUMBER_PREFIX": env.get("DOC_NUMBER_PREFIX", "××优营办"),
        "SIGNATURE": env.get("SIGNATURE", ""),
        "CONTACT": env.get("CONTACT", ""),
        # League tables highlight the top N (光荣榜) and bottom M places; 0 turns a highlight off.
        "REPORT_HIGHLIGHT_TOP": int(env.get("REPORT_HIGHLIGHT_TOP", "10")),
        "REPORT_HIGHLIGHT_BOTTOM": int(env.get("REPORT_HIGHLIGHT_BOTTOM", "3")),
        "REPORT_FONT_PATH": env.get("REPORT_FONT_PATH", ""),
        "TRUST_PROXY": _bool(env.get("TRUST_PROXY")),
        # Saves arriving this long after an attempt's deadline still count (network latency).
        "SAVE_GRACE_SECONDS": int(env.get("SAVE_GRACE_SECONDS", "30")),
        # Seconds a statement waits for a lock (SQLite's write lock, a PostgreSQL row lock) before the
        # request answers 503 + Retry-After.
        "DATABASE_LOCK_TIMEOUT": float(env.get("DATABASE_LOCK_TIMEOUT", "10")),
        # Werkzeug's default (scrypt); tests use a cheap method to stay fast.
        "PASSWORD_HASH_METHOD": env.get("PASSWORD_HASH_METHOD", "scrypt"),
    }
