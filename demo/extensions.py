"""Extensions in the demo office (called from ``demo.deadlines.load``): in the city
government office, one division head's extension request waits for the office (办公室主任
孙国强 sees it under 延期审批), and on another document the sender agreed to a later date
after the division asked, so the document page shows the original and the extended due
time side by side.

Everything goes through the services at the demo's real time; a step the calendar cannot
compute (a year not entered yet, near the end of December) is skipped, never guessed.
"""

from __future__ import annotations

from deadlines.extensions import services as extensions
from deadlines.services import calendar_for
from documents.models import Status
from flow.models import NodeKind, Task, TaskRole, TaskStatus
from gongwen.errors import DomainError


def load(ctx) -> None:
    gov = ctx.agencies.get("gov")
    director = ctx.people.get("zhuren")
    if gov is None or director is None:
        return
    ids = [d.pk for d in ctx.docs.values() if d.agency_id == gov.pk and d.status == Status.IN_PROGRESS]
    tasks = list(Task.objects.filter(document_id__in=ids, status=TaskStatus.OPEN, role=TaskRole.MAIN,
                                     node_kind=NodeKind.HANDLE, due_at__gt=ctx.now)
                 .select_related("document", "assignee").order_by("due_at", "id"))
    seen: set[int] = set()
    tasks = [t for t in tasks if not (t.document_id in seen or seen.add(t.document_id))]
    calendar = calendar_for(gov)
    done = 0
    for task in tasks:
        try:
            new_due = calendar.add_days(task.due_at, 3)
            extensions.request_extension(task.pk, actor=task.assignee, new_due_at=new_due,
                                         reason="涉及多个部门，需逐项核实数据后报送，申请延期3个工作日。")
            if done == 1:  # the second: the office asked the sender, who agreed
                extensions.record_sender_agreement(
                    task.document_id, actor=director, new_due_at=new_due,
                    agreed_with=f"{task.document.sender_name} 办公室 王科长", note="电话商定，同意延期3个工作日。")
        except DomainError:
            continue
        done += 1
        if done == 2:
            return
