"""会签签发 pages (drafting.joint): the co-issuing agency's principal leader sees only the
documents they are asked to sign; the lead agency's office asks and withdraws."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from drafting import body as drafting_body
from drafting import joint
from drafting.output import latest_pdf
from gongwen.errors import DomainError, NotFound
from ui.views import person_required, refuse, run_service


def _get(person, pk):
    try:
        return joint.get_for(person, pk)
    except NotFound:
        raise Http404("未找到该会签签发请求。") from None


@person_required
def joint_list(request):
    return render(request, "drafting/joint/list.html", {"requests": list(joint.open_for(request.person))})


@person_required
def joint_detail(request, pk):
    from drafting import preview

    person = request.person
    item = _get(person, pk)
    document = item.document
    pages = []
    proof = latest_pdf(document, "proof")
    if proof is not None:
        try:
            pages = list(range(1, min(preview.page_count(joint.proof_pdf(person, item)[1]), preview.MAX_PAGES) + 1))
        except (DomainError, NotFound):
            pages = []
    recipients = list(document.recipients.all())
    return render(request, "drafting/joint/detail.html", {
        "item": item, "document": document, "proof": proof, "pages": pages,
        "main_to": [r.name for r in recipients if r.kind == "main"],
        "copy_to": [r.name for r in recipients if r.kind == "copy"],
        "paragraphs": [p for p in drafting_body.version_text(item.body_version).splitlines() if p.strip()],
        "may_sign": item.state == item.State.OPEN and joint.is_principal_of(person, item.agency),
    })


@person_required
def joint_page(request, pk, page):
    from drafting import preview

    item = _get(request.person, pk)
    try:
        found = joint.proof_pdf(request.person, item)
        if found is None:
            raise Http404("尚未生成清样。")
        png = preview.page_png(found[1], page - 1)
    except (DomainError, NotFound):
        raise Http404("没有该页。") from None
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=600"
    return response


@require_POST
@person_required
def joint_act(request, pk, op):
    person = request.person
    item = _get(person, pk)
    post = request.POST
    try:
        if op == "sign":
            joint.sign_joint(item.pk, actor=person, opinion=post.get("opinion", ""))
            messages.success(request, f"已签发《{item.document.title}》。")
            return redirect("web:joint_list")
        if op == "decline":
            joint.decline_joint(item.pk, actor=person, reason=post.get("reason", ""))
            messages.success(request, "已答复不同意，理由已告知牵头机关。")
            return redirect("web:joint_list")
        if op == "withdraw":
            joint.withdraw_joint(item.pk, actor=person)
            messages.success(request, f"已撤回请{item.agency.name}签发的请求。")
            return redirect(f"{reverse('web:document', args=[item.document_id])}#og-actions")
        raise Http404()
    except DomainError as exc:
        refuse(request, exc)
    return redirect("web:joint_detail", pk=item.pk)


@require_POST
@person_required
def joint_request(request, pk):
    """The lead agency's office asks a joint agency's principal leader to sign here."""
    person = request.person
    try:
        agency_id = int(request.POST.get("agency") or 0)
    except ValueError:
        agency_id = 0
    run_service(request, lambda: joint.request_joint_signoff(pk, actor=person, agency_id=agency_id,
                                                             note=request.POST.get("note", "")),
                not_found="未找到该公文或您无权查看。", success=lambda item: f"已请{item.agency.name}在系统中签发。")
    return redirect(f"{reverse('web:document', args=[pk])}#og-actions")


def lead_panel(person, document) -> list[dict]:
    """Per joint agency, for the lead office on the document page: signed / asked / may ask."""
    from drafting import gates
    from drafting.models import JointSignRequest, SignOff

    body = gates.current_body(document)
    signed = {s.agency_id: s for s in gates.valid_signoffs(document, body).filter(kind=SignOff.Kind.JOINT)}
    asks = {}
    for r in JointSignRequest.objects.filter(document=document).select_related("decided_by").order_by("requested_at"):
        asks[r.agency_id] = r
    rows = []
    for j in document.joint_issuers.select_related("agency"):
        if j.agency_id == document.agency_id:
            continue
        last = asks.get(j.agency_id)
        rows.append({"agency": j.agency, "signoff": signed.get(j.agency_id),
                     "open": last if last is not None and last.state == JointSignRequest.State.OPEN else None,
                     "last": last, "internal": j.agency.is_internal})
    return rows
