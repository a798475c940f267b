"""The statistics pages: the dashboard (charts and tables) and its Excel export. Both take
the same filters (``selectors.parse_filter``) and read the same report."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from gongwen.errors import DomainError, PermissionDenied
from org.models import Unit
from ui.excel import Sheet, xlsx_response
from ui.views import person_required

from . import access, selectors
from .tables import control_tables, tables

YEARS_BACK = 5
SUFFIX = {"hours": "（工作小时）", "rate": "（%）", "change_rate": "（%）"}


def _report(request):
    scope = access.scope_for(request.person)
    if scope is None:
        raise DjangoPermissionDenied(access.REFUSAL)
    g = request.GET
    try:
        f = selectors.parse_filter(scope, agency=g.get("agency"), year=g.get("year"), month=g.get("month"),
                                   unit=g.get("unit"))
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None
    return scope, f, selectors.monthly_report(scope, f)


def _control(scope, f):
    return selectors.control_report(scope, f)


def _chart_data(report) -> dict:
    """What the charts draw (the same figures as the tables)."""
    if report.deployment:
        bars = [(a.agency.short_name or a.agency.name, a) for a in report.agencies]
    else:
        bars = [(u.unit.name, u) for u in report.units]
    return {
        "bars": {
            "labels": [label for label, _ in bars],
            "on_time": [row.on_time for _, row in bars],
            "late": [row.late_extended for _, row in bars],
            "open": [row.open_end - row.overdue_end for _, row in bars],
            "overdue": [row.overdue_end for _, row in bars],
        },
        "trend": {
            "labels": [t["label"] for t in report.trend],
            "completion": [None if t["completion_rate"] is None else round(t["completion_rate"] * 100, 1)
                           for t in report.trend],
            "on_time": [None if t["on_time_rate"] is None else round(t["on_time_rate"] * 100, 1)
                        for t in report.trend],
        },
    }


@person_required
def dashboard(request):
    try:
        scope, f, report = _report(request)
    except DomainError as exc:
        scope = access.scope_for(request.person)
        if scope is None:
            raise DjangoPermissionDenied(access.REFUSAL) from None
        return render(request, "stats/dashboard.html", {"error": exc.message, "scope": scope,
                                                        **_choices(scope, None)}, status=400)
    control = _control(scope, f)
    return render(request, "stats/dashboard.html", {
        "report": report, "scope": scope, "filter": f, "tables": tables(report), "charts": _chart_data(report),
        "control": control, "control_tables": control_tables(control), "query": f.query(), **_choices(scope, f),
    })


def _choices(scope, f) -> dict:
    year = timezone.localdate().year
    agency_id = scope.agency_id if f is None else f.agency_id
    units = Unit.objects.none()
    if agency_id is not None:
        units = Unit.objects.filter(agency_id=agency_id)
        if scope.unit_ids is not None:
            units = units.filter(pk__in=scope.unit_ids)
    return {"agencies": scope.agencies(), "units": units.order_by("sort_order", "id"),
            "years": list(range(year, year - YEARS_BACK, -1)), "months": list(range(1, 13))}


@person_required
def export(request):
    try:
        scope, f, report = _report(request)
    except DomainError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    place = report.agency.name if report.agency else "全部机关"
    if report.unit:
        place += report.unit.name
    as_of = f"统计截至{timezone.localtime(report.as_of):%Y年%m月%d日 %H:%M}" if report.as_of else ""
    sheets = []
    for table in [*tables(report), *control_tables(_control(scope, f))]:
        rows = [[label, *[_excel(v, c) for v, c in zip(cells, table.columns, strict=True)]]
                for label, cells in table.rows]
        if table.total is not None:
            rows.append(["合计", *[_excel(v, c) for v, c in zip(table.total, table.columns, strict=True)]])
        columns = [(table.first, 24), *[(c.label + SUFFIX.get(c.kind, ""), 12) for c in table.columns]]
        sheets.append(Sheet(table.title, columns, rows, heading=[f"{place}{report.period}{table.title}", as_of],
                            notes=[table.note] if table.note else []))
    return xlsx_response(sheets, filename=f"月度统计-{f.year}{f.month:02d}.xlsx",
                         ascii_filename=f"stats-{f.year}{f.month:02d}.xlsx")


def _excel(value, column):
    if value is not None and not isinstance(value, str) and column.kind in ("rate", "change_rate"):
        return round(value * 100, 1)
    return value
