"""A saved outgoing Document composed into the renderer's and the checker's inputs.

Pure functions (they only read): ``render_input`` gives the ``RenderInput`` of
``drafting.render`` (GB/T 9704 layout), ``check_fields`` the fields of
``drafting.checks.check_fields`` and ``findings`` the checker's findings for the draft as it
stands (rules that the later steps fill in — 签发人 at sign-off, 发文字号 at numbering — are
left out until then).

印发机关 (``printing_agency``): the office of the issuing agency prints its documents. An
agency that is itself an office (its name ends in 办公室/办公厅) prints under its own name;
otherwise its office unit (``Unit.is_office``) gives e.g. “示范市交通运输局办公室”; an agency
without an office unit prints under its own name.
"""

from __future__ import annotations

import re

from documents.models import Document, DocumentFile, FileVersion, Recipient
from documents.validators import secrecy_mark
from ui.dates import cn_date

from . import checks
from .render import Attachment, BodyParagraph, RenderInput

MARK_SUFFIX = {"order": "令", "minutes": "纪要"}  # 文件格式 "文件"; 信函格式 shows no suffix
OFFICE_NAME = re.compile(r"(办公室|办公厅)$")


# --------------------------------------------------------------------------- recipients


def _recipient_names(document: Document, kind: str) -> list[str]:
    return [r.name for r in document.recipients.filter(kind=kind).order_by("position", "id")]


def main_recipients_text(document: Document) -> str:
    """主送机关 names joined with “、” (no colon)."""
    return "、".join(_recipient_names(document, Recipient.Kind.MAIN))


def copy_recipients_text(document: Document) -> str:
    """抄送机关 names joined with “、” (no closing stop)."""
    return "、".join(_recipient_names(document, Recipient.Kind.COPY))


# --------------------------------------------------------------------------- agencies


def issuing_agencies(document: Document) -> list[str]:
    """The issuing agency, then (joint documents) the co-issuing agencies in their order."""
    names = [document.agency.name]
    if document.is_joint:
        names += [j.agency.name for j in document.joint_issuers.select_related("agency").order_by("position", "id")]
    return names


def printing_agency(document: Document) -> str:
    agency = document.agency
    if OFFICE_NAME.search(agency.name):
        return agency.name
    office = agency.units.filter(is_office=True).order_by("sort_order", "id").first()
    return f"{agency.name}{office.name}" if office is not None else agency.name


# --------------------------------------------------------------------------- body


def current_body(document: Document) -> FileVersion | None:
    """The newest version of the document's 正文 (drafting.gates.current_body), or None."""
    from .gates import current_body as newest_body

    return newest_body(document)


def body_file(document: Document) -> DocumentFile | None:
    """The 正文 file new body versions go to: the current body's file, else the first."""
    current = current_body(document)
    if current is not None:
        return current.file
    return document.files.filter(role=DocumentFile.Role.BODY).order_by("id").first()


def heading_level(text: str) -> int:
    """The heading level of a paragraph by its number (一、（一）1.（1）), 0 for text."""
    for level, pattern in checks.HEADING_FORMS:
        if pattern.match(text):
            return level
    return 0


def body_lines(document: Document, lines: list[str]) -> list[str]:
    """The body part of the lines of a DOCX: a complete document's head (版头, 标题, 主送)
    and tail (附件说明, 署名, 成文日期, 版记) are cut off. A DOCX holding the body only
    (no title in its first lines) is read as if the title preceded it."""
    lines = [line.strip() for line in lines if line and line.strip()]
    if not lines:
        return []
    title = re.sub(r"\s+", "", document.title or "")
    head = re.sub(r"\s+", "", "".join(lines[:8]))
    if not title or title not in head:
        lines = [document.title or "（标题）", *lines]
    fields, _ = checks.docx_fields(lines)
    body = list(fields["body"])
    # a signature with no date under it yet (before sign-off) is not taken by docx_fields
    agencies = {re.sub(r"\s+", "", n) for n in issuing_agencies(document)}
    while body and (re.sub(r"\s+", "", body[-1]) in agencies
                    or set(re.split(r"\s+", body[-1].strip())) <= agencies):
        body.pop()
    return body


def body_paragraphs(document: Document) -> list[BodyParagraph]:
    """The paragraphs of the body: the structured blocks written in the page, or the
    body part of the text of the current DOCX version."""
    if document.body_mode == "structured":
        return [BodyParagraph(text=b["text"], level=int(b.get("level") or 0)) for b in document.body_blocks or []
                if (b.get("text") or "").strip()]
    version = current_body(document)
    if version is None:
        return []
    from .body import version_text

    lines = version_text(version).splitlines()
    return [BodyParagraph(text=line, level=heading_level(line)) for line in body_lines(document, lines)]


def attachment_lines(document: Document) -> list[str]:
    return [line.strip() for line in (document.attachments_note or "").splitlines() if line.strip()]


def attachment_names(document: Document) -> list[str]:
    """The attachments named in the note: “附件：1. 名称” lines give “名称”."""
    names = []
    for line in attachment_lines(document):
        name = checks.ATTACH_ITEM.sub("", checks.ATTACH_HEAD.sub("", line)).strip()
        if name:
            names.append(name)
    return names


# --------------------------------------------------------------------------- sign-off


def signer_names(document: Document) -> list[str]:
    """签发人 from the sign-offs valid for the current body (as drafting.services fills the
    ``signer`` field): the principal head's sign-off(s), else the latest internal one, then
    the heads of the co-issuing agencies in the order of the agencies (GB/T 9704 7.2.4 lists
    every signer of a joint 上行文). With no sign-off recorded at all, the ``signer`` field
    (a paper sign-off entered by hand); after the body changed, none until signed again."""
    from .gates import valid_signoffs
    from .models import SignOff

    if not document.signoffs.exists():
        return checks.split_names(document.signer)
    signoffs = list(valid_signoffs(document).order_by("signed_at", "id"))
    internal = [s for s in signoffs if s.kind == SignOff.Kind.INTERNAL]
    principal = [s for s in internal if s.is_principal]
    names = [s.signer_name for s in (principal or internal[-1:])]
    order = {j.agency_id: (j.position, j.id) for j in document.joint_issuers.all()}
    joint = [s for s in signoffs if s.kind == SignOff.Kind.JOINT]
    names += [s.signer_name for s in sorted(joint, key=lambda s: order.get(s.agency_id, (10**6, 0)))]
    return list(dict.fromkeys(n for n in names if n))


# --------------------------------------------------------------------------- renderer


# Every element the renderer prints on the page besides the body, with its name: what a
# seal use binds (sealing.services) — a change of any of them after 用印 voids the seal.
# ``render_input`` takes its fields from ``page_elements``, so nothing printed is left out.
PRINTED = {
    "agency_mark": "发文机关标志",
    "joint_agencies": "联合发文机关",
    "mark_suffix": "版头",
    "kind": "版式",
    "copy_number": "份号",
    "secrecy": "密级和保密期限",
    "urgency": "紧急程度",
    "doc_number": "发文字号",
    "upward": "上行文",
    "signers": "签发人",
    "title": "标题",
    "main_recipients": "主送机关",
    "attachments": "附件说明",
    "issuing_agency": "发文机关署名",
    "date": "成文日期",
    "cc": "抄送机关",
    "printing_agency": "印发机关",
    "printing_date": "印发日期",
}


def page_elements(document: Document, *, copy_number: str = "") -> dict:
    """The elements printed on the page as the document stands, by the renderer's field
    names (``PRINTED``); plain values (text, lists of text, a flag), so they can be stored."""
    agencies = issuing_agencies(document)
    main = main_recipients_text(document)
    copies = _recipient_names(document, Recipient.Kind.COPY)
    date = cn_date(document.issued_on)
    return {
        "agency_mark": agencies[0],
        "joint_agencies": agencies[1:],
        "mark_suffix": MARK_SUFFIX.get(document.layout, "文件"),
        "kind": document.layout or "file",
        "copy_number": copy_number or document.copy_number,
        "secrecy": secrecy_mark(document.secrecy, document.secrecy_term),
        "urgency": document.urgency,
        "doc_number": document.doc_number,
        "upward": document.is_upward,
        "signers": signer_names(document) if document.is_upward else [],
        "title": document.title,
        "main_recipients": f"{main}：" if main else "",
        "attachments": attachment_names(document),
        "issuing_agency": "　".join(agencies),
        "date": date,
        "cc": "，".join(copies),  # the renderer closes the line with “。”
        "printing_agency": printing_agency(document),
        "printing_date": date,
    }


def render_input(document: Document, *, copy_number: str = "") -> RenderInput:
    """The renderer's input for the document as it stands (dates empty until it is signed)."""
    elements = page_elements(document, copy_number=copy_number)
    attachments = [Attachment(name) for name in elements.pop("attachments")]
    return RenderInput(**elements, body=body_paragraphs(document), attachments=attachments)


# --------------------------------------------------------------------------- checker


def check_fields(document: Document) -> dict:
    """The fields ``drafting.checks.check_fields`` takes, from the document as it stands."""
    main = main_recipients_text(document)
    copies = copy_recipients_text(document)
    signers = signer_names(document)
    return {
        "doc_type": document.doc_type,
        "title": document.title,
        "main_to": f"{main}：" if main else "",
        "copy_to": f"{copies}。" if copies else "",
        "number": document.doc_number,
        "signer": "、".join(signers),
        "date": cn_date(document.issued_on),
        "direction": document.writing_direction,
        "secrecy": secrecy_mark(document.secrecy, document.secrecy_term),
        "copy_number": document.copy_number,
        "attachment_note": attachment_lines(document),
        "body": [p.text for p in body_paragraphs(document)],
    }


def subordinate_names(document: Document) -> list[str]:
    from org.models import Agency

    return list(Agency.objects.filter(parent=document.agency_id).order_by("id").values_list("name", flat=True))


def findings(document: Document) -> list[checks.Finding]:
    """The checker's findings for the draft. Before sign-off the missing 签发人 is not a
    finding (the sign-off fills it), nor is the 发文字号 before the number is given."""
    fields = check_fields(document)
    result = checks.check_fields(fields, subordinates=subordinate_names(document))
    if not fields["signer"]:
        result = [f for f in result if f.rule != "routing.signer"]
    if not fields["number"]:
        result = [f for f in result if not f.rule.startswith("number.")]
    return result
