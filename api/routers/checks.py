"""The document checker (格式关, 文字关) as an API: POST /checks with the structured fields of
a draft (JSON) or a DOCX upload (multipart/form-data, field ``file``). Answers the findings,
each with its rule, place, severity (must 必须修改 / advise 建议修改), message and suggested
fix. Writes nothing. The subordinates for the routing rule are the caller's agency's
subordinate agencies plus any the caller names.
"""

import json

from ninja import Field, Router, Schema
from ninja.errors import ValidationError
from pydantic import ValidationError as PydanticError

from drafting.checks import MUST, check_docx, check_fields
from gongwen.errors import DomainError

from ..common import ERRORS_WRITE, caller
from ..errors import error_responses

router = Router(tags=["公文检查"])


class CheckFieldsIn(Schema):
    """The structured fields of a draft (发文稿纸)."""

    doc_type: str = Field("", description="文种，如 请示、报告、通知（空则按标题判断）")
    title: str = Field("", description="标题")
    main_to: str = Field("", description="主送机关（以全角冒号结束）")
    copy_to: str = Field("", description="抄送机关（以句号结束）")
    number: str = Field("", description="发文字号，如 示府办发〔2026〕7号")
    signer: str = Field("", description="签发人")
    secrecy: str = Field("", description="密级和保密期限，如 机密★5年（非涉密不填）")
    copy_number: str = Field("", description="份号，6位数字")
    date: str = Field("", description="成文日期，如 2026年3月8日")
    direction: str = Field("", description="行文方向：up 上行文 / down 下行文 / parallel 平行文")
    attachment_note: list[str] = Field([], description="附件说明，每行一项")
    attachments: int | None = Field(None, description="实际附件数（可不填）")
    body: list[str] = Field([], description="正文，按段落")
    subordinates: list[str] = Field([], description="下级机关名称（另加本机关的下级机关）")


class FindingOut(Schema):
    rule: str
    place: str
    severity: str = Field(description="must 必须修改 / advise 建议修改")
    severity_label: str
    message: str
    fix: str
    excerpt: str


class ChecksOut(Schema):
    findings: list[FindingOut]
    must: int = Field(description="必须修改的问题数")
    advise: int = Field(description="建议修改的问题数")


REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": CheckFieldsIn.model_json_schema()},
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary", "description": "DOCX 文件"},
            "doc_type": {"type": "string", "description": "文种（空则按标题判断）"},
            "direction": {"type": "string", "description": "行文方向 up / down / parallel"},
            "subordinates": {"type": "string", "description": "下级机关名称，以顿号或逗号分隔"},
        }}},
    },
}


def _subordinates(request, named) -> list[str]:
    agency = getattr(caller(request), "agency", None)
    own = list(agency.children.values_list("name", flat=True)) if agency is not None else []
    return own + [n for n in named if n]


@router.post("", response={200: ChecksOut, **error_responses(*ERRORS_WRITE)},
             summary="检查公文格式与文字（格式关、文字关）",
             description="JSON：发文稿纸的各项字段；或 multipart/form-data 上传 DOCX（字段 file）。"
                         "返回每处问题的规则、位置、严重程度、说明和修改建议；不保存任何内容。",
             openapi_extra={"requestBody": REQUEST_BODY})
def check(request):
    if (request.content_type or "").startswith("multipart/"):
        upload = request.FILES.get("file")
        if upload is None:
            raise DomainError("请上传要检查的 DOCX 文件（字段 file）。", code="no_file")
        named = [n.strip() for n in request.POST.get("subordinates", "").replace("，", "、").replace(",", "、").split("、")]
        findings = check_docx(upload.read(), _subordinates(request, named), doc_type=request.POST.get("doc_type", ""),
                              direction=request.POST.get("direction", ""))
    else:
        try:
            payload = CheckFieldsIn.model_validate(json.loads(request.body or b"{}"))
        except PydanticError as exc:
            raise ValidationError([{"loc": ["body", "payload", *e["loc"]], "type": e["type"], "msg": e["msg"]}
                                   for e in exc.errors()]) from exc
        except ValueError as exc:  # not JSON, or not UTF-8
            raise DomainError("请求内容不是有效的 JSON（UTF-8 编码）。", code="bad_json") from exc
        fields = payload.model_dump(exclude={"subordinates"})
        findings = check_fields(fields, _subordinates(request, payload.subordinates))
    must = sum(f.severity == MUST for f in findings)
    return {"findings": [f.as_dict() for f in findings], "must": must, "advise": len(findings) - must}
