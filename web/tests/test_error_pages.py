"""Error pages with DEBUG off (trust issue, defect 6): Chinese 400/403/404/500 pages with a
request id (请求编号) and never a URL list, settings or a traceback; the API's errors as
JSON with the request id; X-Request-ID on every response; the traceback only in the log,
under the request id.

The views that fail on purpose live in a test-only URLconf (this module: ``urlpatterns``
below, with the project's own handlers and the project's URLs after them), and a
test-only API built with the project's ``api.errors.install``.
"""

import io
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.http import Http404, HttpResponse
from django.test import Client, override_settings
from django.urls import path
from ninja import NinjaAPI

import server.urls
from api import errors as api_errors
from gongwen.requestid import OWN_ID, RequestIdFilter
from incoming.services import IncomingData, register_incoming
from server.urls import handler400, handler403, handler404, handler500  # noqa: F401 (this URLconf's handlers)

pytestmark = pytest.mark.django_db

SECRET = "sentinel-4711-do-not-show"  # in every exception message raised here: must never reach a body
RID = re.compile(r"请求编号：\s*<strong[^>]*>([A-Za-z0-9._:-]+)</strong>")
LEAKS = ["Traceback", "urlpatterns", "URLconf", "SECRET_KEY", "DATABASES", "django.", "Request Method",
         "Exception Value", SECRET, "RuntimeError", "OperationalError"]


def boom(request):
    raise RuntimeError(f"the view failed: {SECRET}")


def database_down(request):
    raise OperationalError(f"database is locked ({SECRET})")


def forbidden_chinese(request):
    raise PermissionDenied("您无权查看该登记簿。")


def forbidden_internal(request):
    raise PermissionDenied(f"internal reason {SECRET}")


def suspicious(request):
    raise SuspiciousOperation(f"bad input {SECRET}")


def missing(request):
    raise Http404(f"Document 42 belongs to 市财政局 {SECRET}")


failing_api = NinjaAPI(urls_namespace="test_error_pages_api", auth=None)
api_errors.install(failing_api)


@failing_api.get("/boom")
def api_boom(request):
    raise RuntimeError(f"the endpoint failed: {SECRET}")


@failing_api.get("/forbidden")
def api_forbidden(request):
    raise PermissionDenied(f"internal reason {SECRET}")


@failing_api.get("/missing")
def api_missing(request):
    raise Http404(f"Document 42 belongs to 市财政局 {SECRET}")


@failing_api.get("/suspicious")
def api_suspicious(request):
    raise SuspiciousOperation(f"bad input {SECRET}")


@failing_api.get("/ok")
def api_ok(request):
    return {"ok": True}


urlpatterns = [
    path("test-errors/boom/", boom),
    path("test-errors/database-down/", database_down),
    path("test-errors/forbidden/", forbidden_chinese),
    path("test-errors/forbidden-internal/", forbidden_internal),
    path("test-errors/suspicious/", suspicious),
    path("test-errors/missing/", missing),
    path("test-errors/plain/", lambda request: HttpResponse("ok")),
    path("api/test-errors/", failing_api.urls),
    *server.urls.urlpatterns,
]

failing_views = override_settings(ROOT_URLCONF=__name__, DEBUG=False)


def _client() -> Client:
    return Client(raise_request_exception=False)


def _page(response, status: int, heading: str) -> str:
    """The Chinese error page: its status, heading, request id (the same as the header) and
    nothing a developer page would show."""
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert heading in body and '<html lang="zh-Hans">' in body
    match = RID.search(body)
    assert match, "no 请求编号 on the page"
    assert match.group(1) == response["X-Request-ID"]
    for leak in LEAKS:
        assert leak not in body, leak
    return body


def _json(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and body["request_id"] == response["X-Request-ID"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])
    for leak in LEAKS:
        assert leak not in response.content.decode(), leak
    return body


@pytest.fixture
def console_log():
    """What the console log handler (settings.LOGGING) writes, with its request-id filter."""
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, RequestIdFilter) for f in h.filters))
    buffer = io.StringIO()
    old = handler.setStream(buffer)
    yield buffer
    handler.setStream(old)


# --- DEBUG ---------------------------------------------------------------------------------------


def test_debug_is_off_unless_a_developer_turns_it_on():
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGWEN_DEBUG")}
    script = "import gongwen.settings as s; print(s.DEBUG)"
    default = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True,
                             check=True)
    assert default.stdout.strip() == "False"
    on = subprocess.run([sys.executable, "-c", script], cwd=root, env={**env, "GONGWEN_DEBUG": "1"},
                        capture_output=True, text=True, check=True)
    assert on.stdout.strip() == "True"


# --- pages -------------------------------------------------------------------------------------


@override_settings(DEBUG=False)
def test_an_anonymous_unknown_url_gets_the_chinese_404_page():
    response = _client().get("/no-such-page/at-all/")
    body = _page(response, 404, "未找到")
    assert "search/" not in body and "api/v1/" not in body  # no URL pattern is listed


@override_settings(DEBUG=False)
def test_an_invisible_document_answers_the_same_404_page_as_a_missing_one(office):
    o = office
    doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于开展安全生产大检查的通知", doc_type="通知", sender_id=o.dept.pk))
    client = _client()
    client.force_login(o.outsider.user)
    invisible = client.get(f"/documents/{doc.pk}/")
    absent = client.get(f"/documents/{doc.pk + 100000}/")
    unknown = client.get("/no-such-page/")
    pages = [_page(r, 404, "未找到") for r in (invisible, absent, unknown)]
    same = {RID.sub("", p) for p in pages}
    assert len(same) == 1, "the 404 pages differ"


@failing_views
def test_a_failing_view_gets_the_chinese_500_page_and_the_traceback_goes_to_the_log(console_log):
    response = _client().get("/test-errors/boom/")
    body = _page(response, 500, "服务器内部错误")
    assert "请将请求编号告知系统管理员" in body
    logged = console_log.getvalue()
    rid = response["X-Request-ID"]
    assert f"[{rid}]" in logged and "Traceback" in logged and SECRET in logged


@failing_views
def test_the_500_page_shows_while_the_database_is_down(django_db_blocker):
    # Anonymous, and the database unreachable: the page renders from the template alone.
    with django_db_blocker.block():
        response = _client().get("/test-errors/database-down/")
    _page(response, 500, "服务器内部错误")


@failing_views
def test_the_500_page_for_a_signed_in_person_is_the_same_page(office):
    client = _client()
    client.force_login(office.clerk.user)
    body = _page(client.get("/test-errors/boom/"), 500, "服务器内部错误")
    assert office.clerk.name not in body  # no navigation: nothing that queries


@failing_views
def test_403_shows_the_views_chinese_reason_never_an_internal_one():
    body = _page(_client().get("/test-errors/forbidden/"), 403, "无权访问")
    assert "您无权查看该登记簿。" in body
    body = _page(_client().get("/test-errors/forbidden-internal/"), 403, "无权访问")
    assert "您没有访问此页面的权限。" in body


@override_settings(DEBUG=False)
def test_a_real_403_is_the_chinese_page(office):
    client = _client()
    client.force_login(office.clerk.user)
    _page(client.get("/audit/"), 403, "无权访问")


@failing_views
def test_400_and_a_404_with_a_message_are_the_chinese_pages():
    _page(_client().get("/test-errors/suspicious/"), 400, "请求无法处理")
    body = _page(_client().get("/test-errors/missing/"), 404, "未找到")
    assert "市财政局" not in body  # what a view says about the missing thing is never shown


@override_settings(DEBUG=False)
def test_a_request_for_a_host_not_served_is_the_chinese_400_page():
    _page(_client().get("/login/", HTTP_HOST="evil.example"), 400, "请求无法处理")


@override_settings(DEBUG=False)
def test_control_characters_are_refused_with_the_chinese_400_page():
    body = _page(_client().get("/login/", {"next": "/\x00"}), 400, "请求无法处理")
    assert "非法控制字符" in body


@override_settings(DEBUG=False)
def test_an_expired_form_is_the_chinese_403_page(office):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    body = _page(client.post("/login/", {"username": "x", "password": "y"}), 403, "无权访问")
    assert "CSRF" in body and "刷新后重新提交" in body


# --- the API -----------------------------------------------------------------------------------


@override_settings(DEBUG=False)
def test_an_unknown_api_path_is_a_json_404():
    body = _json(_client().get("/api/v1/no-such-endpoint"), 404, "not_found")
    assert body["detail"] == "未找到。"
    _json(_client().get("/api/v2/anything"), 404, "not_found")


@override_settings(DEBUG=False)
def test_a_method_the_path_does_not_take_is_a_json_405(office):
    response = _client().delete("/api/v1/me")
    _json(response, 405, "http_405")
    assert "GET" in response["Allow"]


@override_settings(DEBUG=False)
def test_refusals_of_the_api_carry_the_request_id(office):
    body = _json(_client().get("/api/v1/me"), 401, "unauthenticated")
    assert set(body) == {"detail", "code", "request_id"}


@failing_views
def test_an_endpoint_that_fails_is_a_json_500_with_the_traceback_only_in_the_log(console_log):
    response = _client().get("/api/test-errors/boom")
    body = _json(response, 500, "server_error")
    assert set(body) == {"detail", "code", "request_id"}
    assert body["request_id"] in body["detail"]
    logged = console_log.getvalue()
    assert f"[{body['request_id']}]" in logged and "Traceback" in logged and SECRET in logged


@failing_views
def test_an_endpoint_failure_is_raised_in_tests_as_a_page_failure_is():
    # Like Django for a page, the API tells the test client: a test sees the exception itself.
    with pytest.raises(RuntimeError, match=SECRET):
        Client().get("/api/test-errors/boom")


@failing_views
def test_djangos_own_exceptions_in_an_endpoint_keep_their_status():
    body = _json(_client().get("/api/test-errors/forbidden"), 403, "forbidden")
    assert body["detail"] == "您没有执行此操作的权限。"
    body = _json(_client().get("/api/test-errors/missing"), 404, "not_found")
    assert "市财政局" not in body["detail"]
    _json(_client().get("/api/test-errors/suspicious"), 400, "bad_request")


# --- request ids -------------------------------------------------------------------------------


@failing_views
def test_every_response_carries_a_request_id(office):
    client = _client()
    responses = {
        "page": client.get("/login/"),
        "redirect": client.get("/"),
        "static": client.get("/static/css/gongwen.css"),
        "api": client.get("/api/test-errors/ok"),
        "api refusal": client.get("/api/v1/me"),
        "openapi": client.get("/api/v1/openapi.json"),
        "404": client.get("/nowhere/"),
        "500": client.get("/test-errors/boom/"),
        "plain": client.get("/test-errors/plain/"),
    }
    assert responses["static"].status_code == 200 and responses["redirect"].status_code == 302
    ids = [r["X-Request-ID"] for r in responses.values()]
    for rid in ids:
        assert OWN_ID.fullmatch(rid), rid
    assert len(set(ids)) == len(ids), "request ids repeat"


@override_settings(DEBUG=False)
def test_a_proxys_request_id_is_kept_and_a_strange_one_replaced():
    client = _client()
    kept = client.get("/nowhere/", HTTP_X_REQUEST_ID="f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
    assert kept["X-Request-ID"] == "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
    assert "f81d4fae-7dec-11d0-a765-00a0c91e6bf6" in kept.content.decode()
    for strange in ["<script>alert(1)</script>", "a b c d e f", "x" * 200, "abc", "id\nforged log line"]:
        replaced = client.get("/nowhere/", HTTP_X_REQUEST_ID=strange)
        assert OWN_ID.fullmatch(replaced["X-Request-ID"]), strange
        assert strange not in replaced.content.decode()


@override_settings(DEBUG=False, REQUEST_ID_FROM_PROXY=False)
def test_a_deployment_without_a_proxy_ignores_the_header():
    response = _client().get("/nowhere/", HTTP_X_REQUEST_ID="f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
    assert response["X-Request-ID"] != "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
