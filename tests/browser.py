"""What every browser test shares: Debian's Chromium (never a downloaded browser) with
the flags this closed network needs, the screenshot folder, the test accounts' password
and logging in through the login page."""

from pathlib import Path

from playwright.sync_api import expect

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=zh-CN"]
SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
PASSWORD = "pass-12345"


def login(browser, base: str, person, *, width: int = 1280, height: int = 900):
    """A new browser context at the given width, logged in as ``person``."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    context.set_default_timeout(10000)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.get_by_label("登录名").fill(person.user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".gw-navbar")).to_contain_text(person.name)
    return page
