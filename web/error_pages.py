"""The error pages (400/403/404/500 and the CSRF refusal), in Chinese, each with the
request id (请求编号) the user reads out to the help desk.

Django's own handlers render with the request, which runs every context processor — the
navigation queries the database — so a 404 could itself fail and the 500 page could not
be shown while the database is down. These render with the request id alone, from a base
that needs nothing (error_base.html), and the 500 page falls back to fixed HTML if even
that fails. Under /api/ they answer in the API's JSON error shape instead (api.errors).

With DEBUG off (the default) nobody sees a URL list, settings or a traceback; the
traceback is logged under the request id.
"""

from __future__ import annotations

import logging

from django.http import HttpResponse
from django.template import loader
from django.utils.html import escape

from gongwen import json_errors, requestid

logger = logging.getLogger(__name__)

# The last resort when the template cannot be rendered (a broken storage manifest, a
# template error): plain HTML, no static files, no template engine.
FALLBACK = (
    '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>{heading} · 电子公文处理系统</title></head><body>"
    "<h1>{heading}</h1><p>如需帮助，请将请求编号告知系统管理员。</p>"
    "<p>请求编号：<strong>{request_id}</strong></p><p><a href=\"/\">返回工作台</a></p></body></html>"
)
HEADINGS = {400: "请求无法处理", 403: "无权访问", 404: "未找到", 500: "服务器内部错误"}


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _chinese(text: str) -> str:
    """A message fit to show: the view's own Chinese sentence, never an English internal one."""
    return text if any("\u4e00" <= ch <= "\u9fff" for ch in text) else ""


def _page(request, template: str, status: int, **context) -> HttpResponse:
    rid = requestid.of(request)
    try:
        html = loader.get_template(template).render({"request_id": rid, **context})
    except Exception:  # an error page must never fail in its turn
        logger.exception("error page %s could not be rendered", template)
        html = FALLBACK.format(heading=HEADINGS.get(status, "出错了"), request_id=escape(rid))
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


def bad_request(request, exception=None, template_name="400.html", message=""):
    """handler400; also for a middleware that refuses a request with its own ``message``."""
    if _is_api(request):
        return json_errors.json_error(request, 400, message or json_errors.BAD_REQUEST, "bad_request")
    return _page(request, template_name, 400, message=message)


def permission_denied(request, exception=None, template_name="403.html"):
    message = _chinese(str(exception or ""))
    if _is_api(request):
        return json_errors.json_error(request, 403, message or json_errors.FORBIDDEN, "forbidden")
    return _page(request, template_name, 403, message=message)


def page_not_found(request, exception=None, template_name="404.html"):
    # The same page whatever the exception says: a document the user may not see is
    # answered exactly as one that does not exist.
    if _is_api(request):
        return json_errors.json_error(request, 404, json_errors.NOT_FOUND, "not_found")
    return _page(request, template_name, 404)


def server_error(request, template_name="500.html"):
    if _is_api(request):
        return json_errors.server_error(request)
    return _page(request, template_name, 500)


def csrf_failure(request, reason="", template_name="403.html"):
    """CSRF_FAILURE_VIEW: an expired form or a page opened from elsewhere, in Chinese."""
    message = "页面已过期或来源无法验证（CSRF 校验失败），操作未执行。请返回上一页，刷新后重新提交。"
    if _is_api(request):
        return json_errors.json_error(request, 403, message, "csrf")
    return _page(request, template_name, 403, message=message)
