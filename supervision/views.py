"""Pages of the supervision app: the ledger (督办台账) with its Excel export and print
view, the item page with its operations, the open form and the monthly bulletin. Views
parse, call one service and render; refusals show as Chinese alerts and write nothing."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from documents.access import get_visible as visible_document
from flow.models import Opinion
from gongwen.errors import DomainError, NotFound
from org.models import Person, Unit
from org.selectors import leaders
from ui.dates import cn_datetime
from ui.excel import ledger_xlsx
from ui.views import paginate, person_required, refuse, run_service

from . import access, bulletin, selectors, services
from .forms import OpenForm
from .models import SupervisionItem

PRINT_LIMIT = 2000
State = SupervisionItem.State

COLUMNS = [
    ("督办编号", 16), ("督办事项", 40), ("批示领导", 10), ("批示时间", 18), ("批示次数", 9), ("牵头单位", 14),
    ("协办单位", 20), ("责任人", 10), ("办理时限", 18), ("状态", 12), ("最近报送", 18), ("来源公文", 30),
    ("批示内容", 60),
]


def _filter_context(request):
    f = selectors.ItemFilter.from_params(request.GET)
    person = request.person
    return f, {
        "filter": f, "states": State.choices, "query": request.GET.urlencode(),
        "units": Unit.objects.filter(agency_id=person.agency_id, is_office=False, is_secretariat=False)
        .order_by("sort_order", "id"),
        "leaders": leaders(person.agency), "years": selectors.years(person),
    }


@person_required
def ledger(request):
    f, context = _filter_context(request)
    person = request.person
    context["page"] = paginate(request, selectors.ledger(person, f))
    context["now"] = timezone.now()
    context["counts"] = selectors.counts(person, context["now"])
    context["can_open"] = access.can_open(person, person.agency_id)
    context["can_bulletin"] = access.is_supervision_office(person, person.agency_id) or access.is_leader(
        person, person.agency_id)
    return render(request, "supervision/ledger.html", context)


def _row(item: SupervisionItem) -> list:
    return [
        item.number, item.title, item.instructed_by.name, cn_datetime(item.instructed_at), item.instruction_count,
        item.lead_unit.name, "、".join(u.name for u in item.assist_units.all()), item.responsible.name,
        cn_datetime(item.due_at), item.get_state_display(), cn_datetime(item.last_report_at),
        item.document.title if item.document_id else "", item.instruction,
    ]


@person_required
def export(request):
    f, _ = _filter_context(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    items = selectors.with_assist_units(selectors.ledger(request.person, f)).iterator(chunk_size=500)
    return ledger_xlsx("督办台账", COLUMNS, (_row(item) for item in items), filename=f"督办台账-{stamp}.xlsx",
                       ascii_filename=f"supervision-{stamp}.xlsx")


@person_required
def print_ledger(request):
    f, context = _filter_context(request)
    rows = list(selectors.with_assist_units(selectors.ledger(request.person, f))[:PRINT_LIMIT + 1])
    context.update({"items": rows[:PRINT_LIMIT], "truncated": len(rows) > PRINT_LIMIT, "limit": PRINT_LIMIT,
                    "printed_at": timezone.now(), "agency": request.person.agency})
    return render(request, "supervision/ledger_print.html", context)


# --- the item page --------------------------------------------------------------------------------


def _item_or_404(person, pk) -> SupervisionItem:
    try:
        return access.get_visible(person, pk)
    except NotFound:
        raise Http404(access.ITEM_NOT_FOUND) from None


@person_required
def item(request, pk):
    person = request.person
    obj = _item_or_404(person, pk)
    context = {"item": obj, **selectors.detail(obj), "now": timezone.now()}
    finished = obj.state in services.FINISHED
    office = access.is_supervision_office(person, obj.agency_id)
    context.update({
        "can_report": not finished and obj.state != State.REPORTED and access.can_report(person, obj),
        "can_review": office and context["pending_final"] is not None,
        "can_close": office and not finished and services.close_blocker(obj) is None,
        "close_blocker": services.close_blocker(obj) if office and not finished else None,
        "can_chase": not finished and access.can_chase(person, obj),
        "can_attach": not finished and (office or access.is_leader(person, obj.agency_id)),
        "is_office": office,
        "next_due": services.next_report_due(obj) if obj.state in (State.OPEN, State.STALLED) else None,
        "next_due_pending": services.next_report_pending_reason(obj) if obj.state in (State.OPEN, State.STALLED)
        else "",
        "document_visible": obj.document_id is not None and _sees(person, obj.document_id),
        "leaders": leaders(obj.agency) if office else [person] if access.is_leader(person, obj.agency_id) else [],
    })
    context["report_late"] = context["next_due"] is not None and context["next_due"] < context["now"]
    context["final_late"] = obj.due_at < context["now"]
    return render(request, "supervision/item.html", context)


def _sees(person, document_id) -> bool:
    try:
        visible_document(person, document_id)
    except NotFound:
        return False
    return True


def _op_report(request, person, obj, final=False):
    entry = services.report(actor=person, item_id=obj.pk, text=request.POST.get("text", ""),
                            late_reason=request.POST.get("late_reason", ""), final=final)
    what = "办结报告" if final else "进展情况"
    if entry.is_late and not entry.late_reason:
        return f"已报送{what}。本次为迟报且未说明原因，将列入督办通报。"
    return f"已报送{what}。" + ("等待督查室审核。" if final else "")


def _op_accept(request, person, obj):
    close = request.POST.get("close") in ("1", "on")
    services.accept_final(actor=person, item_id=obj.pk, report_id=_int(request.POST.get("report")),
                          note=request.POST.get("note", ""), close=close)
    return "办结报告已审核通过，督办事项已办结销号。" if close else "办结报告已审核通过，可以办结销号。"


def _op_return(request, person, obj):
    services.return_final(actor=person, item_id=obj.pk, report_id=_int(request.POST.get("report")),
                          note=request.POST.get("note", ""))
    return "办结报告已退回补充，已通知责任单位。"


def _op_close(request, person, obj):
    services.close_item(actor=person, item_id=obj.pk, note=request.POST.get("note", ""))
    return "督办事项已办结销号。"


def _op_chase(request, person, obj):
    event = services.chase(actor=person, item_id=obj.pk, message=request.POST.get("message", ""))
    return f"已催办，已通知{'、'.join(event.recipients)}。"


def _op_attach(request, person, obj):
    leader = Person.objects.filter(pk=_int(request.POST.get("leader")), agency_id=obj.agency_id).first()
    instruction = services.attach_instruction(actor=person, item_id=obj.pk, leader=leader,
                                              text=request.POST.get("text", ""))
    return f"已附加批示，本事项累计批示{instruction.item.instruction_count}次。"


OPERATIONS = {
    "report": _op_report, "final": lambda r, p, o: _op_report(r, p, o, final=True), "accept": _op_accept,
    "return": _op_return, "close": _op_close, "chase": _op_chase, "attach": _op_attach,
}


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_POST
@person_required
def item_op(request, pk, op):
    handler = OPERATIONS.get(op)
    if handler is None:
        raise Http404()
    person = request.person
    obj = _item_or_404(person, pk)
    run_service(request, lambda: handler(request, person, obj), not_found=access.ITEM_NOT_FOUND,
                success=lambda message: message)
    return redirect("supervision:item", pk=obj.pk)


# --- opening ----------------------------------------------------------------------------------------


@person_required
def open_item(request):
    person = request.person
    if not access.can_open(person, person.agency_id):
        messages.error(request, "只有领导、督查员或办公室主任可以立项督办。")
        return redirect("supervision:ledger")
    source = request.POST if request.method == "POST" else request.GET
    document = opinion = None
    try:
        if source.get("document"):
            document = visible_document(person, _int(source.get("document")))
    except NotFound:
        raise Http404("未找到该公文或您无权查看。") from None
    if document is not None and source.get("opinion"):
        opinion = Opinion.objects.filter(pk=_int(source.get("opinion")), document=document).first()
    initial = {"report_interval_days": services.DEFAULT_INTERVAL}
    if document is not None:
        initial.update({"title": document.title, "document": document.pk, "lead_unit": document.lead_unit_id})
    if opinion is not None:
        initial.update({"instruction": opinion.text, "instructed_by": opinion.on_behalf_of_id or opinion.author_id,
                        "instructed_on": timezone.localdate(opinion.created_at), "opinion": opinion.pk})
    elif access.is_leader(person, person.agency_id) and not access.is_supervision_office(person, person.agency_id):
        initial["instructed_by"] = person.pk
    form = OpenForm(request.POST or None, agency=person.agency, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_service(request, lambda: services.open_item(actor=person, agency=person.agency,
                                                              data=form.to_data(document, opinion)),
                           not_found=True,
                           success=lambda created: f"已立项督办：{created.number}《{created.title}》，"
                                                   f"已通知责任人{created.responsible.name}。")
        if done:
            return redirect("supervision:item", pk=done.result.pk)
    instructions = []
    if document is not None:
        instructions = list(Opinion.objects.filter(document=document, node_kind__in=services.INSTRUCTION_NODES)
                            .select_related("author", "on_behalf_of").order_by("created_at"))
    return render(request, "supervision/open.html", {"form": form, "document": document, "opinion": opinion,
                                                     "instructions": instructions})


# --- the bulletin -------------------------------------------------------------------------------------


def _month_params(request) -> tuple[int, int]:
    today = timezone.localdate()
    year, month = _int(request.GET.get("year")), _int(request.GET.get("month"))
    if "ym" in request.GET:
        year, _, month = (request.GET.get("ym") or "").partition("-")
        year, month = _int(year), _int(month)
    if year is None or month is None:
        year, month = today.year, today.month
    return year, month


@person_required
def bulletin_page(request):
    person = request.person
    year, month = _month_params(request)
    context = {"year": year, "month": month, "months": selectors.month_choices()}
    try:
        context["b"] = bulletin.build(actor=person, year=year, month=month)
    except DomainError as exc:
        context["error"] = exc.message
    context["soffice"] = bulletin.soffice() is not None
    return render(request, "supervision/bulletin.html", context)


@person_required
def bulletin_download(request):
    person = request.person
    year, month = _month_params(request)
    fmt = request.GET.get("format", "docx")
    try:
        built = bulletin.build(actor=person, year=year, month=month)
        data = bulletin.docx_bytes(built)
        if fmt == "pdf":
            data = bulletin.pdf_bytes(data)
    except DomainError as exc:
        refuse(request, exc)
        return redirect(f"{reverse('supervision:bulletin')}?year={year}&month={month}")
    content_type = "application/pdf" if fmt == "pdf" else \
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ext = "pdf" if fmt == "pdf" else "docx"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = (f"attachment; filename=\"supervision-bulletin-{year}-{month:02d}.{ext}\"; "
                                       f"filename*=UTF-8''{quote(built.filename)}.{ext}")
    return response
