"""Supervision of leader instructions (督办): every state change of a supervision item.

An item (督办事项) is opened from a leader's instruction — by the leader ticking “督办”
when instructing (``instruct_and_supervise``), or by the supervision office typing an
instruction from a document (``open_item``). Later instructions on the same matter attach
to it and are counted (C03). The lead unit reports progress; an item without a report for
its interval of working days is flagged 停滞 once and escalated (``scan_stalled``); it is
closed (办结销号) only after the supervision office accepted a final report.

Every function runs in one transaction, locks the item before deciding, refuses with a
Chinese message that names what is missing (writing nothing), and writes the item's
record (SupervisionEvent), the audit event and, when the item comes from a document, a
督办 entry in the document's routing history. Notifications go through
``deadlines.notify.notify`` (e-mail after commit).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from audit.middleware import client_address
from deadlines.calendar import WorkCalendar, YearUnknown
from deadlines.notify import notify
from deadlines.services import calendar_for
from documents.access import can_view
from documents.models import Document, pending_due_reason
from flow import services as flow
from flow.models import HistoryAction, HistoryEvent, NodeKind, Opinion, Task, TaskRole
from gongwen.errors import Conflict, DomainError, NotFound, PermissionDenied
from org.models import LEADER_POSTS, Agency, Person, PostKind, Unit
from org.selectors import has_post, leaders_in_charge, persons_with_post, unit_heads

from . import access
from .models import ItemInstruction, ProgressReport, SupervisionEvent, SupervisionItem

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 10  # working days without a progress report before an item is 停滞
MAX_INTERVAL = 60
INSTRUCTION_NODES = (NodeKind.INSTRUCT, NodeKind.APPROVE)
FINISHED = (SupervisionItem.State.CLOSED, SupervisionItem.State.CANCELLED)

State = SupervisionItem.State
Kind = SupervisionEvent.Kind


@dataclass
class ItemData:
    """What an item is opened with (the open form, the API, the 督办 tick)."""

    title: str
    instruction: str
    instructed_by: Person | None
    lead_unit: Unit | None
    responsible: Person | None
    due_at: datetime | None
    assist_units: list[Unit] = field(default_factory=list)
    report_required: str = ""
    report_interval_days: int = DEFAULT_INTERVAL
    instructed_at: datetime | None = None
    document: Document | None = None
    opinion: Opinion | None = None


@dataclass
class Supervise:
    """The 督办 part of a leader's instruction form: attach to an item, or open one."""

    attach_to_id: int | None = None
    lead_unit: Unit | None = None
    assist_units: list[Unit] = field(default_factory=list)
    responsible: Person | None = None
    due_at: datetime | None = None
    report_required: str = ""
    report_interval_days: int = DEFAULT_INTERVAL
    title: str = ""


# --- helpers ----------------------------------------------------------------------------------


def item_url(item: SupervisionItem) -> str:
    return reverse("supervision:item", args=[item.pk])


def _label(item: SupervisionItem) -> str:
    return f"{item.number}《{item.title}》" if item.number else f"《{item.title}》"


def _lock(item_id, actor) -> SupervisionItem:
    """Lock the item, then read it fresh; invisible and missing look the same."""
    if actor is None:
        raise PermissionDenied("请先登录。")
    if actor.admin_role:
        raise PermissionDenied("管理员不得办理督办事项。")
    access.get_visible(actor, item_id)  # 404 before anything is locked
    return (SupervisionItem.objects.select_for_update(of=("self",))
            .select_related("agency", "lead_unit", "responsible", "instructed_by", "document").get(pk=item_id))


def _record(item: SupervisionItem, kind: str, *, actor, text: str = "", recipients=(), old=None, new=None,
            documents=()) -> SupervisionEvent:
    """The item's record, the audit event and the 督办 entry of the document's history."""
    now = timezone.now()
    names = [p.name for p in recipients]
    event = SupervisionEvent.objects.create(item=item, kind=kind, actor=actor, at=now, text=text[:500],
                                            recipients=names)
    audit.record(actor=actor, action=f"supervision.{kind}", target=item, old=old,
                 new={"item": item.pk, "state": item.state, **(new or {})})
    targets = {d.pk: d for d in [item.document, *documents] if d is not None}
    for document in targets.values():
        HistoryEvent.objects.create(
            document=document, actor=actor, action=HistoryAction.SUPERVISE, from_node="督办",
            to_node=Kind(kind).label[:30], targets=names, opinion=f"{_label(item)}：{text}"[:2000] if text else
            _label(item), at=now, client_address=client_address.get())
    return event


def _tell(people, item: SupervisionItem, title: str, body: str = "") -> list[Person]:
    """Notify each person once (in-app, e-mail after commit); returns who was told."""
    told = []
    for person in dict.fromkeys(p for p in people if p is not None and p.is_active and not p.admin_role):
        notify(person, title=title, body=body, url=item_url(item), document=item.document)
        told.append(person)
    return told


def _text(value, what: str, *, limit: int | None = None, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{what}。")
    if limit and len(value) > limit:
        raise DomainError(f"{what}不能超过{limit}字。")
    return value


def _check_leader(person: Person | None, agency: Agency) -> Person:
    if person is None:
        raise DomainError("请选择批示领导。")
    if person.agency_id != agency.pk or not person.is_active or not has_post(person, *LEADER_POSTS):
        raise DomainError(f"{person.name}不是{agency.short_name}的在岗领导，不能作为批示领导。")
    return person


def _check_document(actor, agency: Agency, document: Document | None) -> None:
    if document is None:
        return
    if not can_view(actor, document):
        raise NotFound()
    if document.agency_id != agency.pk:
        raise DomainError("来源公文不是本机关的公文。")


def _check_opinion(opinion: Opinion | None, document: Document | None, leader: Person) -> None:
    if opinion is None:
        return
    if document is None or opinion.document_id != document.pk:
        raise DomainError("所选批示不在来源公文上。")
    if opinion.node_kind not in INSTRUCTION_NODES or (opinion.on_behalf_of_id or opinion.author_id) != leader.pk:
        raise DomainError(f"所选意见不是{leader.name}的批示。")
    taken = ItemInstruction.objects.filter(opinion=opinion).select_related("item").first()
    if taken is not None:
        raise DomainError(f"该批示已列入督办事项{_label(taken.item)}。")


def _stall_due(item: SupervisionItem, calendar: WorkCalendar | None = None) -> datetime:
    """When the item becomes 停滞 (and its next progress report falls due): its interval
    of working days after the last report, or after it was opened."""
    calendar = calendar or calendar_for(item.agency)
    return calendar.add_days(item.last_report_at or item.created_at, item.report_interval_days)


def next_report_due(item: SupervisionItem, calendar: WorkCalendar | None = None) -> datetime | None:
    """The due time of the next progress report; None when the calendar does not know
    the year it falls in (then no report is counted late, never a guess)."""
    try:
        return _stall_due(item, calendar)
    except YearUnknown:
        return None


def next_report_pending_reason(item: SupervisionItem, calendar: WorkCalendar | None = None) -> str:
    """Why the next report's due time is 时限待定 ("2027年日历未录入"), or "" when it is known."""
    try:
        _stall_due(item, calendar)
    except YearUnknown as exc:
        return pending_due_reason(exc.year)
    return ""


# --- opening ------------------------------------------------------------------------------------


def _number(agency: Agency) -> str:
    Agency.objects.select_for_update().filter(pk=agency.pk).first()  # serialise numbering per agency
    year = timezone.localdate().year
    seq = SupervisionItem.objects.filter(agency=agency, number__startswith=f"督〔{year}〕").count() + 1
    return f"督〔{year}〕{seq}号"


def _validated(agency: Agency, data: ItemData) -> ItemData:
    leader = _check_leader(data.instructed_by, agency)
    title = _text(data.title or (data.document.title if data.document else ""), "督办事项名称", limit=300)
    instruction = _text(data.instruction, "批示内容", limit=5000)
    lead = data.lead_unit
    if lead is None:
        raise DomainError("请选择督办事项的牵头单位。")
    if lead.agency_id != agency.pk:
        raise DomainError(f"{lead.name}不是{agency.short_name}的单位。")
    assists = []
    for unit in dict.fromkeys(data.assist_units or []):
        if unit.agency_id != agency.pk:
            raise DomainError(f"协办单位{unit.name}不是{agency.short_name}的单位。")
        if unit.pk != lead.pk:
            assists.append(unit)
    responsible = data.responsible
    if responsible is None:
        responsible = unit_heads(lead).first()
        if responsible is None:
            raise DomainError(f"牵头单位{lead.name}没有负责人，请指定责任人。")
    if responsible.agency_id != agency.pk or not responsible.is_active or responsible.admin_role:
        raise DomainError(f"{responsible.name}不是{agency.short_name}的在岗人员，不能作为责任人。")
    if responsible.unit_id != lead.pk and not unit_heads(lead).filter(pk=responsible.pk).exists():
        raise DomainError(f"责任人应为牵头单位{lead.name}的人员，{responsible.name}不在该单位。")
    now = timezone.now()
    if data.due_at is None:
        raise DomainError("请填写督办事项的办理时限。")
    if data.due_at <= now:
        raise DomainError("办理时限已过，请填写今后的日期。")
    instructed_at = data.instructed_at or now
    if instructed_at > now:
        raise DomainError("批示时间不能晚于现在。")
    interval = data.report_interval_days or DEFAULT_INTERVAL
    if not 1 <= interval <= MAX_INTERVAL:
        raise DomainError(f"进展报送间隔应为1至{MAX_INTERVAL}个工作日。")
    report_required = _text(data.report_required, "反馈要求", limit=300, required=False)
    _check_opinion(data.opinion, data.document, leader)
    return ItemData(title=title, instruction=instruction, instructed_by=leader, lead_unit=lead,
                    responsible=responsible, due_at=data.due_at, assist_units=assists,
                    report_required=report_required, report_interval_days=interval, instructed_at=instructed_at,
                    document=data.document, opinion=data.opinion)


def _open(actor: Person, agency: Agency, data: ItemData) -> SupervisionItem:
    now = timezone.now()
    item = SupervisionItem.objects.create(
        agency=agency, number=_number(agency), title=data.title, document=data.document,
        instructed_by=data.instructed_by, instruction=data.instruction, instructed_at=data.instructed_at,
        lead_unit=data.lead_unit, responsible=data.responsible, due_at=data.due_at,
        report_required=data.report_required, report_interval_days=data.report_interval_days,
        opened_by=actor, created_at=now, instruction_count=1)
    item.assist_units.set(data.assist_units)
    ItemInstruction.objects.create(item=item, leader=data.instructed_by, text=data.instruction,
                                   at=data.instructed_at, opinion=data.opinion, document=data.document,
                                   recorded_by=actor)
    due = timezone.localtime(item.due_at)
    body = (f"{data.instructed_by.name}批示：{data.instruction}\n牵头单位：{data.lead_unit.name}；责任人："
            f"{data.responsible.name}；办理时限：{due.year}年{due.month}月{due.day}日 {due:%H:%M}。"
            + (f"\n反馈要求：{data.report_required}" if data.report_required else ""))
    told = _tell([data.responsible, *unit_heads(data.lead_unit)], item, f"督办事项立项：{item.title}", body)
    _record(item, Kind.OPEN, actor=actor, text=f"{data.instructed_by.name}批示：{data.instruction}", recipients=told,
            new={"number": item.number, "lead_unit": data.lead_unit.pk, "responsible": data.responsible.pk,
                 "due_at": item.due_at, "document": getattr(data.document, "pk", None)})
    return item


@transaction.atomic
def open_item(*, actor: Person, agency: Agency, data: ItemData) -> SupervisionItem:
    """立项督办: the supervision office (or the leader for their own instruction) opens
    an item with its lead unit, responsible person, due time and required report."""
    access.require_open(actor, agency)
    _check_document(actor, agency, data.document)
    if not access.is_supervision_office(actor, agency.pk) and getattr(data.instructed_by, "pk", None) != actor.pk:
        raise PermissionDenied("领导只能对本人的批示立项督办；其他领导的批示请由督查室立项。")
    return _open(actor, agency, _validated(agency, data))


# --- repeated instructions (C03) -------------------------------------------------------------------


def _attach(actor: Person, item: SupervisionItem, *, leader: Person, text: str, at: datetime | None,
            document: Document | None, opinion: Opinion | None) -> ItemInstruction:
    if item.state in FINISHED:
        raise DomainError(f"督办事项{_label(item)}已{item.get_state_display()}，不能再附加批示；如需继续督办，请另行立项。")
    leader = _check_leader(leader, item.agency)
    text = _text(text, "批示内容", limit=5000)
    now = timezone.now()
    at = at or now
    if at > now:
        raise DomainError("批示时间不能晚于现在。")
    _check_opinion(opinion, document, leader)
    SupervisionItem.objects.filter(pk=item.pk).update(instruction_count=F("instruction_count") + 1)
    item.refresh_from_db(fields=["instruction_count"])
    instruction = ItemInstruction.objects.create(item=item, leader=leader, text=text, at=at, opinion=opinion,
                                                 document=document, recorded_by=actor)
    told = _tell([item.responsible, *unit_heads(item.lead_unit)], item,
                 f"督办事项再次批示（第{item.instruction_count}次）：{item.title}", f"{leader.name}批示：{text}")
    _record(item, Kind.ATTACH, actor=actor, text=f"第{item.instruction_count}次批示，{leader.name}：{text}",
            recipients=told, old={"instruction_count": item.instruction_count - 1},
            new={"instruction_count": item.instruction_count, "leader": leader.pk,
                 "document": getattr(document, "pk", None)}, documents=[document] if document else [])
    return instruction


@transaction.atomic
def attach_instruction(*, actor: Person, item_id: int, leader: Person | None, text: str,
                       instructed_at: datetime | None = None, document: Document | None = None,
                       opinion: Opinion | None = None) -> ItemInstruction:
    """A later instruction on the same matter attaches to the item and is counted."""
    item = _lock(item_id, actor)
    if not access.is_supervision_office(actor, item.agency_id):
        if not access.is_leader(actor, item.agency_id):
            raise PermissionDenied("只有督查员、办公室主任或批示领导本人可以附加批示。")
        if getattr(leader, "pk", None) != actor.pk:
            raise PermissionDenied("领导只能附加本人的批示；其他领导的批示请由督查室录入。")
    _check_document(actor, item.agency, document)
    return _attach(actor, item, leader=leader, text=text, at=instructed_at, document=document, opinion=opinion)


# --- the leader's 督办 tick ------------------------------------------------------------------------


def open_item_for_document(document: Document) -> SupervisionItem | None:
    """The item still being supervised that this document's instructions attach to."""
    return (SupervisionItem.objects.filter(agency_id=document.agency_id).exclude(state__in=FINISHED)
            .filter(document=document).order_by("created_at", "id").first()
            or SupervisionItem.objects.filter(agency_id=document.agency_id).exclude(state__in=FINISHED)
            .filter(instructions__document=document).order_by("created_at", "id").first())


@transaction.atomic
def instruct_and_supervise(task_id: int, *, actor: Person, opinion: str, supervise: Supervise,
                           **send_on_kwargs) -> tuple[Task, SupervisionItem]:
    """The leader instructs (送下一步 at 领导批示 or 领导审定) and ticks “督办”: the
    instruction opens a supervision item, or attaches to the one already open for this
    document (or the one chosen), in the same transaction."""
    task = Task.objects.select_related("document").filter(pk=task_id).first()
    if task is None:
        raise NotFound("未找到该待办。")
    if task.node_kind not in INSTRUCTION_NODES or task.role != TaskRole.MAIN:
        raise DomainError("只有领导在批示或审定环节签署意见时可以勾选“督办”。")
    task = flow.send_on(task_id, actor=actor, opinion=opinion, **send_on_kwargs)
    signed = Opinion.objects.filter(task=task).order_by("-id").first()
    if signed is None:  # send_on requires the instruction at these nodes
        raise DomainError("请填写批示意见。")
    leader = Person.objects.get(pk=signed.on_behalf_of_id or signed.author_id)
    document = Document.objects.select_related("agency", "lead_unit").get(pk=task.document_id)
    if supervise.attach_to_id:
        item = _lock(supervise.attach_to_id, actor)
        if item.agency_id != document.agency_id:
            raise NotFound(access.ITEM_NOT_FOUND)
    else:
        item = open_item_for_document(document)
        if item is not None:
            item = _lock(item.pk, actor)
    if item is not None:
        _attach(actor, item, leader=leader, text=signed.text, at=signed.created_at, document=document,
                opinion=signed)
        return task, item
    due = supervise.due_at
    if due is None and document.due_at and document.due_at > timezone.now():
        due = document.due_at
    data = _validated(document.agency, ItemData(
        title=supervise.title or document.title, instruction=signed.text, instructed_by=leader,
        lead_unit=supervise.lead_unit or document.lead_unit, responsible=supervise.responsible, due_at=due,
        assist_units=list(supervise.assist_units or []), report_required=supervise.report_required,
        report_interval_days=supervise.report_interval_days or DEFAULT_INTERVAL, instructed_at=signed.created_at,
        document=document, opinion=signed))
    return task, _open(actor, document.agency, data)


# --- reports ---------------------------------------------------------------------------------------


@transaction.atomic
def report(*, actor: Person, item_id: int, text: str, late_reason: str = "", final: bool = False) -> ProgressReport:
    """The lead unit reports progress (进展情况) or its final report (办结报告). A report
    after its due time is flagged late with the reason given (or none, which the bulletin
    lists, C12). A progress report clears the 停滞 flag."""
    item = _lock(item_id, actor)
    access.require_report(actor, item)
    what = "办结报告" if final else "进展情况"
    if item.state in FINISHED:
        raise DomainError(f"督办事项{_label(item)}已{item.get_state_display()}，不能再报送。")
    if item.state == State.REPORTED:
        raise DomainError("办结报告正在等待督查室审核，审核后再报送。")
    text = _text(text, what, limit=5000)
    late_reason = _text(late_reason, "迟报原因", limit=300, required=False)
    now = timezone.now()
    due = item.due_at if final else next_report_due(item)
    old = {"state": item.state, "last_report_at": item.last_report_at, "stalled_at": item.stalled_at}
    entry = ProgressReport.objects.create(
        item=item, kind=ProgressReport.Kind.FINAL if final else ProgressReport.Kind.PROGRESS, text=text,
        reported_by=actor, unit=item.lead_unit, reported_at=now, due_at=due,
        late_reason=late_reason if due and now > due else "",
        review=ProgressReport.Review.PENDING if final else ProgressReport.Review.NONE)
    item.last_report_at = now
    item.stalled_at = None
    item.state = State.REPORTED if final else State.OPEN
    item.save(update_fields=["last_report_at", "stalled_at", "state"])
    late = ""
    if entry.is_late:
        late = f"（迟报，原因：{entry.late_reason}）" if entry.late_reason else "（迟报，未说明原因）"
    # The supervision office follows every report (the opener, when it was the office itself).
    office = [p for p in [*persons_with_post(item.agency, PostKind.SUPERVISOR), item.opened_by]
              if p.pk != actor.pk and access.is_supervision_office(p, item.agency_id)]
    if final:
        told = _tell(office, item, f"办结报告待审核：{item.title}", f"{actor.name}报送办结报告{late}：{text}")
    else:
        told = _tell(office, item, f"督办事项进展：{item.title}", f"{actor.name}报送进展{late}：{text}")
    _record(item, Kind.FINAL if final else Kind.REPORT, actor=actor, text=f"{text}{late}", recipients=told, old=old,
            new={"report": entry.pk, "late": entry.is_late, "late_reason": entry.late_reason})
    return entry


def _final_report(item: SupervisionItem, report_id: int) -> ProgressReport:
    entry = (ProgressReport.objects.select_for_update().filter(pk=report_id, item=item, kind=ProgressReport.Kind.FINAL)
             .first())
    if entry is None:
        raise NotFound("未找到该办结报告。")
    if entry.review != ProgressReport.Review.PENDING:
        raise Conflict(f"该办结报告已{entry.get_review_display()}，请刷新页面查看最新状态。")
    return entry


@transaction.atomic
def accept_final(*, actor: Person, item_id: int, report_id: int, note: str = "",
                 close: bool = False) -> ProgressReport:
    """The supervision office accepts the final report; with ``close`` it also closes the
    item (办结销号) in the same step."""
    item = _lock(item_id, actor)
    access.require_office(actor, item, "审核办结报告")
    entry = _final_report(item, report_id)
    note = _text(note, "审核意见", limit=300, required=False)
    entry.review, entry.reviewed_by, entry.reviewed_at, entry.review_note = (
        ProgressReport.Review.ACCEPTED, actor, timezone.now(), note)
    entry.save(update_fields=["review", "reviewed_by", "reviewed_at", "review_note"])
    _record(item, Kind.ACCEPT, actor=actor, text=note or "办结报告审核通过。", new={"report": entry.pk})
    if close:
        _close(actor, item, note)
    return entry


@transaction.atomic
def return_final(*, actor: Person, item_id: int, report_id: int, note: str) -> ProgressReport:
    """The supervision office sends the final report back (退回补充) with what is missing;
    the item goes back to 督办中."""
    item = _lock(item_id, actor)
    access.require_office(actor, item, "审核办结报告")
    entry = _final_report(item, report_id)
    note = _text(note, "退回理由（需补充的内容）", limit=300)
    entry.review, entry.reviewed_by, entry.reviewed_at, entry.review_note = (
        ProgressReport.Review.REJECTED, actor, timezone.now(), note)
    entry.save(update_fields=["review", "reviewed_by", "reviewed_at", "review_note"])
    item.state = State.OPEN
    item.save(update_fields=["state"])
    told = _tell([item.responsible, *unit_heads(item.lead_unit)], item, f"办结报告退回补充：{item.title}", note)
    _record(item, Kind.RETURN, actor=actor, text=note, recipients=told, old={"state": State.REPORTED},
            new={"report": entry.pk})
    return entry


def close_blocker(item: SupervisionItem) -> str | None:
    """Why the item cannot be closed now (what is missing), or None."""
    if item.state == State.CLOSED:
        return f"督办事项{_label(item)}已办结销号。"
    if item.state == State.CANCELLED:
        return f"督办事项{_label(item)}已撤销。"
    last = item.reports.filter(kind=ProgressReport.Kind.FINAL).order_by("-reported_at", "-id").first()
    if last is None:
        return (f"尚未收到牵头单位{item.lead_unit.name}的办结报告，不能办结销号：办结销号须有经督查室审核通过的办结报告。"
                f"请督促责任人{item.responsible.name}报送办结报告。")
    if last.review == ProgressReport.Review.PENDING:
        return "办结报告尚未经督查室审核通过，不能办结销号。请先审核办结报告。"
    if last.review == ProgressReport.Review.REJECTED:
        return "办结报告已退回补充，尚无审核通过的办结报告，不能办结销号。请责任单位重新报送办结报告。"
    return None


def _close(actor: Person, item: SupervisionItem, note: str) -> None:
    old = item.state
    item.state, item.closed_at, item.closed_by = State.CLOSED, timezone.now(), actor
    item.stalled_at = None
    item.save(update_fields=["state", "closed_at", "closed_by", "stalled_at"])
    told = _tell([item.responsible, item.instructed_by], item, f"督办事项已办结销号：{item.title}", note)
    _record(item, Kind.CLOSE, actor=actor, text=note or "办结销号。", recipients=told, old={"state": old})


@transaction.atomic
def close_item(*, actor: Person, item_id: int, note: str = "") -> SupervisionItem:
    """办结销号: only with a final report the supervision office accepted."""
    item = _lock(item_id, actor)
    access.require_office(actor, item, "办结销号")
    blocker = close_blocker(item)
    if blocker:
        raise Conflict(blocker) if item.state == State.CLOSED else DomainError(blocker)
    _close(actor, item, _text(note, "销号意见", limit=300, required=False))
    return item


# --- 催办 -------------------------------------------------------------------------------------------


@transaction.atomic
def chase(*, actor: Person, item_id: int, message: str) -> SupervisionEvent:
    """Manual 催办: the responsible person and the lead unit's head are told, and it is recorded."""
    item = _lock(item_id, actor)
    if not access.can_chase(actor, item):
        raise PermissionDenied("只有督查员、办公室主任或领导可以催办督办事项。")
    if item.state in FINISHED:
        raise DomainError(f"督办事项{_label(item)}已{item.get_state_display()}，无需催办。")
    message = _text(message, "催办内容", limit=500)
    told = _tell([item.responsible, *unit_heads(item.lead_unit)], item, f"督办催办：{item.title}",
                 f"{actor.name}：{message}")
    return _record(item, Kind.CHASE, actor=actor, text=message, recipients=told)


# --- 停滞 ------------------------------------------------------------------------------------------


@dataclass
class ScanResult:
    flagged: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # due time in a year the calendar does not know

    def __str__(self):
        return f"停滞督促 {len(self.flagged)} 项" + (f"，{len(self.skipped)} 项因工作日历缺少年度安排未判断" if self.skipped else "")


def _escalation_targets(item: SupervisionItem) -> list[Person]:
    leaders = list(leaders_in_charge(item.lead_unit)) or list(persons_with_post(item.agency, PostKind.PRINCIPAL_LEADER))
    return list(dict.fromkeys([*leaders, item.instructed_by]))


@transaction.atomic
def _flag_stall(item_id: int, now: datetime) -> bool:
    item = (SupervisionItem.objects.select_for_update(of=("self",))
            .select_related("agency", "lead_unit", "instructed_by", "document").get(pk=item_id))
    if item.state != State.OPEN or item.stalled_at is not None or _stall_due(item) > now:
        return False  # a report or another scan got there first
    since = item.last_report_at or item.created_at
    item.state, item.stalled_at = State.STALLED, now
    item.save(update_fields=["state", "stalled_at"])
    local = timezone.localtime(since)
    text = (f"自{local.year}年{local.month}月{local.day}日起{item.report_interval_days}个工作日未报送进展，"
            f"已标记停滞，报{'、'.join(p.name for p in _escalation_targets(item))}。")
    told = _tell(_escalation_targets(item), item, f"督办事项停滞：{item.title}",
                 f"牵头单位{item.lead_unit.name}（责任人{item.responsible.name}）{text}")
    _record(item, Kind.STALL, actor=None, text=text, recipients=told, old={"state": State.OPEN},
            new={"stalled_at": now})
    return True


def scan_stalled(now: datetime | None = None) -> ScanResult:
    """Flag every item without a progress report for its interval of working days as
    停滞 and escalate it to the leader in charge of the lead unit and the instructing
    leader, once per stall (a new report clears it). Run by the background worker."""
    now = now or timezone.now()
    result = ScanResult()
    calendars: dict[int, WorkCalendar] = {}
    candidates = (SupervisionItem.objects.filter(state=State.OPEN, stalled_at__isnull=True, created_at__lte=now)
                  .select_related("agency").order_by("id"))
    for item in candidates.iterator(chunk_size=500):
        calendar = calendars.get(item.agency_id) or calendars.setdefault(item.agency_id, calendar_for(item.agency))
        try:
            due = _stall_due(item, calendar)
        except YearUnknown:
            result.skipped.append(item.pk)
            continue
        if due <= now and _flag_stall(item.pk, now):
            result.flagged.append(item.pk)
    if result.skipped:
        log.warning("supervision stall scan: %s", result)
    return result
