"""Pages of the exchange: the office overview (交换总览) with its click-through lists and
Excel export, our exchange box (交换箱, 待签收), the paper receipt (纸质回执) form posted
from a document's dispatch panel, 分发 posted from the document's 发文办理 panel, and 转报
(forwarding a subordinate's submission upward) posted from the incoming document's 转报 panel. Views parse, call one selector or service and render;
refusals show as Chinese alerts and write nothing; outsiders get a 404."""

from __future__ import annotations

from datetime import date, datetime

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from documents.access import visible_documents
from gongwen.errors import DomainError, NotFound
from ui.dates import cn_date, cn_datetime
from ui.excel import Sheet, xlsx_response
from ui.views import person_required, refuse, run_service, visible_document

from . import access, receipts, selectors, services
from .models import Delivery

SIDES = {"sent": "我方发出", "received": "我方收到"}


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _agency(request):
    try:
        return access.require_overview(request.person)
    except NotFound:
        raise Http404("未找到该页面。") from None


def _range(request) -> tuple[date | None, date | None]:
    start, end = _date(request.GET.get("start")), _date(request.GET.get("end"))
    if start and end and start > end:
        start, end = end, start
    return start, end


@person_required
def overview(request):
    agency = _agency(request)
    start, end = _range(request)
    data = selectors.overview(request.person, agency, start=start, end=end)
    box = selectors.box(request.person, agency)
    return render(request, "exchange/overview.html", {
        "agency": agency, "data": data, "box": box, "late_in_box": sum(1 for b in box if b["late"]),
        "start": start, "end": end, "query": request.GET.urlencode(), "filters": selectors.FILTERS})


@person_required
def box(request):
    agency = _agency(request)
    rows = selectors.box(request.person, agency)
    return render(request, "exchange/box.html", {"agency": agency, "box": rows,
                                                 "late_in_box": sum(1 for b in rows if b["late"])})


def _listing_args(request):
    side = request.GET.get("side", "sent")
    if side not in SIDES:
        side = "sent"
    what = request.GET.get("what", "all")
    if what not in selectors.FILTERS:
        what = "all"
    return side, what, (request.GET.get("counterpart") or "").strip()[:100]


@person_required
def listing(request):
    agency = _agency(request)
    side, what, counterpart = _listing_args(request)
    start, end = _range(request)
    rows = selectors.listing(request.person, agency, side=side, what=what, counterpart=counterpart,
                             start=start, end=end)
    return render(request, "exchange/list.html", {
        "agency": agency, "rows": rows, "side": side, "side_display": SIDES[side], "what": what,
        "what_display": selectors.FILTERS[what], "counterpart": counterpart, "start": start, "end": end,
        "query": request.GET.urlencode()})


COUNT_COLUMNS = [("total", "合计"), ("waiting", "待签收"), ("late", "超时未签收"), ("signed", "已签收"),
                 ("refused", "已退文"), ("undelivered", "未送达（无回执）"), ("multi", "多头报送")]


@person_required
def export(request):
    agency = _agency(request)
    start, end = _range(request)
    data = selectors.overview(request.person, agency, start=start, end=end)
    period = f"{cn_date(start) if start else '不限'}至{cn_date(end) if end else '不限'}"
    sheets = [Sheet(title, [(label, 36), *(name for _, name in COUNT_COLUMNS)],
                    ([c.name] + [getattr(c, key) for key, _ in COUNT_COLUMNS] for c in [*groups, total]),
                    heading=[f"{agency.name}公文交换总览（{title}） 分发日期：{period}"])
              for title, label, groups, total in (("我方发出", "收文机关", data.sent, data.sent_total),
                                                  ("我方收到", "来文机关", data.received, data.received_total))]
    detail = ([SIDES[side], r["sender"], r["name"], r["document"].doc_number, r["document"].title,
               cn_datetime(r["sent_at"]), r["state_display"], cn_datetime(r["due_at"]) if r["due_at"] else "",
               r["reason"], "是" if r["multi_submission"] else ""]
              for side in SIDES
              for r in selectors.listing(request.person, agency, side=side, start=start, end=end))
    sheets.append(Sheet("清单", [("方向", 10), ("发文机关", 24), ("收文机关", 24), ("发文字号", 22), ("标题", 50),
                                 ("分发时间", 18), ("状态", 14), ("签收时限", 18), ("退文理由", 24), ("多头报送", 10)],
                        detail, wrap=[4]))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(sheets, filename=f"公文交换总览-{stamp}.xlsx", ascii_filename=f"exchange-{stamp}.xlsx")


def _moment(value: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@require_POST
@person_required
def paper_receipt(request, pk):
    # Only a delivery of a document the person may see exists for them: checked before the
    # form is read, so a bad form tells nothing about an invisible delivery (404 either way).
    delivery = (Delivery.objects.filter(pk=pk, document__in=visible_documents(request.person))
                .only("document_id").first())
    if delivery is None:
        raise Http404("未找到该分发记录。")
    at = _moment(request.POST.get("at"))

    def record():
        if at is None:
            raise DomainError("请填写签收时间（年-月-日 时:分）。")
        return receipts.record_paper_receipt(pk, actor=request.person, signed_by=request.POST.get("signed_by", ""),
                                             at=at, registry_number=request.POST.get("registry_number", ""))

    run_service(request, record, not_found="未找到该分发记录。",
                success=lambda receipt: f"已登记{receipt.delivery.name}的纸质回执：{receipt.by_name}于"
                                        f"{cn_datetime(receipt.at)}签收。")
    return redirect("web:document", pk=delivery.document_id)


# --- 分发 ------------------------------------------------------------------------------------------


@require_POST
@person_required
def dispatch(request, pk):
    """分发 at the 分发 node, posted from the 发文办理 panel of the document page. Its URL is that
    panel's (``web:outgoing_op`` with op ``dispatch``); web/urls.py routes it here."""
    person = request.person
    document = visible_document(person, pk)
    if not document.is_outgoing:
        raise Http404("这不是发文。")
    try:
        task_id = int(request.POST.get("task"))
    except (TypeError, ValueError):
        task_id = 0
    run_service(request, lambda: services.dispatch(task_id, actor=person, opinion=request.POST.get("opinion", "")),
                not_found=True, success=lambda deliveries: f"已分发{len(deliveries)}个收文机关，本件已办结。")
    return redirect(f"{reverse('web:document', args=[document.pk])}#og-actions")


# --- 转报 ------------------------------------------------------------------------------------------


def _agency_id(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def forward_form(document, data=None) -> dict:
    """What the 转报 form shows: the default title, the superiors to choose from (the
    agency's parent or its government first) and, after a refusal, what was typed."""
    from drafting.services import OUTGOING_TYPES

    recipients = services.forwarding_recipients(document.agency)
    data = data or {}
    main = _agency_id(data.get("main_to"))
    return {"title": data.get("title", services.forwarding_title(document)),
            "recommendation": data.get("recommendation", ""),
            "recipients": recipients,
            "main_to": main if main is not None else (recipients[0].pk if recipients else None),
            "copy_to": _agency_id(data.get("copy_to")),
            "doc_type": document.doc_type if document.doc_type in OUTGOING_TYPES else "请示"}


@person_required
def forward(request, pk):
    """转报: GET shows the form (the document page carries the same form); POST starts the
    department's draft through exchange.services.start_forwarding and opens it. A refusal
    is shown in Chinese, with what was typed kept while the 转报 is still possible."""
    document = visible_document(request.person, pk)
    if request.method == "POST":
        done = run_service(request, lambda: services.start_forwarding(
            actor=request.person, original_id=document.pk, title=request.POST.get("title", ""),
            recommendation=request.POST.get("recommendation", ""),
            main_to=[v for v in [request.POST.get("main_to", "").strip()] if v],
            copy_to=[v for v in [request.POST.get("copy_to", "").strip()] if v]),
            not_found="未找到该公文或您无权查看。",
            success=lambda draft: f"已起草转报稿《{draft.title}》（拟稿环节），与原件"
                                  f"《{document.title}》关联。请完善正文后送审核。")
        if done:
            return redirect("web:document", pk=done.result.pk)
    refusal = access.forwarding_refusal(request.person, document)
    if refusal is not None:
        if request.method != "POST":
            refuse(request, refusal)
        return redirect("web:document", pk=document.pk)
    return render(request, "exchange/forward.html", {
        "document": document, "form": forward_form(document, request.POST if request.method == "POST" else None)})
