"""Pages of the external exchange packages (外部交换包): the list of the agency's packages
with the import form, a package's page (what it says, whether it was accepted or why
it was refused), its download, the export button of the document page, and the trusted
keys of outside agencies (安全保密管理员). Views parse, call one service and render;
refusals show as Chinese alerts."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from documents.access import get_visible
from gongwen.errors import DomainError, NotFound
from gongwen.uploads import read_upload
from org.models import Agency
from ui.views import paginate, person_required, refuse, run_service

from ..models import Delivery, ExchangePackage, TrustedKey
from . import envelope, receipts
from . import services as packages

DIRECTIONS = {"export": ExchangePackage.Direction.EXPORT, "import": ExchangePackage.Direction.IMPORT}


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _own_key(agency):
    try:
        seal = envelope.signing_seal(agency)
    except DomainError:
        return None
    return {"seal": seal, "fingerprint": envelope.fingerprint(seal.public_key)}


@person_required
def package_list(request):
    person = request.person
    try:
        qs = packages.visible_packages(person)
    except DomainError as exc:
        raise DjangoPermissionDenied(exc.message) from None
    shown = request.GET.get("show", "")
    if shown in DIRECTIONS:
        qs = qs.filter(direction=DIRECTIONS[shown])
    elif shown == "refused":
        qs = qs.filter(status=ExchangePackage.Status.REFUSED)
    page = paginate(request, qs)
    return render(request, "exchange/package_list.html", {
        "page": page, "show": shown, "agency": person.agency, "own_key": _own_key(person.agency),
        "limit_mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024)})


@require_POST
@person_required
def package_import(request):
    person = request.person
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要导入的交换包（ZIP 文件）。")
        return redirect("exchange_packages:list")
    try:
        data = read_upload(upload)  # refused while streaming if over the limit: nothing kept, nothing recorded
        package = packages.import_package(person.agency, person, upload.name or "", data)
    except DomainError as exc:
        refused = (ExchangePackage.objects.filter(agency=person.agency, by=person,
                                                  direction=ExchangePackage.Direction.IMPORT,
                                                  status=ExchangePackage.Status.REFUSED)
                   .order_by("-at", "-id").first())
        if refused is not None and refused.message == exc.message:
            return render(request, "exchange/package_detail.html",
                          {"package": refused, "contents": {}, "just_refused": True}, status=400)
        refuse(request, exc)
        return redirect("exchange_packages:list")
    if package.kind == ExchangePackage.Kind.RECEIPT:
        messages.success(request, f"回执包已验证：{package.counterpart}已签收《{package.document.title}》，已登记回执。")
    else:
        messages.success(request, f"交换包已验证并导入：《{package.document.title}》已送本机关签收。")
    return redirect("exchange_packages:detail", pk=package.pk)


@person_required
def package_detail(request, pk):
    person = request.person
    try:
        package = packages.get_package(person, pk)
    except NotFound:
        raise Http404("未找到该交换包或您无权查看。") from None
    except DomainError as exc:
        raise DjangoPermissionDenied(exc.message) from None
    try:
        contents = packages.contents(package)
    except DomainError as exc:
        contents, error = {}, exc.message
    else:
        error = ""
    return render(request, "exchange/package_detail.html",
                  {"package": package, "contents": contents, "error": error})


@person_required
def package_download(request, pk):
    try:
        package, data = packages.package_data(request.person, pk)
    except NotFound:
        raise Http404("未找到该交换包或您无权查看。") from None
    except DomainError as exc:
        raise DjangoPermissionDenied(exc.message) from None
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = (f"attachment; filename=\"exchange-{package.pk}.zip\"; "
                                       f"filename*=UTF-8''{quote(package.name)}")
    response["X-Content-SHA256"] = package.sha256
    return response


@require_POST
@person_required
def package_export(request, document_id):
    person = request.person
    try:
        document = get_visible(person, document_id)
    except NotFound:
        raise Http404("未找到该公文或您无权查看。") from None
    delivery = None
    if request.POST.get("delivery"):
        delivery = Delivery.objects.filter(pk=_int(request.POST.get("delivery")) or 0, document=document).first()
        if delivery is None:
            messages.error(request, "未找到所选的分发记录。")
            return redirect("web:document", pk=document.pk)
    done = run_service(request, lambda: packages.export_package(document, person, delivery=delivery),
                       not_found="未找到该公文或您无权查看。",
                       success=lambda package: f"已生成外部交换包“{package.name}”并用本机关电子印章密钥签名，"
                                               "请下载后交付对方机关。")
    if not done:
        return redirect("web:document", pk=document.pk)
    return redirect("exchange_packages:detail", pk=done.result.pk)


@require_POST
@person_required
def receipt_export(request, document_id):
    person = request.person
    done = run_service(request, lambda: receipts.export_receipt(get_visible(person, document_id), person),
                       not_found="未找到该公文或您无权查看。",
                       success=lambda package: f"已生成回执包“{package.name}”并签名，"
                                               f"请下载后交付{package.counterpart or '发文机关'}。")
    if not done:
        return redirect("web:document", pk=document_id)
    return redirect("exchange_packages:detail", pk=done.result.pk)


# --- trusted keys (安全保密管理员) ---------------------------------------------------------------


@person_required
def keys(request):
    person = request.person
    if not packages.can_manage_keys(person):
        raise DjangoPermissionDenied("只有安全保密管理员可以管理外部交换公钥。")
    if request.method == "POST":
        agency = Agency.objects.filter(pk=_int(request.POST.get("agency")) or 0).first()
        if run_service(request, lambda: packages.register_key(actor=person, agency=agency,
                                                             public_key=request.POST.get("public_key", ""),
                                                             note=request.POST.get("note", "")),
                       success=lambda key: f"已登记{key.agency.name}的交换公钥，指纹 {key.fingerprint[:16]}…"):
            return redirect("exchange_packages:keys")
    return render(request, "exchange/package_keys.html", {
        "keys": TrustedKey.objects.select_related("agency", "registered_by").order_by("agency__sort_order", "-id"),
        "agencies": Agency.objects.order_by("is_internal", "sort_order", "id"),
        "form": request.POST if request.method == "POST" else {}})


@require_POST
@person_required
def key_revoke(request, pk):
    person = request.person
    if not packages.can_manage_keys(person):
        raise DjangoPermissionDenied("只有安全保密管理员可以管理外部交换公钥。")
    run_service(request, lambda: packages.revoke_key(pk, actor=person, reason=request.POST.get("reason", "")),
                not_found="未找到该公钥。", success=lambda key: f"已停用{key.agency.name}的交换公钥。")
    return redirect("exchange_packages:keys")
