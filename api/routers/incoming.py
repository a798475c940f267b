"""Intake (收文, the incoming app): 登记 of a document the clerk has in hand (POST /documents),
直送件 (POST /documents/direct) and 登记 at the 登记 node of a document that came through
the sign-for queue (POST /tasks/{task_id}/register). Each calls one service of
``incoming.services``; the intake rules and the Chinese refusals are theirs.

Where they are mounted: django-ninja gives every path of every router its own URL pattern,
so POST /documents and GET /documents (the list, documents.py) must be one path of one
router, or one of the two methods answers 405. 登记 is therefore an operation of the
documents router; the other two are on this router, mounted at "/" before the documents
router (POST /documents/direct must match before /documents/{document_id}). Their tags and
operation ids are the ones they had before they moved here.
"""

from ninja import Router, Status

from flow.models import Task
from incoming import services as incoming_services

from ..common import (
    ERRORS_WRITE,
    PathId,
    agency_ref,
    caller,
    incoming_data,
    operation_out,
    person_ref,
    visible_task_id,
)
from ..errors import error_responses
from ..schemas import DirectIn, DocumentDetailOut, OperationOut, RegisterAtNodeIn, RegisterIn
from . import documents

router = Router(tags=["公文"])


@documents.router.post("", response={201: DocumentDetailOut, **error_responses(*ERRORS_WRITE)},
                       summary="登记收文（文书、机要员）", operation_id="api_routers_documents_register_incoming",
                       description="签收并登记手中的来文，取得收文编号，送初审。致领导个人的来文标记为直送件，进入办公室。")
def register_incoming(request, payload: RegisterIn):
    me = caller(request)
    agency = agency_ref(payload.agency_id) or me.agency
    return Status(201, incoming_services.register_incoming(actor=me, agency=agency, data=incoming_data(payload)))


@router.post("/documents/direct", response={201: DocumentDetailOut, **error_responses(*ERRORS_WRITE)},
             summary="直送领导（进入办公室签收队列）", operation_id="api_routers_documents_submit_direct",
             description="直送领导的公文不进领导待办，而是作为直送件进入办公室签收，记录报送人（C04）。")
def submit_direct(request, payload: DirectIn):
    me = caller(request)
    leader = person_ref(payload.leader_id, "领导")
    return Status(201, incoming_services.submit_direct(actor=me, agency=leader.agency, leader=leader,
                                                       data=incoming_data(payload)))


@router.post("/tasks/{task_id}/register", response={200: OperationOut, **error_responses(*ERRORS_WRITE)},
             summary="登记（签收队列中的来文）", tags=["待办与操作"], operation_id="api_routers_tasks_register",
             description="核对、补正要素，拒收越级件，编收文编号后送初审。")
def register(request, task_id: PathId, payload: RegisterAtNodeIn):
    me = caller(request)
    visible_task_id(me, task_id)
    document = incoming_services.register_at_node(
        task_id, actor=me, data=incoming_data(payload.data) if payload.data is not None else None,
        opinion=payload.opinion)
    return operation_out(document.pk, tasks=[Task.objects.get(pk=task_id)])
