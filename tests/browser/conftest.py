"""Fixtures for the browser tests that walk many pages: the demo data completed by tools/pages.py."""
import pytest

from examapp.extensions import db


@pytest.fixture
def demo_pages(app, runner):
    """`flask demo` plus what tools/pages.py adds; {role: [(name, path), ...]} of every page each role reaches."""
    from tools.pages import prepare_pages
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        pages = prepare_pages()
        db.session.remove()
    return pages


def log_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    assert "/login" not in page.url, f"{username} could not log in"
