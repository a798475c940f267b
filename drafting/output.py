"""The output copies of an outgoing document: 清样 (proof) and 成品 (final).

``make_copy`` composes the document as it stands (``compose.render_input``), renders the
GB/T 9704 DOCX (``render.render``) and converts it to PDF with LibreOffice
(``render.render_pdf``). Both are kept, never overwritten:

* the **PDF** is a new version of the document's PDF file of that role
  (``DocumentFile.Role.PROOF`` “清样” or ``FINAL`` “成品”) — the copy people read, print and,
  for the 成品, seal (``sealing.services.seal_document`` stores the sealed PDF as the next
  version of this same file);
* the **DOCX** it was made from is a new version of a second file of the same role (its
  versions are DOCX), so the office can still open the editable source of a copy.

The two files of a role are told apart by their versions' content type (``pdf_file`` /
``docx_file``). ``make_copy`` returns the PDF version; the renderer's warnings (a missing
font replaced by another) are on ``version.warnings`` and in the history and audit entries.

Who may: the office staff of the document's agency, and whoever holds an open task on it
at a node where the copy is checked — the 清样 at the 清样审核 node or any review node, the
成品 at the 成品审核 or 用印 node.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from documents.models import Document, DocumentFile, FileVersion
from flow import gates as flow_gates
from flow import kit
from flow.access import is_office_staff
from flow.models import HistoryAction, NodeKind, Task, TaskRole, TaskStatus
from gongwen.errors import DomainError, NotFound, PermissionDenied
from org.selectors import delegators_of

from . import compose, effects, gates, render

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
KINDS = {"proof": DocumentFile.Role.PROOF, "final": DocumentFile.Role.FINAL}
LABELS = {"proof": "清样", "final": "成品"}


def _role_file(document: Document, role: str, content_type: str) -> DocumentFile | None:
    """The document's file of ``role`` whose versions are of ``content_type`` (newest file)."""
    ids = (FileVersion.objects.filter(file__document=document, file__role=role, content_type=content_type)
           .order_by("-file_id").values_list("file_id", flat=True))
    first = ids.first()
    return DocumentFile.objects.get(pk=first) if first else None


def pdf_file(document: Document, kind: str) -> DocumentFile | None:
    return _role_file(document, KINDS[kind], PDF)


def docx_file(document: Document, kind: str) -> DocumentFile | None:
    return _role_file(document, KINDS[kind], DOCX)


def latest_pdf(document: Document, kind: str) -> FileVersion | None:
    """The newest PDF version of the document's 清样 or 成品."""
    return (FileVersion.objects.filter(file__document=document, file__role=KINDS[kind], content_type=PDF)
            .order_by("-uploaded_at", "-id").first())


def _holds_task_for(actor, document: Document, kind: str) -> bool:
    holders = [actor.pk, *delegators_of(actor, timezone.now())]
    tasks = Task.objects.filter(document=document, status=TaskStatus.OPEN, role=TaskRole.MAIN,
                                assignee_id__in=holders).select_related("activation")
    for task in tasks:
        key = task.activation.node_key
        if kind == "proof" and (key == "proof" or task.node_kind == NodeKind.REVIEW):
            return True
        if kind == "final" and (key == "final" or task.node_kind == NodeKind.SEAL):
            return True
    return False


def may_make(actor, document: Document, kind: str) -> bool:
    if actor is None or actor.admin_role or not document.is_outgoing or not document.is_open:
        return False
    return is_office_staff(actor, document.agency_id) or _holds_task_for(actor, document, kind)


@transaction.atomic
def make_copy(document_id: int, *, actor, kind: str) -> FileVersion:
    """Render the 清样 (``kind="proof"``) or 成品 (``kind="final"``) of an outgoing document
    and store it (PDF and DOCX) as new versions. Returns the PDF version, with the renderer's
    warnings on ``.warnings``. Refuses in Chinese (writing nothing); without LibreOffice the
    renderer's ``ConverterMissing``."""
    from documents.access import can_view
    from documents.services import upload_file

    if kind not in KINDS:
        raise DomainError("只能生成清样或成品。")
    label = LABELS[kind]
    if actor is None:
        raise PermissionDenied("请先登录。")
    document = kit.lock_document(document_id)
    if not can_view(actor, document):
        raise NotFound()
    if not document.is_outgoing:
        raise DomainError(f"只有发文才能生成{label}。")
    if not document.is_open:
        raise DomainError(f"本件{document.get_status_display()}，不能再生成{label}。")
    if not may_make(actor, document, kind):
        where = "清样审核或审核环节" if kind == "proof" else "成品审核或用印环节"
        raise PermissionDenied(f"只有办公室人员或{where}的办理人可以生成{label}。")
    if gates.current_body(document) is None:
        raise DomainError(f"本件尚无正文，不能生成{label}。")
    if kind == "final":
        if not gates.is_numbered(document):
            raise DomainError("本件尚未编号，不能生成成品：请先在“编号”环节取得发文字号。")
        if gates.missing_signatures(document):
            raise DomainError(f"本件签发不全，不能生成成品：尚缺{'、'.join(gates.missing_signatures(document))}。")
        sealed = effects.current_seal_use(document)
        # The 用印 gate holds: the seal use binds the document as it stands (sealing.gates).
        if sealed is not None and flow_gates.GATES["sealed"].check(document, None) is None:
            # A new 成品 would no longer be the file the seal binds (分发 sends only that).
            raise DomainError(f"本件已用印（{sealed.seal.name}，成品第{sealed.final_version.number if sealed.final_version_id else '—'}版），"
                              "不能重新生成成品。如需修改，请退回修改并重新签发后再用印。")

    rendered = render.render(compose.render_input(document))
    pdf = render.render_pdf(rendered.docx)  # ConverterMissing (Chinese) without LibreOffice
    warnings = list(dict.fromkeys(rendered.warnings))

    stem = f"{document.doc_number or document.title[:40]}（{label}）"
    docx_version = upload_file(actor=actor, document=document, name=f"{stem}.docx", data=rendered.docx,
                               role=KINDS[kind], replaces=docx_file(document, kind))
    version = upload_file(actor=actor, document=document, name=f"{stem}.pdf", data=pdf, role=KINDS[kind],
                          replaces=pdf_file(document, kind))
    note = f"生成{label}：PDF 第{version.number}版、DOCX 第{docx_version.number}版"
    if warnings:
        note += "；排版提示：" + "；".join(warnings)
    kit.record_history(document, actor=actor, action=HistoryAction.RENDER, opinion=note[:1000],
                       targets=[f"{label}第{version.number}版"])
    audit.record(actor=actor, action=f"drafting.{kind}", target=version,
                 new={"document": document.pk, "pdf": version.pk, "pdf_sha256": version.sha256,
                      "docx": docx_version.pk, "warnings": warnings})
    version.warnings = warnings
    version.docx_version = docx_version
    return version
