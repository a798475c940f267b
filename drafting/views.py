"""The pages of drafting and issuing (发文): the drafting form (拟稿), the body editor and its
versions, the actions of the outgoing nodes on the document page (签发, 编号, 联合发文机关签发,
检查意见不改, 清样/成品; 分发 is exchange.views.dispatch), the panel of an outgoing document on
the document page (``outgoing_context``, for web.views.documents), the printable 发文稿纸 and
the numbers ledger (发文登记簿). Routed by drafting/urls.py, included in the ``web`` namespace.

Each POST calls one service of drafting; a refusal (DomainError) writes
nothing and is shown in Chinese. The body editor works without JavaScript: the blocks are
posted as parallel ``level``/``text`` lists, and the 上移/下移/删除/加一段 buttons are submit
buttons that re-render the editor with the blocks rearranged (nothing is saved until
“保存正文”). A second way in is one textarea, one paragraph a line, whose headings are
recognised by their numbering (一、（一）1.（1）).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from documents.models import Document, FileVersion, NumberSeries
from drafting import access as drafting_access
from drafting import body as drafting_body
from drafting import compose, gates
from drafting import diff as drafting_diff
from drafting import services as drafting
from drafting.checks import MUST
from drafting.models import CheckOverride, SignOff
from drafting.selectors import NumberFilters, issued_numbers, number_years
from flow.access import is_office_staff
from flow.models import NodeKind, Opinion, TaskRole
from gongwen.errors import DomainError, NotFound
from org.models import LEADER_POSTS, Person, Post
from ui.dates import cn_date
from ui.excel import ledger_xlsx
from ui.views import person_required, refuse, run_service, visible_document

from .forms import LEVELS, DocxUploadForm, DraftForm, JointSignOffForm, VoidForm
from .preview import preview_pages

# --- who -----------------------------------------------------------------------------------------


def _outgoing(person, pk) -> Document:
    document = visible_document(person, pk)
    if not document.is_outgoing:
        raise Http404("这不是发文。")
    return document


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- 拟稿 ----------------------------------------------------------------------------------------


@person_required
def draft_new(request):
    person = request.person
    if not drafting_access.can_draft(person):
        raise DjangoPermissionDenied("只有本系统内机关处室的工作人员可以拟稿。")
    form = DraftForm(request.POST or None, agency=person.agency, initial={"copies": 1, "layout": "file"})
    if request.method == "POST" and form.is_valid():
        try:
            document = drafting.create_draft(actor=person, data=form.to_data())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已拟稿《{document.title}》。请编写正文，再送审核。")
            return redirect("web:draft_body", pk=document.pk)
    return render(request, "drafting/form.html", {"form": form, "document": None})


@person_required
def draft_edit(request, pk):
    person = request.person
    document = _outgoing(person, pk)
    if not drafting_access.may_edit(person, document, before_sign_off=True):
        raise DjangoPermissionDenied("只有当前拟稿或审核环节的办理人可以修改发文稿纸（签发前）。")
    form = DraftForm(request.POST or None, agency=document.agency,
                     initial=None if request.method == "POST" else DraftForm.initial_from(document))
    if request.method == "POST" and form.is_valid():
        try:
            drafting.update_draft(actor=person, document_id=document.pk, data=form.to_data())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "发文稿纸已保存。")
            return redirect("web:document", pk=document.pk)
    return render(request, "drafting/form.html", {"form": form, "document": document})


# --- 正文 ----------------------------------------------------------------------------------------


def _posted_blocks(request) -> list[dict]:
    levels = request.POST.getlist("level")
    texts = request.POST.getlist("text")
    blocks = []
    for i, text in enumerate(texts):
        level = _int(levels[i] if i < len(levels) else 0)
        blocks.append({"level": level if level in (0, 1, 2, 3, 4) else 0, "text": text})
    return blocks


def text_to_blocks(text: str) -> list[dict]:
    """One paragraph a line; a line that starts with 一、（一）1.（1） is a heading of that level."""
    return [{"level": compose.heading_level(line.strip()), "text": line.strip()}
            for line in (text or "").splitlines() if line.strip()]


def _rearranged(blocks: list[dict], action: str) -> list[dict]:
    verb, _, index = action.partition(":")
    i = _int(index)
    blocks = list(blocks)
    if verb == "add":
        at = len(blocks) if i is None else min(i + 1, len(blocks))
        blocks.insert(at, {"level": 0, "text": ""})
    elif i is None or not 0 <= i < len(blocks):
        return blocks
    elif verb == "remove":
        blocks.pop(i)
    elif verb == "up" and i > 0:
        blocks[i - 1], blocks[i] = blocks[i], blocks[i - 1]
    elif verb == "down" and i < len(blocks) - 1:
        blocks[i + 1], blocks[i] = blocks[i], blocks[i + 1]
    return blocks


def _focus_after(action: str, count: int) -> int | None:
    """Which block gets the focus after a rearranging button (keyboard users stay in place)."""
    verb, _, index = action.partition(":")
    i = _int(index)
    if verb == "add":
        return count - 1 if i is None else i + 1
    if i is None or count == 0:
        return None
    return max(0, min({"up": i - 1, "down": i + 1}.get(verb, i), count - 1))


def _current_blocks(document) -> list[dict]:
    if document.body_blocks:
        return [dict(b) for b in document.body_blocks]
    return [{"level": p.level, "text": p.text} for p in compose.body_paragraphs(document)]


def _versions(document):
    return list(FileVersion.objects.filter(file__document=document, file__role="body")
                .select_related("uploaded_by").order_by("-uploaded_at", "-id"))


@person_required
def draft_body(request, pk):
    person = request.person
    document = _outgoing(person, pk)
    editable = drafting_access.may_edit(person, document)
    blocks = _current_blocks(document)
    plain = ""
    focus = None
    if request.method == "POST":
        if not editable:
            raise DjangoPermissionDenied("只有当前拟稿、审核或复核环节的办理人可以修改正文。")
        action = request.POST.get("action", "save")
        if action == "save_text":
            plain = request.POST.get("plain", "")
            blocks = text_to_blocks(plain)
        else:
            blocks = _posted_blocks(request)
        if action in ("save", "save_text"):
            if run_service(request, lambda: drafting_body.save_structured(actor=person, document=document,
                                                                          blocks=blocks),
                           success=lambda version: f"正文已保存为第{version.number}版。"):
                return redirect("web:draft_body", pk=document.pk)
        else:
            blocks = _rearranged(blocks, action)
            focus = _focus_after(action, len(blocks))
    if not blocks:
        blocks = [{"level": 0, "text": ""}]
    versions = _versions(document)
    return render(request, "drafting/body.html", {
        "document": document, "editable": editable, "blocks": blocks, "levels": LEVELS, "versions": versions,
        "upload_form": DocxUploadForm() if editable else None, "plain": plain or "\n".join(
            b["text"] for b in blocks if b["text"]), "focus": focus,
        "form_editable": editable and drafting_access.may_edit(person, document, before_sign_off=True),
    })


@require_POST
@person_required
def draft_upload(request, pk):
    person = request.person
    document = _outgoing(person, pk)
    form = DocxUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的 DOCX 文件。")
        return redirect("web:draft_body", pk=document.pk)
    uploaded = form.cleaned_data["file"]
    run_service(request, lambda: drafting_body.upload_docx(actor=person, document=document, name=uploaded.name,
                                                           data=uploaded.read()),
                not_found=True, success=lambda version: f"已上传正文《{version.original_name}》，为第{version.number}版。")
    return redirect("web:draft_body", pk=document.pk)


@person_required
def draft_diff(request, pk):
    document = _outgoing(request.person, pk)
    versions = _versions(document)
    by_id = {v.pk: v for v in versions}
    a = by_id.get(_int(request.GET.get("a")))
    b = by_id.get(_int(request.GET.get("b")))
    if (a is None or b is None) and len(versions) >= 2:
        a, b = a or versions[1], b or versions[0]
    html = None
    changed = False
    if a is not None and b is not None:
        ops = drafting_diff.diff_versions(a, b)
        html = drafting_diff.diff_html(ops)
        changed = drafting_diff.has_changes(ops)
    return render(request, "drafting/diff.html", {
        "document": document, "versions": versions, "a": a, "b": b, "diff": html, "changed": changed})


# --- the document page -------------------------------------------------------------------------


def _form_opinions(document):
    """The opinions of the 发文稿纸 in the form's order: 会签, then 核稿/审核 in chain order
    (by time), then the sign-offs (with their dates)."""
    opinions = list(Opinion.objects.filter(document=document).select_related("author", "on_behalf_of", "task",
                                                                          "task__assignee_unit")
                    .order_by("created_at", "id"))
    countersign = [op for op in opinions if op.role == TaskRole.COUNTERSIGN]
    review = [op for op in opinions if op.role != TaskRole.COUNTERSIGN and op.node_kind in (
        NodeKind.DRAFT, NodeKind.REVIEW) and op.node_name not in ("清样审核", "成品审核")]
    after = [op for op in opinions if op.role != TaskRole.COUNTERSIGN and (
        op.node_kind in (NodeKind.RECHECK, NodeKind.NUMBER, NodeKind.SEAL, NodeKind.DISPATCH)
        or op.node_name in ("清样审核", "成品审核"))]
    body = gates.current_body(document)
    signoffs = list(SignOff.objects.filter(document=document).select_related("agency", "signer")
                    .order_by("signed_at", "id"))
    for s in signoffs:
        s.valid = body is not None and s.body_version_id == body.pk
    return {"countersign": countersign, "review": review, "signoffs": signoffs, "after": after}


def _findings(document):
    body = gates.current_body(document)
    kept = {(o.rule, o.place): o for o in CheckOverride.objects.filter(document=document, body_version=body)
            .select_related("by")} if body is not None else {}
    rows = []
    for f in compose.findings(document) if body is not None else []:
        rows.append({"f": f, "must": f.severity == MUST, "kept": kept.get((f.rule, f.place))})
    rows.sort(key=lambda r: (not r["must"] or r["kept"] is not None, ))
    return rows


@person_required
def pdf_page(request, pk, version_id, page):
    """One page of a 清样/成品 PDF as a PNG (drafting.preview)."""
    from documents import services as doc_services
    from drafting import preview

    document = visible_document(request.person, pk)
    version = get_object_or_404(FileVersion, pk=version_id, file__document=document, content_type="application/pdf")
    try:
        png = preview.page_png(doc_services.read_version(actor=request.person, version=version), page - 1)
    except NotFound:
        raise Http404("未找到该文件。") from None
    except DomainError as exc:
        raise Http404(exc.message) from None
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"  # a version never changes
    return response


def outgoing_context(request, document, context: dict) -> dict:
    """What the document page adds for an outgoing document (web.views.documents.page_context)."""
    from drafting import output

    person = request.person
    av = context["av"]
    task = av.task
    node_kind = task.node_kind if task is not None and task.role == TaskRole.MAIN else ""
    office = is_office_staff(person, document.agency_id)
    missing = gates.missing_signatures(document)
    numbered = gates.is_numbered(document)
    ctx = {
        "og": True,
        "og_main": [r.name for r in document.recipients.all() if r.kind == "main"],
        "og_copy": [r.name for r in document.recipients.all() if r.kind == "copy"],
        "og_joint": [j.agency for j in document.joint_issuers.select_related("agency")],
        "og_opinions": _form_opinions(document),
        "og_paragraphs": compose.body_paragraphs(document),
        "og_body": gates.current_body(document),
        "og_findings": _findings(document),
        "og_may_review": drafting_access.may_review(person, document),
        "og_may_edit": drafting_access.may_edit(person, document),
        "og_may_edit_form": drafting_access.may_edit(person, document, before_sign_off=True),
        "og_missing": missing,
        "og_office": office,
        "og_node": node_kind,
        "og_task": task,
        "og_proof": output.latest_pdf(document, "proof"),
        "og_final": output.latest_pdf(document, "final"),
        "og_may_proof": output.may_make(person, document, "proof"),
        # 成品 only once numbered and fully signed (make_copy refuses otherwise).
        "og_may_final": output.may_make(person, document, "final") and numbered and not missing,
        "og_numbers": list(document.issued_numbers.select_related("series", "allocated_by").order_by("-id")),
        "preview": None,  # the outgoing panel shows the 清样/成品 itself
        # The 用印 panel from 编号 on (before that its list of what is missing is only noise).
        "og_seal_stage": node_kind in (NodeKind.NUMBER, NodeKind.SEAL) or numbered or document.seal_uses.exists(),
    }
    ctx["og_pages"] = preview_pages(person, ctx["og_final"] or ctx["og_proof"])
    if node_kind == NodeKind.SIGN_OFF:
        ctx["main_op"] = None  # 签发 goes through drafting.services.sign_off, never the plain 送下一步
        ctx["og_own_sign_off"] = task.assignee_id == person.pk
        queue = task.activation.queue or []
        names = dict(Person.objects.filter(pk__in=[q[0] for q in queue]).values_list("pk", "name"))
        ctx["og_queue"] = [names[q[0]] for q in queue if q[0] in names]
    if node_kind == NodeKind.NUMBER:
        ctx["og_series"] = list(NumberSeries.objects.filter(agency=document.agency, is_active=True))
        ctx["og_numbered"] = numbered
    if node_kind == NodeKind.SEAL:
        ctx["main_op"] = None  # 用印 in the sealing panel sends the document on to 分发 itself
    if node_kind == NodeKind.DISPATCH:
        ctx["main_op"] = None  # 分发 goes through exchange.services.dispatch
    if office and document.is_joint and document.is_open:
        ctx["og_joint_form"] = JointSignOffForm(document=document, auto_id="joint_%s",
                                                initial={"signed_on": timezone.localdate(), "opinion": "同意。"})
        from .joint_views import lead_panel

        ctx["og_joint_rows"] = lead_panel(person, document)
    nxt = context.get("next")
    if nxt is not None and nxt.get("assignee_rule") == "signer":
        leader_ids = set(Post.objects.filter(agency_id=document.agency_id, kind__in=LEADER_POSTS)
                         .values_list("person_id", flat=True))
        ctx["chooser"] = {
            "people": [p for p in context.get("people", []) if p.pk in leader_ids],
            "required": False, "mode_choosable": nxt.get("mode_choosable", False),
            "label": "签发领导（多人依次签发时按签发顺序勾选）",
        }
    return ctx


def _done(request, document):
    return redirect(f"{reverse('web:document', args=[document.pk])}#og-actions")


@require_POST
@person_required
def act(request, pk, op):
    """The outgoing actions of the document page; each calls one service. 分发 (op ``dispatch``)
    is the exchange's page (exchange.views.dispatch), routed at this URL by web/urls.py."""
    person = request.person
    document = _outgoing(person, pk)
    post = request.POST
    try:
        if op == "sign_off":
            signoff = drafting.sign_off(_int(post.get("task")) or 0, actor=person, opinion=post.get("opinion", ""))
            messages.success(request, f"已签发（正文第{signoff.body_version.number}版）。")
        elif op == "number":
            issued = drafting.number(_int(post.get("task")) or 0, actor=person, series_id=_int(post.get("series")))
            messages.success(request, f"已编号：{issued.number}。请核对后点击“送下一步”。")
        elif op == "joint_sign_off":
            form = JointSignOffForm(post, request.FILES, document=document)
            if not form.is_valid():
                errors = "；".join(f"{form.fields[k].label}：{'，'.join(v)}" if k in form.fields else "，".join(v)
                                  for k, v in form.errors.items())
                raise DomainError(f"会签签发信息有误：{errors}")
            d = form.cleaned_data
            scan = (d["scan"].name, d["scan"].read()) if d.get("scan") else None
            drafting.record_joint_signoff(document.pk, actor=person, agency_id=d["agency"].pk,
                                          signer_name=d["signer_name"], signed_on=d["signed_on"],
                                          opinion=d["opinion"], signer_title=d["signer_title"], scan=scan)
            messages.success(request, f"已记录{d['agency'].name}的签发。")
        elif op == "keep_finding":
            drafting.keep_finding(document.pk, actor=person, rule=post.get("rule", ""), place=post.get("place", ""),
                                  reason=post.get("reason", ""))
            messages.success(request, "已确认该检查意见不修改，理由已记录。")
        elif op in ("proof", "final"):
            from drafting import output

            version = output.make_copy(document.pk, actor=person, kind=op)
            label = "清样" if op == "proof" else "成品"
            warn = getattr(version, "warnings", None)
            messages.success(request, f"已生成{label}（PDF 第{version.number}版）。"
                                      + (f"排版提示：{'；'.join(warn)}" if warn else ""))
        else:
            raise Http404()
    except NotFound:
        raise Http404() from None
    except DomainError as exc:
        refuse(request, exc)
    return _done(request, document)


@person_required
def drafting_slip(request, pk):
    """The printable 发文稿纸 (A4)."""
    document = _outgoing(request.person, pk)
    return render(request, "drafting/slip.html", {
        "document": document, "printed_at": timezone.now(), "og_opinions": _form_opinions(document),
        "og_main": [r.name for r in document.recipients.all() if r.kind == "main"],
        "og_copy": [r.name for r in document.recipients.all() if r.kind == "copy"],
        "og_joint": [j.agency for j in document.joint_issuers.select_related("agency")],
    })


# --- 发文登记簿 ----------------------------------------------------------------------------------


def _ledger_person(request):
    person = request.person
    if person.admin_role or not is_office_staff(person, person.agency_id):
        raise DjangoPermissionDenied("发文登记簿由办公室人员查阅。")
    return person


def _ledger(request):
    person = _ledger_person(request)
    series = list(NumberSeries.objects.filter(agency=person.agency))
    years = number_years(person, person.agency_id)
    this_year = timezone.localdate().year
    year = _int(request.GET.get("year")) or (years[0] if years else this_year)
    chosen = next((s for s in series if s.pk == _int(request.GET.get("series"))), None)
    status = request.GET.get("status", "")
    q = (request.GET.get("q") or "").strip()
    # The one read of the 发文登记簿 (drafting.selectors), the same as the API's /numbers.
    rows = issued_numbers(person, NumberFilters(
        agency_id=person.agency_id, year=year, series_id=chosen.pk if chosen is not None else None,
        voided={"void": True, "valid": False}.get(status), q=q))
    rows = list(rows.order_by("series__sort_order", "series_id", "seq"))
    return {"series": series, "years": years or [this_year], "year": year, "chosen": chosen, "status": status,
            "q": q, "rows": rows, "query": request.GET.urlencode()}


@person_required
def ledger(request):
    return render(request, "drafting/ledger.html", {**_ledger(request), "void_form": VoidForm()})


@person_required
def ledger_print(request):
    return render(request, "drafting/ledger_print.html", {**_ledger(request), "printed_at": timezone.now()})


@person_required
def ledger_export(request):
    ctx = _ledger(request)
    columns = [("代字", 10), ("序号", 6), ("发文字号", 22), ("标题", 50), ("拟稿单位", 14), ("签发人", 12),
               ("成文日期", 16), ("编号人", 10), ("编号时间", 17), ("状态", 6), ("作废理由", 30)]
    rows = ([r.series.code, r.seq, r.number, r.document.title,
             r.document.lead_unit.name if r.document.lead_unit_id else "", r.document.signer,
             cn_date(r.document.issued_on), r.allocated_by.name,
             timezone.localtime(r.allocated_at).strftime("%Y-%m-%d %H:%M"), "作废" if r.is_void else "有效",
             r.void_reason] for r in ctx["rows"])
    return ledger_xlsx(f"发文登记簿{ctx['year']}", columns, rows, filename=f"发文登记簿-{ctx['year']}.xlsx",
                       ascii_filename=f"ledger-{ctx['year']}.xlsx",
                       heading=[f"{request.person.agency.name}发文登记簿（{ctx['year']}年）"], wrap=[3])


@require_POST
@person_required
def void(request, issued_id):
    person = _ledger_person(request)
    issued = issued_numbers(person, NumberFilters(agency_id=person.agency_id)).filter(pk=issued_id).first()
    if issued is None:
        raise Http404()
    run_service(request, lambda: drafting.void_number(issued.pk, actor=person, reason=request.POST.get("reason", "")),
                not_found=True, success=lambda _: f"{issued.number}已作废，理由已记录；该文号不再使用。")
    back = request.POST.get("next") or ""
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("web:outgoing_ledger")
