"""Who may act on a task and who may start a circulation."""

from django.utils import timezone

from gongwen.errors import Conflict, NotFound, PermissionDenied
from org.models import OFFICE_POSTS
from org.selectors import delegators_of, has_post

from .models import Task


def acting_for(task: Task, actor) -> int | None:
    """None if the actor is the assignee; the assignee's id if the actor stands in for
    them (委托/AB角); raises if neither."""
    if actor is None:
        raise PermissionDenied("请先登录。")
    from documents.access import can_view, may_receive, require_may_receive

    if task.assignee_id == actor.pk:
        return None
    if task.assignee_id in delegators_of(actor, timezone.now()):
        # A stand-in acts only where they may themselves receive the document: a
        # classified one needs their own clearance and a place in its scope.
        if not may_receive(actor, task.document):
            if not can_view(actor, task.document):
                raise NotFound()
            require_may_receive(task.document, [actor], "代为办理")
        return task.assignee_id

    if can_view(actor, task.document):
        raise PermissionDenied(f"这项待办是{task.assignee.name}的，您不能代为办理。")
    raise NotFound()


def is_office_staff(actor, agency_id: int) -> bool:
    return actor is not None and actor.agency_id == agency_id and has_post(actor, *OFFICE_POSTS)


def require_office_staff(actor, document, what: str):
    if not is_office_staff(actor, document.agency_id):
        from documents.access import can_view

        if not can_view(actor, document):
            raise NotFound()
        raise PermissionDenied(f"只有{document.agency.short_name}办公室人员可以{what}。")


def require_not_admin(actor):
    if actor is not None and actor.admin_role:
        raise PermissionDenied("管理员不得阅办公文。")


def check_open(task: Task):
    if not task.is_open:
        # The status labels carry their own 已 (已办, 已取消, 已转办…).
        raise Conflict(f"这项待办{task.get_status_display()}，不能再办理。请刷新页面查看最新状态。")
