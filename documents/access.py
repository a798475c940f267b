"""Who may see a document and who may register.

A document is visible to those who handled or hold it (or stand in for someone who
does), the heads of their units, the office staff of its agency (within their
clearance), the leaders in charge of the units that handled it, its registrar and the
person who submitted it. Everyone else gets 404, as if it did not exist. Administrators
see no documents at all (三员分立).
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
    if person is None or person.admin_role or not person.is_active:
        return Document.objects.none()
    from flow.models import Task

    holders = [person.pk, *delegators_of(person)]
    task_filter = Q(assignee_id__in=holders) | Q(acted_by_id=person.pk)
    units = headed_unit_ids(person) + units_in_charge_ids(person)
    if units:
        task_filter |= Q(assignee_unit_id__in=units)
    handled = Task.objects.filter(task_filter).values("document_id")
    condition = Q(pk__in=handled) | Q(registered_by=person) | Q(sender_person=person)
    if units:
        condition |= Q(lead_unit_id__in=units)
    if has_post(person, *OFFICE_POSTS):
        condition |= Q(agency_id=person.agency_id, secrecy__in=allowed_secrecy(person))
    return Document.objects.filter(condition)


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
