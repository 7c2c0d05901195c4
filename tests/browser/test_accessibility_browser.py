"""Automated accessibility check: axe-core over every page each role reaches (the list in tools/pages.py, built
from the demo data), at phone and desktop widths; no serious or critical violation is allowed.

One browser context per role and one page load per URL keep it fast. axe is injected by Playwright from the
vendored tests/browser/vendor/axe.min.js (the app never serves it); the context bypasses the app's CSP only so
that the injected script may run."""
from pathlib import Path

import pytest

from tests.browser.conftest import log_in
from tools.pages import LOGINS

pytestmark = pytest.mark.browser

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
BLOCKING = ("serious", "critical")
WIDTHS = (360, 1280)
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                     nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


def scan(page, url) -> list[str]:
    """Load the page once and check it at each width (the layout, and so the contrast of what shows, differs)."""
    response = page.goto(url)
    sent_to_login = page.url.split("?")[0].endswith("/login") and not url.endswith("/login")
    if not response.ok or sent_to_login:
        return [f"the page did not open: HTTP {response.status} at {page.url}"]
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        found += [f"{width}px {v['impact']} {v['id']} ({v['help']}): {v['nodes']}"
                  for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]
    return found


def pages_to_scan(demo_pages) -> dict[str, list[tuple[str, str]]]:
    """Each role's pages; an admin's staff pages are the organiser's, so the admin scans only what differs."""
    organiser = {path for _, path in demo_pages["organizer"]}
    pages = dict(demo_pages)
    pages["admin"] = [(name, path) for name, path in demo_pages["admin"] if path not in organiser or path == "/"]
    return pages


@pytest.fixture
def sqlite_only(engine_name):
    if engine_name != "sqlite":
        pytest.skip("the pages are the same on both engines; scanned once, on SQLite, to keep the run short")


def test_no_serious_accessibility_violation_on_any_page(sqlite_only, browser, live_server, demo_pages):
    problems = {}
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    found = scan(context.new_page(), f"{live_server}/login")
    if found:
        problems["anonymous /login"] = found
    context.close()
    for role, paths in pages_to_scan(demo_pages).items():
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=True)
        page = context.new_page()
        log_in(page, live_server, LOGINS[role])
        for name, path in paths:
            found = scan(page, live_server + path)
            if found:
                problems[f"{role} {name} {path}"] = found
        context.close()
    assert not problems, "\n".join(f"{where}: {issue}" for where, issues in problems.items() for issue in issues)
