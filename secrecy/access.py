"""The secrecy pages' own questions (C07): who is the agency's 机要员 (registrar), who
approves destruction, whose clearance reaches a level, who may use the pages at all.

This module supplies data, not a visibility rule: who may see a classified document —
its reading scope within clearance, its copy holders, custodian, registrar, the 机要员 and
the people it was routed to personally — is decided in ``documents.access`` alone
(``visible_documents``, ``can_view``, ``in_scope``); ``may_read`` and ``in_scope`` here
only ask it.
"""

from documents.access import can_view, clears, in_scope, person_posts
from gongwen.errors import NotFound, PermissionDenied
from org.models import LEADER_POSTS, PostKind
from org.selectors import has_post

APPROVER_POSTS = (*LEADER_POSTS, PostKind.OFFICE_DIRECTOR)

__all__ = ["APPROVER_POSTS", "can_approve", "clears", "in_scope", "is_registrar", "may_read", "may_use_pages",
           "require_registrar", "require_visible"]


def is_registrar(person, agency_id: int | None = None) -> bool:
    """The agency's 机要员 (the person who registers classified documents)."""
    if person is None or person.admin_role or not person.is_active:
        return False
    return any(kind == PostKind.CONFIDENTIAL_CLERK and (agency_id is None or agency == agency_id)
               for kind, _unit, agency in person_posts(person))


def can_approve(person, agency_id: int) -> bool:
    """A leader or the office director of the agency approves destruction."""
    return (person is not None and not person.admin_role and person.is_active and person.agency_id == agency_id
            and has_post(person, *APPROVER_POSTS))


def may_read(person, document) -> bool:
    """Whether ``person`` may read anything about this classified document (documents.access)."""
    return can_view(person, document)


def require_registrar(person, agency):
    if not is_registrar(person, agency.pk):
        raise PermissionDenied(f"只有{agency.short_name}的机要员可以办理密件登记、分发、清退和销毁。")


def require_visible(person, document):
    if not may_read(person, document):
        raise NotFound()


def may_use_pages(person) -> bool:
    """The secrecy pages are for 机要员, approvers and people who hold or may read a copy."""
    from .models import ClassifiedCopy, CopyStatus, ReadingScope, Registration

    if person is None or person.admin_role or not person.is_active:
        return False
    if is_registrar(person) or has_post(person, *APPROVER_POSTS):
        return True
    return (ClassifiedCopy.objects.filter(holder=person, status=CopyStatus.IN_USE).exists()
            or Registration.objects.filter(custodian=person).exists()
            or ReadingScope.objects.filter(person=person).exists())
