"""The search page (全文检索): thin — parses the form, calls search.services.search."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.shortcuts import render
from django.utils import timezone

from documents.models import Direction, DocType, Status
from org.models import Agency, Unit
from ui.views import person_required

from .indexing import last_refreshed
from .services import Filters, search

URGENCIES = ["特提", "特急", "加急", "平急", "普通"]


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse(params) -> tuple[str, Filters, str, int]:
    doc_types = {v for v, _ in DocType.choices}
    statuses = {v for v, _ in Status.choices}
    directions = {v for v, _ in Direction.choices}
    f = Filters(
        sender=_int(params.get("sender")), unit=_int(params.get("unit")),
        doc_type=params.get("doc_type", "") if params.get("doc_type") in doc_types else "",
        year=_int(params.get("year")),
        status=params.get("status", "") if params.get("status") in statuses else "",
        urgency=params.get("urgency", "") if params.get("urgency") in URGENCIES else "",
        direction=params.get("direction", "") if params.get("direction") in directions else "",
        date_from=_date(params.get("from")), date_to=_date(params.get("to")),
    )
    sort = params.get("sort") if params.get("sort") in ("date", "relevance") else "date"
    return (params.get("q") or "").strip(), f, sort, _int(params.get("page")) or 1


@person_required
def page(request):
    person = request.person
    q, f, sort, page_no = parse(request.GET)
    results = search(person, q, f, sort, page_no)
    keep = {k: v for k, v in request.GET.items() if k != "page" and v}
    this_year = timezone.localdate().year
    context = {
        "q": q, "f": f, "sort": sort, "results": results,
        "searched": bool(q or f.any()),
        "indexed_at": last_refreshed() if (q or f.any()) else None,
        "query": urlencode(keep),
        "doc_types": DocType.choices, "statuses": Status.choices, "directions": Direction.choices,
        "urgencies": URGENCIES, "years": list(range(this_year, this_year - 10, -1)),
        "units": Unit.objects.filter(agency_id=person.agency_id).order_by("sort_order", "id"),
        "senders": Agency.objects.exclude(pk=person.agency_id).order_by("sort_order", "id"),
        "params": request.GET,
    }
    return render(request, "search/search.html", context)
