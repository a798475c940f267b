"""Who may see and handle classified documents (C07).

A classified document is visible only to: people in its reading scope whose clearance
reaches its level, the current holders of its copies, its custodian, the person who
registered it, the agency's 机要员 (within clearance), and people it was routed to
personally (their tasks). Office staff, unit heads and leaders outside the scope see
nothing of it — ``documents.access.visible_documents`` asks ``classified_ways_in`` here.
"""

from django.db.models import Q, QuerySet

from gongwen.errors import NotFound, PermissionDenied
from org.models import CLEARANCE_RANK, LEADER_POSTS, PostKind
from org.selectors import has_post

APPROVER_POSTS = (*LEADER_POSTS, PostKind.OFFICE_DIRECTOR)


def clears(person, level: str) -> bool:
    return CLEARANCE_RANK.get(person.clearance or "", 0) >= CLEARANCE_RANK.get(level or "", 0)


def is_registrar(person, agency_id: int | None = None) -> bool:
    """The agency's 机要员 (the person who registers classified documents)."""
    if person is None or person.admin_role or not person.is_active:
        return False
    return any(kind == PostKind.CONFIDENTIAL_CLERK and (agency_id is None or agency == agency_id)
               for kind, _unit, agency in _posts(person))


def can_approve(person, agency_id: int) -> bool:
    """A leader or the office director of the agency approves destruction."""
    return (person is not None and not person.admin_role and person.is_active and person.agency_id == agency_id
            and has_post(person, *APPROVER_POSTS))


def _posts(person) -> list[tuple]:
    cache = getattr(person, "_secrecy_posts_cache", None)
    if cache is None:
        cache = list(person.posts.values_list("kind", "unit_id", "agency_id"))
        person._secrecy_posts_cache = cache
    return cache


def _post_q(person) -> Q | None:
    q = None
    for kind, unit_id, agency_id in _posts(person):
        term = Q(post_kind=kind, document__agency_id=agency_id) & (Q(unit__isnull=True) | Q(unit_id=unit_id))
        q = term if q is None else q | term
    return q


def classified_ways_in(person, allowed: list[str]) -> list[QuerySet]:
    """Subqueries (one column: the document id) of the classified documents ``person``
    reaches other than through tasks and registration; each on its own index, and no
    query of its own (``visible_documents`` stays one query)."""
    from django.db.models import Exists, OuterRef

    from documents.models import Document
    from org.models import Post

    from .models import ClassifiedCopy, CopyStatus, ReadingScope, Registration

    levels = [level for level in allowed if level]
    ways = [
        ClassifiedCopy.objects.filter(holder_id=person.pk, status=CopyStatus.IN_USE).values("document_id").order_by(),
        Registration.objects.filter(custodian_id=person.pk).values("document_id").order_by(),
    ]
    if not levels:
        return ways
    ways.append(ReadingScope.objects.filter(person_id=person.pk, document__secrecy__in=levels)
                .values("document_id").order_by())
    # A post of the scope: one the person holds in the document's agency (in the unit, if named).
    posts = Post.objects.filter(person_id=person.pk, kind=OuterRef("post_kind"), agency_id=OuterRef("document__agency_id"))
    ways.append(ReadingScope.objects.filter(post_kind__in=Post.objects.filter(person_id=person.pk).values("kind"),
                                            person__isnull=True, document__secrecy__in=levels)
                .alias(matched=Exists(posts), matched_unit=Exists(posts.filter(unit_id=OuterRef("unit_id"))))
                .filter(Q(unit__isnull=True, matched=True) | Q(matched_unit=True))
                .values("document_id").order_by())
    if has_post(person, PostKind.CONFIDENTIAL_CLERK):
        ways.append(Document.objects.filter(agency_id=person.agency_id, secrecy__in=levels).values("pk").order_by())
    return ways


def in_scope(person, document) -> bool:
    """In the reading scope (by name or post) with clearance enough for the level."""
    from .models import ReadingScope

    if person is None or person.admin_role or not person.is_active or not clears(person, document.secrecy):
        return False
    if ReadingScope.objects.filter(document=document, person=person).exists():
        return True
    post_q = _post_q(person)
    return post_q is not None and ReadingScope.objects.filter(post_q, document=document,
                                                              person__isnull=True).exists()


def in_registered_scope(person, document) -> bool:
    """For ``documents.access.may_receive`` (clearance already checked): when the 机要员
    has set the document's reading scope, the person is in it or is its custodian; a
    classified document without a registration (a draft being written) has no scope yet
    and is bounded by clearance alone."""
    from .models import Registration

    registration = Registration.objects.filter(document=document).only("custodian_id").first()
    if registration is None:
        return True
    return registration.custodian_id == person.pk or in_scope(person, document)


def may_read(person, document) -> bool:
    """Whether ``person`` may read anything about this classified document."""
    from documents.access import can_view

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
