"""Panels of the deadlines app on the document page."""

from django import template

register = template.Library()


@register.inclusion_tag("deadlines/_document_panel.html", takes_context=True)
def deadlines_panel(context, document):
    """Due times, reminders (催办) and manual 催办 on the document page: the document's
    due time (original and current), each current holder's due time with 逾期/临期, the
    reminders sent, and the 催办 form for the office and supervisors."""
    from django.utils import timezone

    from deadlines import overdue, reminders
    from flow.models import TaskRole, TaskStatus

    request = context.get("request")
    person = getattr(request, "person", None) or getattr(getattr(request, "user", None), "person", None)
    now = timezone.now()
    holders = context.get("holders")
    if holders is None:
        holders = document.tasks.filter(status=TaskStatus.OPEN).select_related("assignee", "assignee_unit")
    timed = [t for t in holders if (t.due_at or t.due_pending_year) and t.status == TaskStatus.OPEN
             and t.role != TaskRole.CIRCULATE]
    bound = None
    if timed or document.due_at:  # whether or not anything is due yet: a constant query count
        calendar = context.get("work_calendar") or overdue.display_calendar(document.agency)
        bound = overdue.approaching_bound(calendar, now)
    for t in timed:
        t.due_state = overdue.state_of(t.due_at, now, bound or now)
    return {
        "document": document, "request": request, "now": now, "timed": timed,
        "reminders": overdue.document_reminders(document, 20),
        "can_remind": document.is_open and reminders.can_remind(person, document),
        "default_message": "请抓紧办理，按时办结；确需延期的，请及时申请延期。",
        "doc_state": overdue.state_of(document.due_at, now, bound or now) if document.is_open else "",
    }


@register.inclusion_tag("deadlines/_extensions_panel.html", takes_context=True)
def extensions_panel(context, document):
    """Extensions (延期), lateness against the original and the extended due time, and
    every holder with how long they held it (deadlines.extensions.views.panel_context).
    The document page's context may hold the calendar (``work_calendar``) and every task
    of the document (``document_tasks``): then the panel reads neither again."""
    from deadlines.extensions.views import panel_context

    return panel_context(document, context.get("request"), calendar=context.get("work_calendar"),
                         tasks=context.get("document_tasks"))
