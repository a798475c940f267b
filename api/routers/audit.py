"""The audit log (安全审计日志), for the security auditor only: events with Chinese labels and
filters, 完整性校验 (the chain and the signed checkpoints outside the database), writing a
checkpoint on demand, and exporting the checkpoint file and the public key."""

from datetime import date

from django.http import FileResponse
from ninja import Field, Query, Router, Schema, Status

from audit import checkpoints, selectors
from audit.labels import annotate
from audit.verification import verify_audit
from gongwen.errors import NotFound
from org.access import require_read_audit

from ..common import caller
from ..errors import error_responses
from ..schemas import AuditEventOut, InSchema, Page, Paging, VerifyOut

router = Router(tags=["安全审计"])


class AuditEventsIn(InSchema):
    q: str = Field("", max_length=60, description="关键词：操作（代码或中文名称）、操作人、对象类型或对象ID")
    actor: str = Field("", max_length=100, description="操作人姓名（包含）")
    action: str = Field("", max_length=60, description="操作代码（如 flow.send_on），或操作类别（如 flow：全部公文流转操作）")
    target_type: str = Field("", max_length=60, description="对象类型（如 Document）")
    date_from: date | None = None
    date_to: date | None = None


class ChangeOut(Schema):
    field: str = Field(description="字段代码")
    label: str = Field(description="字段名称")
    old: str | None = Field(description="原值（文字）；无原值时为空")
    new: str | None = Field(description="新值（文字）；无新值时为空")


class LabelledEventOut(AuditEventOut):
    action_label: str = Field(description="操作（中文）")
    group_label: str = Field(description="操作类别（中文）")
    target_type_label: str = Field(description="对象类型（中文）")
    target_label: str = Field(description="对象（中文类型与编号）")
    changes: list[ChangeOut] = Field(description="原值与新值，逐项译为中文")


class LabelledAuditPage(Page):
    items: list[LabelledEventOut]


class CheckpointOut(Schema):
    seq: int = Field(description="检查点覆盖的事件数（最新事件的序号）")
    hash: str = Field(description="最新事件的哈希")
    at: str = Field(description="写入时间")
    by: str = Field(description="写入者")
    key: str = Field(description="签名公钥的 SM3 指纹")
    signature: str = Field(description="SM2 签名（r‖s，十六进制）")


class AuditVerifyOut(VerifyOut):
    problems: list[str] = Field(description="发现的问题（断链、截断、被改动或伪造的检查点）")
    notes: list[str] = Field(description="说明（检查点覆盖范围、保存期限）")
    checkpoints: int = Field(description="签名有效的检查点个数")
    newest_checkpoint: CheckpointOut | None
    retention_days: int = Field(description="审计事件至少保存的天数")


class PublicKeyOut(Schema):
    algorithm: str
    public_key: str = Field(description="SM2 公钥（04‖x‖y，十六进制）")
    fingerprint: str = Field(description="公钥的 SM3 指纹")


def _change(c) -> dict:
    return {"field": c.key, "label": c.label, "old": c.old, "new": c.new}


@router.get("/events", response={200: LabelledAuditPage, **error_responses(401, 403, 422)},
            summary="审计日志（安全审计员）")
def events(request, filters: Query[AuditEventsIn], paging: Query[Paging]):
    require_read_audit(caller(request))
    qs = selectors.events(selectors.AuditFilter(
        q=filters.q.strip(), actor=filters.actor.strip(), action=filters.action.strip(),
        target_type=filters.target_type.strip(), date_from=filters.date_from, date_to=filters.date_to))
    items = annotate(qs[paging.offset:paging.offset + paging.limit])
    for e in items:
        e.changes = [_change(c) for c in e.changes]
    return {"total": qs.count(), "limit": paging.limit, "offset": paging.offset, "items": items}


@router.post("/verify", response={200: AuditVerifyOut, **error_responses(401, 403)},
             summary="完整性校验（安全审计员）",
             description="逐条核对哈希链，再核对每个检查点的签名，并确认审计日志仍含检查点记录的事件；"
                         "报告第一处被改动或删除的记录、被截断的范围和被改动或伪造的检查点。")
def verify(request):
    require_read_audit(caller(request))
    report = verify_audit()
    return {"ok": report.ok, "message": report.message, "count": report.count, "problems": report.problems,
            "notes": report.notes, "checkpoints": report.checkpoints, "newest_checkpoint": report.newest,
            "retention_days": report.retention_days}


@router.post("/checkpoints", response={201: CheckpointOut, **error_responses(401, 403)},
             summary="写入审计检查点（安全审计员）",
             description="以本部署的 SM2 审计签名密钥签名当前的事件数与最新哈希，追加到数据库之外的检查点文件。")
def checkpoint(request):
    return Status(201, checkpoints.write_checkpoint(actor=caller(request)))


@router.get("/checkpoints", response=error_responses(401, 403, 404), summary="导出检查点文件（安全审计员）",
            openapi_extra={"responses": {200: {"description": "检查点文件（每行一个 JSON 检查点）", "content": {
                "application/x-ndjson": {"schema": {"type": "string", "format": "binary"}}}}}})
def export_checkpoints(request):
    path = checkpoints.exported_log(actor=caller(request))
    if path is None:
        raise NotFound("尚无审计检查点。", code="no_checkpoints")
    response = FileResponse(path.open("rb"), content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="checkpoints.log"'
    return response


@router.get("/public_key", response={200: PublicKeyOut, **error_responses(401, 403)},
            summary="审计签名公钥（安全审计员）", description="用于在系统之外核对导出的检查点文件。")
def public_key(request):
    key = checkpoints.exported_public_key(actor=caller(request))
    return {"algorithm": "SM2", "public_key": key.public, "fingerprint": key.fingerprint}

