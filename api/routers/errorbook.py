"""The error book (错题本, C14): entries with filters, the weekly report as JSON and
recording a correction found in review (审核纠错). The same scope as the page
(supervision.errorbook.services.visible_entries): office staff, supervisors and leaders read
their agency's book, a division head their unit's entries, nobody else."""

from datetime import date, datetime

from ninja import Field, Query, Router, Schema, Status

from documents.access import get_visible
from supervision.errorbook import services as errorbook
from supervision.models import ErrorRecord

from ..common import ERRORS_READ, ERRORS_WRITE, PathId, caller, page, unit_ref
from ..errors import error_responses
from ..schemas import Id, InSchema, Page, Paging, Ref, ref

router = Router(tags=["错题本"])

CATEGORY_HELP = "差错类别：程序 / 格式 / 文字 / 内容 / 时效"


class EntryFilterIn(InSchema):
    week: date | None = Field(None, description="该日期所在的自然周（星期一至星期日）；与 date_from/date_to 二选一")
    date_from: date | None = Field(None, description="记录日期自（含）")
    date_to: date | None = Field(None, description="记录日期至（含）")
    category: str = Field("", max_length=10, description=CATEGORY_HELP)
    source: str = Field("", max_length=10, description="来源：return（退回）/ reject（退文）/ review（审核纠错）")
    unit_id: Id | None = Field(None, description="责任单位（处室）")
    agency_at_fault_id: Id | None = Field(None, description="责任机关（退文的来文单位）")
    document_id: Id | None = None


class EntryDocumentOut(Schema):
    id: int
    title: str | None = Field(description="公文标题；调用者无权查看该公文时为空")


class EntryOut(Schema):
    id: int
    source: str
    source_label: str
    category: str
    unit_at_fault: Ref | None
    agency_at_fault: Ref | None
    fault: str = Field(description="责任单位或来文单位的名称")
    document: EntryDocumentOut | None
    task_id: int | None
    description: str
    recorded_by: Ref
    recorded_at: datetime


class EntryPage(Page):
    items: list[EntryOut]


class ReportRowOut(Schema):
    key: str = Field(description="u<处室编号>、a<机关编号>（来文单位）或 none")
    label: str
    kind: str
    counts: dict[str, int] = Field(description="按差错类别的条数")
    total: int


class WeeklyReportOut(Schema):
    agency: Ref
    monday: date
    sunday: date
    categories: list[str]
    rows: list[ReportRowOut]
    column_totals: dict[str, int]
    total: int
    by_source: dict[str, int] = Field(description="return / reject / review 的条数")
    unit_only: bool = Field(description="处室负责人只看到本处室的差错")
    entries: list[EntryOut]


class WeekIn(InSchema):
    week: date | None = Field(None, description="该日期所在的自然周（星期一至星期日），默认本周")


class CorrectionIn(InSchema):
    document_id: Id
    error_category: str = Field(max_length=10, description=CATEGORY_HELP)
    unit_at_fault_id: Id = Field(description="责任单位（本机关的处室）")
    description: str = Field(max_length=500, description="发现的差错")


def _entry(record: ErrorRecord, shown: set[int]) -> dict:
    document = None
    if record.document_id:
        document = {"id": record.document_id,
                    "title": record.document.title if record.document_id in shown else None}
    return {
        "id": record.pk, "source": record.source, "source_label": record.get_source_display(),
        "category": record.category, "unit_at_fault": ref(record.unit_at_fault),
        "agency_at_fault": ref(record.agency_at_fault), "fault": errorbook.fault_label(record),
        "document": document, "task_id": record.task_id, "description": record.description,
        "recorded_by": ref(record.recorded_by), "recorded_at": record.recorded_at,
    }


@router.get("/entries", response={200: EntryPage, **error_responses(401, 403, 422)}, summary="错题本条目",
            description="按周、日期、差错类别、来源、责任单位或公文筛选，新的在前。")
def list_entries(request, filters: Query[EntryFilterIn], paging: Query[Paging]):
    me = caller(request)
    errorbook.require_book(me)
    f = filters.dict()
    week = f.pop("week")
    if week is not None:
        whole_week = errorbook.EntryFilter.for_week(errorbook.week_start(week))
        f["date_from"], f["date_to"] = whole_week.date_from, whole_week.date_to
    result = page(errorbook.entries(me, errorbook.EntryFilter(**f)), paging)
    shown = errorbook.shown_document_ids(me, result["items"])
    result["items"] = [_entry(r, shown) for r in result["items"]]
    return result


@router.get("/weekly", response={200: WeeklyReportOut, **error_responses(401, 403, 422)}, summary="错题本周报",
            description="一周（星期一至星期日，按自然周，节假日不影响起止）内按差错类别和责任单位汇总的交叉表及明细。")
def weekly(request, query: Query[WeekIn]):
    report = errorbook.weekly_report(caller(request), query.week)
    categories = report.categories
    return {
        "agency": ref(report.agency), "monday": report.monday, "sunday": report.sunday, "categories": categories,
        "rows": [{"key": r.key, "label": r.label, "kind": r.kind, "counts": dict(r.cells), "total": r.total}
                 for r in report.rows],
        "column_totals": dict(zip(categories, report.column_totals, strict=True)), "total": report.total,
        "by_source": report.by_source, "unit_only": report.unit_only,
        "entries": [_entry(r, report.shown_documents) for r in report.entries],
    }


@router.get("/documents/{document_id}", response={200: list[EntryOut], **error_responses(*ERRORS_READ)},
            summary="一件公文的错题本条目", description="与公文页面的“错题本”栏相同：能查看该公文的人可见。")
def document_entries(request, document_id: PathId):
    document = get_visible(caller(request), document_id)
    return [_entry(r, {document.pk}) for r in errorbook.document_entries(document)]


@router.post("/corrections", response={201: EntryOut, **error_responses(*ERRORS_WRITE)}, summary="记录审核纠错",
             description="办理过本件的人员、办公室人员或督查员记录审核中发现的差错，须选择差错类别和责任单位。")
def record_correction(request, payload: CorrectionIn):
    me = caller(request)
    document = get_visible(me, payload.document_id)
    record = errorbook.record_correction(document, actor=me, category=payload.error_category,
                                         unit_at_fault=unit_ref(payload.unit_at_fault_id, "责任单位"),
                                         description=payload.description)
    return Status(201, _entry(record, {document.pk}))
