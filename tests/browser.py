"""What every browser test shares: Debian's Chromium (never a downloaded browser) with
the flags this closed network needs, the screenshot folder, the test accounts' password,
a browser context on the server's clock and logging in through the login page."""

from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=zh-CN"]
SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
PASSWORD = "pass-12345"


def new_context(browser, *, width: int = 1280, height: int = 900, timeout: int = 10000):
    """A browser context in Shanghai time whose clock starts where the server's is: under a
    frozen test clock (conftest.py, ``GONGWEN_TEST_NOW``) the page's ``Date`` agrees with
    the live server's ``timezone.now()``."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.clock.install(time=timezone.now())
    context.set_default_timeout(timeout)
    return context


def login(browser, base: str, person, *, width: int = 1280, height: int = 900):
    """A new browser context at the given width, logged in as ``person``."""
    page = new_context(browser, width=width, height=height).new_page()
    page.goto(f"{base}/login/")
    page.get_by_label("登录名").fill(person.user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".gw-navbar")).to_contain_text(person.name)
    return page
