"""Content-Security-Policy (等保 level 3, sessions): the pages run no inline script.

Two guards: every template of the project is read and refused if it carries an inline
``<script>`` body, an ``on…=`` event handler, an ``hx-on`` attribute or a ``javascript:``
URL (so a new one cannot be added without this test failing), and the responses carry a
policy whose ``script-src`` is ``'self'`` alone. The browser tests (tests/browser.py) fail
on any violation the policy reports while the pages are used.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.views.decorators.clickjacking import xframe_options_sameorigin

from gongwen.csp import CSPMiddleware

ROOT = Path(settings.BASE_DIR)
TEMPLATE_DIRS = sorted(p for p in ROOT.glob("*/templates") if p.is_dir())

# Template comments may talk about scripts; only markup counts.
COMMENTS = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|<!--.*?-->", re.S)
SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.S | re.I)
# A script element the browser does not execute: data for a script file (json_script).
DATA_TYPES = ("application/json", "application/ld+json")
HANDLER = re.compile(r"(?<![\w:.-])on[a-z]{3,}\s*=", re.I)
HTMX_ON = re.compile(r"\bhx-on(?::|-|\b)", re.I)
JS_URL = re.compile(r"javascript\s*:", re.I)
JS_VALUES = re.compile(r"\bhx-(?:vals|vars|headers)\s*=\s*['\"]\s*js:", re.I)


def inline_scripts(text: str) -> list[str]:
    """What in one template would run as inline script, each as a short quote."""
    text = COMMENTS.sub("", text)
    found = []
    for m in SCRIPT.finditer(text):
        attrs = m.group("attrs")
        type_ = re.search(r"""\btype\s*=\s*["']?([^"'\s>]+)""", attrs, re.I)
        if type_ and type_.group(1).lower() in DATA_TYPES:
            continue
        if re.search(r"\bsrc\s*=", attrs, re.I) and not m.group("body").strip():
            continue
        found.append(m.group(0)[:80])
    # Handlers only inside tags: the text between tags may say anything.
    for tag in re.finditer(r"<[a-zA-Z][^<>]*>", text):
        for pattern in (HANDLER, HTMX_ON, JS_URL, JS_VALUES):
            if pattern.search(tag.group(0)):
                found.append(tag.group(0)[:80])
                break
    return found


def project_templates() -> list[Path]:
    return sorted(p for d in TEMPLATE_DIRS for p in d.rglob("*") if p.is_file() and p.suffix in (".html", ".txt", ".xml"))


@pytest.mark.parametrize("snippet", [
    "<script>alert(1)</script>",
    '<script type="text/javascript">x()</script>',
    "<script src=\"{% static 'js/a.js' %}\">x()</script>",
    '<button onclick="window.print()">打印</button>',
    "<body onload='init()'>",
    '<select class="form-select" ONCHANGE="this.form.submit()">',
    '<form hx-post="/x" hx-on::after-request="reset()">',
    '<div hx-on:click="go()">',
    '<a href="javascript:void(0)">打印</a>',
    "<div hx-vals='js:{a: b()}'>",
    '{% if x %}<input type="text" oninput="f()">{% endif %}',
])
def test_the_template_check_finds_inline_script(snippet):
    assert inline_scripts(snippet), snippet


@pytest.mark.parametrize("snippet", [
    "<script src=\"{% static 'js/gongwen.js' %}\" defer></script>",
    '<script type="application/json" id="stats-charts">{"a": 1}</script>',
    '{{ charts|json_script:"stats-charts" }}',
    '<button type="button" data-gw-print>打印</button>',
    "<p>点击 onclick= 之类的文字不是属性</p>",
    '<input name="online" value="1" data-on-load="x">',
    "{# <script>old()</script> #}",
    "{% comment %}<button onclick=\"x()\">{% endcomment %}",
])
def test_the_template_check_lets_safe_markup_through(snippet):
    assert not inline_scripts(snippet), snippet


def test_the_walk_sees_the_project_templates():
    names = {p.relative_to(ROOT).as_posix() for p in project_templates()}
    assert "web/templates/web/base.html" in names
    assert "drafting/templates/drafting/form.html" in names
    assert len(names) > 100


def test_no_template_carries_inline_script():
    offenders = {}
    for path in project_templates():
        found = inline_scripts(path.read_text(encoding="utf-8"))
        if found:
            offenders[path.relative_to(ROOT).as_posix()] = found
    assert not offenders, (
        "Inline script in templates (the Content-Security-Policy blocks it): move the code into a "
        "file under static/js/ loaded with <script src=… defer>, use data-gw-* attributes and a "
        "delegated listener instead of on…= handlers, and pass data with json_script.\n"
        + "\n".join(f"{name}: {found}" for name, found in offenders.items()))


def directives(header: str) -> dict[str, list[str]]:
    parts = (d.strip().split() for d in header.split(";") if d.strip())
    return {p[0].lower(): p[1:] for p in parts}


def assert_strict(header: str) -> dict[str, list[str]]:
    policy = directives(header)
    assert policy["script-src"] == ["'self'"], header
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert set(policy["img-src"]) == {"'self'", "data:"}
    assert "'unsafe-eval'" not in header and "script-src-attr" not in policy and "script-src-elem" not in policy
    return policy


@pytest.mark.django_db
def test_pages_carry_the_policy_without_inline_script(office):
    anonymous = Client().get("/login/")
    assert anonymous.status_code == 200
    assert_strict(anonymous["Content-Security-Policy"])

    client = Client()
    client.force_login(office.clerk.user)
    page = client.get("/")
    assert page.status_code == 200
    policy = assert_strict(page["Content-Security-Policy"])
    assert "'unsafe-inline'" not in policy["script-src"]
    # The page itself keeps to it: its scripts are files.
    assert not inline_scripts(page.content.decode())
    htmx = client.get("/", headers={"HX-Request": "true"})
    assert_strict(htmx["Content-Security-Policy"])


@pytest.mark.django_db
def test_the_api_carries_the_policy(api_client_token):
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {api_client_token}"})
    assert response.status_code == 200
    assert_strict(response["Content-Security-Policy"])


@pytest.fixture
def api_client_token(office):
    from api.services import issue_token

    return issue_token(actor=office.clerk, name="测试").clear


def _through_middleware(response: HttpResponse) -> dict[str, list[str]]:
    request = RequestFactory().get("/documents/1/files/1/")
    return directives(CSPMiddleware(lambda r: response)(request)["Content-Security-Policy"])


def test_an_inline_pdf_may_use_the_browser_viewer_and_nothing_else_changes():
    pdf = _through_middleware(HttpResponse(b"%PDF-1.7", content_type="application/pdf"))
    # Chromium shows a PDF through an <embed> of its own URL, which object-src 'none' blocks.
    assert pdf["object-src"] == ["'self'"]
    assert pdf["script-src"] == ["'self'"] and pdf["frame-ancestors"] == ["'none'"]
    other = _through_middleware(HttpResponse(b"x", content_type="application/vnd.openxmlformats-officedocument"))
    assert other["object-src"] == ["'none'"]


def test_a_view_framed_by_its_own_site_keeps_that_permission():
    framed = _through_middleware(xframe_options_sameorigin(lambda r: HttpResponse("x"))(None))
    assert framed["frame-ancestors"] == ["'self'"]
    assert framed["script-src"] == ["'self'"] and framed["object-src"] == ["'none'"]



# --- in the browser: the pages work under the policy ------------------------------------------

# At one instant only in `make test` (any_instant): what is checked is the policy, not a date.
def browser(test):
    return pytest.mark.any_instant(pytest.mark.browser(test))


needs_chromium = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian chromium is not installed")


@pytest.fixture
def chromium():
    import os

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, CHROMIUM

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _policy_header() -> str:
    return "; ".join(f"{k} {' '.join(v)}" for k, v in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].items())


@browser
@needs_chromium
@pytest.mark.parametrize("body", [
    "<script>document.title = 'ran'</script>",
    "<button id='b' onclick=\"document.title = 'ran'\">b</button>",
])
def test_the_browser_tests_fail_on_a_violation(chromium, body):
    """The watch of tests/browser.py: a page whose inline script the policy blocks fails the
    test when its context is closed."""
    from tests.browser import csp_violations, new_context

    context = new_context(chromium)
    page = context.new_page()
    page.route("http://gongwen.test/", lambda route: route.fulfill(
        status=200, headers={"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": _policy_header()},
        body=f"<!doctype html><title>blocked</title>{body}"))
    page.goto("http://gongwen.test/")
    if page.locator("#b").count():
        page.locator("#b").click()
    page.wait_for_timeout(200)
    assert page.title() == "blocked"
    assert csp_violations(page)
    with pytest.raises(AssertionError, match="Content-Security-Policy violations"):
        context.close()
    chromium._gw_csp_contexts.clear()  # reported once is enough: the browser closes quietly


@browser
@needs_chromium
def test_the_pages_work_under_the_policy(chromium, live_server, transactional_db):
    """What the removed inline scripts did still happens: 打印 prints, the 不予公开 reason
    shows only for 不予公开, the form's error summary takes focus; htmx and the API docs
    run; and nothing is blocked on the way."""
    from playwright.sync_api import expect

    from flow.defaults import install
    from flow.models import NodeDefinition, ProcessTemplate
    from tests.browser import PASSWORD, csp_violations, login
    from tests.office import build_office

    install(ProcessTemplate, NodeDefinition)  # a flushed transactional database has lost the data migration
    o = build_office()
    for person in (o.clerk, o.handler_a):
        person.user.set_password(PASSWORD)
        person.user.save()

    page = login(chromium, live_server.url, o.clerk)
    # window.print opens a dialog headless Chromium cannot answer: count the calls instead.
    page.context.add_init_script("window.print = function () { window.__printed = (window.__printed || 0) + 1; };")
    for url in ("/registry/print/", "/duty/"):
        page.goto(live_server.url + url)
        page.get_by_role("button", name=re.compile("^打印")).first.click()
        assert page.evaluate("window.__printed") == 1, url
    page.goto(live_server.url + "/api/v1/docs")
    expect(page.locator(".swagger-ui .information-container")).to_be_visible(timeout=60000)
    assert not csp_violations(page)
    page.context.close()

    page = login(chromium, live_server.url, o.handler_a)
    page.goto(live_server.url + "/drafts/new/")
    reason = page.locator("#publicity-reason-wrap")
    expect(reason).to_be_hidden()
    page.get_by_label("公开属性").select_option("不予公开")
    expect(reason).to_be_visible()
    page.get_by_label("公开属性").select_option("主动公开")
    expect(reason).to_be_hidden()
    page.get_by_role("button", name=re.compile("保存")).click()  # nothing filled in: sent back
    expect(page.locator("#form-errors")).to_be_focused()
    assert not csp_violations(page)
    page.context.close()
