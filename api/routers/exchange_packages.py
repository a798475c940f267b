"""External exchange packages (外部交换包): export a sealed outgoing document as a signed
package, list the agency's packages, download one, import one from an agency outside
this deployment (verified: structure, file digests, the signer's registered key, the SM2
signature; a refused package is recorded with why)."""

from datetime import datetime
from urllib.parse import quote

from django.http import HttpResponse
from django.urls import reverse
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile

from exchange.models import Delivery, ExchangePackage
from exchange.packages import receipts as package_receipts
from exchange.packages import services as packages
from gongwen.errors import NotFound
from gongwen.uploads import read_upload

from ..common import ERRORS_READ, ERRORS_WRITE, PathId, caller, visible_document
from ..errors import error_responses

router = Router(tags=["外部交换包"])
# /exchange-packages/import is declared before /exchange-packages/{package_id}: the paths
# are matched in order.


class ExchangePackageOut(Schema):
    id: int
    direction: str = Field(description="export（导出）/ import（导入）")
    direction_display: str
    kind: str = Field(description="document（公文交换包）/ receipt（回执包）")
    status: str = Field(description="ok（有效）/ refused（已拒收）")
    status_display: str
    document_id: int | None = Field(description="公文（导出的发文，或导入后生成的收文）")
    delivery_id: int | None = Field(description="所属的系统外分发记录（导出时）")
    counterpart: str = Field(description="对方机关")
    name: str = Field(description="交换包文件名")
    size: int
    sha256: str
    signer: str = Field(description="签名方")
    key_fingerprint: str = Field(description="签名公钥指纹（SM3）")
    message: str = Field(description="说明；拒收时为拒收原因")
    by: str
    at: datetime
    download_url: str | None = Field(description="下载地址（拒收的包不保存内容，为空）")


class ExchangePackageDetailOut(ExchangePackageOut):
    metadata: dict = Field(description="公文元数据（GB/T 33480 元素名为键）及文件清单（回执包为空）")
    history: list[dict] = Field(description="发送机关的办理记录（回执包为空）")
    receipt: dict = Field(description="回执内容（回执类别、签收人、签收时间、收文编号等；公文交换包为空）")


class ExchangePackageExportIn(Schema):
    delivery_id: int | None = Field(None, ge=1, le=2**63 - 1,
                                    description="系统外分发记录；不填时若本件只有一条系统外分发则关联之")


class ExchangePackageFilter(Schema):
    direction: str | None = Field(None, pattern="^(export|import)$", description="export / import")
    status: str | None = Field(None, pattern="^(ok|refused)$", description="ok / refused")


def _out(package: ExchangePackage, *, detail: bool = False) -> dict:
    out = {
        "id": package.pk, "direction": package.direction, "direction_display": package.get_direction_display(),
        "kind": package.kind,
        "status": package.status, "status_display": package.get_status_display(),
        "document_id": package.document_id, "delivery_id": package.delivery_id, "counterpart": package.counterpart,
        "name": package.name, "size": package.size, "sha256": package.sha256, "signer": package.signer,
        "key_fingerprint": package.key_fingerprint, "message": package.message, "by": package.by.name,
        "at": package.at,
        "download_url": (reverse("api:exchange_package_download", args=[package.pk])
                         if package.storage_path else None),
    }
    if detail:
        contents = packages.contents(package)
        out.update(metadata=contents.get("metadata", {}), history=contents.get("history", []),
                   receipt=contents.get("receipt", {}))
    return out


@router.post("/documents/{document_id}/exchange-package",
             response={201: ExchangePackageDetailOut, **error_responses(*ERRORS_WRITE)},
             summary="导出外部交换包",
             description="本机关办公室人员将已编号用印的发文导出为外部交换包（ZIP：GB/T 33480 元数据、成品/正文/附件、"
                         "办理记录，用本机关启用电子印章的 SM2 密钥签名）。本件有系统外分发时关联该分发记录。"
                         "涉密公文、未用印的发文、没有登记密钥的印章时拒绝。")
def export_package(request, document_id: PathId, payload: ExchangePackageExportIn):
    me = caller(request)
    document = visible_document(me, document_id)
    delivery = None
    if payload.delivery_id is not None:
        delivery = Delivery.objects.filter(pk=payload.delivery_id, document=document).first()
        if delivery is None:
            raise NotFound("未找到该分发记录。")
    package = packages.export_package(document, me, delivery=delivery)
    return Status(201, _out(package, detail=True))


@router.post("/documents/{document_id}/receipt-package",
             response={201: ExchangePackageDetailOut, **error_responses(*ERRORS_WRITE)},
             summary="生成回执包",
             description="经外部交换包导入并已签收的收文，由本机关办公室人员生成回执包（已签收回执，用本机关电子印章密钥签名），"
                         "交付发文机关；发文机关通过“导入外部交换包”导入后登记该分发的回执。")
def export_receipt(request, document_id: PathId):
    me = caller(request)
    package = package_receipts.export_receipt(visible_document(me, document_id), me)
    return Status(201, _out(package, detail=True))


@router.get("/exchange-packages", response={200: list[ExchangePackageOut], **error_responses(*ERRORS_READ, 403)},
            summary="本机关的外部交换包", description="导出、导入和已拒收的交换包（新的在前），仅本机关办公室人员。")
def list_packages(request, filters: Query[ExchangePackageFilter]):
    qs = packages.visible_packages(caller(request))
    if filters.direction:
        qs = qs.filter(direction=filters.direction)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return [_out(p) for p in qs[:500]]


@router.post("/exchange-packages/import",
             response={201: ExchangePackageDetailOut, **error_responses(*ERRORS_WRITE, 413)},
             summary="导入外部交换包",
             description="multipart/form-data：file（交换包 ZIP）。核验结构、每个文件的 SHA-256、签名公钥是否为安全保密管理员"
                         "为发送机关登记的公钥、SM2 签名；通过后生成本机关收文并进入签收环节。未通过时记录为已拒收"
                         "并返回 400，detail 写明原因（签名无效、文件摘要不符、未登记的发送机关公钥等）。"
                         "回执包（含 receipt.json）同样由此导入，验证后登记对应系统外分发的回执。")
def import_package(request, file: File[UploadedFile]):
    me = caller(request)
    package = packages.import_package(me.agency, me, file.name or "", read_upload(file))
    return Status(201, _out(package, detail=True))


@router.get("/exchange-packages/{package_id}",
            response={200: ExchangePackageDetailOut, **error_responses(*ERRORS_READ, 403)},
            summary="外部交换包详情", description="交换包的元数据、文件清单和办理记录（拒收的包只有记录和原因）。")
def package_detail(request, package_id: PathId):
    return _out(packages.get_package(caller(request), package_id), detail=True)


@router.get("/exchange-packages/{package_id}/download", url_name="exchange_package_download",
            response=error_responses(*ERRORS_READ, 403), summary="下载外部交换包（读取时校验 SHA-256）",
            openapi_extra={"responses": {200: {"description": "交换包（ZIP）", "content": {
                "application/zip": {"schema": {"type": "string", "format": "binary"}}}}}})
def download_package(request, package_id: PathId):
    package, data = packages.package_data(caller(request), package_id)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = (f"attachment; filename=\"exchange-{package.pk}.zip\"; "
                                       f"filename*=UTF-8''{quote(package.name)}")
    response["X-Content-SHA256"] = package.sha256
    return response
