"""Archive (归档): documents waiting to be filed with the not-to-file flags of 国家档案局令第8号,
filing an item (件) with its 档号 and archived PDF (归档章 on the first page), the catalogue
(归档文件目录), the retention schedule (保管期限表) and the yearly archive package."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import quote

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from archive import services
from archive.models import Retention, YearPackage
from documents.models import Document
from gongwen.errors import DomainError, NotFound

from ..common import ERRORS_READ, ERRORS_WRITE, PathId, caller, unit_ref
from ..errors import error_responses
from ..schemas import Id, InSchema, Ref, ref

router = Router(tags=["归档"])

RETENTION_HELP = "保管期限：Y 永久，D30 定期30年，D10 定期10年"


# --- schemas -----------------------------------------------------------------------------------


class ArchiveCandidateOut(Schema):
    document_id: int
    title: str
    doc_number: str
    direction: str
    doc_type: str
    date: date | None
    secrecy: str
    retention: str = Field(description=f"按保管期限表确定的{RETENTION_HELP}")
    retention_rule: str = Field(description="所依据的保管期限表条目")
    not_to_file: list[str] = Field(description="依国家档案局令第8号不归档的提示（空为应归档）")
    forwarded_document_id: int | None = Field(description="转报的原件（归档时同归一件）")


class ArchiveFileIn(InSchema):
    document_ids: list[Id] = Field(min_length=1, max_length=50, description="组成一件的公文，第一份为主件")
    retention: str | None = Field(None, description=f"{RETENTION_HELP}；不填按保管期限表")
    unit_id: Id | None = Field(None, description="机构（处室）；不填按主件的主办单位")
    override_reason: str = Field("", max_length=300, description="有不归档提示仍归档的理由（有提示时必填）")
    remarks: str = Field("", max_length=200, description="备注")


class ArchiveItemOut(Schema):
    id: int
    archive_code: str = Field(description="档号")
    fonds_code: str = Field(description="全宗号")
    category_code: str = Field(description="门类代码")
    year: int = Field(description="年度")
    retention: str = Field(description=RETENTION_HELP)
    unit_code: str = Field(description="机构代码")
    seq: int = Field(description="件号")
    doc_number: str = Field(description="文号（无权查看的涉密件为空）")
    responsible: str = Field(description="责任者")
    title: str = Field(description="题名（无权查看的涉密件不显示）")
    date: date | None
    secrecy: str = Field(description="密级")
    pages: int = Field(description="页数")
    remarks: str = Field(description="备注")
    metadata_only: bool = Field(description="涉密件仅登记元数据，无电子文件")
    pdf_sha256: str = Field(description="归档 PDF 的 SHA-256")
    override_reason: str
    filed_by: Ref
    filed_at: datetime
    document_ids: list[int] = Field(description="组成文件（可见的）")


class ArchiveRuleIO(InSchema):
    name: str = Field(max_length=100, description="条目")
    direction: str = Field("", description="收发类别：incoming/outgoing/memo，空为不限")
    doc_types: str = Field("", max_length=100, description="文种，空格分隔，空为不限")
    keywords: str = Field("", max_length=200, description="题名关键词，空格分隔，空为不限")
    important_only: bool = Field(False, description="仅重要或政策性文件")
    retention: str = Field(description=RETENTION_HELP)


class ArchiveScheduleIn(InSchema):
    rows: list[ArchiveRuleIO] = Field(min_length=1, max_length=100,
                                      description="按顺序比对；最后一条须为不设条件的兜底条目")


class ArchivePackageIn(InSchema):
    year: int = Field(ge=1949, le=9999, description="年度")


class ArchivePackageOut(Schema):
    id: int
    year: int
    status: str = Field(description="pending 排队中 / running 生成中 / done 已完成 / failed 失败")
    progress: int
    item_count: int
    size: int
    sha256: str
    error: str
    requested_by: Ref
    requested_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_requested_by(obj):
        return ref(obj.requested_by)


class ArchiveYearIn(InSchema):
    year: int | None = Field(None, ge=1949, le=9999, description="年度，缺省为今年")
    retention: str | None = Field(None, description=RETENTION_HELP)


def _year(value):
    from django.utils import timezone

    return value or timezone.localdate().year


def _item_out(row: services.Row) -> dict:
    i = row.item
    return {"id": i.pk, "archive_code": i.archive_code, "fonds_code": i.fonds_code, "category_code": i.category_code,
            "year": i.year, "retention": i.retention, "unit_code": i.unit_code, "seq": i.seq,
            "doc_number": i.doc_number if row.can_see else "", "responsible": i.responsible, "title": row.title,
            "date": i.date, "secrecy": i.secrecy, "pages": i.pages, "remarks": i.remarks,
            "metadata_only": i.metadata_only, "pdf_sha256": i.pdf_sha256 if row.can_see else "",
            "override_reason": i.override_reason, "filed_by": ref(i.filed_by), "filed_at": i.filed_at,
            "document_ids": list(i.members.values_list("document_id", flat=True)) if row.can_see else []}


# --- endpoints ---------------------------------------------------------------------------------


@router.get("/archive/candidates", response={200: list[ArchiveCandidateOut], **error_responses(400, 401, 403, 422)},
            summary="待归档", description="本机关该年度已办结、尚未归档的公文（档案员），附不归档提示和按保管期限表确定的保管期限。")
def candidates(request, filters: Query[ArchiveYearIn]):
    me = caller(request)
    out = []
    for c in services.candidates(me, me.agency, _year(filters.year)):
        d = c.document
        out.append({"document_id": d.pk, "title": d.title, "doc_number": d.doc_number, "direction": d.direction,
                    "doc_type": d.doc_type, "date": services.doc_date(d), "secrecy": d.secrecy,
                    "retention": c.retention, "retention_rule": c.rule, "not_to_file": c.flags,
                    "forwarded_document_id": d.forwarded_from_id})
    return out


@router.post("/archive/items", response={201: ArchiveItemOut, **error_responses(*ERRORS_WRITE)}, summary="归档（组成一件）",
             description="档案员将已办结的公文组成一件归档：生成档号，合成归档 PDF（首页右上角加归档章，后附处理笺或发文稿纸），"
                         "记录 SHA-256。未办结、已归档、退文、非档案员一律拒绝；有不归档提示的须填写理由。涉密件仅登记元数据。")
def file_item(request, payload: ArchiveFileIn):
    me = caller(request)
    ids = list(dict.fromkeys(payload.document_ids))
    # Whether the caller files at all is decided before any id is looked at; then a document
    # of another agency is as missing as one that does not exist (the service checks the
    # rest of what the archivist may name).
    services.require_archivist(me, me.agency)
    docs = {d.pk: d for d in Document.objects.filter(pk__in=ids, agency_id=me.agency_id).select_related("agency")}
    if len(docs) != len(ids):
        raise NotFound()
    unit = unit_ref(payload.unit_id)
    item = services.file_item(actor=me, documents=[docs[i] for i in ids], retention=payload.retention or None,
                              unit=unit, override_reason=payload.override_reason, remarks=payload.remarks)
    return Status(201, _item_out(services.Row(item, item.title, True)))


@router.get("/archive/items", response={200: list[ArchiveItemOut], **error_responses(400, 401, 403, 422)},
            summary="归档文件目录", description="本机关该年度的归档文件（按保管期限、机构、件号排列）；档案员和办公室人员可查。"
                                           "涉密件的题名、文号只对有权查看该件的人显示。")
def catalogue(request, filters: Query[ArchiveYearIn]):
    me = caller(request)
    if filters.retention and filters.retention not in Retention.values:
        raise DomainError("保管期限无效：只能是 Y、D30 或 D10。")
    return [_item_out(r) for r in services.catalogue(me, me.agency, _year(filters.year), filters.retention)]


@router.get("/archive/items/{item_id}", response={200: ArchiveItemOut, **error_responses(*ERRORS_READ)},
            summary="归档文件")
def item(request, item_id: PathId):
    me = caller(request)
    obj = services.item_for(me, item_id)
    row = next((r for r in services.catalogue(me, me.agency, obj.year) if r.item.pk == obj.pk), None)
    if row is None:
        raise NotFound("未找到该归档文件或您无权查看。")
    return _item_out(row)


@router.get("/archive/items/{item_id}/pdf", response=error_responses(*ERRORS_READ), summary="下载归档 PDF（含归档章）",
            openapi_extra={"responses": {200: {"description": "归档 PDF", "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def item_pdf(request, item_id: PathId):
    me = caller(request)
    obj = services.item_for(me, item_id)
    data = services.read_item_pdf(me, obj)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(obj.archive_code)}.pdf"
    response["X-Content-SHA256"] = obj.pdf_sha256
    return response


@router.get("/archive/retention-schedule", response={200: list[ArchiveRuleIO], **error_responses(401, 403, 422)},
            summary="保管期限表")
def get_schedule(request):
    me = caller(request)
    if not (services.can_read_catalogue(me) or services.can_edit_schedule(me, me.agency_id)):
        from gongwen.errors import PermissionDenied

        raise PermissionDenied("只有档案员、办公室人员和系统管理员可以查看保管期限表。")
    return list(services.schedule(me.agency))


@router.put("/archive/retention-schedule", response={200: list[ArchiveRuleIO], **error_responses(*ERRORS_WRITE)},
            summary="修改保管期限表", description="整表替换（本机关档案员或系统管理员）。")
def put_schedule(request, payload: ArchiveScheduleIn):
    me = caller(request)
    rows = [services.RuleData(name=r.name, retention=r.retention, direction=r.direction, doc_types=r.doc_types,
                              keywords=r.keywords, important_only=r.important_only) for r in payload.rows]
    return services.save_schedule(actor=me, agency=me.agency, rows=rows)


@router.get("/archive/packages", response={200: list[ArchivePackageOut], **error_responses(401, 403, 422)},
            summary="年度归档包")
def packages(request):
    me = caller(request)
    return list(services.packages(me, me.agency)[:100])


@router.post("/archive/packages", response={201: ArchivePackageOut, **error_responses(*ERRORS_WRITE)},
             summary="生成年度归档包", description="档案员生成本机关该年度的归档包（ZIP：各件归档 PDF、处理笺、metadata.json、"
                                            "归档文件目录 Excel、manifest.json），以 SHA-256 存储。")
def make_package(request, payload: ArchivePackageIn):
    me = caller(request)
    return Status(201, services.make_package(actor=me, agency=me.agency, year=payload.year))


@router.get("/archive/packages/{package_id}/download", response=error_responses(*ERRORS_READ, 400, 403),
            summary="下载年度归档包", openapi_extra={"responses": {200: {"description": "ZIP", "content": {
                "application/zip": {"schema": {"type": "string", "format": "binary"}}}}}})
def download_package(request, package_id: PathId):
    me = caller(request)
    package = YearPackage.objects.filter(pk=package_id, agency_id=me.agency_id).select_related("agency").first()
    if package is None:
        raise NotFound("未找到该归档包。")
    data = services.read_package(me, package)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(package.filename)}"
    response["X-Content-SHA256"] = package.sha256
    return response
