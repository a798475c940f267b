"""收文登记簿: the ledger page, its Excel export and its print layout. All three take the
same filters (documents.selectors.DocumentFilter) over the same restriction."""


from django.shortcuts import render
from django.utils import timezone

from documents.models import DocType, SlipKind, Status
from documents.selectors import recent_returns, returns_per_sender
from documents.selectors import registry as registry_qs
from org.models import Agency
from ui.dates import cn_datetime
from ui.excel import ledger_xlsx
from ui.views import paginate, person_required

from ..filters import document_filter

PRINT_LIMIT = 2000

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


@person_required
def registry(request):
    f, context = _filter_context(request)
    context["page"] = paginate(request, registry_qs(request.person, f))
    context["senders"] = Agency.objects.only("id", "name").order_by("sort_order", "id")
    return render(request, "web/registry.html", context)


@person_required
def export(request):
    f, _ = _filter_context(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    rows = (_row(d) for d in registry_qs(request.person, f).iterator(chunk_size=1000))
    return ledger_xlsx("收文登记簿", COLUMNS, rows, filename=f"收文登记簿-{stamp}.xlsx",
                       ascii_filename=f"registry-{stamp}.xlsx")


@person_required
def print_ledger(request):
    f, context = _filter_context(request)
    qs = registry_qs(request.person, f)
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
