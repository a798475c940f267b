"""Pages of the secrecy app (C07): 密件登记, 密件登记簿 (print + Excel), a document's copy
page with its actions, 清退 with overdue returns, and the 销毁 approval queue. Views parse,
call one service and render; refusals show as Chinese alerts and write nothing. A
classified document outside the person's scope answers 404."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from documents.classified import LEVELS
from documents.models import DocType
from documents.services import IncomingData
from gongwen.errors import DomainError
from org.models import Agency, Person, PostKind
from ui.dates import cn_date
from ui.excel import ledger_xlsx
from ui.views import paginate, person_required, refuse, run_service, visible_document

from . import access, selectors, services
from .models import ClassifiedCopy, CopyEvent, CopyStatus, Destruction, DestructionStatus

COLUMNS = [("登记号", 14), ("登记日期", 14), ("来文机关", 24), ("文号", 22), ("标题", 50), ("密级", 12),
           ("份数", 6), ("份号", 24), ("保管人", 10), ("清退期限", 14), ("在用", 6), ("已清退", 8), ("已销毁", 8)]


def _pages_allowed(person):
    if not access.may_use_pages(person):
        raise DjangoPermissionDenied("密件管理只对机要员、审批人和知悉范围内的人员开放。")


def _year(request) -> int | None:
    try:
        y = int(request.GET.get("year") or 0)
    except ValueError:
        return None
    return y if 1949 <= y <= 9999 else None


def _ledger_rows(person, year):
    return selectors.registrations(person, year)


@person_required
def ledger(request):
    person = request.person
    _pages_allowed(person)
    year = _year(request)
    page = paginate(request, _ledger_rows(person, year))
    return render(request, "secrecy/ledger.html", {
        "page": page, "year": year, "years": selectors.years(person), "agency": person.agency,
        "is_registrar": access.is_registrar(person, person.agency_id), "my_copies": selectors.my_copies(person),
        "query": request.GET.urlencode(), "today": timezone.localdate()})


@person_required
def print_ledger(request):
    person = request.person
    _pages_allowed(person)
    year = _year(request)
    rows = list(_ledger_rows(person, year)[:2000])
    return render(request, "secrecy/ledger_print.html", {"rows": rows, "year": year, "agency": person.agency,
                                                         "printed_at": timezone.now(),
                                                         "query": request.GET.urlencode()})


def _export_row(reg) -> list:
    d = reg.document
    numbers = "、".join(d.classified_copies.values_list("number", flat=True))
    return [reg.number, cn_date(reg.registered_at), d.sender_name, d.doc_number, d.title, d.secrecy_display,
            d.copies, numbers, reg.custodian.name if reg.custodian_id else "", cn_date(reg.due_back_on),
            reg.n_in_use, reg.n_returned, reg.n_destroyed]


@person_required
def export(request):
    person = request.person
    _pages_allowed(person)
    rows = (_export_row(reg) for reg in _ledger_rows(person, _year(request)))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return ledger_xlsx("密件登记簿", COLUMNS, rows, filename=f"密件登记簿-{stamp}.xlsx",
                       ascii_filename=f"classified-ledger-{stamp}.xlsx")


def _form_context(person, values=None):
    agency = person.agency
    return {"values": values or {}, "levels": LEVELS, "doc_types": DocType.choices,
            "senders": Agency.objects.exclude(pk=agency.pk).order_by("sort_order", "id"),
            "people": selectors.scope_candidates(agency, "秘密"), "posts": PostKind.choices,
            "units": agency.units.order_by("sort_order", "id")}


@person_required
def register(request):
    person = request.person
    if not access.is_registrar(person, person.agency_id):
        raise DjangoPermissionDenied("只有机要员可以登记密件。")
    if request.method != "POST":
        return render(request, "secrecy/register.html", _form_context(person))
    p = request.POST
    try:
        issued_on = date.fromisoformat(p["issued_on"]) if p.get("issued_on") else None
    except ValueError:
        issued_on = None
    try:
        posts = [services.ScopePost(k.split(":")[0], int(k.split(":")[1]) if ":" in k and k.split(":")[1] else None)
                 for k in p.getlist("scope_post")]
        incoming = IncomingData(
            title=p.get("title", ""), doc_type=p.get("doc_type", ""),
            sender_id=int(p["sender_id"]) if p.get("sender_id", "").isdigit() else None,
            sender_name=p.get("sender_name", ""), doc_number=p.get("doc_number", ""), secrecy=p.get("secrecy", ""),
            secrecy_term=p.get("secrecy_term", ""), urgency=p.get("urgency", ""), issued_on=issued_on,
            remarks=p.get("remarks", ""))
        data = services.ClassifiedData(
            incoming=incoming, copy_numbers=services.parse_copy_numbers(p.get("copy_numbers", "")),
            scope_people=[int(x) for x in p.getlist("scope_person") if x.isdigit()], scope_posts=posts,
            custodian_id=int(p["custodian_id"]) if p.get("custodian_id", "").isdigit() else None,
            note=p.get("note", ""))
        document = services.register_classified(actor=person, agency=person.agency, data=data)
    except DomainError as exc:
        refuse(request, exc)
        return render(request, "secrecy/register.html", _form_context(person, p), status=400)
    except ValueError:
        messages.error(request, "填写的内容格式不正确，请检查。")
        return render(request, "secrecy/register.html", _form_context(person, p), status=400)
    messages.success(request, f"已登记密件 {document.classified.number}，共 {document.copies} 份。")
    return redirect("secrecy:document", document.pk)


@person_required
def document(request, pk):
    person = request.person
    doc = visible_document(person, pk)
    reg = getattr(doc, "classified", None)
    if not doc.secrecy or reg is None:
        raise Http404("未找到该密件或您无权查看。")
    copies = list(selectors.copies(doc))
    events = (CopyEvent.objects.filter(copy__document=doc)
              .select_related("copy", "actor", "from_person", "to_person").order_by("at", "id"))
    is_registrar = access.is_registrar(person, doc.agency_id)
    return render(request, "secrecy/document.html", {
        "doc": doc, "reg": reg, "copies": copies, "events": events, "scope": doc.reading_scope.select_related(
            "person", "unit"), "is_registrar": is_registrar,
        "candidates": [p for p in selectors.scope_candidates(doc.agency, doc.secrecy) if access.in_scope(p, doc)],
        "all_candidates": selectors.scope_candidates(doc.agency, doc.secrecy), "posts": PostKind.choices,
        "units": doc.agency.units.order_by("sort_order", "id"), "me": person, "today": timezone.localdate()})


def _person_arg(request, name="person_id"):
    value = request.POST.get(name, "")
    return Person.objects.filter(pk=int(value)).first() if value.isdigit() else None


@require_POST
@person_required
def copy_op(request, pk, copy_pk, op):
    person = request.person
    doc = visible_document(person, pk)
    copy = ClassifiedCopy.objects.filter(pk=copy_pk, document=doc).first()
    if copy is None:
        raise Http404("未找到该份密件。")
    try:
        if op == "issue":
            holder = _person_arg(request)
            if holder is None:
                raise DomainError("请选择持有人。")
            services.issue_copy(actor=person, copy_id=copy.pk, holder=holder, note=request.POST.get("note", ""))
            messages.success(request, f"份号{copy.number}已分发给{holder.name}，待其签收。")
        elif op == "sign":
            services.sign_for_copy(actor=person, copy_id=copy.pk)
            messages.success(request, f"已签收份号{copy.number}。")
        elif op == "pass":
            to = _person_arg(request)
            if to is None:
                raise DomainError("请选择接收人。")
            services.pass_on(actor=person, copy_id=copy.pk, to_person=to, note=request.POST.get("note", ""))
            messages.success(request, f"份号{copy.number}已传递给{to.name}，待其签收。")
        elif op == "return":
            services.confirm_return(actor=person, copy_id=copy.pk, note=request.POST.get("note", ""))
            messages.success(request, f"份号{copy.number}已清退登记。")
        else:
            raise Http404()
    except DomainError as exc:
        refuse(request, exc)
    if not access.may_read(person, doc):  # passed on and no longer in reach
        return redirect("secrecy:ledger")
    return redirect("secrecy:document", doc.pk)


@require_POST
@person_required
def document_op(request, pk, op):
    person = request.person
    doc = visible_document(person, pk)
    if op == "copy":
        run_service(request, lambda: services.add_copy(actor=person, document=doc, note=request.POST.get("note", "")),
                    success=lambda new: f"已复制，新份号{new.number}。")
    elif op == "scope":
        value = request.POST.get("post", "")
        kind, _, unit = value.partition(":")
        run_service(request, lambda: services.add_scope(
            actor=person, document=doc,
            person_id=int(request.POST["person_id"]) if request.POST.get("person_id", "").isdigit() else None,
            post_kind=kind, unit_id=int(unit) if unit.isdigit() else None), success="已扩大知悉范围。")
    elif op == "destroy":
        ids = [int(x) for x in request.POST.getlist("copy") if x.isdigit()]
        run_service(request, lambda: services.request_destruction(actor=person, agency=doc.agency, copy_ids=ids,
                                                                  reason=request.POST.get("reason", "")),
                    success="已提出销毁申请，待领导或办公室主任审批。")
    else:
        raise Http404()
    return redirect("secrecy:document", doc.pk)


@person_required
def returns(request):
    person = request.person
    if not access.is_registrar(person, person.agency_id):
        raise DjangoPermissionDenied("清退登记由机要员办理。")
    today = timezone.localdate()
    overdue = list(services.overdue_returns(person.agency, today))
    out = (ClassifiedCopy.objects.filter(document__agency=person.agency, status=CopyStatus.IN_USE)
           .select_related("document", "document__classified", "holder")
           .order_by("document__classified__due_back_on", "document_id", "number"))
    batches = person.agency.classified_returns.select_related("requested_by")[:20]
    return render(request, "secrecy/returns.html", {"overdue": overdue, "out": out, "batches": batches,
                                                    "today": today, "this_year": today.year, "me": person})


@require_POST
@person_required
def request_return(request):
    person = request.person
    try:
        year = int(request.POST.get("year", "0"))
        batch = services.request_return(actor=person, agency=person.agency, year=year,
                                        note=request.POST.get("note", ""))
        messages.success(request, f"已通知清退{batch.year}年度密件 {batch.copies.count()} 份。")
    except ValueError:
        messages.error(request, "请填写清退年度。")
    except DomainError as exc:
        refuse(request, exc)
    return redirect("secrecy:returns")


@person_required
def destructions(request):
    person = request.person
    if not (access.is_registrar(person, person.agency_id) or access.can_approve(person, person.agency_id)):
        raise DjangoPermissionDenied("销毁审批只对机要员、机关领导和办公室主任开放。")
    rows = []
    for d in selectors.destructions(person)[:200]:
        rows.append((d, [(c, selectors.label(person, c.document)) for c in d.copies.all()]))
    returned = []
    if access.is_registrar(person, person.agency_id):
        returned = (ClassifiedCopy.objects.filter(document__agency=person.agency, status=CopyStatus.RETURNED,
                                                  destruction__isnull=True)
                    .select_related("document", "document__classified").order_by("document_id", "number"))
    return render(request, "secrecy/destructions.html", {
        "rows": rows, "returned": returned, "me": person, "Status": DestructionStatus,
        "can_approve": access.can_approve(person, person.agency_id),
        "is_registrar": access.is_registrar(person, person.agency_id)})


@require_POST
@person_required
def destruction_new(request):
    person = request.person
    ids = [int(x) for x in request.POST.getlist("copy") if x.isdigit()]
    run_service(request, lambda: services.request_destruction(actor=person, agency=person.agency, copy_ids=ids,
                                                              reason=request.POST.get("reason", "")),
                success="已提出销毁申请，待领导或办公室主任审批。")
    return redirect("secrecy:destructions")


@require_POST
@person_required
def destruction_op(request, pk, op):
    person = request.person
    if not Destruction.objects.filter(pk=pk, agency_id=person.agency_id).exists():
        raise Http404("未找到该销毁记录。")
    p = request.POST
    if op in ("approve", "reject"):
        run_service(request, lambda: services.approve_destruction(actor=person, destruction_id=pk,
                                                                  approve=op == "approve", opinion=p.get("opinion", "")),
                    success="已审批。")
    elif op == "execute":
        run_service(request, lambda: services.execute_destruction(actor=person, destruction_id=pk,
                                                                  method=p.get("method", ""), place=p.get("place", ""),
                                                                  witness=p.get("witness", "")),
                    success="已销毁并登记。")
    else:
        raise Http404()
    return redirect("secrecy:destructions")
