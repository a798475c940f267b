"""Filing (归档) by the archivist: what is waiting to be filed and what should not be filed,
the 档号 of an item (件) and its archived PDF with the filing stamp, the catalogue
(归档文件目录) and the yearly archive package.

Rules (RULES.md §9, DA/T 22-2015, 国家档案局令第8号):

* Only closed documents are filed, only by the archivist of their agency, each document once.
  An item is one or more documents: the body with its attachments (one document and its
  files), the original with its final draft (one outgoing document: the 定稿 and the 成品),
  a forwarding document with what it forwards (``forwarded_from`` joins the item by itself).
* 档号 = 全宗号-门类代码·年度-保管期限-机构代码-件号, 件号 four digits, consecutive per
  (全宗, 年度, 保管期限, 机构) under a locked counter row.
* What 8号令 says not to file is flagged with the reason (抄送/传阅 for reference only, 供参阅的
  简报, duplicates, drafts never issued, 退文). Filing a flagged document is refused, unless
  the archivist states why it is to be filed all the same (the flag can be wrong: a 抄送 that
  the agency did act on); the reason is kept on the item and in the audit log. A returned
  document (退文) is never filed: it went back to its sender and is the sender's record.
* A classified document (秘密/机密/绝密) is filed by its metadata only: its item has a 档号,
  no electronic file (the paper copy is the record).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit import services as audit
from documents import storage
from documents.access import seen_by_all, visible_documents
from documents.models import Direction, DocType, Document, DocumentFile, SlipKind, Status
from gongwen.errors import DomainError, NotFound, PermissionDenied
from org.models import OFFICE_POSTS, Agency, PostKind, Unit
from org.selectors import has_post
from ui.dates import cn_date

from . import pdf
from .models import (
    ArchiveItem,
    ArchiveSettings,
    ItemCounter,
    ItemDocument,
    Retention,
    RetentionRule,
    UnitCode,
    YearPackage,
)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CATALOGUE_COLUMNS = [("序号", 6), ("档号", 26), ("文号", 20), ("责任者", 24), ("题名", 50), ("日期", 14),
                     ("密级", 6), ("页数", 6), ("备注", 20)]
HIDDEN_TITLE = "（涉密件，题名不予显示）"

# The default retention schedule (保管期限表) of a new agency: editable by its archivist.
DEFAULT_SCHEDULE = [
    ("本机关重要、政策性发文", "outgoing", "", "", True, Retention.PERMANENT),
    ("决定、决议、命令、公报、纪要", "", "决定 决议 命令 公报 纪要", "", False, Retention.PERMANENT),
    ("规划、制度、机构编制、人事任免", "", "", "规划 条例 办法 规定 编制 任免 机构", False, Retention.PERMANENT),
    ("本机关一般发文", "outgoing", "", "", False, Retention.THIRTY),
    ("上级、下级来文中的请示、报告、批复", "incoming", "请示 报告 批复", "", False, Retention.THIRTY),
    ("签报", "memo", "", "", False, Retention.THIRTY),
    ("其他文件材料", "", "", "", False, Retention.TEN),
]


# --- who -----------------------------------------------------------------------------------------


def is_archivist(person, agency_id: int | None = None) -> bool:
    return (person is not None and not person.admin_role and person.is_active
            and (agency_id is None or person.agency_id == agency_id) and has_post(person, PostKind.ARCHIVIST))


def can_read_catalogue(person) -> bool:
    return (person is not None and not person.admin_role and person.is_active
            and has_post(person, PostKind.ARCHIVIST, *OFFICE_POSTS))


def can_edit_schedule(person, agency_id: int) -> bool:
    if person is None or not person.is_active or person.agency_id != agency_id:
        return False
    return person.admin_role == "system" or is_archivist(person, agency_id)


def require_archivist(person, agency: Agency) -> None:
    if not is_archivist(person, agency.pk):
        raise PermissionDenied(f"只有{agency.short_name}的档案员可以归档。")


def archive_documents(person) -> QuerySet[Document]:
    """The documents the person may see for archiving: what ``visible_documents`` gives, and
    for the archivist every closed unclassified document of the agency (the archivist
    handles no task, so the task-based ways in do not reach those). A classified document
    is reached only the way ``visible_documents`` opens it — its reading scope, copies and
    custodian (secrecy.access) — so the 机要员 adds the archivist to the scope to file it."""
    seen = visible_documents(person)
    if not is_archivist(person):
        return seen
    closed = Document.objects.filter(seen_by_all(), agency_id=person.agency_id,
                                     status__in=[Status.COMPLETED, Status.RETURNED])
    return Document.objects.filter(Q(pk__in=seen.values("pk")) | Q(pk__in=closed.values("pk")))


# --- settings and schedule -----------------------------------------------------------------------


def settings_for(agency: Agency) -> ArchiveSettings | None:
    return ArchiveSettings.objects.filter(agency=agency).first()


@transaction.atomic
def configure(*, actor, agency: Agency, fonds_code: str, category_code: str = "WS", default_unit_code: str = "BGS",
              unit_codes: dict[int, str] | None = None) -> ArchiveSettings:
    """Set the 全宗号, category code and unit codes (unit id → code) of an agency."""
    if not can_edit_schedule(actor, agency.pk):
        raise PermissionDenied(f"只有{agency.short_name}的档案员或系统管理员可以设置全宗号和机构代码。")
    fonds_code = (fonds_code or "").strip().upper()
    category_code = (category_code or "").strip().upper()
    default_unit_code = (default_unit_code or "").strip().upper()
    for label, value in (("全宗号", fonds_code), ("门类代码", category_code), ("默认机构代码", default_unit_code)):
        if not value or not value.isascii() or not value.replace("_", "").isalnum() or "-" in value:
            raise DomainError(f"{label}“{value}”无效：只能用字母和数字，不能为空，不能含“-”。")
    codes = {}
    for unit_id, code in (unit_codes or {}).items():
        code = (code or "").strip().upper()
        unit = Unit.objects.filter(pk=unit_id, agency=agency).first()
        if unit is None:
            raise DomainError(f"处室（编号 {unit_id}）不属于{agency.short_name}。")
        if code and (not code.isascii() or not code.isalnum()):
            raise DomainError(f"{unit.name}的机构代码“{code}”无效：只能用字母和数字。")
        codes[unit] = code
    old = settings_for(agency)
    before = ({"fonds_code": old.fonds_code, "category_code": old.category_code,
               "default_unit_code": old.default_unit_code} if old else None)
    obj, _ = ArchiveSettings.objects.update_or_create(agency=agency, defaults={
        "fonds_code": fonds_code, "category_code": category_code, "default_unit_code": default_unit_code})
    for unit, code in codes.items():
        if code:
            UnitCode.objects.update_or_create(unit=unit, defaults={"agency": agency, "code": code})
        else:
            UnitCode.objects.filter(unit=unit).delete()
    audit.record(actor=actor, action="archive.settings", target=obj, old=before,
                 new={"fonds_code": fonds_code, "category_code": category_code, "default_unit_code": default_unit_code,
                      "unit_codes": {u.name: c for u, c in codes.items()}})
    return obj


def schedule(agency: Agency) -> QuerySet[RetentionRule]:
    """The agency's retention schedule; the default one is written the first time it is asked for."""
    rules = RetentionRule.objects.filter(agency=agency)
    if not rules.exists():
        with transaction.atomic():
            if not RetentionRule.objects.select_for_update().filter(agency=agency).exists():
                for i, (name, direction, types, words, important, retention) in enumerate(DEFAULT_SCHEDULE, start=1):
                    RetentionRule.objects.create(agency=agency, position=i * 10, name=name, direction=direction,
                                                 doc_types=types, keywords=words, important_only=important,
                                                 retention=retention)
    return RetentionRule.objects.filter(agency=agency).order_by("position", "id")


@dataclass
class RuleData:
    name: str
    retention: str
    direction: str = ""
    doc_types: str = ""
    keywords: str = ""
    important_only: bool = False


@transaction.atomic
def save_schedule(*, actor, agency: Agency, rows: list[RuleData]) -> list[RetentionRule]:
    """Replace the schedule with ``rows`` (in order). The last row should match everything."""
    if not can_edit_schedule(actor, agency.pk):
        raise PermissionDenied(f"只有{agency.short_name}的档案员或系统管理员可以修改保管期限表。")
    if not rows:
        raise DomainError("保管期限表不能为空：至少要有一条兜底条目。")
    cleaned = []
    for n, row in enumerate(rows, start=1):
        name = (row.name or "").strip()
        if not name:
            raise DomainError(f"第{n}条缺少条目名称。")
        if row.retention not in Retention.values:
            raise DomainError(f"第{n}条“{name}”的保管期限无效：只能是永久（Y）、定期30年（D30）或定期10年（D10）。")
        if row.direction and row.direction not in Direction.values:
            raise DomainError(f"第{n}条“{name}”的收发类别无效。")
        types = " ".join((row.doc_types or "").replace("，", " ").replace(",", " ").split())
        bad = [t for t in types.split() if t not in DocType.values]
        if bad:
            raise DomainError(f"第{n}条“{name}”的文种“{'、'.join(bad)}”不是法定文种。")
        words = " ".join((row.keywords or "").replace("，", " ").replace(",", " ").split())
        cleaned.append(RuleData(name[:100], row.retention, row.direction or "", types, words[:200],
                                bool(row.important_only)))
    last = cleaned[-1]
    if last.direction or last.doc_types or last.keywords or last.important_only:
        raise DomainError("最后一条须为不设条件的兜底条目（如“其他文件材料”），以免有文件找不到保管期限。")
    old = [(r.name, r.retention) for r in RetentionRule.objects.filter(agency=agency)]
    RetentionRule.objects.filter(agency=agency).delete()
    made = [RetentionRule.objects.create(agency=agency, position=i * 10, name=r.name, direction=r.direction,
                                         doc_types=r.doc_types, keywords=r.keywords, important_only=r.important_only,
                                         retention=r.retention) for i, r in enumerate(cleaned, start=1)]
    audit.record(actor=actor, action="archive.schedule", target=("Agency", agency.pk), old={"rows": old},
                 new={"rows": [(r.name, r.retention) for r in made]})
    return made


def retention_for(document: Document) -> tuple[str, str]:
    """(retention code, the schedule row's name) for a document."""
    for rule in schedule(document.agency):
        if rule.matches(document):
            return rule.retention, rule.name
    return Retention.TEN, "（保管期限表无匹配条目）"


# --- candidates and flags ------------------------------------------------------------------------


def doc_year(document: Document) -> int:
    if document.issued_on:
        return document.issued_on.year
    return timezone.localtime(document.received_at).year


def doc_date(document: Document) -> date | None:
    return document.issued_on or timezone.localtime(document.received_at).date()


def _names(agency: Agency) -> list[str]:
    return [n for n in (agency.name, agency.short_name) if n]


def _first_copies(documents: list[Document]) -> dict[int, str]:
    """For each incoming document that repeats an earlier one of its agency (same sender,
    文号 and title), the earlier one's registry number: one query for the whole list."""
    numbers = {d.doc_number for d in documents if d.direction == Direction.INCOMING and d.doc_number}
    if not numbers:
        return {}
    agency_ids = {d.agency_id for d in documents}
    first: dict[tuple, tuple[int, str]] = {}
    for pk, agency_id, number, title, sender_id, sender_name, year, seq in (
            Document.objects.filter(agency_id__in=agency_ids, direction=Direction.INCOMING, doc_number__in=numbers)
            .order_by("pk").values_list("pk", "agency_id", "doc_number", "title", "sender_id", "sender_name",
                                        "registry_year", "registry_seq")):
        key = (agency_id, number, title, sender_id or sender_name)
        if key not in first:
            label = f"{year}年第{seq}号" if seq else f"编号{pk}"
            first[key] = (pk, label)
    out = {}
    for d in documents:
        hit = first.get((d.agency_id, d.doc_number, d.title, d.sender_id or d.sender_name))
        if d.direction == Direction.INCOMING and d.doc_number and hit and hit[0] < d.pk:
            out[d.pk] = hit[1]
    return out


def not_to_file(document: Document, twins: dict[int, str] | None = None) -> list[str]:
    """The reasons 国家档案局令第8号 gives for not filing this document (empty: file it).
    ``twins``: :func:`_first_copies` of a list the document is in (else one query here)."""
    reasons = []
    if document.status == Status.RETURNED:
        reasons.append("退文：已退回来文机关，由来文机关归档")
    if document.direction == Direction.INCOMING:
        names = _names(document.agency)
        in_cc = any(n in (document.cc_recipients or "") for n in names)
        in_main = any(n in (document.main_recipients or "") for n in names)
        if in_cc and not in_main:
            reasons.append("抄送本机关、不需本机关办理的文件材料")
        if document.slip_kind == SlipKind.RELAY:
            reasons.append("传阅件：普发性、不需本机关办理的文件材料")
        if document.doc_type in (DocType.BRIEFING, DocType.INFORMATION):
            reasons.append("供参阅的简报、情况反映")
        twin = (twins if twins is not None else _first_copies([document])).get(document.pk)
        if twin:
            reasons.append(f"重份文件：与先登记的同一文件（收文{twin}）重复")
    elif document.direction == Direction.OUTGOING and not document.doc_number:
        reasons.append("未编号印发的文稿（一般性文件的草稿、修改稿）")
    return reasons


@dataclass
class Candidate:
    document: Document
    flags: list[str] = field(default_factory=list)
    retention: str = ""
    rule: str = ""
    forwarded: Document | None = None

    @property
    def retention_label(self) -> str:
        return Retention(self.retention).label if self.retention else ""


def candidates(actor, agency: Agency, year: int) -> list[Candidate]:
    """Closed documents of the year not filed yet, with their not-to-file flags and the
    retention the schedule gives. Only the agency's archivist asks."""
    require_archivist(actor, agency)
    docs = (archive_documents(actor).filter(agency=agency, status__in=[Status.COMPLETED, Status.RETURNED],
                                            archive_member__isnull=True)
            .filter(Q(issued_on__year=year) | Q(issued_on__isnull=True, received_at__year=year))
            .select_related("agency", "sender", "lead_unit", "forwarded_from").order_by("received_at", "id"))
    rules = list(schedule(agency))
    docs = list(docs)
    twins = _first_copies(docs)
    out = []
    for d in docs:
        retention, rule = next(((r.retention, r.name) for r in rules if r.matches(d)),
                               (Retention.TEN, "（保管期限表无匹配条目）"))
        out.append(Candidate(d, not_to_file(d, twins), retention, rule, d.forwarded_from))
    return out


# --- filing --------------------------------------------------------------------------------------


def _latest(document: Document, *roles) -> list:
    """The latest version of each file of the given roles, in the files' order."""
    out = []
    for f in document.files.filter(role__in=roles).order_by("id"):
        v = f.latest_version()
        if v is not None:
            out.append((f, v))
    return out


def _body_parts(document: Document, notes: list[str]) -> list[bytes]:
    """The PDFs of a document: the 成品 (else the body), then the attachments. What is not a
    PDF is converted when it is a DOCX and LibreOffice is there, else named in ``notes``."""
    parts = []
    main = [(f, v) for f, v in _latest(document, DocumentFile.Role.FINAL) if v.content_type == PDF]
    if not main:
        main = _latest(document, DocumentFile.Role.BODY, DocumentFile.Role.SCAN)
    for f, v in main + _latest(document, DocumentFile.Role.ATTACHMENT):
        data = storage.read(v.storage_path, v.sha256)
        if v.content_type == PDF:
            parts.append(data)
            continue
        if v.content_type == DOCX:
            from drafting import render

            if render.soffice_path():
                try:
                    parts.append(render.render_pdf(data, timeout=60))
                    continue
                except Exception:  # noqa: BLE001, S110 (LibreOffice failures of every kind: noted below)
                    pass
        notes.append(f"《{document.title}》{f.get_role_display()}“{f.name}”为{storage.ALLOWED.get(v.content_type, '其他')}"
                     "格式，未能转为 PDF，原文件随年度归档包保存。")
    return parts


def _person_line(op) -> str:
    who = op.author.name + (f"（代{op.on_behalf_of.name}）" if op.on_behalf_of_id else "")
    return f"{op.node_name}　{who}：{op.text}　{cn_date(op.created_at)}"


def slip_pdf(document: Document) -> bytes:
    """The processing slip (处理笺) of an incoming document or memo, or the drafting form
    (发文稿纸) of an outgoing one, as PDF."""
    from flow.models import NodeKind, Opinion, TaskRole
    from flow.selectors import processing_slip

    closed = timezone.localtime(document.closed_at) if document.closed_at else None
    if document.direction == Direction.OUTGOING:
        from drafting.models import SignOff

        recipients = list(document.recipients.all())
        fields = [("发文字号", document.doc_number), ("标题", document.title),
                  ("拟稿单位", document.lead_unit.name if document.lead_unit_id else ""),
                  ("拟稿人", document.drafted_by.name if document.drafted_by_id else ""),
                  ("签发人", document.signer), ("成文日期", cn_date(document.issued_on)),
                  ("主送", "、".join(r.name for r in recipients if r.kind == "main")),
                  ("抄送", "、".join(r.name for r in recipients if r.kind == "copy")),
                  ("密级", document.secrecy_display), ("紧急程度", document.urgency),
                  ("公开属性", document.publicity), ("份数", str(document.copies))]
        ops = list(Opinion.objects.filter(document=document).select_related("author", "on_behalf_of")
                   .order_by("created_at", "id"))
        counter = [_person_line(o) for o in ops if o.role == TaskRole.COUNTERSIGN]
        review = [_person_line(o) for o in ops if o.role != TaskRole.COUNTERSIGN
                  and o.node_kind in (NodeKind.DRAFT, NodeKind.REVIEW)]
        after = [_person_line(o) for o in ops if o.role != TaskRole.COUNTERSIGN
                 and o.node_kind in (NodeKind.RECHECK, NodeKind.NUMBER, NodeKind.SEAL, NodeKind.DISPATCH)]
        signs = [f"{s.signer_name}（{s.agency.short_name}）：{s.opinion}　{cn_date(s.signed_on)}"
                 for s in SignOff.objects.filter(document=document).select_related("agency").order_by("signed_at")]
        sections = [("会签", counter), ("核稿、审核", review), ("签发", signs), ("复核、编号、用印、分发", after)]
        title = f"{document.agency.name}发文稿纸"
    else:
        fields = [("来文机关", document.sender_display), ("来文字号", document.doc_number),
                  ("收文编号", document.registry_number), ("标题", document.title),
                  ("密级", document.secrecy_display), ("紧急程度", document.urgency),
                  ("收文时间", cn_date(timezone.localtime(document.received_at))),
                  ("主办单位", document.lead_unit.name if document.lead_unit_id else "")]
        sections = [(s.title, [_person_line(o) for o in s.opinions]) for s in processing_slip(document)
                    if s.opinions]
        title = f"{document.agency.name}{document.get_slip_kind_display()}"
    fields.append(("办结时间", cn_date(closed)))
    return pdf.form_pdf(title, [(k, v or "") for k, v in fields], sections,
                        footer=f"本页由系统于归档时按办理记录生成。状态：{document.get_status_display()}")


def _unit_code(agency: Agency, unit: Unit | None, conf: ArchiveSettings) -> str:
    if unit is not None:
        code = UnitCode.objects.filter(unit=unit).values_list("code", flat=True).first()
        if code:
            return code
    return conf.default_unit_code


def archive_code(conf_fonds: str, category: str, year: int, retention: str, unit_code: str, seq: int) -> str:
    """档号, e.g. Z109-WS·2026-Y-BGS-0001."""
    return f"{conf_fonds}-{category}·{year}-{retention}-{unit_code}-{seq:04d}"


def _next_seq(agency: Agency, year: int, retention: str, unit_code: str) -> int:
    counter = (ItemCounter.objects.select_for_update()
               .filter(agency=agency, year=year, retention=retention, unit_code=unit_code).first())
    if counter is None:
        try:
            with transaction.atomic():
                ItemCounter.objects.create(agency=agency, year=year, retention=retention, unit_code=unit_code)
        except IntegrityError:
            pass  # created by a concurrent filing; lock theirs
        counter = ItemCounter.objects.select_for_update().get(agency=agency, year=year, retention=retention,
                                                              unit_code=unit_code)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _responsible(document: Document) -> str:
    if document.direction == Direction.OUTGOING:
        if document.is_joint:
            names = [document.agency.name, *[j.agency.name for j in document.joint_issuers.select_related("agency")
                                             if j.agency_id != document.agency_id]]
            return "、".join(names)
        return document.agency.name
    if document.direction == Direction.MEMO:
        return document.lead_unit.name if document.lead_unit_id else document.agency.name
    return document.sender_display


@transaction.atomic
def file_item(*, actor, documents: list[Document], retention: str | None = None, unit: Unit | None = None,
              override_reason: str = "", remarks: str = "") -> ArchiveItem:
    """File one item (件) made of ``documents`` (the first is the main one)."""
    if not documents:
        raise DomainError("请选择要组成一件的公文。")
    first = documents[0]
    # Whether the actor files at all is decided on the actor's own agency, before any id is
    # looked at: a document of another agency is then "not found", never "not yours".
    require_archivist(actor, actor.agency)
    agency = first.agency
    ids = list(dict.fromkeys(d.pk for d in documents))
    locked = {d.pk: d for d in Document.objects.select_for_update().filter(pk__in=ids)}
    # the archivist may name any unclassified document of the agency (one still open is
    # refused below as not closed rather than as not found) and a classified one only when
    # its reading scope lets the archivist see it
    seen = set(Document.objects.filter(seen_by_all(), pk__in=ids, agency_id=actor.agency_id)
               .values_list("pk", flat=True))
    seen |= set(visible_documents(actor).filter(pk__in=ids).values_list("pk", flat=True))
    if set(ids) - seen or len(locked) != len(ids):
        raise NotFound()
    docs = [locked[i] for i in ids]
    # a forwarding document takes what it forwards into the same item (RULES.md §9)
    roles = {d.pk: ItemDocument.Role.MAIN if n == 0 else ItemDocument.Role.PART for n, d in enumerate(docs)}
    for d in list(docs):
        original = d.forwarded_from
        if (original is not None and original.agency_id == agency.pk and original.pk not in roles
                and not ItemDocument.objects.filter(document=original).exists()
                and original.status == Status.COMPLETED):
            original = Document.objects.select_for_update().get(pk=original.pk)
            docs.append(original)
            roles[original.pk] = ItemDocument.Role.FORWARDED
    for d in docs:
        if d.agency_id != agency.pk:
            raise DomainError(f"《{d.title}》不是{agency.short_name}的公文，不能与本件组成一件。")
        if d.status == Status.RETURNED:
            raise DomainError(f"《{d.title}》已退文，退文不归档（由来文机关归档）。", code="not_to_file")
        if d.status != Status.COMPLETED:
            raise DomainError(f"《{d.title}》尚未办结，办结后才能归档。", code="not_closed")
        member = ItemDocument.objects.filter(document=d).select_related("item").first()
        if member is not None:
            raise DomainError(f"《{d.title}》已归档（档号 {member.item.archive_code}），不能重复归档。",
                              code="already_filed")
    flags = [(d, reason) for d in docs for reason in not_to_file(d)]
    override_reason = (override_reason or "").strip()
    if flags and len(override_reason) < 4:
        listed = "；".join(f"《{d.title}》：{r}" for d, r in flags)
        raise DomainError(f"按国家档案局令第8号，以下文件材料不归档：{listed}。"
                          "如确需归档，请填写归档理由（至少4个字）。", code="not_to_file")
    conf = settings_for(agency)
    if conf is None or not conf.fonds_code:
        raise DomainError(f"{agency.short_name}尚未设置全宗号，请先在“归档设置”中填写全宗号和机构代码。",
                          code="no_fonds")
    main = docs[0]
    if retention:
        if retention not in Retention.values:
            raise DomainError("保管期限无效：只能是永久（Y）、定期30年（D30）或定期10年（D10）。")
    else:
        retention, _ = retention_for(main)
    if unit is not None and unit.agency_id != agency.pk:
        raise DomainError(f"{unit.name}不是{agency.short_name}的处室。")
    unit = unit or main.lead_unit or (main.drafted_by.unit if main.drafted_by_id else None)
    unit_code = _unit_code(agency, unit, conf)
    year = doc_year(main)
    classified = any(d.secrecy for d in docs)

    notes: list[str] = []
    archived = slips = b""
    pages = 0
    if not classified:
        bodies = [part for d in docs for part in _body_parts(d, notes)]
        slip_parts = [slip_pdf(d) for d in docs]
        slips = pdf.merge(slip_parts)
        if not bodies:
            bodies = [pdf.placeholder_pdf([f"《{main.title}》", "本件无 PDF 格式的电子正文。", *notes])]
        merged = pdf.merge(bodies + slip_parts)
        pages = pdf.page_count(merged)
    else:
        pages = main.pages or 0

    seq = _next_seq(agency, year, retention, unit_code)
    code = archive_code(conf.fonds_code, conf.category_code, year, retention, unit_code, seq)
    if not classified:
        archived = pdf.stamp_first_page(merged, {"fonds": conf.fonds_code, "year": year, "seq": f"{seq:04d}",
                                                 "unit": unit_code, "retention": retention, "pages": pages})
    pdf_sha = pdf_path = slip_sha = slip_path = ""
    if archived:
        pdf_sha, pdf_path = storage.store(archived)
        slip_sha, slip_path = storage.store(slips)
    remark_parts = [r for r in [(remarks or "").strip(), "涉密件，仅登记元数据" if classified else ""] if r]
    item = ArchiveItem.objects.create(
        agency=agency, fonds_code=conf.fonds_code, category_code=conf.category_code, year=year, retention=retention,
        unit=unit, unit_code=unit_code, seq=seq, archive_code=code, doc_number=main.doc_number,
        responsible=_responsible(main)[:300], title=main.title, date=doc_date(main), secrecy=main.secrecy,
        pages=pages, remarks="；".join(remark_parts)[:300], metadata_only=classified, pdf_sha256=pdf_sha,
        pdf_path=pdf_path, pdf_size=len(archived), slip_sha256=slip_sha, slip_path=slip_path, slip_size=len(slips),
        override_reason=override_reason if flags else "", filed_by=actor)
    for n, d in enumerate(docs):
        ItemDocument.objects.create(item=item, document=d, role=roles[d.pk], position=n)
    audit.record(actor=actor, action="archive.file", target=item,
                 new={"archive_code": code, "documents": [d.pk for d in docs], "retention": retention,
                      "pages": pages, "sha256": pdf_sha, "metadata_only": classified,
                      "flags": [r for _, r in flags], "override_reason": item.override_reason, "notes": notes})
    return item


def read_item_pdf(actor, item: ArchiveItem, which: str = "pdf") -> bytes:
    """The archived PDF (or the slips alone) of an item, checked against its SHA-256."""
    if not can_read_catalogue(actor) or actor.agency_id != item.agency_id:
        raise NotFound("未找到该归档文件或您无权查看。")
    if not archive_documents(actor).filter(archive_member__item=item).exists():
        raise NotFound("未找到该归档文件或您无权查看。")
    if which == "slip":
        if not item.slip_path:
            raise NotFound("本件没有电子处理笺（涉密件仅登记元数据）。")
        return storage.read(item.slip_path, item.slip_sha256)
    if not item.pdf_path:
        raise NotFound("本件没有电子文件（涉密件仅登记元数据）。")
    return storage.read(item.pdf_path, item.pdf_sha256)


# --- catalogue -----------------------------------------------------------------------------------


@dataclass
class Row:
    item: ArchiveItem
    title: str
    can_see: bool

    def cells(self, n: int) -> list:
        i = self.item
        return [n, i.archive_code, i.doc_number if self.can_see else "", i.responsible, self.title,
                cn_date(i.date), i.secrecy, i.pages, i.remarks]


def catalogue(actor, agency: Agency, year: int, retention: str | None = None) -> list[Row]:
    """归档文件目录 of an agency's year (optionally one retention), in 档号 order. A classified
    item's title and number show only to people who may see its document."""
    if not can_read_catalogue(actor) or actor.agency_id != agency.pk:
        raise PermissionDenied("只有本机关的档案员和办公室人员可以查看归档文件目录。")
    items = ArchiveItem.objects.filter(agency=agency, year=year)
    if retention:
        items = items.filter(retention=retention)
    items = list(items.order_by("retention", "unit_code", "seq"))
    order = {Retention.PERMANENT: 0, Retention.THIRTY: 1, Retention.TEN: 2}
    items.sort(key=lambda i: (order.get(i.retention, 9), i.unit_code, i.seq))
    visible = set(archive_documents(actor).filter(archive_member__item__in=items)
                  .values_list("archive_member__item_id", flat=True))
    return [Row(i, i.title if (i.pk in visible or not i.secrecy) else HIDDEN_TITLE,
                i.pk in visible or not i.secrecy) for i in items]


def years(agency: Agency) -> list[int]:
    this = timezone.localdate().year
    filed = set(ArchiveItem.objects.filter(agency=agency).values_list("year", flat=True).distinct())
    closed = {d.year for d in Document.objects.filter(agency=agency, status=Status.COMPLETED)
              .dates("received_at", "year")}
    return sorted(filed | closed | {this, this - 1}, reverse=True)


def catalogue_xlsx(rows: list[Row], *, title: str) -> bytes:
    from ui.excel import Sheet, workbook

    return workbook([Sheet("归档文件目录", CATALOGUE_COLUMNS, (row.cells(n) for n, row in enumerate(rows, start=1)),
                           heading=[title], landscape=True)])


# --- metadata and the year package ---------------------------------------------------------------


def item_metadata(item: ArchiveItem, files: list[dict], *, can_see: bool = True) -> dict:
    """The item's metadata with the GB/T 33480 element names."""
    members = []
    for m in item.members.select_related("document", "document__agency", "document__sender").order_by("position"):
        d = m.document
        members.append({
            "作用": m.get_role_display(), "题名": d.title if can_see or not d.secrecy else HIDDEN_TITLE,
            "文号": d.doc_number if can_see or not d.secrecy else "", "文种": d.doc_type,
            "收发类别": d.get_direction_display(), "责任者": _responsible(d),
            "来文机关": d.sender_display if d.direction == Direction.INCOMING else "",
            "签发人": d.signer, "成文日期": d.issued_on.isoformat() if d.issued_on else "",
            "收文编号": d.registry_number, "密级": d.secrecy, "保密期限": d.secrecy_term, "紧急程度": d.urgency,
            "主送": d.main_recipients, "抄送": d.cc_recipients, "份数": d.copies,
            "办结时间": timezone.localtime(d.closed_at).isoformat() if d.closed_at else "",
        })
    return {
        "档号": item.archive_code, "全宗号": item.fonds_code, "门类代码": item.category_code, "年度": item.year,
        "保管期限": item.get_retention_display(), "保管期限代码": item.retention, "机构或问题": item.unit_code,
        "件号": f"{item.seq:04d}", "题名": item.title if can_see or not item.secrecy else HIDDEN_TITLE,
        "文号": item.doc_number if can_see or not item.secrecy else "", "责任者": item.responsible,
        "日期": item.date.isoformat() if item.date else "", "密级": item.secrecy, "页数": item.pages,
        "备注": item.remarks, "归档人": item.filed_by.name, "归档时间": timezone.localtime(item.filed_at).isoformat(),
        "仅登记元数据": item.metadata_only, "组成文件": members, "电子文件": files,
    }


@transaction.atomic
def request_package(*, actor, agency: Agency, year: int) -> YearPackage:
    """Ask for the year's archive package (recorded; built by :func:`build_package`)."""
    require_archivist(actor, agency)
    if not ArchiveItem.objects.filter(agency=agency, year=year).exists():
        raise DomainError(f"{agency.short_name}{year}年度还没有归档文件，无法生成归档包。", code="empty_year")
    if YearPackage.objects.filter(agency=agency, year=year, status__in=[YearPackage.Status.PENDING,
                                                                        YearPackage.Status.RUNNING]).exists():
        raise DomainError(f"{year}年度归档包正在生成，请稍后刷新查看。", code="package_busy")
    package = YearPackage.objects.create(agency=agency, year=year, requested_by=actor)
    audit.record(actor=actor, action="archive.package.request", target=package, new={"year": year})
    return package


def build_package(package_id: int) -> YearPackage:
    """Build the ZIP: per item its archived PDF, its slips PDF and metadata.json (with the
    SHA-256 of each file), then 归档文件目录.xlsx and manifest.json (SHA-256 of every file).
    Runs in the request or in the worker; the row shows progress and the result."""
    with transaction.atomic():
        package = YearPackage.objects.select_for_update().select_related("agency", "requested_by").get(pk=package_id)
        if package.status != YearPackage.Status.PENDING:
            return package
        package.status = YearPackage.Status.RUNNING
        package.save(update_fields=["status"])
    actor, agency = package.requested_by, package.agency
    try:
        rows = catalogue(actor, agency, package.year)
        buffer = io.BytesIO()
        manifest = {}
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            def put(name: str, data: bytes) -> dict:
                z.writestr(name, data)
                digest = hashlib.sha256(data).hexdigest()
                manifest[name] = digest
                return {"文件名": name.rsplit("/", 1)[-1], "路径": name, "大小": len(data), "哈希算法": "SHA-256",
                        "哈希值": digest}

            for n, row in enumerate(rows, start=1):
                item = row.item
                folder = item.archive_code
                files = []
                if item.pdf_path:
                    files.append({**put(f"{folder}/{folder}.pdf", storage.read(item.pdf_path, item.pdf_sha256)),
                                  "格式": "PDF", "作用": "归档文件（含归档章）"})
                if item.slip_path:
                    files.append({**put(f"{folder}/处理笺或发文稿纸.pdf", storage.read(item.slip_path, item.slip_sha256)),
                                  "格式": "PDF", "作用": "处理笺或发文稿纸"})
                if not item.metadata_only:
                    for m in item.members.select_related("document").order_by("position"):
                        for f in m.document.files.order_by("id"):
                            v = f.latest_version()
                            if v is None or v.content_type == PDF:
                                continue  # PDFs are in the archived PDF already
                            files.append({**put(f"{folder}/原文件/{v.pk}-{f.name}",
                                                storage.read(v.storage_path, v.sha256)),
                                          "格式": storage.ALLOWED.get(v.content_type, v.content_type),
                                          "作用": f.get_role_display()})
                meta = json.dumps(item_metadata(item, files, can_see=row.can_see), ensure_ascii=False, indent=2)
                put(f"{folder}/metadata.json", meta.encode())
                if n % 20 == 0:
                    YearPackage.objects.filter(pk=package.pk).update(progress=n)
            title = f"{agency.name}{package.year}年度归档文件目录"
            put("归档文件目录.xlsx", catalogue_xlsx(rows, title=title))
            z.writestr("manifest.json", json.dumps({"机关": agency.name, "年度": package.year, "件数": len(rows),
                                                    "生成时间": timezone.localtime().isoformat(),
                                                    "文件": manifest}, ensure_ascii=False, indent=2))
        data = buffer.getvalue()
        digest, rel = storage.store(data)
        with transaction.atomic():
            YearPackage.objects.filter(pk=package.pk).update(
                status=YearPackage.Status.DONE, progress=len(rows), item_count=len(rows), sha256=digest, path=rel,
                size=len(data), finished_at=timezone.now())
            package.refresh_from_db()
            audit.record(actor=actor, action="archive.package.done", target=package,
                         new={"year": package.year, "items": len(rows), "sha256": digest, "size": len(data)})
    except Exception as exc:
        message = exc.message if isinstance(exc, DomainError) else f"生成失败：{type(exc).__name__}"
        YearPackage.objects.filter(pk=package.pk).update(status=YearPackage.Status.FAILED, error=message[:500],
                                                         finished_at=timezone.now())
        package.refresh_from_db()
    return package


def make_package(*, actor, agency: Agency, year: int) -> YearPackage:
    """Request the package and build it: in the request by default, or in the django-q
    worker when settings.ARCHIVE_PACKAGES_IN_WORKER is on (the packages page then shows
    排队中/生成中 with the progress until it is done)."""
    from django.conf import settings

    package = request_package(actor=actor, agency=agency, year=year)
    if getattr(settings, "ARCHIVE_PACKAGES_IN_WORKER", False):
        from django_q.tasks import async_task

        transaction.on_commit(lambda: async_task("archive.services.build_package", package.pk))
        return package
    return build_package(package.pk)


def packages(actor, agency: Agency) -> QuerySet[YearPackage]:
    require_archivist(actor, agency)
    return YearPackage.objects.filter(agency=agency).select_related("requested_by", "agency")


def read_package(actor, package: YearPackage) -> bytes:
    require_archivist(actor, package.agency)
    if package.status != YearPackage.Status.DONE:
        raise DomainError("归档包尚未生成完成。")
    return storage.read(package.path, package.sha256)


def item_for(actor, pk) -> ArchiveItem:
    item = ArchiveItem.objects.select_related("agency", "filed_by", "unit").filter(pk=pk).first()
    if item is None or not can_read_catalogue(actor) or actor.agency_id != item.agency_id:
        raise NotFound("未找到该归档文件或您无权查看。")
    return item


def item_of(document: Document) -> ArchiveItem | None:
    m = ItemDocument.objects.filter(document=document).select_related("item").first()
    return m.item if m else None
