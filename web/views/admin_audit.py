"""The audit log (安全审计日志) for the security auditor, with a chain check."""

from datetime import date

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from audit.models import AuditEvent
from audit.services import verify_chain
from org.access import can_read_audit

from .common import allowed_if, paginate

AUDITOR_ONLY = allowed_if(can_read_audit, "只有安全审计员可以查看审计日志。")


def _date(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@AUDITOR_ONLY
def audit_log(request):
    qs = AuditEvent.objects.order_by("-seq")
    q = (request.GET.get("q") or "").strip()[:60]
    if q:
        qs = qs.filter(Q(action__contains=q) | Q(actor_name__contains=q) | Q(target_type__contains=q)
                       | Q(target_id=q))
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    if start:
        qs = qs.filter(at__date__gte=start)
    if end:
        qs = qs.filter(at__date__lte=end)
    return render(request, "web/admin/audit.html", {"page": paginate(request, qs), "q": q})


@require_POST
@AUDITOR_ONLY
def verify(request):
    ok, message, count = verify_chain()
    (messages.success if ok else messages.error)(request, message)
    return redirect("web:audit_log")
