"""The audit log (安全审计日志) for the security auditor: events in Chinese with filters and an
Excel export, and 完整性校验 — the chain checked against the signed checkpoints kept outside
the database, a checkpoint written on demand, the checkpoint file and the public key
exported."""

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit import checkpoints, selectors
from audit.labels import action_choices, annotate, cn_datetime
from audit.verification import retention_days, verify_audit
from org.access import can_read_audit
from ui.excel import attachment, ledger_xlsx
from ui.views import allowed_if, paginate, run_service

AUDITOR_ONLY = allowed_if(can_read_audit, "只有安全审计员可以查看审计日志。")
EXPORT_LIMIT = 100_000  # rows of one Excel export (a sheet holds about a million; this keeps it quick)
COLUMNS = [("序号", 8), ("时间", 18), ("操作人", 12), ("操作类别", 16), ("操作", 24), ("对象", 22),
           ("内容", 70), ("客户端地址", 16)]


@AUDITOR_ONLY
def audit_log(request):
    f = selectors.AuditFilter.from_params(request.GET)
    page = paginate(request, selectors.events(f))
    page.object_list = annotate(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    oldest = selectors.oldest_event()
    return render(request, "web/admin/audit.html", {
        "page": page, "filter": f, "q": f.q, "query": query.urlencode(),
        "action_choices": action_choices(), "target_types": selectors.target_types(),
        "newest_checkpoint": checkpoints.newest_checkpoint(), "oldest": oldest,
        "kept_days": (timezone.now() - oldest.at).days if oldest else None, "retention_days": retention_days(),
    })


def _rows(qs):
    chunk = []

    def flush():
        for e in annotate(chunk):
            yield [e.seq, cn_datetime(e.at), e.actor_name or "系统", e.group_label, e.action_label, e.target_label,
                   e.changes_text, e.client_address]

    for event in qs.iterator(chunk_size=1000):
        chunk.append(event)
        if len(chunk) == 1000:
            yield from flush()
            chunk = []
    yield from flush()


@AUDITOR_ONLY
def export(request):
    f = selectors.AuditFilter.from_params(request.GET)
    qs = selectors.events(f)
    total = qs.count()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    notes = [f"共 {total} 条，仅导出最新的 {EXPORT_LIMIT} 条；请缩小筛选范围分批导出。"] if total > EXPORT_LIMIT else []
    return ledger_xlsx("审计日志", COLUMNS, _rows(qs[:EXPORT_LIMIT]), filename=f"审计日志-{stamp}.xlsx",
                       ascii_filename=f"audit-{stamp}.xlsx", wrap=(6,), notes=notes, heading=[
                           "安全审计日志", f"筛选：{f.describe()}",
                           f"导出：{cn_datetime(timezone.now())}，{request.person.name}"])


@require_POST
@AUDITOR_ONLY
def verify(request):
    report = verify_audit()
    for problem in report.problems:
        messages.error(request, problem)
    for note in report.notes:
        (messages.success if report.ok else messages.info)(request, note)
    return redirect("web:audit_log")


@require_POST
@AUDITOR_ONLY
def checkpoint(request):
    run_service(request, lambda: checkpoints.write_checkpoint(actor=request.person),
                success=lambda written: f"已写入审计检查点：覆盖到第{written.seq}条，已用本部署的审计签名密钥签名。")
    return redirect("web:audit_log")


@AUDITOR_ONLY
def download_checkpoints(request):
    path = checkpoints.exported_log(actor=request.person)
    if path is None:
        messages.error(request, "尚无审计检查点，没有可导出的检查点文件。")
        return redirect("web:audit_log")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = FileResponse(path.open("rb"), content_type="application/x-ndjson; charset=utf-8")
    return attachment(response, f"审计检查点-{stamp}.log", f"checkpoints-{stamp}.log")


@AUDITOR_ONLY
def download_public_key(request):
    key = checkpoints.exported_public_key(actor=request.person)
    response = HttpResponse(checkpoints.public_key_text(key), content_type="text/plain; charset=utf-8")
    return attachment(response, "审计签名公钥.txt", "audit-public-key.txt")
