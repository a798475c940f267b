"""Who may manage the organisation (三员分立).

系统管理员 manages agencies, units, people and templates; 安全保密管理员 grants posts and
clearances; 安全审计员 reads the audit log. None of them reads documents.
"""

from gongwen.errors import PermissionDenied

from .models import AdminRole, Person


def person_of(user) -> Person | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "person", None)


def can_manage_org(person: Person | None) -> bool:
    return person is not None and person.admin_role == AdminRole.SYSTEM


def can_grant_posts(person: Person | None) -> bool:
    return person is not None and person.admin_role == AdminRole.SECURITY


def can_read_audit(person: Person | None) -> bool:
    return person is not None and person.admin_role == AdminRole.AUDITOR


def can_view_org(person: Person | None) -> bool:
    """The directory is visible to every signed-in person (needed to choose assignees)."""
    return person is not None


def require_manage_org(person):
    if not can_manage_org(person):
        raise PermissionDenied("只有系统管理员可以维护组织机构和流程模板。")


def require_grant_posts(person):
    if not can_grant_posts(person):
        raise PermissionDenied("只有安全保密管理员可以授予岗位和涉密等级。")


def require_read_audit(person):
    if not can_read_audit(person):
        raise PermissionDenied("只有安全审计员可以查看审计日志。")


def visible_delegations(person: Person | None):
    """The delegations (委托) that exist for ``person``: their own (given or received) and,
    for an office director, those of their agency's people. Any other id is answered as
    missing (404), never as forbidden: another agency's arrangements are not disclosed."""
    from django.db.models import Q

    from .models import Delegation, PostKind
    from .selectors import has_post

    if person is None or person.admin_role or not person.is_active:
        return Delegation.objects.none()
    mine = Q(from_person=person) | Q(to_person=person)
    if has_post(person, PostKind.OFFICE_DIRECTOR):
        mine |= Q(from_person__agency_id=person.agency_id)
    return Delegation.objects.filter(mine)
