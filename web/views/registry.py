"""收文登记簿: the ledger page, its Excel export and its print layout. All three take the
same filters (documents.selectors.DocumentFilter) over the same restriction.

Both costs that grew with the number of documents are bounded (issue 12):

* the text filter ``q`` (标题、文号或来文机关) goes through the search index
  (``search.services.matching_documents``: the ids of the matching documents the person may
  see, the newest ``TEXT_FILTER_CAP`` at most), not ``LIKE '%q%'`` over every row; the list
  itself still comes from documents.selectors.registry (visible_documents), so the index only
  narrows it. A query with nothing searchable in it (only punctuation) filters as before;
* the page counts up to ``COUNT_CAP`` rows (a LIMITed subquery) and shows "1000+ 件" beyond,
  paging on without an exact total; below the cap everything reads as before.
"""

from dataclasses import replace
from functools import cached_property

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from documents.models import DocType, SlipKind, Status
from documents.selectors import recent_returns, returns_per_sender
from documents.selectors import registry as registry_qs
from org.models import Agency
from search.services import matching_documents
from ui.dates import cn_datetime
from ui.excel import ledger_xlsx
from ui.views import PAGE_SIZE, person_required

from ..filters import document_filter

PRINT_LIMIT = 2000
COUNT_CAP = 1000

COLUMNS = [
    ("收文编号", 18), ("收文时间", 18), ("来文机关", 26), ("来文字号", 20), ("标题", 50), ("文种", 8),
    ("密级", 10), ("紧急程度", 8), ("份数", 6), ("处理笺", 14), ("当前环节", 14), ("主办单位", 14),
    ("办理时限", 18), ("办结时间", 18),
]


def _row(d) -> list:
    return [
        d.registry_number, cn_datetime(d.received_at), d.sender_display, d.doc_number, d.title,
        d.get_doc_type_display(), d.secrecy_display, d.urgency, d.copies, d.get_slip_kind_display(),
        d.stage if d.is_open else d.get_status_display(), d.lead_unit.name if d.lead_unit_id else "",
        d.sender_deadline_text or cn_datetime(d.sender_deadline), cn_datetime(d.closed_at),
    ]


def _filter_context(request):
    f = document_filter(request.GET)
    return f, {
        "filter": f, "statuses": Status.choices, "slip_kinds": SlipKind.choices, "doc_types": DocType.choices,
        "urgencies": ["特提", "特急", "加急", "平急"],
        "query": request.GET.urlencode(),
    }


def _documents(person, f, context=None):
    """The registry's rows for the filter: the text filter through the search index."""
    matches = matching_documents(person, f.q, direction="incoming") if f.q else None
    if matches is None:
        return registry_qs(person, f)
    if context is not None:
        context["text_truncated"] = matches.truncated
    return registry_qs(person, replace(f, q="")).filter(pk__in=matches.document_ids)


class CappedPaginator(Paginator):
    """Counts up to ``cap`` rows (or to just past the page asked for, when deeper): a
    COUNT over a LIMITed subquery, never over the whole agency. ``capped`` when there are
    more: the count is then one past the limit, so the page after the asked one exists."""

    def __init__(self, object_list, per_page, *, cap: int, number: int):
        super().__init__(object_list, per_page)
        self.limit = max(cap, number * per_page)
        self.cap = cap
        self.capped = False

    @cached_property
    def count(self):
        n = self.object_list[:self.limit + 1].count()
        self.capped = n > self.limit
        return n


def _page_number(request) -> int:
    try:
        return min(max(int(request.GET.get("page") or 1), 1), 10_000)
    except ValueError:
        return 1


@person_required
def registry(request):
    f, context = _filter_context(request)
    number = _page_number(request)
    paginator = CappedPaginator(_documents(request.person, f, context), PAGE_SIZE, cap=COUNT_CAP, number=number)
    context["page"] = paginator.get_page(number)
    context["senders"] = Agency.objects.only("id", "name").order_by("sort_order", "id")
    return render(request, "web/registry.html", context)


@person_required
def export(request):
    f, _ = _filter_context(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    rows = (_row(d) for d in _documents(request.person, f).iterator(chunk_size=1000))
    return ledger_xlsx("收文登记簿", COLUMNS, rows, filename=f"收文登记簿-{stamp}.xlsx",
                       ascii_filename=f"registry-{stamp}.xlsx")


@person_required
def print_ledger(request):
    f, context = _filter_context(request)
    qs = _documents(request.person, f)
    rows = list(qs[:PRINT_LIMIT + 1])
    context.update({
        "documents": rows[:PRINT_LIMIT], "truncated": len(rows) > PRINT_LIMIT, "limit": PRINT_LIMIT,
        "printed_at": timezone.now(), "agency": request.person.agency,
    })
    return render(request, "web/registry_print.html", context)



@person_required
def returns(request):
    """退文与直送件统计 (C04): returns and direct submissions counted per sender."""
    returned, direct = returns_per_sender(request.person)
    return render(request, "web/returns.html", {
        "returned": returned, "direct": direct, "recent": recent_returns(request.person),
    })
