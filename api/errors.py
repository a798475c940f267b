"""Errors as JSON: ``{"detail": <Chinese message>, "code": <machine code>, "request_id": …}``.

Domain refusals keep the status their class gives them (400, 403, 404, 409); request
data that does not parse is 422 with a Chinese sentence per field; a missing or invalid
credential is 401; an unknown path under /api/ is 404 and a method the path does not
take 405, both as JSON. Anything else that goes wrong in an endpoint is a 500 whose body
says only that, with the request id (请求编号) the user gives the help desk: the
traceback goes to the log under that id, never into the response. Nothing else about the
request is echoed back.
"""


from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from pydantic import Field

from gongwen import requestid
from gongwen.errors import DomainError
from gongwen.json_errors import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    TOO_LARGE,
    body,
    json_error,
    server_error,
    server_error_detail,
)


class ErrorOut(Schema):
    detail: str
    code: str
    request_id: str = Field(description="请求编号：向系统管理员报告问题时请提供（亦见响应头 X-Request-ID）")


class FieldErrorOut(Schema):
    loc: list[str | int]
    type: str
    msg: str


class ValidationErrorOut(ErrorOut):
    errors: list[FieldErrorOut]


def error_responses(*codes: int) -> dict:
    """The error part of an operation's ``response=`` mapping, for the OpenAPI schema."""
    return {code: (ValidationErrorOut if code == 422 else ErrorOut) for code in codes}


# Labels of the fields most often wrong, so the message names them as the pages do.
FIELD_LABELS = {
    "title": "标题", "doc_type": "文种", "slip_kind": "处理笺", "sender_id": "来文机关", "sender_name": "来文机关名称",
    "doc_number": "来文字号", "copy_number": "份号", "secrecy": "密级", "secrecy_term": "保密期限", "urgency": "紧急程度",
    "issued_on": "成文日期", "received_at": "收文时间", "pages": "页数", "copies": "份数",
    "sender_deadline": "办理时限", "addressed_to_id": "直送领导", "leader_id": "领导", "opinion": "意见",
    "reason": "理由", "decision": "意见选择", "limit": "每页条数", "offset": "起始位置", "name": "名称",
    "short_name": "简称", "kind": "类别", "code": "机关代字", "agency_id": "机关", "unit_id": "处室",
    "username": "登录名", "password": "密码", "person_id": "人员", "starts_at": "开始时间", "ends_at": "结束时间",
    "text": "CSV 内容", "file": "文件", "role": "类别", "replaces": "被替换的文件", "reader_ids": "传阅人",
    "person_ids": "人员", "unit_ids": "处室", "to_person_id": "接收人", "handler_id": "承办人",
    "to_activation_id": "退回环节", "next_assignee_ids": "下一环节办理人", "lead_unit_id": "主办单位",
    "error_category": "差错类别", "unit_at_fault_id": "责任单位",
    "assist_unit_ids": "协办单位", "resolution": "分歧处理意见", "clearance": "涉密等级",
    "is_active": "在岗", "nodes": "环节", "document_id": "公文编号", "task_id": "待办编号", "version_id": "文件版本编号",
    "post_id": "岗位编号", "delegation_id": "委托编号", "token_id": "令牌编号", "template_id": "模板编号",
    "start": "开始时间", "end": "结束时间", "at": "时间", "due_at": "办理时限", "new_due_at": "新时限",
    "instructed_at": "批示时间",
}

KIND_LABELS = {
    "int": "整数", "float": "数字", "bool": "是或否（true/false）", "datetime": "日期时间（如 2026-03-08T09:00:00+08:00）",
    "date": "日期（如 2026-03-08）", "string": "文字", "list": "列表", "dict": "对象", "model": "对象",
}

LOCATIONS = {"body", "query", "path", "form", "file", "header", "cookie"}
PARAMETER_NAMES = {"payload", "filters", "paging"}


def _field(loc) -> tuple[list, str]:
    parts = list(loc)
    if parts and parts[0] in LOCATIONS:
        parts = parts[1:]
    if parts and parts[0] in PARAMETER_NAMES:
        parts = parts[1:]
    names = [p for p in parts if isinstance(p, str)]
    if not names:
        return parts, "请求内容"
    label = FIELD_LABELS.get(names[-1], names[-1])
    index = next((p for p in reversed(parts) if isinstance(p, int)), None)
    return parts, f"{label}（第 {index + 1} 项）" if index is not None else label


def _message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "缺少必填项"
    if kind == "json_invalid":
        return "不是有效的 JSON"
    if kind == "control_characters":
        return "含有不可见的控制字符（如 NUL），请删除后重试"
    if kind == "time_out_of_range":
        return "超出可接受的时间范围（1900年至2100年）"
    if kind == "extra_forbidden":
        return "不是可接受的字段"
    if kind in ("greater_than_equal", "greater_than"):
        return f"不能小于{ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于{ctx.get('le', ctx.get('lt'))}"
    if kind == "string_too_long":
        return f"过长（不超过 {ctx.get('max_length')} 字）"
    if kind == "string_too_short":
        return f"过短（至少 {ctx.get('min_length')} 字）"
    if kind in ("too_long", "too_short"):
        return "项数不符合要求"
    if kind in ("literal_error", "enum"):
        return f"取值无效，应为：{ctx.get('expected', '')}"
    for prefix, label in KIND_LABELS.items():
        if kind.startswith(prefix):
            return f"格式不正确，应为{label}"
    if kind.startswith("value_error"):
        return "取值无效"
    return "格式不正确"


def validation_payload(errors: list[dict]) -> dict:
    items, sentences = [], []
    for error in errors:
        loc, label = _field(error.get("loc", ()))
        msg = _message(error)
        sentences.append(f"{label}{msg}")
        items.append({"loc": [p if isinstance(p, int) else str(p) for p in loc], "type": error.get("type", ""),
                      "msg": msg})
    return {"detail": "请求数据有误：" + "；".join(sentences) + "。", "code": "invalid", "errors": items}


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# Statuses an answer outside the API's own handlers may have, in Chinese.
PLAIN_MESSAGES = {400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND, 405: "不支持该请求方法。", 413: TOO_LARGE}


class JsonApiErrorsMiddleware:
    """Under /api/, an error answered without JSON — django-ninja's 405 for a method the
    path does not take, a refusal from a middleware — is given the JSON error shape, so
    that a client never has to parse HTML or plain text. The Allow header stays."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code < 400 or not request.path_info.startswith("/api/") or response.streaming
                or response.get("Content-Type", "").startswith("application/json")):
            return response
        status = response.status_code
        replaced = json_error(request, status, PLAIN_MESSAGES.get(status, "请求无法处理。") if status < 500 else
                              server_error_detail(requestid.of(request)), f"http_{status}" if status < 500 else
                              "server_error")
        for header in ("Allow", "WWW-Authenticate", "Retry-After"):
            if header in response:
                replaced[header] = response[header]
        return replaced


def install(api: NinjaAPI) -> None:
    def respond(request, status: int, detail: str, code: str, **extra):
        return api.create_response(request, body(request, detail, code, **extra), status=status)

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return respond(request, exc.status_code, exc.message, exc.code)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        payload = validation_payload(exc.errors)
        return respond(request, 422, payload.pop("detail"), payload.pop("code"), **payload)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        # A known token that no longer authenticates says why (api.auth.TokenRefused).
        response = respond(request, 401, getattr(exc, "detail", None)
                           or "请先登录，或在 Authorization 请求头中提供有效的访问令牌（Bearer）。",
                           getattr(exc, "code", None) or "unauthenticated")
        response["WWW-Authenticate"] = 'Bearer realm="gongwen"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        messages = {400: "请求无法解析：请求体应为有效的 JSON（上传文件时为 multipart/form-data）。",
                    **{k: v for k, v in PLAIN_MESSAGES.items() if k != 400}}
        detail = str(exc) if _chinese(str(exc)) else messages.get(exc.status_code, "请求无法处理。")
        return respond(request, exc.status_code, detail, f"http_{exc.status_code}")

    # Django's own exceptions, raised inside an endpoint or while its request is read: the
    # status Django would give them, never a 500.
    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, NOT_FOUND, "not_found")

    @api.exception_handler(DjangoPermissionDenied)
    def forbidden(request, exc):
        return respond(request, 403, str(exc) if _chinese(str(exc)) else FORBIDDEN, "forbidden")

    @api.exception_handler(RequestDataTooBig)
    def too_large(request, exc):
        return respond(request, 413, TOO_LARGE, "http_413")

    @api.exception_handler(SuspiciousOperation)
    @api.exception_handler(BadRequest)
    def bad_request(request, exc):
        return respond(request, 400, BAD_REQUEST, "bad_request")

    @api.exception_handler(Exception)
    def unexpected(request, exc):
        return server_error(request, exc)
