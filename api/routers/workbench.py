"""工作台, 我登记的, the 收文登记簿 with its filters, 退文 per sender, and 常用语."""

from django.db.models import F, Q
from django.utils import timezone
from ninja import Query, Router

from documents import selectors as document_selectors
from flow import selectors as flow_selectors
from flow.models import PhraseBook

from ..common import caller, page
from ..errors import error_responses
from ..schemas import DashboardOut, DocumentFilterIn, DocumentPage, Paging, ReturnsOut

router = Router(tags=["工作台"])

TASK_RELATED = ("assignee_unit", "acted_by")


@router.get("/dashboard", response={200: DashboardOut, **error_responses(401)}, summary="工作台：待办、待阅、今日到期、已超期")
def dashboard(request):
    me = caller(request)
    now = timezone.now()
    inbox = flow_selectors.inbox(me).select_related(*TASK_RELATED)
    to_read = flow_selectors.to_read(me).select_related(*TASK_RELATED)
    return {"inbox": inbox.count(), "toread": to_read.count(),
            "due_today": flow_selectors.due_today(inbox, now).count(),
            "overdue": flow_selectors.overdue(inbox, now).count(),
            "latest": list(inbox[:10]), "latest_toread": list(to_read[:5])}


@router.get("/registered", response={200: DocumentPage, **error_responses(401, 422)}, summary="我登记的")
def registered(request, paging: Query[Paging]):
    return page(flow_selectors.registered_by(caller(request)), paging)


@router.get("/registry", response={200: DocumentPage, **error_responses(401, 422)},
            summary="收文登记簿", description="已登记的收文，与登记簿页面和 Excel 导出相同的筛选条件。")
def registry(request, filters: Query[DocumentFilterIn], paging: Query[Paging]):
    f = document_selectors.DocumentFilter(**filters.dict())
    return page(document_selectors.registry(caller(request), f), paging)


@router.get("/returns", response={200: ReturnsOut, **error_responses(401)}, summary="退文和直送件按来文单位统计")
def returns(request):
    returned, direct = document_selectors.returns_per_sender(caller(request))
    return {"returns": returned, "direct": direct}


@router.get("/phrases", response={200: list[str], **error_responses(401)}, summary="常用语（本人的和全机关通用的）")
def phrases(request):
    me = caller(request)
    return list(PhraseBook.objects.filter(Q(person=me) | Q(person__isnull=True))
                .order_by(F("person_id").asc(nulls_first=True), "sort_order", "id").values_list("text", flat=True))
