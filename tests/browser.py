"""What every browser test shares: Debian's Chromium (never a downloaded browser) with
the flags this closed network needs, the screenshot folder, the test accounts' password,
a browser context on the server's clock and logging in through the login page.

Every context also watches for Content-Security-Policy violations: Chromium reports each
blocked inline script, handler or eval on the console, and a test fails when it closes a
context (or the browser) that saw one, so the pages are proved to work under the policy
(settings.CONTENT_SECURITY_POLICY) as they are used."""

import sys
from pathlib import Path

from django.urls import get_resolver
from django.utils import timezone
from playwright.sync_api import expect

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=zh-CN"]
SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
PASSWORD = "pass-12345"


# Generous waits: a step that renders a PDF through LibreOffice takes seconds, more while the
# other lane of ``make test`` runs the PostgreSQL suite on the second core. A wait only costs
# time when the page is really broken, and then the assertion after it says so.
ACTION_TIMEOUT = 30_000
expect.set_options(timeout=15_000)


def new_context(browser, *, width: int = 1280, height: int = 900, timeout: int = ACTION_TIMEOUT):
    """A browser context in Shanghai time whose clock starts where the server's is: under a
    frozen test clock (conftest.py, ``GONGWEN_TEST_NOW``) the page's ``Date`` agrees with
    the live server's ``timezone.now()``."""
    # The live server runs in this process: importing the URLconf here (every view, and the
    # API's schemas) spares the first page that import, which on a busy machine outlasts
    # the page timeout.
    get_resolver().url_patterns  # noqa: B018
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.clock.install(time=timezone.now())
    context.set_default_timeout(timeout)
    _watch_csp(browser, context)
    return context


def csp_violations(page_or_context) -> list[str]:
    """The Content-Security-Policy violations seen so far in the page's browser context."""
    context = getattr(page_or_context, "context", page_or_context)
    return list(getattr(context, "_gw_csp_violations", []))


def _report(seen: list[str]) -> None:
    # Not while another failure is on its way: that one says more, and is not masked.
    if seen and sys.exc_info()[0] is None:
        raise AssertionError("Content-Security-Policy violations on the pages:\n" + "\n".join(seen))


def _watch_csp(browser, context) -> None:
    seen: list[str] = []
    context._gw_csp_violations = seen

    def on_console(message):
        if "Content Security Policy" in message.text:
            seen.append(f"{message.page.url if message.page else ''}: {message.text}")

    context.on("console", on_console)
    close_context = context.close

    def close(*args, **kwargs):
        close_context(*args, **kwargs)
        _report(seen)

    context.close = close
    # Tests that end by closing the browser (not each context) are checked there.
    watched = getattr(browser, "_gw_csp_contexts", None)
    if watched is None:
        watched = browser._gw_csp_contexts = []
        close_browser = browser.close

        def close_all(*args, **kwargs):
            close_browser(*args, **kwargs)
            _report([v for c in watched for v in c])

        browser.close = close_all
    watched.append(seen)


def login(browser, base: str, person, *, width: int = 1280, height: int = 900):
    """A new browser context at the given width, logged in as ``person``. An administrator
    signs in with the second factor (等保): the test gives him an authenticator and types
    its current code on the code page, as he would."""
    from tests.auth import give_totp, totp_code

    device = give_totp(person) if person.admin_role else None
    page = new_context(browser, width=width, height=height).new_page()
    page.goto(f"{base}/login/")
    page.get_by_label("登录名").fill(person.user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    if device is not None:
        page.get_by_label("验证码").fill(totp_code(device))
        page.get_by_role("button", name="验证").click()
    expect(page.locator(".gw-navbar")).to_contain_text(person.name)
    return page
