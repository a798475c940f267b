"""The audit log (安全审计日志), for the security auditor only, with the chain check."""

from django.db.models import Q
from ninja import Query, Router

from audit.models import AuditEvent
from audit.services import verify_chain
from org.access import require_read_audit

from ..common import caller, page
from ..errors import error_responses
from ..schemas import AuditFilterIn, AuditPage, Paging, VerifyOut

router = Router(tags=["安全审计"])


@router.get("/events", response={200: AuditPage, **error_responses(401, 403, 422)}, summary="审计日志（安全审计员）")
def events(request, filters: Query[AuditFilterIn], paging: Query[Paging]):
    require_read_audit(caller(request))
    qs = AuditEvent.objects.order_by("-seq")
    q = filters.q.strip()
    if q:
        qs = qs.filter(Q(action__contains=q) | Q(actor_name__contains=q) | Q(target_type__contains=q)
                       | Q(target_id=q))
    if filters.date_from:
        qs = qs.filter(at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(at__date__lte=filters.date_to)
    return page(qs, paging)


@router.post("/verify", response={200: VerifyOut, **error_responses(401, 403)},
             summary="校验审计链（安全审计员）", description="逐条核对哈希链，报告第一处被改动或删除的记录。")
def verify(request):
    require_read_audit(caller(request))
    ok, message, count = verify_chain()
    return {"ok": ok, "message": message, "count": count}
