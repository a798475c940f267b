"""值班知悉: the duty officer's copy of an urgent document entering on a non-working day.

A 特急/特提 document or an emergency report (org.duty.DUTY_URGENCIES) that enters the
agency on a weekend or holiday also goes to whoever is on duty (org.duty.on_duty): a side
copy like 传阅, closed with 知悉, that never holds up the main line. Working days come from
the agency's calendar through the engine's clock seam (flow.clock).
"""

from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from documents.access import may_receive
from documents.models import Document
from org import duty
from org.models import PostKind
from org.selectors import persons_with_post

from . import clock
from .assign import eligible
from .kit import record_history
from .models import Activation, HistoryAction, Mode, NodeKind, Process, Task, TaskRole, TaskStatus


def needs_duty_copy(document, at: datetime) -> bool:
    """Does the document, entering the agency at ``at``, also go to the duty officer?"""
    urgent = document.urgency in duty.DUTY_URGENCIES or document.is_emergency_report
    return urgent and clock.is_non_working_day(document.agency, at)


def copy_to_duty(process: Process, document: Document, *, actor) -> None:
    """值班 (org.duty): a 特急/特提 document or an emergency report entering the agency on a
    non-working day also goes to whoever is on duty — a side copy like 传阅, closed with
    知悉 (read_back), that never holds up the main line and never reaches the leader a 直送件
    is addressed to. With nobody on duty the document proceeds and the office director is
    told."""
    now = timezone.now()
    if not needs_duty_copy(document, now):
        return
    what = "紧急信息报告" if document.is_emergency_report else f"{document.urgency}件"
    url = reverse("web:document", args=[document.pk])
    # A duty officer outside a classified document's scope gets no copy (the director is told).
    officers = [p for p in duty.on_duty(document.agency, now)
                if eligible(p, document) and p.pk != document.addressed_to_id and may_receive(p, document)]
    if not officers:
        directors = list(persons_with_post(document.agency, PostKind.OFFICE_DIRECTOR))
        note = f"非工作日收到{what}，未找到可接收本件的值班人员" + (
            f"，已通知{'、'.join(d.name for d in directors)}。" if directors else "。")
        for director in directors:
            clock.notify(director, title=f"无人值班：{what}《{document.title}》"[:200], body=f"{note}请安排专人跟进。",
                   url=url, document=document)
        record_history(document, actor=actor, action=HistoryAction.DUTY, process=process, to_node="值班知悉", opinion=note)
        return
    holding = set(Task.objects.filter(document=document, status=TaskStatus.OPEN).values_list("assignee_id", flat=True))
    officers = [p for p in officers if p.pk != actor.pk and p.pk not in holding]
    if not officers:
        return  # the person on duty registered it, or holds it already
    seq = (Activation.objects.filter(process=process).order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    activation = Activation.objects.create(process=process, node_key="duty", node_kind=NodeKind.CIRCULATE,
                                           node_name="值班知悉", seq=seq, mode=Mode.ALL, is_side=True, sent_by=actor)
    note = f"非工作日收到{what}，请值班人员知悉并跟进办理情况。"
    Task.objects.bulk_create([
        Task(activation=activation, process=process, document=document, node_kind=NodeKind.CIRCULATE,
             node_name="值班知悉", role=TaskRole.DUTY, assignee=p, assignee_unit=p.unit, sent_by=actor, note=note)
        for p in officers
    ])
    record_history(document, actor=actor, action=HistoryAction.DUTY, process=process, to_node="值班知悉",
             targets=[p.name for p in officers], opinion=note)
    for p in officers:
        clock.notify(p, title=f"值班：{what}《{document.title}》"[:200], body=note, url=url, document=document)
    audit.record(actor=actor, action="flow.duty_copy", target=document, new={"document": document.pk, "to": [p.pk for p in officers]})
