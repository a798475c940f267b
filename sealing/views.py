"""Pages of the sealing app: the seal registry (安全保密管理员), the seal ledger (用印登记簿)
with its print view and Excel export, the verification page (验证) for anyone signed in,
用印 from the document page's panel, and the sealed PDF's download. Views parse, call one
service and render; refusals show as Chinese alerts and write nothing."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from documents import storage
from org.models import Agency, Person
from ui.dates import cn_datetime
from ui.excel import ledger_xlsx
from ui.views import paginate, person_required, run_service

from . import access, selectors, services

PRINT_LIMIT = 2000
COLUMNS = [("序号", 6), ("用印时间", 18), ("发文字号", 20), ("标题", 50), ("签发人", 16), ("份数", 6), ("印章", 24),
           ("用印人", 10), ("SM3 摘要", 70), ("状态", 8), ("作废理由", 40), ("备注", 20)]


def _ledger_context(request):
    person = request.person
    if not access.can_read_ledger(person):
        raise DjangoPermissionDenied("只有印章管理员和办公室人员可以查看用印登记簿。")
    f = selectors.LedgerFilter.from_params(request.GET)
    return f, {"filter": f, "query": request.GET.urlencode(), "years": selectors.years(person),
               "seals": selectors.registry(person), "agency": person.agency}


@person_required
def ledger(request):
    f, context = _ledger_context(request)
    page = paginate(request, selectors.ledger(request.person, f))
    context.update({"page": page, "offset": page.start_index() - 1 if page.paginator.count else 0})
    return render(request, "sealing/ledger.html", context)


@person_required
def print_ledger(request):
    f, context = _ledger_context(request)
    rows = list(selectors.ledger(request.person, f)[:PRINT_LIMIT + 1])
    context.update({"uses": rows[:PRINT_LIMIT], "truncated": len(rows) > PRINT_LIMIT, "limit": PRINT_LIMIT,
                    "printed_at": timezone.now()})
    return render(request, "sealing/ledger_print.html", context)


@person_required
def export(request):
    f, _ = _ledger_context(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    rows = ([n, cn_datetime(use.used_at), use.doc_number, use.title, use.signers, use.copies, use.seal.name,
             use.used_by.name, use.sm3, use.state_display, use.void_reason, use.note]
            for n, use in enumerate(selectors.ledger(request.person, f).iterator(chunk_size=500), start=1))
    return ledger_xlsx("用印登记簿", COLUMNS, rows, filename=f"用印登记簿-{stamp}.xlsx",
                       ascii_filename=f"seal-ledger-{stamp}.xlsx")


# --- the seal registry ---------------------------------------------------------------------------


def _registry_context(person):
    agencies = Agency.objects.filter(is_internal=True).order_by("id")
    keepers = {a.pk: list(selectors.keepers(a)) for a in agencies}
    return {"seals": selectors.registry(person), "agencies": agencies, "keepers": keepers,
            "all_keepers": [(a, keepers[a.pk]) for a in agencies if keepers[a.pk]]}


@person_required
def registry(request):
    person = request.person
    if not access.can_manage_seals(person):
        raise DjangoPermissionDenied("只有安全保密管理员可以管理印章。")
    if request.method == "POST":
        agency = Agency.objects.filter(pk=_int(request.POST.get("agency"))).first()
        keeper = Person.objects.filter(pk=_int(request.POST.get("keeper"))).first()
        if run_service(request, lambda: services.register_seal(actor=person, agency=agency,
                                                              name=request.POST.get("name", ""), keeper=keeper),
                       success=lambda seal: f"已登记印章“{seal.name}”，保管人{seal.keeper.name}；已生成电子印章密钥。"):
            return redirect("sealing:seals")
    return render(request, "sealing/registry.html", _registry_context(person))


@require_POST
@person_required
def seal_op(request, pk, op):
    person = request.person
    if not access.can_manage_seals(person):
        raise DjangoPermissionDenied("只有安全保密管理员可以管理印章。")
    if op == "keeper":
        keeper = Person.objects.filter(pk=_int(request.POST.get("keeper"))).first()
        run_service(request, lambda: services.change_keeper(pk, actor=person, keeper=keeper,
                                                            reason=request.POST.get("reason", "")),
                    not_found="未找到该印章。", success=lambda seal: f"“{seal.name}”已移交{seal.keeper.name}保管。")
    elif op == "deactivate":
        run_service(request, lambda: services.deactivate_seal(pk, actor=person, reason=request.POST.get("reason", "")),
                    not_found="未找到该印章。", success=lambda seal: f"“{seal.name}”已停用。")
    else:
        raise Http404()
    return redirect("sealing:seals")


# --- 用印 from the document page -------------------------------------------------------------------


@require_POST
@person_required
def seal_document(request, pk):
    person = request.person
    run_service(request, lambda: services.seal_by_document(pk, actor=person, seal_id=_int(request.POST.get("seal")),
                                                           copies=request.POST.get("copies") or None,
                                                           note=request.POST.get("note", "")),
                not_found="未找到该公文或您无权查看。",
                success=lambda use: f"已加盖“{use.seal.name}”：{use.doc_number}，{use.copies}份。已送分发。")
    return redirect("web:document", pk=pk)


def _visible_use(person, pk):
    use = selectors.visible_uses(person).filter(pk=pk).select_related("final_version").first()
    if use is None:
        raise Http404("未找到该用印记录或您无权查看。")
    return use


@person_required
def sealed_pdf(request, pk):
    """The sealed 成品 of a ledger entry (the PDF whose SM3 the ledger holds)."""
    use = _visible_use(request.person, pk)
    version = use.final_version
    if version is None:
        raise Http404("该用印记录没有电子成品。")
    data = storage.read(version.storage_path, version.sha256)
    response = HttpResponse(data, content_type="application/pdf")
    name = f"{use.doc_number}（已用印）.pdf"
    response["Content-Disposition"] = (f"attachment; filename=\"sealed-{use.pk}.pdf\"; "
                                       f"filename*=UTF-8''{quote(name)}")
    return response


# --- verification --------------------------------------------------------------------------------


@person_required
def verify(request):
    """验证: upload a PDF; it is compared with the chosen ledger entry, or looked up by its
    SM3 digest. Any signed-in person may check a file."""
    person = request.person
    result = error = None
    chosen = request.POST.get("use") or request.GET.get("use") or ""
    use = None
    if chosen:
        use = selectors.visible_uses(person).filter(pk=_int(chosen) or 0).first()
        if use is None:
            error = "未找到该用印记录或您无权查看：将按文件摘要查找用印记录。"
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择要验证的 PDF 文件。"
        elif upload.size > settings.MAX_UPLOAD_BYTES:
            error = f"文件过大：上限为 {settings.MAX_UPLOAD_BYTES // (1024 * 1024)} MB。"
        else:
            data = upload.read()
            result = services.verify(use, data) if use is not None else services.find_and_verify(data)
            result["name"] = upload.name
            found = result.get("seal_use")
            result["visible"] = found is not None and selectors.visible_uses(person).filter(pk=found.pk).exists()
    return render(request, "sealing/verify.html", {"result": result, "error": error, "use": use, "chosen": chosen})


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None

