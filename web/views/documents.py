"""The document page itself, the printable processing slip, files and uploads. Registration
and direct submission are the incoming app's pages (incoming.views); the drafting panel of an
outgoing document is the drafting app's (drafting.views.outgoing_context)."""

from urllib.parse import quote

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from deadlines.services import calendar_for
from documents import access as doc_access
from documents import services as doc_services
from documents.models import FileVersion
from drafting.preview import preview_pages
from drafting.views import outgoing_context
from flow import assign as flow_assign
from flow import selectors as flow_selectors
from flow import services as flow_services
from flow.models import Decision, Mode, NodeKind, Operation, PhraseBook, Task, TaskRole, TaskStatus
from incoming.forms import IncomingForm
from org import selectors as org_selectors
from org.models import LEADER_POSTS, Person, Post, Unit
from ui.views import person_required, run_service, visible_document

from ..forms import REJECT_KINDS, UploadForm

DEFAULT_PHRASES = ["阅。", "已阅。", "同意。", "拟同意。", "请抓紧办理。", "请按规定办理。", "请提出意见。"]

# Which fields the main (send on) form shows, by the kind of the current node.
NEEDS_NODES = {NodeKind.SCREEN, NodeKind.PROPOSE, NodeKind.INSTRUCT, NodeKind.DISTRIBUTE}


# --- the document page --------------------------------------------------------------------------


# 发文: what drafters, reviewers and the office write at the drafting and review nodes.
OUTGOING_PHRASES = ["请审核。", "同意。", "已核。", "已复核。", "拟同意，请领导签发。", "请修改后再报。", "同意印发。",
                    "已编号。"]


def _phrases(person, units, *, outgoing: bool = False) -> list[str]:
    own = list(PhraseBook.objects.filter(Q(person=person) | Q(person__isnull=True))
               .order_by("person_id", "sort_order", "id").values_list("text", flat=True))
    if outgoing:
        return list(dict.fromkeys(own + OUTGOING_PHRASES))
    suggested = [f"请{u.name}研办。" for u in units if not u.is_office and not u.is_secretariat][:6]
    return list(dict.fromkeys(own + DEFAULT_PHRASES + suggested))


def _document_tasks(document) -> list[Task]:
    """Every task of the document, read once for the page: the holders and the circulation
    copies below, and the holders' lateness in the extensions panel, are cut from it."""
    return list(Task.objects.filter(document=document)
                .select_related("assignee", "assignee_unit", "acted_by", "sent_by", "activation", "process")
                .order_by("created_at", "id"))


def _holders(tasks) -> list[Task]:
    """``flow.selectors.holders`` out of the page's tasks: the open ones, by arrival."""
    return [t for t in tasks if t.status == TaskStatus.OPEN]


def _circulation(tasks) -> list[Task]:
    """``flow.selectors.circulation`` out of the page's tasks: every circulation copy."""
    return [t for t in tasks if t.role == TaskRole.CIRCULATE]


def _cache_related(obj, name: str, value) -> None:
    """Fill a foreign key of ``obj`` with an instance the page already holds (the same row)."""
    field = type(obj)._meta.get_field(name)
    if value is not None and getattr(obj, field.attname) == value.pk and not field.is_cached(obj):
        field.set_cached_value(obj, value)


def page_context(request, document, *, touch: bool = False) -> dict:
    """Everything the document page shows. Query count is constant: no per-row queries.
    What several parts of the page need is read once here and passed down: the document's
    tasks (holders, circulation, the extensions panel), the working calendar (the deadlines
    and extensions panels), the files (the list and the upload form)."""
    person = request.person
    org_selectors.remember_delegators(person)
    _cache_related(person, "agency", document.agency)  # the navigation names the person's agency
    tasks = _document_tasks(document)
    av = flow_selectors.available(person, document, tasks)
    if touch and av.task is not None:
        flow_services.touch(av.task, actor=person)
    versions = FileVersion.objects.select_related("uploaded_by").order_by("-number")
    files = list(document.files.prefetch_related(Prefetch("versions", queryset=versions)))
    preview = None
    for f in files:
        latest = f.versions.all()[0] if f.versions.all() else None
        f.latest = latest
        if preview is None and latest is not None and latest.content_type == "application/pdf":
            preview = latest
    slip = flow_selectors.processing_slip(document)
    context = {
        "document": document,
        "av": av,
        "slip": slip,
        "slip_has_opinions": any(section.opinions for section in slip),
        "timeline": list(flow_selectors.timeline(document)),
        "holders": _holders(tasks),
        "circulation": _circulation(tasks),
        "document_tasks": tasks,
        "work_calendar": calendar_for(document.agency),
        "files": files,
        "preview": preview,
        "preview_pages": preview_pages(person, preview),
        "can_upload": doc_access.can_upload(person, document),
        "upload_form": None,
        "reject_kinds": REJECT_KINDS,
        "assist_units": list(document.assist_units.all()),
    }
    if context["can_upload"]:
        form = context["upload_form"] = UploadForm(document=document)
        replaces = form.fields["replaces"]  # its choices are the files read above
        replaces.choices = [("", replaces.empty_label), *((f.pk, replaces.label_from_instance(f)) for f in files)]
    if av.task is not None or av.can_circulate or av.can_reject:
        context.update(_operation_choices(person, document, av))
    if av.task is not None:  # who sent it, named above the opinion box
        sender = next((p for p in context.get("people", ()) if p.pk == av.task.sent_by_id), None)
        _cache_related(av.task, "sent_by", sender)
    if document.is_outgoing:  # 发文: the drafting form, findings and the outgoing actions
        context.update(outgoing_context(request, document, context))
    return context


def _operation_choices(person, document, av) -> dict:
    people = list(flow_assign.eligible_assignees(document))
    units = list(Unit.objects.filter(agency_id=document.agency_id))
    leader_ids = set(Post.objects.filter(agency_id=document.agency_id, kind__in=LEADER_POSTS)
                     .values_list("person_id", flat=True))
    leaders = [p for p in people if p.pk in leader_ids]
    task = av.task
    # agency_units: the error-book panel's units (supervision_tags.errors_panel) too
    ctx = {"people": people, "units": units, "agency_units": units, "leaders": leaders, "phrases": _phrases(person, units, outgoing=document.is_outgoing),
           "others": [p for p in people if p.pk != person.pk]}
    if task is None:
        return ctx
    node = av.node or {}
    nxt = flow_selectors.next_step(task, document) if Operation.SEND_ON in av.operations else None
    chooser = None
    if nxt is not None and nxt["assignee_rule"] in ("chosen", "leader_in_charge"):
        is_leader_node = nxt["kind"] in (NodeKind.INSTRUCT, NodeKind.APPROVE)
        chooser = {
            "people": leaders if is_leader_node else [p for p in people if p.pk != person.pk],
            "required": nxt["assignee_rule"] == "chosen",
            "mode_choosable": nxt.get("mode_choosable", False),
            "label": "呈送领导" if is_leader_node else f"“{nxt['name']}”办理人",
        }
    ctx.update({
        "next": nxt,
        "chooser": chooser,
        "modes": [(Mode.SEQUENTIAL, "依次办理（按勾选顺序）"), (Mode.ALL, "同时办理")],
        "show_needs": node.get("kind") in NEEDS_NODES,
        "show_units": node.get("kind") == NodeKind.DISTRIBUTE,
        "show_reply": node.get("kind") == NodeKind.REPLY,
        "unit_members": [p for p in people if p.unit_id == task.assignee_unit_id and p.pk != task.assignee_id],
        "cs_units": [u for u in units if u.pk != task.assignee_unit_id],
        "decisions": [(Decision.AGREE, "同意"), (Decision.DISAGREE, "不同意")],
        "is_circulation": task.role in (TaskRole.CIRCULATE, TaskRole.DUTY),
    })
    ctx["main_op"], ctx["main_label"] = _main_action(task, node, nxt, av.operations)
    if av.can_register:
        ctx["register_form"] = IncomingForm(initial=IncomingForm.initial_from(document), agency=document.agency,
                                            with_addressed_to=False, auto_id="reg_%s")
    return ctx


def _main_action(task, node, nxt, operations) -> tuple[str | None, str]:
    """The operation of the main button of the opinion box and its label."""
    if task.role == TaskRole.CIRCULATE:
        return "read_back", "阅毕，退回办公室"
    if task.role == TaskRole.DUTY:
        return "read_back", "知悉"
    if task.role == TaskRole.COUNTERSIGN:
        return "countersign", "签署会签意见"
    if task.role == TaskRole.ASSIST:
        return "feedback", "提交协办意见，反馈主办单位"
    if task.role == TaskRole.ADDED:
        return "feedback", "提交加签意见"
    if Operation.SEND_ON in operations:
        if node.get("kind") == NodeKind.SIGN_FOR:
            return "send_on", "签收，送登记"
        if nxt is not None:
            return "send_on", f"提交，送“{nxt['name']}”"
        if task.activation.mode == Mode.SEQUENTIAL and task.activation.queue:
            following = Person.objects.filter(pk=task.activation.queue[0][0]).values_list("name", flat=True).first()
            return "send_on", f"提交，送{following}" if following else "提交意见"
        return "send_on", "提交意见"
    if Operation.COMPLETE in operations:
        return "complete", "办结"
    return None, ""


@person_required
def detail(request, pk):
    org_selectors.remember_delegators(request.person)  # visibility, the operations and the panels ask it
    document = visible_document(request.person, pk)
    context = page_context(request, document, touch=True)
    return render(request, "web/document.html", context)


@person_required
def slip(request, pk):
    document = visible_document(request.person, pk)
    return render(request, "web/slip.html", {
        "document": document, "slip": flow_selectors.processing_slip(document), "printed_at": timezone.now(),
        "assist_units": list(document.assist_units.all()),
    })


# --- files -------------------------------------------------------------------------------------


@xframe_options_sameorigin
@person_required
def file_version(request, pk, version_id):
    document = visible_document(request.person, pk)
    version = get_object_or_404(FileVersion.objects.select_related("file", "file__document"),
                                pk=version_id, file__document=document)
    done = run_service(request, lambda: doc_services.read_version(actor=request.person, version=version),
                       not_found="未找到该文件。")
    if not done:
        return redirect("web:document", pk=document.pk)
    response = HttpResponse(done.result, content_type=version.content_type)
    inline = version.content_type in ("application/pdf", "image/png", "image/jpeg") and request.GET.get("download") != "1"
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(version.original_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@person_required
def upload(request, pk):
    document = visible_document(request.person, pk)
    form = UploadForm(request.POST, request.FILES, document=document)
    if not form.is_valid():
        messages.error(request, "请选择要上传的文件。")
        return redirect("web:document", pk=document.pk)
    uploaded = form.cleaned_data["file"]
    run_service(request, lambda: doc_services.upload_file(actor=request.person, document=document, name=uploaded.name,
                                                          data=uploaded.read(), role=form.cleaned_data["role"],
                                                          replaces=form.cleaned_data.get("replaces")),
                not_found=True, success=lambda version: f"已上传《{version.original_name}》第{version.number}版。")
    return redirect("web:document", pk=document.pk)
