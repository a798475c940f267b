"""Small helpers shared by the routers: the caller, references by id, paging, and the
existence check that makes an invisible document or task look exactly like a missing one."""

from django.db.models import QuerySet
from ninja import Path

from documents.access import visible_documents
from documents.models import Document
from documents.services import IncomingData
from flow.models import Task
from gongwen.errors import DomainError, NotFound
from org.models import Agency, Person, Unit

# A path id as the databases store it (64-bit): larger numbers are 422, never sent to SQL.
PathId = Path[int, {"ge": 1, "le": 2**63 - 1}]

# One message for a task that does not exist and one the caller may not see.
TASK_NOT_FOUND = "未找到该待办或您无权查看。"

ERRORS_READ = (401, 404, 422)
ERRORS_WRITE = (400, 401, 403, 404, 409, 422)


def caller(request) -> Person:
    return request.auth


def agency_ref(pk: int | None, what: str = "机关") -> Agency | None:
    if pk is None:
        return None
    agency = Agency.objects.filter(pk=pk).first()
    if agency is None:
        raise DomainError(f"{what}（编号 {pk}）不存在。", code="unknown_reference")
    return agency


def unit_ref(pk: int | None, what: str = "处室") -> Unit | None:
    if pk is None:
        return None
    unit = Unit.objects.select_related("agency").filter(pk=pk).first()
    if unit is None:
        raise DomainError(f"{what}（编号 {pk}）不存在。", code="unknown_reference")
    return unit


def units_ref(pks, what: str = "处室") -> list[Unit]:
    return [unit_ref(pk, what) for pk in dict.fromkeys(pks)]


def person_ref(pk: int | None, what: str = "人员") -> Person | None:
    if pk is None:
        return None
    person = Person.objects.select_related("agency", "unit").filter(pk=pk).first()
    if person is None:
        raise DomainError(f"{what}（编号 {pk}）不存在。", code="unknown_reference")
    return person


def persons_ref(pks, what: str = "人员") -> list[Person]:
    return [person_ref(pk, what) for pk in dict.fromkeys(pks)]


def visible_document(person: Person, pk: int) -> Document:
    from documents.access import get_visible

    return get_visible(person, pk)


def visible_task_id(person: Person, task_id: int) -> int:
    """The task's id if it exists on a document the caller may see; otherwise the same
    404 for both. The service checks again who may act, under its lock."""
    if not Task.objects.filter(pk=task_id, document__in=visible_documents(person)).exists():
        raise NotFound(TASK_NOT_FOUND)
    return task_id


def page(qs: QuerySet, paging) -> dict:
    return {"total": qs.count(), "limit": paging.limit, "offset": paging.offset,
            "items": list(qs[paging.offset:paging.offset + paging.limit])}


def incoming_data(payload) -> IncomingData:
    from .schemas import IncomingIn

    return IncomingData(**{name: getattr(payload, name) for name in IncomingIn.model_fields})


def operation_out(document_id: int, *, tasks=(), opinion=None, return_record=None) -> dict:
    document = Document.objects.only("id", "status", "stage").get(pk=document_id)
    ids = [t.pk for t in tasks]
    fresh = {t.pk: t for t in Task.objects.filter(pk__in=ids).select_related(
        "assignee", "assignee_unit", "acted_by", "sent_by")}
    return {"document_id": document.pk, "document_status": document.status, "stage": document.stage,
            "tasks": [fresh[i] for i in ids if i in fresh], "opinion": opinion, "return_record": return_record}
