"""Pages for extensions (延期): the panel on the document page, the three POSTs it sends
(request, decide, the sender's agreement) and the office's list of pending requests.

Views only parse and call one service (``deadlines.extensions.services``); a refusal shows as a
Chinese alert and writes nothing. A document the person may not see answers 404.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from documents.access import visible_documents
from flow.models import TaskRole, TaskStatus
from gongwen.errors import DomainError
from org.selectors import delegators_of
from ui.views import person_required, run_service, visible_document

from .. import lateness
from ..models import Extension
from ..services import AT_TIME, CLOSE, NOON, calendar_for, sender_deadline
from . import services

DUE_KINDS = [(NOON, "上午下班前"), (CLOSE, "下班前"), (AT_TIME, "具体时间")]


class DueForm(forms.Form):
    """A due time as people say it: a date and 上午下班前 / 下班前 / a time."""

    due_date = forms.DateField(label="日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    due_kind = forms.ChoiceField(label="时间", choices=DUE_KINDS, required=False)
    due_time = forms.TimeField(label="具体时间", required=False, widget=forms.TimeInput(attrs={"type": "time"}))

    def due(self, agency) -> datetime | None:
        """None when no date was given; DomainError when the form is incomplete."""
        if not self.is_valid():
            raise DomainError("日期或时间格式不正确，请重新选择。")
        day = self.cleaned_data.get("due_date")
        if day is None:
            return None
        kind = self.cleaned_data.get("due_kind") or CLOSE
        at = self.cleaned_data.get("due_time")
        if kind == AT_TIME and at is None:
            raise DomainError("选择“具体时间”时请填写时间。")
        return sender_deadline(agency, day, kind, at)[0]


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _back(request, document_id: int):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("web:document", pk=document_id)


# --- the panel on the document page ---------------------------------------------------------------


def panel_context(document, request, *, calendar=None, tasks=None) -> dict:
    """What the extensions panel shows; a fixed number of queries whatever the history.
    The document page passes the agency's calendar and the document's tasks it has read
    already (``lateness.holders``)."""
    person = getattr(request, "person", None) if request is not None else None
    calendar = calendar or calendar_for(document.agency)
    history = lateness.extension_history(document)
    holders = lateness.holders(document, calendar=calendar, tasks=tasks)
    sender_rows = [e for e in history if e.state in services.SENDER_STATES]
    flag = max(sender_rows, key=lambda e: (e.decided_at, e.pk)) if sender_rows else None
    pending_tasks = {e.task_id for e in history if e.state == Extension.State.PENDING}
    mine = []
    can_decide = False
    if person is not None and not person.admin_role:
        timed = [h.task for h in holders
                 if h.task.status == TaskStatus.OPEN and h.task.role == TaskRole.MAIN and h.task.due_at is not None]
        # Whose tasks the person stands in for: asked only when someone else holds one.
        others = any(t.assignee_id != person.pk for t in timed)
        on_behalf = set(delegators_of(person)) if others else set()
        mine = [t for t in timed if t.assignee_id == person.pk or t.assignee_id in on_behalf]
        can_decide = services.can_decide(person, document.agency_id)
    return {
        "document": document,
        "request": request,
        "person": person,
        "history": history,
        "flag": flag,
        "no_new_date": flag is not None and flag.state == Extension.State.NO_DATE,
        "lateness": lateness.document_lateness(document, calendar=calendar),
        "holders": holders,
        "requestable": [t for t in mine if t.pk not in pending_tasks],
        "already_pending": [t for t in mine if t.pk in pending_tasks],
        "can_decide": can_decide,
        "due_kinds": DUE_KINDS,
        "day_hours": calendar.hours.day_seconds / 3600,
    }


# --- the POSTs ---------------------------------------------------------------------------------------


@require_POST
@person_required
def request_extension(request, pk):
    person = request.person
    document = visible_document(person, pk)

    def ask():
        task_id = _int(request.POST.get("task"))
        if task_id is None:
            raise DomainError("请选择要延期的待办。")
        due = DueForm(request.POST).due(document.agency)
        return services.request_extension(task_id, actor=person, new_due_at=due, reason=request.POST.get("reason", ""))

    run_service(request, ask, not_found=True,
                success=lambda ext: f"已提交延期申请（申请延至{services.fmt(ext.requested_due_at)}），请等待办公室审批。")
    return redirect("web:document", pk=document.pk)


@require_POST
@person_required
def decide_extension(request, extension_id):
    person = request.person
    ext = Extension.objects.filter(pk=extension_id).only("id", "document_id").first()
    if ext is None:
        raise Http404()
    document = visible_document(person, ext.document_id)
    decision = request.POST.get("decision")

    def decide():
        if decision not in ("approve", "refuse"):
            raise DomainError("请选择同意或不同意。")
        due = DueForm(request.POST).due(document.agency) if decision == "approve" else None
        return services.decide_extension(ext.pk, actor=person, approve=decision == "approve",
                                         note=request.POST.get("note", ""), new_due_at=due)

    run_service(request, decide, not_found=True,
                success=lambda ext: f"已同意延期，办理时限延至{services.fmt(ext.new_due_at)}。"
                if ext.state == Extension.State.APPROVED else "已答复：不同意延期。")
    return _back(request, document.pk)


@require_POST
@person_required
def record_sender_agreement(request, pk):
    person = request.person
    document = visible_document(person, pk)

    def record():
        no_date = request.POST.get("no_date") in ("1", "on", "true")
        due = None if no_date else DueForm(request.POST).due(document.agency)
        if not no_date and due is None:
            raise DomainError("请填写来文单位同意的新时限；未商定新时限的，请勾选“未商定新时限”。")
        return services.record_sender_agreement(document.pk, actor=person, new_due_at=due,
                                                agreed_with=request.POST.get("agreed_with", ""),
                                                note=request.POST.get("note", ""))

    run_service(request, record, not_found=True,
                success=lambda ext: "已登记：未商定新时限。" if ext.state == Extension.State.NO_DATE
                else f"已登记来文单位同意延期，本件办理时限延至{services.fmt(ext.new_due_at)}。")
    return redirect("web:document", pk=document.pk)


# --- the office's list of pending requests ----------------------------------------------------------


@person_required
def pending_list(request):
    person = request.person
    if not services.can_decide(person, person.agency_id):
        raise DjangoPermissionDenied("只有办公室（办公室主任、秘书、文书）或督查员可以审批延期申请。")
    rows = list(Extension.objects.filter(state=Extension.State.PENDING, document__in=visible_documents(person))
                .select_related("document", "task", "task__assignee_unit", "requested_by")
                .order_by("requested_at", "id")[:200])
    recent = list(Extension.objects.filter(document__in=visible_documents(person))
                  .exclude(state=Extension.State.PENDING)
                  .select_related("document", "requested_by", "decided_by").order_by("-decided_at", "-id")[:30])
    return render(request, "deadlines/extensions.html", {"rows": rows, "recent": recent, "due_kinds": DUE_KINDS})
