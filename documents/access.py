"""Who may see a document, who may receive it, and who may register.

A document is visible to those who handled or hold it (or stand in for someone who
does), the heads of their units and the leaders in charge of those units, the office
staff of its agency and its registrar. A classified document (C07) is not opened by
unit, office or leadership: only its reading scope within clearance, its copy holders, its
custodian, its registrar, the agency's 机要员 (within clearance) and the people it was
routed to personally *within their clearance* see it (secrecy.access.classified_ways_in);
a task alone never opens it, nor does a stand-in's delegation beyond the stand-in's own
clearance. Everyone else gets 404, as if it did not exist. Administrators see no
documents at all (三员分立).

Who may *receive* a classified document (a task, a copy, a stand-in's action: every
assignment) is ``may_receive``: clearance for its level, and, once the 机要员 has set its
reading scope, a place in that scope.
"""

from django.db.models import Q, QuerySet

from gongwen.errors import NotFound, PermissionDenied
from org.models import CLEARANCE_RANK, OFFICE_POSTS, PostKind
from org.selectors import delegators_of, has_post, headed_unit_ids, units_in_charge_ids

from .models import Document


def allowed_secrecy(person) -> list[str]:
    rank = CLEARANCE_RANK.get(person.clearance or "", 0)
    return [level for level, r in CLEARANCE_RANK.items() if r <= rank]


def visible_documents(person) -> QuerySet[Document]:
    """The one restriction every list, export, search and API call goes through.

    Office staff see most of their agency's documents, so their query is anchored on
    ``agency_id`` and walks the (agency, received_at) index in order. Everyone else sees
    a small set, reached through the indexes of their tasks, units and registrations
    (every way in lies inside the document's own agency: tasks, registration and
    delegation never cross agencies).
    """
    if person is None or person.admin_role or not person.is_active:
        return Document.objects.none()
    from django.db.models import Exists, OuterRef

    from flow.models import Task
    from secrecy.access import classified_ways_in

    holders = [person.pk, *delegators_of(person)]
    allowed = allowed_secrecy(person)
    base = Document.objects.filter(agency_id=person.agency_id)
    # C07: a classified document is reached only through its own ways in, never by post.
    secret_ways = classified_ways_in(person, allowed)
    if has_post(person, *OFFICE_POSTS):
        held = Task.objects.filter(document=OuterRef("pk"), document__secrecy__in=allowed).filter(
            Q(assignee_id__in=holders) | Q(acted_by_id=person.pk))
        first, *rest = [*secret_ways, Document.objects.filter(registered_by=person).values("pk").order_by()]
        classified_held = (Document.objects.filter(agency_id=person.agency_id).exclude(secrecy="")
                           .filter(Q(Exists(held)) | Q(pk__in=first.union(*rest))).values("pk"))
        return base.filter(Q(secrecy="") | Q(pk__in=classified_held))
    # One subquery that unions the ways in, each term on its own index, so the database
    # looks up the few documents by primary key instead of scanning them all.
    # A task opens a document only within the person's own clearance (a stand-in's too).
    ways_in = [
        Task.objects.filter(assignee_id__in=holders, document__secrecy__in=allowed).values("document_id").order_by(),
        Task.objects.filter(acted_by_id=person.pk, document__secrecy__in=allowed).values("document_id").order_by(),
        Document.objects.filter(registered_by=person).values("pk").order_by(),
        *secret_ways,
    ]
    units = headed_unit_ids(person) + units_in_charge_ids(person)
    if units:
        ways_in += [
            Task.objects.filter(assignee_unit_id__in=units, document__secrecy="").values("document_id").order_by(),
            Document.objects.filter(lead_unit_id__in=units, secrecy="").values("pk").order_by(),
        ]
    first, *rest = ways_in
    return Document.objects.filter(pk__in=first.union(*rest))


def may_receive(person, document: Document) -> bool:
    """Whether a task or a copy of ``document`` may go to ``person``: anyone at post for an
    unclassified document; for a classified one, clearance for its level and, when its
    reading scope is set (密件登记), a place in it (by name or post) or its custody."""
    if not document.secrecy:
        return True
    if person is None or person.admin_role or not person.is_active:
        return False
    if document.secrecy not in allowed_secrecy(person):
        return False
    from secrecy.access import in_registered_scope

    return in_registered_scope(person, document)


def require_may_receive(document: Document, people, what: str) -> None:
    """Refuse an assignment (送, 退回, 加签, 转办, 指定承办人, 传阅, 会签, acting as a stand-in)
    to anyone outside a classified document's reading scope, naming the person; nothing
    is written (the caller's transaction rolls back)."""
    for person in people:
        if not may_receive(person, document):
            reason = ("涉密等级不够" if document.secrecy not in allowed_secrecy(person) else "不在其知悉范围内")
            raise PermissionDenied(f"本件为{document.secrecy}件，{person.name}{reason}，不能{what}。"
                                   "如确需其办理，请先由机要员将其列入知悉范围（并具备相应涉密等级）。",
                                   code="out_of_scope")


def can_view(person, document: Document) -> bool:
    return visible_documents(person).filter(pk=document.pk).exists()


def get_visible(person, pk) -> Document:
    try:
        return visible_documents(person).select_related("agency", "sender", "lead_unit", "registered_by").get(pk=pk)
    except (Document.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def can_register(person, agency_id: int) -> bool:
    return (person is not None and not person.admin_role and person.agency_id == agency_id
            and has_post(person, PostKind.CLERK, PostKind.CONFIDENTIAL_CLERK))


def require_register(person, agency):
    if not can_register(person, agency.pk):
        raise PermissionDenied(f"只有{agency.short_name}的文书或机要员可以登记收文。")


def can_upload(person, document: Document) -> bool:
    from flow.models import Task, TaskStatus

    if person is None or person.admin_role:
        return False
    if has_post(person, *OFFICE_POSTS) and person.agency_id == document.agency_id:
        return True
    return Task.objects.filter(document=document, assignee=person, status=TaskStatus.OPEN).exists()
