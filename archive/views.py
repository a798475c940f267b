"""Pages of the archive: 待归档 (with the not-to-file flags and the 归档 form), the catalogue
(归档文件目录) with its print view and Excel export, an item with its archived PDF, the
archive settings and retention schedule, and the yearly archive packages. Views parse,
call one service and render; refusals show as Chinese alerts and write nothing."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from documents.models import Direction, DocType, Document
from gongwen.errors import DomainError, NotFound
from org.models import Unit
from ui.views import person_required, refuse, run_service

from . import services
from .models import Retention, UnitCode, YearPackage


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _year(request) -> int:
    year = _int(request.GET.get("year") or request.POST.get("year"))
    return year if year and 1949 <= year <= 9999 else timezone.localdate().year


def _download(data: bytes, filename: str, ascii_name: str, content_type: str, inline: bool = False) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    kind = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return response


def _require_archivist(person):
    if not services.is_archivist(person, person.agency_id):
        raise DjangoPermissionDenied("只有档案员可以办理归档。")


@person_required
def pending(request):
    """待归档: the year's closed documents not filed yet, flags shown, and the 归档 form."""
    person = request.person
    _require_archivist(person)
    year = _year(request)
    agency = person.agency
    rows = services.candidates(person, agency, year)
    flag_filter = request.GET.get("show", "")
    if flag_filter == "ok":
        rows = [r for r in rows if not r.flags]
    elif flag_filter == "flagged":
        rows = [r for r in rows if r.flags]
    return render(request, "archive/pending.html", {
        "year": year, "years": services.years(agency), "rows": rows, "show": flag_filter, "agency": agency,
        "conf": services.settings_for(agency), "retentions": Retention.choices,
        "units": Unit.objects.filter(agency=agency).order_by("id"),
    })


@require_POST
@person_required
def file_item(request):
    person = request.person
    _require_archivist(person)
    ids = [i for i in (_int(v) for v in request.POST.getlist("documents")) if i]
    main = _int(request.POST.get("main"))
    if main in ids:
        ids.remove(main)
        ids.insert(0, main)
    docs = list(Document.objects.filter(pk__in=ids).select_related("agency"))
    docs.sort(key=lambda d: ids.index(d.pk))
    unit = Unit.objects.filter(pk=_int(request.POST.get("unit")), agency=person.agency).first()
    year = _year(request)

    def file_them():
        if len(docs) != len(ids):
            raise NotFound()
        return services.file_item(actor=person, documents=docs, retention=request.POST.get("retention") or None,
                                  unit=unit, override_reason=request.POST.get("override_reason", ""),
                                  remarks=request.POST.get("remarks", ""))

    done = run_service(request, file_them, success=lambda item: f"已归档：档号 {item.archive_code}，共 {item.pages} 页。")
    if not done:
        return redirect(f"{reverse('archive:pending')}?year={year}")
    return redirect("archive:item", pk=done.result.pk)


def _catalogue_context(request):
    person = request.person
    if not services.can_read_catalogue(person):
        raise DjangoPermissionDenied("只有档案员和办公室人员可以查看归档文件目录。")
    year = _year(request)
    retention = request.GET.get("retention", "")
    if retention not in Retention.values:
        retention = ""
    rows = services.catalogue(person, person.agency, year, retention or None)
    return {"year": year, "years": services.years(person.agency), "retention": retention,
            "retention_label": Retention(retention).label if retention else "", "retentions": Retention.choices,
            "rows": rows, "agency": person.agency, "query": request.GET.urlencode(),
            "is_archivist": services.is_archivist(person, person.agency_id)}


@person_required
def catalogue(request):
    return render(request, "archive/catalogue.html", _catalogue_context(request))


@person_required
def catalogue_print(request):
    context = _catalogue_context(request)
    context["printed_at"] = timezone.now()
    return render(request, "archive/catalogue_print.html", context)


@person_required
def catalogue_xlsx(request):
    c = _catalogue_context(request)
    title = f"{c['agency'].name}{c['year']}年度归档文件目录{('（' + c['retention_label'] + '）') if c['retention'] else ''}"
    data = services.catalogue_xlsx(c["rows"], title=title)
    return _download(data, f"{title}.xlsx", f"archive-catalogue-{c['year']}.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@person_required
def item(request, pk):
    try:
        obj = services.item_for(request.person, pk)
    except NotFound:
        raise Http404("未找到该归档文件或您无权查看。") from None
    visible = set(services.archive_documents(request.person).filter(archive_member__item=obj)
                  .values_list("pk", flat=True))
    members = [(m, m.document_id in visible) for m in obj.members.select_related("document").order_by("position")]
    can_see = bool(visible) or not obj.secrecy
    return render(request, "archive/item.html", {"item": obj, "members": members, "can_see": can_see})


@person_required
def item_file(request, pk, which):
    try:
        obj = services.item_for(request.person, pk)
        data = services.read_item_pdf(request.person, obj, "slip" if which == "slip" else "pdf")
    except NotFound:
        raise Http404("未找到该归档文件或您无权查看。") from None
    except DomainError as exc:
        refuse(request, exc)
        return redirect("archive:item", pk=pk)
    name = f"{obj.archive_code}{'-处理笺' if which == 'slip' else ''}.pdf"
    return _download(data, name, f"archive-{obj.pk}-{which}.pdf", "application/pdf", inline=True)


@person_required
def schedule(request):
    """Archive settings (全宗号, category code, unit codes) and the retention schedule."""
    person = request.person
    agency = person.agency
    editable = services.can_edit_schedule(person, agency.pk)
    if not (editable or services.can_read_catalogue(person)):
        raise DjangoPermissionDenied("只有档案员、办公室人员和系统管理员可以查看保管期限表。")
    units = list(Unit.objects.filter(agency=agency).order_by("id"))
    if request.method == "POST":
        if not editable:
            raise DjangoPermissionDenied("只有档案员或系统管理员可以修改。")
        try:
            if request.POST.get("form") == "settings":
                services.configure(actor=person, agency=agency, fonds_code=request.POST.get("fonds_code", ""),
                                   category_code=request.POST.get("category_code", "WS"),
                                   default_unit_code=request.POST.get("default_unit_code", ""),
                                   unit_codes={u.pk: request.POST.get(f"unit_{u.pk}", "") for u in units})
                messages.success(request, "已保存全宗号和机构代码。")
            else:
                rows = []
                for i in range(int(request.POST.get("count") or 0) + 1):
                    name = request.POST.get(f"name_{i}", "").strip()
                    if not name or request.POST.get(f"delete_{i}"):
                        continue
                    position = _int(request.POST.get(f"position_{i}"))
                    rows.append((position if position is not None else i, i, services.RuleData(
                        name=name, retention=request.POST.get(f"retention_{i}", ""),
                        direction=request.POST.get(f"direction_{i}", ""),
                        doc_types=request.POST.get(f"doc_types_{i}", ""),
                        keywords=request.POST.get(f"keywords_{i}", ""),
                        important_only=bool(request.POST.get(f"important_{i}")))))
                rows.sort(key=lambda r: (r[0], r[1]))
                services.save_schedule(actor=person, agency=agency, rows=[r for _, _, r in rows])
                messages.success(request, "已保存保管期限表。")
            return redirect("archive:schedule")
        except DomainError as exc:
            refuse(request, exc)
    rules = list(services.schedule(agency))
    codes = dict(UnitCode.objects.filter(agency=agency).values_list("unit_id", "code"))
    return render(request, "archive/schedule.html", {
        "agency": agency, "conf": services.settings_for(agency), "rules": rules, "editable": editable,
        "units": [(u, codes.get(u.pk, "")) for u in units], "retentions": Retention.choices,
        "directions": Direction.choices, "doc_types": DocType.values, "count": len(rules),
    })


@person_required
def packages(request):
    person = request.person
    _require_archivist(person)
    agency = person.agency
    if request.method == "POST":
        try:
            package = services.make_package(actor=person, agency=agency, year=_year(request))
        except DomainError as exc:
            refuse(request, exc)
        else:
            if package.status == YearPackage.Status.DONE:
                messages.success(request, f"{package.year}年度归档包已生成：{package.item_count} 件，"
                                          f"SHA-256 {package.sha256[:16]}…")
            elif package.status == YearPackage.Status.FAILED:
                messages.error(request, f"{package.year}年度归档包生成失败：{package.error}")
            else:
                messages.info(request, f"{package.year}年度归档包已排队生成，请稍后刷新本页查看进度。")
        return redirect("archive:packages")
    return render(request, "archive/packages.html", {
        "agency": agency, "packages": services.packages(person, agency)[:50], "years": services.years(agency),
        "year": _year(request),
    })


@person_required
def package_download(request, pk):
    person = request.person
    _require_archivist(person)
    package = YearPackage.objects.filter(pk=pk, agency=person.agency).select_related("agency").first()
    if package is None:
        raise Http404("未找到该归档包。")
    try:
        data = services.read_package(person, package)
    except DomainError as exc:
        refuse(request, exc)
        return redirect("archive:packages")
    return _download(data, package.filename, f"archive-{package.year}.zip", "application/zip")
