"""The draft's body (正文) as versions: written in the page (structured blocks, rendered to a
GB/T 9704 DOCX on every save) or uploaded as a DOCX. Each save is a new version of the
document's BODY file, never an overwrite, with the extracted text beside it (VersionText)
for diffs and checks.

Who may edit: the holder of an open main task on the document at a 拟稿, 核稿 (review) or
复核 (recheck) node — or someone standing in for the holder (委托/AB角) — while the outgoing
document is open. ``documents.services.upload_file`` is not used: its permission
(``documents.access.can_upload``) lets any office staff member upload and refuses a
stand-in, which is not the rule for the body of a draft. The versions are stored here
through the same internals (``documents.storage``: content-addressed, SHA-256), with the
same limits (size, type by content, no electronic body of a classified document outside a
classified deployment), and one history event (修改正文) plus one audit event.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import services as audit
from documents import storage
from documents.classified import refuse_electronic
from documents.locks import lock_document
from documents.models import Document, DocumentFile, FileVersion
from flow import kit
from flow.models import HistoryAction
from gongwen.errors import DomainError, PermissionDenied
from org.selectors import delegators_of

from . import access, checks, compose, effects
from .models import VersionText
from .render import render_docx

MAX_BLOCKS = 2000
MAX_BLOCK_CHARS = 5000
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --------------------------------------------------------------------------- who


def _edit_task(actor, document: Document):
    """The open main task at an editing node the actor holds (first) or stands in for."""
    from flow.models import Task, TaskRole, TaskStatus

    holders = [actor.pk, *delegators_of(actor, timezone.now())]
    tasks = Task.objects.filter(document_id=document.pk, status=TaskStatus.OPEN, role=TaskRole.MAIN,
                                node_kind__in=access.EDIT_KINDS, assignee_id__in=holders).select_related("process")
    return min(tasks, key=lambda t: (t.assignee_id != actor.pk, t.id), default=None)


def _lock_for_edit(actor, document: Document):
    """Lock the document and return it with the actor's editing task; refuse otherwise."""
    locked = lock_document(document.pk)
    access.require_editor(actor, locked)
    task = _edit_task(actor, locked)
    if task is None:  # require_editor has just seen it; only a race gets here
        raise PermissionDenied("只有当前拟稿、审核或复核环节的办理人可以修改本件。")
    refuse_electronic(locked, "上传正文或附件")
    return locked, task


# --------------------------------------------------------------------------- storing


def _file_name(name: str) -> str:
    name = (name or "").strip().replace("/", "_").replace("\\", "_")
    if not name.lower().endswith(".docx"):
        name = f"{name[:195]}.docx" if name else ""
    return name[:200] or "正文.docx"


def _store_version(*, actor, document: Document, task, name: str, data: bytes, text: str,
                   what: str) -> FileVersion:
    """A new version of the BODY file (the file is created with the first version), its
    text, one history event and one audit event. Every refusal is raised before this."""
    sha, rel = storage.store(data)
    file = compose.body_file(document)
    if file is None:
        file = DocumentFile.objects.create(document=document, role=DocumentFile.Role.BODY, name=name)
        number = 1
    else:
        file = DocumentFile.objects.select_for_update().get(pk=file.pk)
        number = (file.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = FileVersion.objects.create(file=file, number=number, original_name=name, content_type=DOCX_TYPE,
                                         size=len(data), sha256=sha, storage_path=rel, uploaded_by=actor)
    VersionText.objects.create(version=version, text=text)
    on_behalf = task.assignee_id if task.assignee_id != actor.pk else None
    kit.record_history(document, actor=actor, action=HistoryAction.BODY, task=task, from_node=task.node_name,
                       on_behalf_of=on_behalf, opinion=f"{what}：正文第{number}版（SHA-256 {sha[:12]}…）")
    audit.record(actor=actor, action="drafting.body.save", target=version,
                 new={"document": document.pk, "file": file.pk, "version": number, "sha256": sha,
                      "size": len(data), "mode": document.body_mode, "on_behalf_of": on_behalf})
    effects.changed(document, actor=actor, cause=f"用印后修改正文（第{number}版）", force=True)
    return version


def _check_size(data: bytes) -> None:
    if len(data) > settings.MAX_UPLOAD_BYTES:
        raise DomainError(f"文件过大：上限为 {settings.MAX_UPLOAD_BYTES // (1024 * 1024)} MB。")


# --------------------------------------------------------------------------- blocks


def clean_blocks(blocks) -> list[dict]:
    """[{"level": 0..4, "text": "..."}], validated; a Chinese DomainError names the block."""
    if not isinstance(blocks, list | tuple):
        raise DomainError("正文格式无效：应为段落列表。", code="bad_blocks")
    if not blocks:
        raise DomainError("正文不能为空：请至少写一段。", code="bad_blocks")
    if len(blocks) > MAX_BLOCKS:
        raise DomainError(f"正文段落过多：最多 {MAX_BLOCKS} 段，实有 {len(blocks)} 段。", code="bad_blocks")
    cleaned = []
    for n, block in enumerate(blocks, start=1):
        if not isinstance(block, dict):
            raise DomainError(f"正文第{n}段格式无效。", code="bad_blocks")
        level = block.get("level", 0)
        if isinstance(level, str) and level.strip().isdigit():
            level = int(level.strip())
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 4:
            raise DomainError(f"正文第{n}段的层次无效：应为 0（正文）至 4（四级标题）。", code="bad_blocks")
        text = block.get("text")
        text = text.strip() if isinstance(text, str) else ""
        if not text:
            raise DomainError(f"正文第{n}段是空的：请填写内容或删去该段。", code="bad_blocks")
        if len(text) > MAX_BLOCK_CHARS:
            raise DomainError(f"正文第{n}段过长：每段最多 {MAX_BLOCK_CHARS} 字，实有 {len(text)} 字。",
                              code="bad_blocks")
        cleaned.append({"level": level, "text": text})
    return cleaned


@transaction.atomic
def save_structured(*, actor, document: Document, blocks: list[dict]) -> FileVersion:
    """Save the body written in the page: store the blocks, render the GB/T 9704 DOCX of the
    whole document and keep it as a new body version with its text."""
    locked, task = _lock_for_edit(actor, document)
    cleaned = clean_blocks(blocks)
    if locked.body_mode == "structured" and locked.body_blocks == cleaned and compose.current_body(locked):
        raise DomainError("正文没有改动。", code="unchanged")
    locked.body_blocks = cleaned
    locked.body_mode = "structured"
    data = render_docx(compose.render_input(locked))
    _check_size(data)
    text = "\n".join(checks.docx_paragraphs(data))
    locked.updated_at = timezone.now()
    locked.save(update_fields=["body_blocks", "body_mode", "updated_at"])
    version = _store_version(actor=actor, document=locked, task=task, name=_file_name(locked.title), data=data,
                             text=text, what="在线编写正文")
    document.body_blocks, document.body_mode = locked.body_blocks, locked.body_mode
    return version


@transaction.atomic
def upload_docx(*, actor, document: Document, name: str, data: bytes) -> FileVersion:
    """Take an uploaded DOCX as the body: a new body version with its text."""
    locked, task = _lock_for_edit(actor, document)
    _check_size(data or b"")
    paragraphs = checks.docx_paragraphs(data)
    if storage.sniff(data) != DOCX_TYPE:
        raise DomainError("上传的文件不是 DOCX 文件（Word 2007 及以上格式），请另存为 .docx 后再上传。",
                          code="not_docx")
    if not paragraphs:
        raise DomainError("上传的 DOCX 没有任何文字，请检查文件。", code="empty_docx")
    current = compose.current_body(locked)
    if current is not None and current.sha256 == hashlib.sha256(data).hexdigest():
        raise DomainError("正文没有改动：与当前版本的内容完全相同。", code="unchanged")
    locked.body_mode = "docx"
    locked.updated_at = timezone.now()
    locked.save(update_fields=["body_mode", "updated_at"])
    version = _store_version(actor=actor, document=locked, task=task, name=_file_name(name), data=data,
                             text="\n".join(paragraphs), what=f"上传正文《{_file_name(name)}》")
    document.body_mode = locked.body_mode
    return version


# --------------------------------------------------------------------------- text


def version_text(version: FileVersion) -> str:
    """The text of a body version, one paragraph a line. Versions stored before the text was
    kept (or through documents.services.upload_file) are extracted now and kept; a version
    that is not a readable DOCX (a PDF, a scan) has no text."""
    try:
        return version.text_extract.text
    except VersionText.DoesNotExist:
        pass
    if version.content_type != DOCX_TYPE:
        return ""
    try:
        text = "\n".join(checks.docx_paragraphs(storage.read(version.storage_path, version.sha256)))
    except storage.FileCorrupted:
        raise
    except DomainError:
        return ""
    try:
        with transaction.atomic():
            VersionText.objects.create(version=version, text=text)
    except IntegrityError:  # extracted at the same time by another request
        pass
    return text
