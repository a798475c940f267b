"""The shape of every JSON error: ``{"detail": <Chinese message>, "code": <machine code>,
"request_id": …}``, and the plain messages and the 500 of the API. The API's handlers
(api.errors), the error pages (web.error_pages) and the sign-in gates of web.security answer
with it; it lives here so that none of them imports another."""

import sys

from django.core.signals import got_request_exception
from django.http import HttpResponse, JsonResponse
from django.utils.log import log_response

from . import requestid

JSON = "application/json; charset=utf-8"

NOT_FOUND = "未找到。"
FORBIDDEN = "您没有执行此操作的权限。"
BAD_REQUEST = "请求无法处理：请求格式不正确。"
TOO_LARGE = "请求内容过大。"


def server_error_detail(request_id: str) -> str:
    return f"服务器内部错误：这次请求没有完成。如问题仍在，请将请求编号 {request_id} 告知系统管理员。"


def body(request, detail: str, code: str, **extra) -> dict:
    """The error body every API error has: the message, its code and the request id."""
    return {"detail": detail, "code": code, **extra, "request_id": requestid.of(request)}


def json_error(request, status: int, detail: str, code: str) -> HttpResponse:
    """An API error answered outside django-ninja (unknown path, an error in a middleware)."""
    return JsonResponse(body(request, detail, code), status=status, content_type=JSON,
                        json_dumps_params={"ensure_ascii": False})


def server_error(request, exc: BaseException | None = None) -> HttpResponse:
    """The 500 of the API. The traceback is logged (under the request id, see LOGGING) and
    the test client is told, as Django does for a page (``got_request_exception``)."""
    response = json_error(request, 500, server_error_detail(requestid.of(request)), "server_error")
    if exc is not None:
        log_response("Internal Server Error: %s", request.path, response=response, request=request, exception=exc)
        if sys.exc_info()[1] is exc:
            got_request_exception.send(sender=None, request=request)
    return response
