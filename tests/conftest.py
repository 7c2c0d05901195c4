"""Fixtures: a fresh app and database for every test, on SQLite and (with TEST_DATABASE_URL) PostgreSQL."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from examapp import create_app
from examapp.config import normalise_database_url
from examapp.extensions import db

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
ENGINES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
FAST_HASH = "pbkdf2:sha256:1000"


def make_app(database_url: str, instance_path: Path, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "SERVER_NAME": None,
        # The office's settings filled in (the shipped ×× defaults make publishing refuse).
        "ISSUING_ORGAN": "中共示例区委优化营商环境工作领导小组办公室",
        "DISTRICT_NAME": "示例区",
        "DOC_NUMBER_PREFIX": "示例优营办",
    }
    config.update(overrides)
    return create_app(config, instance_path=str(instance_path))


def reset_postgres_schema() -> None:
    """Drop everything in the test database's public schema (tables, alembic_version)."""
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def database_url_for(engine: str, tmp_path: Path) -> str:
    if engine == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return POSTGRES_URL


@pytest.fixture(params=ENGINES)
def engine_name(request) -> str:
    return request.param


@pytest.fixture
def app_factory(engine_name, tmp_path):
    """Build an app on this test's database; tests that need special settings call it themselves."""
    created = []

    def factory(**overrides):
        app = make_app(database_url_for(engine_name, tmp_path), tmp_path / "instance", **overrides)
        created.append(app)
        return app

    yield factory
    for app in created:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory, engine_name):
    app = app_factory()
    with app.app_context():
        if engine_name == "postgresql":
            reset_postgres_schema()
        db.create_all()
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The demo accounts (no questions): admin, organizer, viewer and sj01–sj72, password demo1234."""
    from examapp.demo import load_demo_accounts
    with app.app_context():
        load_demo_accounts()


@pytest.fixture
def bank(app):
    """The shipped question bank loaded into the database."""
    from examapp.bank.services import load_shipped_bank
    with app.app_context():
        load_shipped_bank()
        db.session.commit()   # services flush; the caller commits


def login(client, username: str, password: str = "demo1234"):
    return client.post("/login", data={"username": username, "password": password}, follow_redirects=False)


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free local port, for the browser tests."""
    in_flight = [0]
    idle = threading.Condition()

    def counted(environ, start_response):
        with idle:
            in_flight[0] += 1
        try:
            body = app(environ, start_response)
            try:
                return list(body)
            finally:
                if hasattr(body, "close"):
                    body.close()
        finally:
            with idle:
                in_flight[0] -= 1
                idle.notify_all()

    server = make_server("127.0.0.1", 0, counted, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    # Requests still running (a page's last autosave or focus event) must hand their database
    # connection back before the pool is disposed, or it is left open and garbage-collected later.
    with idle:
        idle.wait_for(lambda: in_flight[0] == 0, timeout=15)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"找不到 Chromium：{CHROMIUM}（.ci/run 应已安装 Debian 的 chromium 包）")
        pytest.skip(f"Chromium not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
