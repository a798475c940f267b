"""Organisation pages (三员分立): the system administrator manages agencies, units and
people; the security administrator grants posts, clearances and administrator roles.
Delegations (委托/AB角) are set by each person for themselves."""

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from gongwen.errors import DomainError
from gongwen.uploads import read_upload
from org import services as org_services
from org.access import can_grant_posts, can_manage_org
from org.models import Agency, Delegation, Person, Post
from ui.views import allowed_if, person_required, refuse, run_service

from ..forms import (
    AdminRoleForm,
    AgencyForm,
    ClearanceForm,
    CsvImportForm,
    DelegationForm,
    PersonForm,
    PostForm,
    UnitForm,
)

ORG_STAFF = allowed_if(lambda p: can_manage_org(p) or can_grant_posts(p),
                       "只有系统管理员和安全保密管理员可以进入组织机构管理。")


def _posts_prefetch():
    return Prefetch("posts", queryset=Post.objects.select_related("unit").prefetch_related("units_in_charge"))


@ORG_STAFF
def agencies(request):
    person = request.person
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        done = run_service(request, lambda: org_services.create_agency(
            actor=person, name=c["name"], short_name=c["short_name"], kind=c["kind"], code=c["code"],
            level=c["level"], parent=c["parent"], is_internal=c["is_internal"]),
            success=lambda agency: f"已新增机关“{agency.name}”。")
        if done:
            return redirect("web:org_agency", agency_id=done.result.pk)
    rows = (Agency.objects.select_related("parent").annotate(n_units=Count("units", distinct=True),
                                                            n_people=Count("people", distinct=True))
            .order_by("-is_internal", "sort_order", "id"))
    return render(request, "web/admin/agencies.html", {
        "agencies": rows, "form": form, "can_manage": can_manage_org(person),
    })


@ORG_STAFF
def agency_detail(request, agency_id):
    person = request.person
    agency = get_object_or_404(Agency, pk=agency_id)
    unit_form = UnitForm(request.POST if request.POST.get("action") == "unit" else None, prefix="unit")
    person_form = PersonForm(request.POST if request.POST.get("action") == "person" else None, agency=agency,
                             prefix="person")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "unit" and unit_form.is_valid():
                c = unit_form.cleaned_data
                unit = org_services.create_unit(actor=person, agency=agency, name=c["name"],
                                                short_name=c["short_name"], is_office=c["is_office"],
                                                is_secretariat=c["is_secretariat"])
                messages.success(request, f"已新增处室“{unit.name}”。")
                return redirect("web:org_agency", agency_id=agency.pk)
            if request.POST.get("action") == "person" and person_form.is_valid():
                c = person_form.cleaned_data
                new = org_services.create_person(actor=person, agency=agency, name=c["name"], username=c["username"],
                                                 password=c["password"], unit=c["unit"], title=c["title"],
                                                 phone=c["phone"])
                messages.success(request, f"已新增人员“{new.name}”（登录名 {c['username']}）。")
                return redirect("web:org_person", person_id=new.pk)
        except DomainError as exc:
            refuse(request, exc)
    people = (Person.objects.filter(agency=agency).select_related("unit", "user").prefetch_related(_posts_prefetch())
              .order_by("unit__sort_order", "unit_id", "sort_order", "id"))
    return render(request, "web/admin/agency.html", {
        "agency": agency, "units": agency.units.all(), "people": people, "unit_form": unit_form,
        "person_form": person_form, "can_manage": can_manage_org(person),
    })


@ORG_STAFF
def person_detail(request, person_id):
    actor = request.person
    target = get_object_or_404(Person.objects.select_related("agency", "unit", "user"), pk=person_id)
    action = request.POST.get("action") if request.method == "POST" else None
    post_form = PostForm(request.POST if action == "grant" else None, agency=target.agency, prefix="post")
    clearance_form = ClearanceForm(request.POST if action == "clearance" else None,
                                   initial={"clearance": target.clearance}, prefix="cl")
    role_form = AdminRoleForm(request.POST if action == "role" else None, initial={"role": target.admin_role},
                              prefix="role")
    if request.method == "POST":
        try:
            message = None
            if action == "grant" and post_form.is_valid():
                c = post_form.cleaned_data
                post = org_services.grant_post(actor=actor, person=target, kind=c["kind"], unit=c["unit"],
                                               units_in_charge=c["units_in_charge"])
                message = f"已授予岗位：{post.get_kind_display()}。"
            elif action == "revoke":
                post = get_object_or_404(Post, pk=request.POST.get("post"), person=target)
                org_services.revoke_post(actor=actor, post=post)
                message = f"已撤销岗位：{post.get_kind_display()}。"
            elif action == "clearance" and clearance_form.is_valid():
                org_services.set_clearance(actor=actor, person=target,
                                           clearance=clearance_form.cleaned_data["clearance"])
                message = "已更新涉密等级。"
            elif action == "role" and role_form.is_valid():
                org_services.set_admin_role(actor=actor, person=target, role=role_form.cleaned_data["role"])
                message = "已更新管理员角色。"
            elif action == "active":
                org_services.set_person_active(actor=actor, person=target, active=request.POST.get("active") == "1")
                message = "已更新在岗状态。"
            if message:
                messages.success(request, message)
                return redirect("web:org_person", person_id=target.pk)
        except DomainError as exc:
            refuse(request, exc)
    posts = target.posts.select_related("unit").prefetch_related("units_in_charge")
    return render(request, "web/admin/person.html", {
        "target": target, "posts": posts, "post_form": post_form, "clearance_form": clearance_form,
        "role_form": role_form, "can_manage": can_manage_org(actor), "can_grant": can_grant_posts(actor),
    })


SAMPLES = {
    "org": ("机关,机关简称,机关代字,机关类别,上级机关,处室,处室类型,姓名,登录名,职务\n"
            "示范市水务局,市水务局,示水,部门,,办公室,办公室,钱文书,qian_ws,文书\n"
            "示范市水务局,市水务局,示水,部门,,水资源处,,孔处长,kong_cz,处长\n"
            "示范市水文站,市水文站,示水文,二级局,示范市水务局,办公室,办公室,曹文书,cao_ws,文书\n"),
    "posts": ("登录名,岗位,所在处室,分管处室\n"
              "qian_ws,文书,办公室,\n"
              "kong_cz,处长,水资源处,\n"),
}


@ORG_STAFF
def sample_csv(request, kind):
    text = SAMPLES.get(kind)
    if text is None:
        return HttpResponse(status=404)
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sample-{kind}.csv"'
    return response


def _csv_text(raw: bytes) -> str:
    """The text of an uploaded CSV: UTF-8 (with or without BOM) or, as Excel saves it, GB 18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError("无法识别文件编码，请另存为 UTF-8 编码的 CSV。")


@ORG_STAFF
def import_csv(request):
    actor = request.person
    form = CsvImportForm(request.POST or None, request.FILES or None,
                         initial={"kind": "org" if can_manage_org(actor) else "posts"})
    if request.method == "POST" and form.is_valid():
        def import_it():
            text = _csv_text(read_upload(form.cleaned_data["file"]))  # refused while streaming if too large
            if form.cleaned_data["kind"] == "org":
                password = form.cleaned_data.get("default_password") or ""
                if len(password) < 8:
                    raise DomainError("导入人员时请填写至少 8 位的初始密码。")
                return org_services.import_org_csv(actor=actor, text=text, default_password=password)
            return org_services.import_posts_csv(actor=actor, text=text)

        def imported(result):
            c = result.created
            return (f"导入完成：新增机关 {c['agencies']} 个、处室 {c['units']} 个、人员 {c['people']} 名、"
                    f"岗位 {c['posts']} 个；跳过已存在的 {result.skipped} 行。")

        if run_service(request, import_it, success=imported):
            return redirect("web:org_import")
    return render(request, "web/admin/import.html", {
        "form": form, "can_manage": can_manage_org(actor), "can_grant": can_grant_posts(actor),
    })


# --- delegations (every person) ------------------------------------------------------------


@person_required
def delegations(request):
    person = request.person
    form = DelegationForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        if run_service(request, lambda: org_services.create_delegation(
                actor=person, from_person=person, to_person=c["to_person"], starts_at=c["starts_at"],
                ends_at=c["ends_at"], reason=c["reason"]),
                success=lambda _: f"已委托{c['to_person'].name}在该时段代为办理您的待办。"):
            return redirect("web:delegations")
    given = Delegation.objects.filter(from_person=person).select_related("to_person")
    received = Delegation.objects.filter(to_person=person).select_related("from_person")
    return render(request, "web/delegations.html", {"form": form, "given": given, "received": received})


@require_POST
@person_required
def delegation_cancel(request, delegation_id):
    delegation = get_object_or_404(Delegation, pk=delegation_id, from_person=request.person)
    run_service(request, lambda: org_services.cancel_delegation(actor=request.person, delegation=delegation),
                success="已撤销委托。")
    return redirect("web:delegations")
