"""Screenshots of every page each role can reach, at phone (360 px) and desktop (1280 px) widths, for looking at
what we build. The page list is tools/pages.py (built from the demo data, which it completes as needed).

Usage: python tools/screenshots.py [BASE_URL] [OUT_DIR]
  needs a running server with `flask demo` data, and the same DATABASE_URL in this shell as the server's
  (the ids of the demo exam, round, snapshots… are read from it). Files: OUT_DIR/<width>-<role>-<page>.png
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # run as a script from anywhere

from playwright.sync_api import sync_playwright

from examapp import create_app
from examapp.extensions import db
from tools.pages import LOGINS, prepare_pages

# The demo's documents need the office's settings; where the installation has not filled them in (a fresh
# `make run`), this process publishes the demo's ranking under example values (the server shows what is stored).
EXAMPLE_SETTINGS = {"ISSUING_ORGAN": "中共示例区委优化营商环境工作领导小组办公室", "DISTRICT_NAME": "示例区",
                    "DOC_NUMBER_PREFIX": "示例优营办"}
BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "test-artifacts/screenshots")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
WIDTHS = ((360, "phone"), (1280, "desktop"))


def login(page, username):
    page.goto(f"{BASE}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def shoot(page, name, full=True):
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    app = create_app({key: os.environ.get(key) or value for key, value in EXAMPLE_SETTINGS.items()})
    with app.app_context():
        pages = prepare_pages()
        db.session.remove()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for width, tag in WIDTHS:
            ctx = browser.new_context(viewport={"width": width, "height": 800}, locale="zh-CN")
            page = ctx.new_page()
            page.goto(f"{BASE}/login")
            shoot(page, f"{tag}-login")
            ctx.close()
            # every role's pages, then the candidate's again with 大字号 switched on
            for role, paths, large in [(role, paths, False) for role, paths in pages.items()] + [
                    ("candidate", pages["candidate"], True), ("candidate-running", pages["candidate-running"], True)]:
                ctx = browser.new_context(viewport={"width": width, "height": 800}, locale="zh-CN",
                                          timezone_id="Asia/Shanghai")
                if large:
                    ctx.add_init_script("localStorage.setItem('examapp-text-size', 'large')")
                    role_tag = f"{role}-large"
                else:
                    role_tag = role
                page = ctx.new_page()
                login(page, LOGINS[role])
                for name, path in paths:
                    page.goto(BASE + path)
                    page.wait_for_load_state("networkidle")
                    shoot(page, f"{tag}-{role_tag}-{name}")
                    if name == "exam":
                        shoot(page, f"{tag}-{role_tag}-{name}-top", full=False)
                        if tag == "phone":
                            page.click("#sheet-toggle")
                            shoot(page, f"{tag}-{role_tag}-{name}-sheet", full=False)
                ctx.close()
        browser.close()


if __name__ == "__main__":
    main()
