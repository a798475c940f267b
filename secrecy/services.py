"""Classified documents on paper (C07): registration, copies, reading scope, return and
destruction. Every function runs in one transaction, locks what it changes, checks who
acts, appends to the copy ledger (CopyEvent) and the audit log, and refuses with a
Chinese DomainError that writes nothing. Audit events carry ids and copy numbers, never
a classified title.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from documents.classified import LEVELS
from documents.models import Document, Status
from documents.services import IncomingData, clean_incoming, mark_registered
from documents.validators import COPY_NUMBER_RE
from gongwen.errors import DomainError, NotFound, PermissionDenied
from org.models import Agency, Person, PostKind, Unit

from . import access
from .models import (
    ClassifiedCopy,
    CopyEvent,
    CopyStatus,
    Destruction,
    DestructionStatus,
    EventKind,
    ReadingScope,
    Registration,
    ReturnBatch,
)


def due_back_on(year: int) -> date:
    """Classified documents of a year are due back by 30 June of the next year (RULES §7)."""
    return date(year + 1, 6, 30)


@dataclass
class ScopePost:
    post_kind: str
    unit_id: int | None = None


@dataclass
class ClassifiedData:
    """What the 机要员 records: the elements of the document (no body), the copy numbers
    (份号), who gets which copy, the reading scope and the custodian."""

    incoming: IncomingData
    copy_numbers: list[str]
    holders: dict[str, int] = field(default_factory=dict)  # copy number -> person id
    scope_people: list[int] = field(default_factory=list)
    scope_posts: list[ScopePost] = field(default_factory=list)
    custodian_id: int | None = None
    note: str = ""


def _notify(person, document, text: str):
    from deadlines.notify import notify

    # The central notify() keeps a classified title away from anyone outside its scope.
    notify(person, title=text, url=f"/secrecy/documents/{document.pk}/", document=document, email=False)


def _event(copy, kind, actor, *, from_person=None, to_person=None, note="", at=None):
    return CopyEvent.objects.create(copy=copy, kind=kind, actor=actor, from_person=from_person, to_person=to_person,
                                    note=note[:300], at=at or timezone.now())


def _person(pk, agency, what: str) -> Person:
    person = Person.objects.filter(pk=pk, agency=agency, is_active=True, admin_role="").first() if pk else None
    if person is None:
        raise DomainError(f"{what}应为{agency.short_name}在岗人员。")
    return person


def _clean_numbers(numbers: list[str]) -> list[str]:
    cleaned = [(n or "").strip() for n in numbers if (n or "").strip()]
    if not cleaned:
        raise DomainError("请登记份号：密件按份号逐份登记。")
    for n in cleaned:
        if not COPY_NUMBER_RE.match(n):
            raise DomainError(f"份号“{n}”应为六位阿拉伯数字，如“000001”。")
    if len(set(cleaned)) != len(cleaned):
        dup = sorted({n for n in cleaned if cleaned.count(n) > 1})
        raise DomainError(f"份号重复：{'、'.join(dup)}。同一密件的份号不得重复。")
    return cleaned


def parse_copy_numbers(text: str) -> list[str]:
    """``000001-000003, 000007`` → the six-digit numbers (a range is written with a hyphen)."""
    numbers: list[str] = []
    for part in (text or "").replace("，", ",").replace("、", ",").replace("～", "-").replace("~", "-").split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            lo, hi = (x.strip() for x in part.split("-", 1))
            if not (COPY_NUMBER_RE.match(lo) and COPY_NUMBER_RE.match(hi)) or int(hi) < int(lo):
                raise DomainError(f"份号范围“{part}”无效，应写作如“000001-000005”。")
            if int(hi) - int(lo) >= 1000:
                raise DomainError("一次登记的份数不超过1000份。")
            numbers += [f"{i:06d}" for i in range(int(lo), int(hi) + 1)]
        else:
            numbers.append(part)
    return numbers


def _lock_copy(copy_id) -> ClassifiedCopy:
    copy = ClassifiedCopy.objects.select_for_update(of=("self",)).select_related("document").filter(pk=copy_id).first()
    if copy is None:
        raise NotFound("未找到该份密件或您无权查看。")
    return copy


def _require_in_scope(person, document):
    if not access.clears(person, document.secrecy):
        raise DomainError(f"{person.name}的涉密等级不足以知悉{document.secrecy}级密件。")
    if not access.in_scope(person, document):
        raise DomainError(f"{person.name}不在本件的知悉范围内，不得持有或阅读本件。")


@transaction.atomic
def register_classified(*, actor, agency: Agency, data: ClassifiedData) -> Document:
    """The 机要员 registers a classified paper document by its metadata and copy numbers."""
    access.require_registrar(actor, agency)
    Agency.objects.select_for_update().filter(pk=agency.pk).first()  # one registration at a time
    incoming = data.incoming
    if incoming.secrecy not in LEVELS:
        raise DomainError("密件登记须选择密级（秘密、机密或绝密）；非涉密公文请按收文登记。")
    if not access.clears(actor, incoming.secrecy):
        raise PermissionDenied(f"您的涉密等级不足以登记{incoming.secrecy}级密件。")
    numbers = _clean_numbers(data.copy_numbers)
    incoming.copy_number = incoming.copy_number or numbers[0]
    incoming.copies = len(numbers)
    values = clean_incoming(agency, incoming)
    custodian = None
    if data.custodian_id:
        custodian = _person(data.custodian_id, agency, "保管人")
        if not access.clears(custodian, incoming.secrecy):
            raise DomainError(f"保管人{custodian.name}的涉密等级不足以保管{incoming.secrecy}级密件。")
    elif incoming.secrecy == "绝密":
        raise DomainError("绝密件须指定专人保管：请填写保管人。")
    scope_people = [_person(pk, agency, "知悉范围") for pk in dict.fromkeys(data.scope_people)]
    for p in scope_people:
        if not access.clears(p, incoming.secrecy):
            raise DomainError(f"{p.name}的涉密等级不足以知悉{incoming.secrecy}级密件，不能列入知悉范围。")
    posts = []
    for sp in data.scope_posts:
        if sp.post_kind not in PostKind.values:
            raise DomainError("知悉范围中的岗位无效。")
        unit = None
        if sp.unit_id:
            unit = Unit.objects.filter(pk=sp.unit_id, agency=agency).first()
            if unit is None:
                raise DomainError(f"知悉范围中的处室应为{agency.short_name}的处室。")
        posts.append((sp.post_kind, unit))
    if not scope_people and not posts:
        raise DomainError("请确定知悉范围：列明可以阅读本件的人员或岗位。")
    unknown = set(data.holders) - set(numbers)
    if unknown:
        raise DomainError(f"份号{'、'.join(sorted(unknown))}未登记，不能分发。")

    document = Document(agency=agency, **values)
    document.stage = "密件"
    document.status = Status.IN_PROGRESS
    mark_registered(document, actor)
    document.save()
    year = document.registry_year
    last = Registration.objects.filter(agency=agency, year=year).order_by("-seq").values_list("seq", flat=True).first()
    registration = Registration.objects.create(
        document=document, agency=agency, year=year, seq=(last or 0) + 1, custodian=custodian,
        due_back_on=due_back_on(year), registered_by=actor, note=(data.note or "").strip()[:300])
    for p in scope_people:
        ReadingScope.objects.create(document=document, person=p)
    for kind, unit in posts:
        ReadingScope.objects.create(document=document, post_kind=kind, unit=unit)
    for number in numbers:
        copy = ClassifiedCopy.objects.create(document=document, number=number)
        _event(copy, EventKind.REGISTERED, actor, note=registration.number)
    for number, holder_id in data.holders.items():
        if holder_id:
            holder = _person(holder_id, agency, "持有人")
            _require_in_scope(holder, document)
            copy = ClassifiedCopy.objects.get(document=document, number=number)
            _issue(copy, actor, holder, "")
    audit.record(actor=actor, action="secrecy.register", target=document,
                 new={"registration": registration.number, "secrecy": document.secrecy, "copies": numbers,
                      "custodian": custodian.pk if custodian else None})
    return document


def _issue(copy, actor, holder, note):
    copy.holder = holder
    copy.signed_at = None
    copy.save(update_fields=["holder", "signed_at"])
    _event(copy, EventKind.ISSUED, actor, to_person=holder, note=note)
    _notify(holder, copy.document, f"密件待签收：{copy.document.title}（份号{copy.number}）")


@transaction.atomic
def add_scope(*, actor, document: Document, person_id: int | None = None, post_kind: str = "",
              unit_id: int | None = None) -> ReadingScope:
    """The 机要员 widens the reading scope by a person or a post."""
    document = Document.objects.select_for_update().select_related("agency").get(pk=document.pk)
    if not document.secrecy:
        raise DomainError("本件不是密件。")
    access.require_registrar(actor, document.agency)
    if person_id:
        person = _person(person_id, document.agency, "知悉范围")
        if not access.clears(person, document.secrecy):
            raise DomainError(f"{person.name}的涉密等级不足以知悉{document.secrecy}级密件，不能列入知悉范围。")
        if ReadingScope.objects.filter(document=document, person=person).exists():
            raise DomainError(f"{person.name}已在知悉范围内。")
        row = ReadingScope.objects.create(document=document, person=person)
    else:
        if post_kind not in PostKind.values:
            raise DomainError("请选择人员或岗位。")
        unit = Unit.objects.filter(pk=unit_id, agency=document.agency).first() if unit_id else None
        if unit_id and unit is None:
            raise DomainError(f"处室应为{document.agency.short_name}的处室。")
        row = ReadingScope.objects.create(document=document, post_kind=post_kind, unit=unit)
    audit.record(actor=actor, action="secrecy.scope.add", target=document,
                 new={"person": row.person_id, "post_kind": row.post_kind, "unit": row.unit_id})
    return row


@transaction.atomic
def issue_copy(*, actor, copy_id: int, holder: Person, note: str = "") -> ClassifiedCopy:
    """The 机要员 hands a copy kept in the 机要室 to a holder in scope, who then signs for it."""
    copy = _lock_copy(copy_id)
    document = copy.document
    access.require_registrar(actor, document.agency)
    if copy.status != CopyStatus.IN_USE:
        raise DomainError(f"份号{copy.number}{copy.get_status_display()}，不能分发。")
    if copy.holder_id:
        raise DomainError(f"份号{copy.number}现由{copy.holder.name}持有，应由持有人传递或先清退。")
    if holder.agency_id != document.agency_id or not holder.is_active or holder.admin_role:
        raise DomainError(f"持有人应为{document.agency.short_name}在岗人员。")
    _require_in_scope(holder, document)
    _issue(copy, actor, holder, note)
    audit.record(actor=actor, action="secrecy.copy.issue", target=copy, new={"holder": holder.pk, "number": copy.number})
    return copy


@transaction.atomic
def sign_for_copy(*, actor, copy_id: int) -> ClassifiedCopy:
    """The holder confirms receipt of the paper copy (签收)."""
    copy = _lock_copy(copy_id)
    if copy.holder_id != getattr(actor, "pk", None):
        if access.may_read(actor, copy.document):
            raise PermissionDenied(f"份号{copy.number}不是交给您的，只能由接收人本人签收。")
        raise NotFound("未找到该份密件或您无权查看。")
    if copy.status != CopyStatus.IN_USE:
        raise DomainError(f"份号{copy.number}{copy.get_status_display()}。")
    if copy.signed_at is not None:
        raise DomainError(f"份号{copy.number}已于{timezone.localtime(copy.signed_at):%Y年%-m月%-d日}签收。")
    copy.signed_at = timezone.now()
    copy.save(update_fields=["signed_at"])
    _event(copy, EventKind.SIGNED, actor, to_person=actor)
    audit.record(actor=actor, action="secrecy.copy.sign", target=copy, new={"number": copy.number})
    return copy


@transaction.atomic
def pass_on(*, actor, copy_id: int, to_person: Person, note: str = "") -> ClassifiedCopy:
    """The holder passes the copy to another person in scope; recorded, the receiver signs for it."""
    copy = _lock_copy(copy_id)
    document = copy.document
    if copy.holder_id != getattr(actor, "pk", None):
        if access.may_read(actor, document):
            raise PermissionDenied(f"份号{copy.number}不在您手中，不能传递：只有持有人本人可以传递。")
        raise NotFound("未找到该份密件或您无权查看。")
    if copy.status != CopyStatus.IN_USE:
        raise DomainError(f"份号{copy.number}{copy.get_status_display()}，不能传递。")
    if copy.signed_at is None:
        raise DomainError(f"份号{copy.number}您尚未签收，请先签收再传递。")
    if to_person.pk == actor.pk:
        raise DomainError("不能传递给自己。")
    if to_person.agency_id != document.agency_id or not to_person.is_active or to_person.admin_role:
        raise DomainError(f"接收人应为{document.agency.short_name}在岗人员；跨机关传递密件请交机要员办理。")
    _require_in_scope(to_person, document)
    copy.holder = to_person
    copy.signed_at = None
    copy.save(update_fields=["holder", "signed_at"])
    _event(copy, EventKind.PASSED_ON, actor, from_person=actor, to_person=to_person, note=note)
    _notify(to_person, document, f"密件待签收：{document.title}（份号{copy.number}，{actor.name}传递）")
    audit.record(actor=actor, action="secrecy.copy.pass_on", target=copy,
                 new={"from": actor.pk, "to": to_person.pk, "number": copy.number})
    return copy


@transaction.atomic
def add_copy(*, actor, document: Document, note: str = "") -> ClassifiedCopy:
    """复制 one more copy, numbered after the last; 绝密 is never copied here (RULES §7)."""
    document = Document.objects.select_for_update().select_related("agency").get(pk=document.pk)
    if not document.secrecy:
        raise DomainError("本件不是密件。")
    access.require_registrar(actor, document.agency)
    if document.secrecy == "绝密":
        raise DomainError("绝密件不得复制：确需复制的，须经原定密机关批准，由机要部门按规定办理。")
    if not (note or "").strip():
        raise DomainError("请注明复制的批准情况（批准人、用途）。")
    last = ClassifiedCopy.objects.filter(document=document).order_by("-number").values_list("number", flat=True).first()
    number = f"{int(last or 0) + 1:06d}"
    copy = ClassifiedCopy.objects.create(document=document, number=number, is_copied=True)
    document.copies = ClassifiedCopy.objects.filter(document=document).count()
    document.save(update_fields=["copies"])
    _event(copy, EventKind.COPIED, actor, note=note.strip())
    audit.record(actor=actor, action="secrecy.copy.add", target=copy, new={"number": number})
    return copy


def overdue_returns(agency: Agency, today: date | None = None):
    """Copies still out after the 30 June following their year (逾期未清退)."""
    today = today or timezone.localdate()
    return (ClassifiedCopy.objects.filter(document__agency=agency, status=CopyStatus.IN_USE,
                                          document__classified__due_back_on__lt=today)
            .select_related("document", "document__classified", "holder").order_by("document__classified__due_back_on",
                                                                                 "document_id", "number"))


@transaction.atomic
def request_return(*, actor, agency: Agency, year: int, note: str = "") -> ReturnBatch:
    """清退通知: every copy of ``year`` still out is called back; the holders are told."""
    access.require_registrar(actor, agency)
    copies = list(ClassifiedCopy.objects.select_for_update(of=("self",)).filter(
        document__agency=agency, document__classified__year=year, status=CopyStatus.IN_USE, return_batch__isnull=True)
        .select_related("document", "holder").order_by("document_id", "number"))
    if not copies:
        raise DomainError(f"{year}年度没有待清退的密件。")
    batch = ReturnBatch.objects.create(agency=agency, year=year, requested_by=actor, due_on=due_back_on(year),
                                       note=(note or "").strip()[:300])
    for copy in copies:
        copy.return_batch = batch
        copy.save(update_fields=["return_batch"])
        _event(copy, EventKind.RETURN_REQUESTED, actor, from_person=copy.holder, note=f"清退期限{batch.due_on:%Y年%-m月%-d日}")
        if copy.holder_id:
            _notify(copy.holder, copy.document,
                    f"密件清退：{copy.document.title}（份号{copy.number}）请于{batch.due_on:%Y年%-m月%-d日}前交回机要员")
    audit.record(actor=actor, action="secrecy.return.request", target=batch, new={"year": year, "copies": len(copies)})
    return batch


@transaction.atomic
def confirm_return(*, actor, copy_id: int, note: str = "") -> ClassifiedCopy:
    """The 机要员 confirms a copy is back (清退登记)."""
    copy = _lock_copy(copy_id)
    access.require_registrar(actor, copy.document.agency)
    if copy.status != CopyStatus.IN_USE:
        raise DomainError(f"份号{copy.number}{copy.get_status_display()}，不能重复清退。")
    holder = copy.holder
    copy.status = CopyStatus.RETURNED
    copy.holder = None
    copy.signed_at = None
    copy.returned_at = timezone.now()
    copy.save(update_fields=["status", "holder", "signed_at", "returned_at"])
    _event(copy, EventKind.RETURNED, actor, from_person=holder, to_person=actor, note=note)
    audit.record(actor=actor, action="secrecy.return.confirm", target=copy,
                 new={"number": copy.number, "from": holder.pk if holder else None})
    return copy


@transaction.atomic
def request_destruction(*, actor, agency: Agency, copy_ids: list[int], reason: str) -> Destruction:
    """The 机要员 asks to destroy returned copies; a leader or the office director approves."""
    access.require_registrar(actor, agency)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写销毁理由。")
    copies = list(ClassifiedCopy.objects.select_for_update(of=("self",)).filter(pk__in=copy_ids).select_related("document"))
    if not copies or len(copies) != len(set(copy_ids)):
        raise DomainError("请选择要销毁的密件份号。")
    for copy in copies:
        if copy.document.agency_id != agency.pk:
            raise NotFound("未找到该份密件或您无权查看。")
        if copy.status != CopyStatus.RETURNED:
            raise DomainError(f"份号{copy.number}尚未清退（{copy.get_status_display()}），清退登记后才能申请销毁。")
        if copy.destruction_id is not None:
            raise DomainError(f"份号{copy.number}已在销毁申请中。")
    destruction = Destruction.objects.create(agency=agency, reason=reason[:300], requested_by=actor)
    for copy in copies:
        copy.destruction = destruction
        copy.save(update_fields=["destruction"])
        _event(copy, EventKind.DESTRUCTION_REQUESTED, actor, note=reason)
    audit.record(actor=actor, action="secrecy.destruction.request", target=destruction,
                 new={"copies": [c.pk for c in copies]})
    return destruction


def _lock_destruction(destruction_id) -> Destruction:
    d = Destruction.objects.select_for_update().select_related("agency").filter(pk=destruction_id).first()
    if d is None:
        raise NotFound("未找到该销毁记录。")
    return d


@transaction.atomic
def approve_destruction(*, actor, destruction_id: int, approve: bool = True, opinion: str = "") -> Destruction:
    d = _lock_destruction(destruction_id)
    if not access.can_approve(actor, d.agency_id):
        if actor is not None and actor.agency_id == d.agency_id:
            raise PermissionDenied("销毁密件须由机关领导或办公室主任审批。")
        raise NotFound("未找到该销毁记录。")
    if d.requested_by_id == actor.pk:
        raise PermissionDenied("申请人不得审批自己的销毁申请。")
    if d.status != DestructionStatus.REQUESTED:
        raise DomainError(f"该销毁申请{d.get_status_display()}，不能再审批。")
    opinion = (opinion or "").strip()
    if not approve and not opinion:
        raise DomainError("不同意销毁的，请写明意见。")
    d.status = DestructionStatus.APPROVED if approve else DestructionStatus.REJECTED
    d.approved_by = actor
    d.approved_at = timezone.now()
    d.approval_opinion = opinion[:300] or "同意销毁。"
    d.save()
    copies = list(ClassifiedCopy.objects.select_for_update().filter(destruction=d))
    for copy in copies:
        _event(copy, EventKind.DESTRUCTION_APPROVED, actor, note=("同意：" if approve else "不同意：") + d.approval_opinion)
        if not approve:
            copy.destruction = None
            copy.save(update_fields=["destruction"])
    if not approve:
        # the record keeps its copies in the ledger events; the copies may be asked for again
        pass
    audit.record(actor=actor, action="secrecy.destruction.approve", target=d,
                 new={"approved": approve, "opinion": d.approval_opinion})
    return d


@transaction.atomic
def execute_destruction(*, actor, destruction_id: int, method: str, place: str, witness: str) -> Destruction:
    """Destroy the approved copies, recording method, place and witness (监销人)."""
    d = _lock_destruction(destruction_id)
    access.require_registrar(actor, d.agency)
    if d.status != DestructionStatus.APPROVED:
        raise DomainError("未经审批不得销毁密件：请先由机关领导或办公室主任批准。"
                          if d.status == DestructionStatus.REQUESTED else f"该销毁申请{d.get_status_display()}。")
    method, place, witness = (method or "").strip(), (place or "").strip(), (witness or "").strip()
    if not method or not place or not witness:
        raise DomainError("请填写销毁方式、地点和监销人：不得个人私自销毁密件。")
    if witness == actor.name:
        raise DomainError("监销人不能是销毁人本人。")
    d.status = DestructionStatus.EXECUTED
    d.executed_by = actor
    d.executed_at = timezone.now()
    d.method, d.place, d.witness = method[:100], place[:100], witness[:60]
    d.save()
    copies = list(ClassifiedCopy.objects.select_for_update().filter(destruction=d))
    for copy in copies:
        copy.status = CopyStatus.DESTROYED
        copy.holder = None
        copy.save(update_fields=["status", "holder"])
        _event(copy, EventKind.DESTROYED, actor, note=f"{method}，{place}，监销人{witness}")
    audit.record(actor=actor, action="secrecy.destruction.execute", target=d,
                 new={"method": d.method, "place": d.place, "witness": d.witness, "copies": [c.pk for c in copies]})
    return d
