"""Real headless Chromium through the real login page, at a phone width and a desktop width."""
import pytest

pytestmark = pytest.mark.browser


def test_secretary_logs_in_on_a_phone_and_sees_my_exams(live_server, page, demo):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server}/")
    assert "/login" in page.url
    page.fill("input[name=username]", "sj01")
    page.fill("input[name=password]", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/exams")
    assert page.locator("h1", has_text="我的考试").is_visible()
    # Large type for older eyes, and nothing wider than the phone.
    font_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_size >= 16
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_organiser_logs_in_on_desktop_and_reaches_the_workbench(live_server, page, demo):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "organizer")
    page.fill("input[name=password]", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    assert page.locator("h1", has_text="工作台").is_visible()
    page.click("text=用户管理")
    assert page.locator("text=共 75 人").is_visible()


def test_wrong_password_shows_the_chinese_message(live_server, page, demo):
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "sj01")
    page.fill("input[name=password]", "nope")
    page.click("button[type=submit]")
    assert page.locator(".alert-danger", has_text="登录名或密码不正确").is_visible()
