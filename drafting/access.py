"""Who may draft, change a draft, review its findings and record for the office."""

from django.utils import timezone

from documents.access import can_view
from flow.access import require_office_staff
from flow.models import NodeKind, Task, TaskRole, TaskStatus
from gongwen.errors import DomainError, NotFound, PermissionDenied
from org.selectors import delegators_of

EDIT_KINDS = (NodeKind.DRAFT, NodeKind.REVIEW, NodeKind.RECHECK)
REVIEW_KINDS = (NodeKind.REVIEW, NodeKind.SIGN_OFF, NodeKind.RECHECK)


def can_draft(person) -> bool:
    """拟稿 is for the staff of a unit of an agency using this system (not administrators)."""
    return (person is not None and not person.admin_role and bool(person.unit_id)
            and person.agency.is_internal)


def _held(actor, document, kinds):
    holders = [actor.pk, *delegators_of(actor, timezone.now())]
    return Task.objects.filter(document=document, status=TaskStatus.OPEN, role=TaskRole.MAIN, node_kind__in=kinds,
                               assignee_id__in=holders)


def _outgoing_open(actor, document):
    if actor is None:
        raise PermissionDenied("请先登录。")
    if not can_view(actor, document):
        raise NotFound()
    if not document.is_outgoing:
        raise DomainError("只有发文可以这样修改。")
    if not document.is_open:
        raise DomainError(f"本件{document.get_status_display()}，不能再修改。")


def may_edit(actor, document, *, before_sign_off: bool = False) -> bool:
    """The actor (or whoever they stand in for) holds the draft at 拟稿, a review node or
    复核 — for the drafting form's fields only before the 签发 node."""
    if actor is None or actor.admin_role or not document.is_outgoing or not document.is_open:
        return False
    held = _held(actor, document, EDIT_KINDS)
    if before_sign_off:
        process = document.processes.filter(state="running").first()
        if process is None:
            return False
        keys = [n["key"] for n in process.nodes]
        sign_at = next((i for i, n in enumerate(process.nodes) if n["kind"] == NodeKind.SIGN_OFF), len(keys))
        held = held.filter(activation__node_key__in=keys[:sign_at])
    return held.exists()


def require_editor(actor, document, *, before_sign_off: bool = False) -> None:
    _outgoing_open(actor, document)
    if not may_edit(actor, document, before_sign_off=before_sign_off):
        if before_sign_off and _held(actor, document, EDIT_KINDS).exists():
            raise DomainError("本件已送签发，发文稿纸的要素不能再改；确需修改请退回拟稿或审核环节。")
        raise PermissionDenied("只有当前拟稿、审核或复核环节的办理人可以修改本件。")


def may_review(actor, document) -> bool:
    return actor is not None and not actor.admin_role and document.is_outgoing and document.is_open and _held(
        actor, document, REVIEW_KINDS).exists()


def require_reviewer(actor, document) -> None:
    _outgoing_open(actor, document)
    if not may_review(actor, document):
        raise PermissionDenied("只有当前审核、签发或复核环节的办理人可以确认检查意见不改。")


def require_office(actor, document, what: str) -> None:
    require_office_staff(actor, document, what)
