"""发文字号 allocation (invariant 5): per agency, 代字 (series) and year, consecutive and
unique under concurrency, allocated only at the 编号 node (drafting.services.number).

The counter row of (series, year) is locked for the rest of the caller's transaction, so
two clerks numbering at once are serialised and a rolled-back allocation gives its
number back — no gap, no duplicate. A voided number keeps its row in the ledger with the
reason and is never handed out again.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from gongwen.errors import DomainError

from .models import IssuedNumber, NumberCounter, NumberSeries


def format_number(code: str, year: int, seq: int) -> str:
    """示府办发〔2026〕7号: year in full in 〔〕, no 第, no leading zeros (RULES.md §2)."""
    return f"{code}〔{year}〕{seq}号"


def _counter(series: NumberSeries, year: int) -> NumberCounter:
    counter = NumberCounter.objects.select_for_update().filter(series=series, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():
                NumberCounter.objects.create(series=series, year=year, last=0)
        except IntegrityError:
            pass  # created by a concurrent allocation: lock theirs
        counter = NumberCounter.objects.select_for_update().get(series=series, year=year)
    return counter


def allocate(series: NumberSeries, *, document, actor, year: int | None = None) -> IssuedNumber:
    """The next number of the series and year for ``document``. Call inside the caller's
    transaction (the counter stays locked until it commits)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate must run inside the caller's transaction")
    if not series.is_active:
        raise DomainError(f"发文代字“{series.code}”已停用，请选择其他代字。")
    if series.agency_id != document.agency_id:
        raise DomainError(f"发文代字“{series.code}”不属于{document.agency.short_name}。")
    year = year or timezone.localdate().year
    counter = _counter(series, year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return IssuedNumber.objects.create(series=series, year=year, seq=counter.last,
                                       number=format_number(series.code, year, counter.last), document=document,
                                       allocated_by=actor, allocated_at=timezone.now())


def void(issued: IssuedNumber, *, actor, reason: str) -> IssuedNumber:
    """Record a number as void (作废) with the reason; it is never reused."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请写明作废理由。")
    if issued.is_void:
        raise DomainError(f"{issued.number}已于{timezone.localtime(issued.voided_at):%Y年%m月%d日}作废。")
    issued.voided_at = timezone.now()
    issued.voided_by = actor
    issued.void_reason = reason[:300]
    issued.save(update_fields=["voided_at", "voided_by", "void_reason"])
    return issued
