"""Screenshots of the main pages at phone and desktop widths, for looking at what we build.

Usage: python tools/screenshots.py [BASE_URL] [OUT_DIR]   (needs a running server with `flask demo` data)
"""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "test-artifacts/screenshots")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


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
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for width, tag in ((360, "phone"), (1280, "desktop")):
            ctx = browser.new_context(viewport={"width": width, "height": 800}, locale="zh-CN")
            page = ctx.new_page()
            page.goto(f"{BASE}/login")
            shoot(page, f"{tag}-login")
            login(page, "sj0" + ("1" if tag == "phone" else "2"))
            shoot(page, f"{tag}-my-exams")
            page.click(".exam-row")
            shoot(page, f"{tag}-start")
            if page.locator("text=开始答题").count():
                page.click("text=开始答题")
            elif page.locator("text=继续答题").count():
                page.click("text=继续答题")
            page.wait_for_selector(".question-card")
            page.locator(".question-card .option").first.click()
            page.wait_for_timeout(800)
            shoot(page, f"{tag}-exam-top", full=False)
            shoot(page, f"{tag}-exam-full")
            if tag == "phone":
                page.click("#sheet-toggle")
                shoot(page, f"{tag}-exam-sheet", full=False)
            ctx.close()
            ctx = browser.new_context(viewport={"width": width, "height": 800}, locale="zh-CN")
            page = ctx.new_page()
            login(page, "organizer")
            shoot(page, f"{tag}-staff-home")
            for path, name in (("/bank/", "bank"), ("/bank/coverage", "coverage"), ("/users", "users"),
                               ("/manage/exams/", "exams"), ("/manage/exams/1", "exam-detail"),
                               ("/manage/exams/new", "exam-new"), ("/users/import", "import")):
                page.goto(BASE + path)
                shoot(page, f"{tag}-{name}")
            ctx.close()
            ctx = browser.new_context(viewport={"width": width, "height": 800}, locale="zh-CN")
            page = ctx.new_page()
            login(page, "admin")
            page.goto(BASE + "/admin/audit/")
            shoot(page, f"{tag}-audit-log")
            ctx.close()
        browser.close()


if __name__ == "__main__":
    main()
