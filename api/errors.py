"""Errors as JSON: ``{"detail": <Chinese message>, "code": <machine code>}``.

Domain refusals keep the status their class gives them (400, 403, 404, 409); request
data that does not parse is 422 with a Chinese sentence per field; a missing or invalid
credential is 401. Nothing else about the request is echoed back.
"""

from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from gongwen.errors import DomainError


class ErrorOut(Schema):
    detail: str
    code: str


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


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return api.create_response(request, {"detail": exc.message, "code": exc.code}, status=exc.status_code)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        return api.create_response(request, validation_payload(exc.errors), status=422)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        response = api.create_response(
            request, {"detail": "请先登录，或在 Authorization 请求头中提供有效的访问令牌（Bearer）。",
                      "code": "unauthenticated"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="gongwen"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        messages = {400: "请求无法解析：请求体应为有效的 JSON（上传文件时为 multipart/form-data）。", 404: "未找到。", 405: "不支持该请求方法。", 413: "请求内容过大。"}
        detail = str(exc) if any("\u4e00" <= ch <= "\u9fff" for ch in str(exc)) else messages.get(
            exc.status_code, "请求无法处理。")
        return api.create_response(request, {"detail": detail, "code": f"http_{exc.status_code}"},
                                   status=exc.status_code)
