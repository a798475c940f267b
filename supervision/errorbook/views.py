"""Pages of the error book (错题本, C14): the weekly report of the agency (a cross table
by party at fault × category, with the entries), its Excel export and print layout, and
the 记录审核纠错 form of the document page. Thin: parse, call one service or selector,
render."""

from datetime import date

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from gongwen.errors import DomainError
from org.models import Unit
from ui.dates import cn_date, cn_datetime
from ui.excel import Sheet, xlsx_response
from ui.views import person_required, run_service, visible_document

from . import services as errorbook


def _week(request) -> date | None:
    """The chosen week: any date in it (?week=2026-03-11); this week when absent or invalid."""
    value = (request.GET.get("week") or "").strip()
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _report(request) -> errorbook.WeeklyReport:
    try:
        return errorbook.weekly_report(request.person, _week(request))
    except DomainError as exc:
        raise DjangoPermissionDenied(exc.message) from None


def _filtered(report: errorbook.WeeklyReport, request) -> tuple[list, str, str]:
    """The entries of the week, narrowed by a click on a cell of the cross table."""
    category = request.GET.get("category", "")
    fault = request.GET.get("fault", "")
    rows = report.entries
    if category in report.categories:
        rows = [r for r in rows if r.category == category]
    else:
        category = ""
    if fault:
        rows = [r for r in rows if _fault_key(r) == fault]
    return rows, category, fault


def _fault_key(record) -> str:
    if record.unit_at_fault_id:
        return f"u{record.unit_at_fault_id}"
    if record.agency_at_fault_id:
        return f"a{record.agency_at_fault_id}"
    return "none"


@person_required
def weekly(request):
    report = _report(request)
    rows, category, fault = _filtered(report, request)
    fault_label = next((r.label for r in report.rows if r.key == fault), "")
    return render(request, "supervision/errorbook.html", {
        "report": report, "rows": rows, "category": category, "fault": fault, "fault_label": fault_label,
        "today_week": errorbook.week_start(), "week_value": report.monday.isoformat(),
    })


def _title(report) -> str:
    return f"{report.agency.name}错题本周报（{cn_date(report.monday)}—{cn_date(report.sunday)}）"


def _entry_row(record, shown: set[int]) -> list:
    document = ""
    if record.document_id:
        document = record.document.title if record.document_id in shown else "（无权查看的公文）"
    return [cn_datetime(record.recorded_at), record.get_source_display(), record.category,
            errorbook.fault_label(record), document, record.description, record.recorded_by.name]


@person_required
def export(request):
    report = _report(request)
    summary = Sheet("分类汇总", [("责任单位", 28), ("类型", 10), *report.categories, "合计"],
                    [[row.label, row.kind, *row.counts, row.total] for row in report.rows],
                    heading=[_title(report)], totals=[["合计", "", *report.column_totals, report.total]])
    details = Sheet("差错明细", [("记录时间", 18), ("来源", 10), ("差错类别", 10), ("责任单位", 26), ("公文", 40),
                                ("差错说明", 60), ("记录人", 10)],
                    [_entry_row(record, report.shown_documents) for record in report.entries])
    stamp = report.monday.strftime("%Y%m%d")
    return xlsx_response([summary, details], filename=f"错题本周报-{stamp}.xlsx",
                         ascii_filename=f"errorbook-{stamp}.xlsx")


@person_required
def print_report(request):
    report = _report(request)
    return render(request, "supervision/errorbook_print.html", {
        "report": report, "title": _title(report), "printed_at": timezone.now(), "week_value": report.monday.isoformat(),
    })


@require_POST
@person_required
def correct(request, pk):
    """记录审核纠错 from the document page."""
    document = visible_document(request.person, pk)
    unit_id = request.POST.get("unit_at_fault") or ""
    unit = Unit.objects.filter(pk=int(unit_id)).first() if unit_id.isdigit() and len(unit_id) < 19 else None
    run_service(request, lambda: errorbook.record_correction(document, actor=request.person,
                                                             category=request.POST.get("error_category", ""),
                                                             unit_at_fault=unit,
                                                             description=request.POST.get("description", "")),
                not_found=True,
                success=lambda record: f"已记入错题本：{record.category}差错，责任单位{record.unit_at_fault.name}。")
    return redirect("web:document", pk=document.pk)
