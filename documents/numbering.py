"""发文字号 allocation (invariant 5): per agency, 代字 (series) and year, consecutive and
unique under concurrency, allocated only at the 编号 node (drafting.services.number).

The counter row of (series, year) is locked for the rest of the caller's transaction, so
two clerks numbering at once are serialised and a rolled-back allocation gives its
number back — no gap, no duplicate. A voided number keeps its row in the ledger with the
reason and is never handed out again.

The ledger (IssuedNumber) is also the memory of numbers the counter never gave: a number
a document of the agency already carries (numbered on paper before the system, or written
onto it some other way) is recorded (``record``), and an allocation first records every
such number it finds and then skips them, and skips any number of the series that a
document received from the agency carries — a 文号 is never issued twice.
"""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from gongwen.errors import DomainError

from .models import Direction, Document, IssuedNumber, NumberCounter, NumberSeries
from .validators import DOC_NUMBER_RE

FOUND_AT_ALLOCATION = "编号时发现本机关公文已载明该文号，补记入发文登记簿"


def format_number(code: str, year: int, seq: int) -> str:
    """示府办发〔2026〕7号: year in full in 〔〕, no 第, no leading zeros (RULES.md §2)."""
    return f"{code}〔{year}〕{seq}号"


def parse_number(number: str) -> tuple[str, int, int] | None:
    """(代字, year, seq) of a well-formed 发文字号 (documents.validators.DOC_NUMBER_RE), else None."""
    match = DOC_NUMBER_RE.match((number or "").strip())
    if match is None:
        return None
    return match["code"], int(match["year"]), int(match["seq"])


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


def carriers(series: NumberSeries, year: int, *, exclude=None) -> dict[int, list[tuple[int, bool]]]:
    """The documents that carry a number of the series and year, by sequence number:
    [(document id, whether it is the agency's own document)]. The agency's own are its
    outgoing documents and 签报; the others were received from it (the copies a dispatch
    made, or a paper document it sent before the system)."""
    rows = (Document.objects.filter(doc_number__startswith=f"{series.code}〔{year}〕")
            .filter((Q(agency_id=series.agency_id) & ~Q(direction=Direction.INCOMING)) | Q(sender_id=series.agency_id))
            .exclude(pk=getattr(exclude, "pk", exclude)).order_by("id")
            .values_list("pk", "doc_number", "agency_id", "direction"))
    found: dict[int, list[tuple[int, bool]]] = {}
    for pk, number, agency_id, direction in rows:
        parsed = parse_number(number)
        if parsed is None or parsed[:2] != (series.code, year):
            continue
        found.setdefault(parsed[2], []).append((pk, agency_id == series.agency_id and direction != Direction.INCOMING))
    return found


def _record_carried(series: NumberSeries, year: int, found: dict, *, actor, note: str) -> list[IssuedNumber]:
    """Ledger rows for the numbers the agency's own documents carry and the ledger lacks."""
    known = set(IssuedNumber.objects.filter(series=series, year=year).values_list("seq", flat=True))
    rows = []
    for seq in sorted(found):
        own = [pk for pk, is_own in found[seq] if is_own]
        if seq in known or not own:
            continue
        rows.append(IssuedNumber.objects.create(
            series=series, year=year, seq=seq, number=format_number(series.code, year, seq), document_id=own[0],
            allocated_by=actor, allocated_at=timezone.now(), source=IssuedNumber.Source.RECORDED, note=note[:300]))
    return rows


def allocate(series: NumberSeries, *, document, actor, year: int | None = None) -> IssuedNumber:
    """The next number of the series and year for ``document`` that no document carries yet.
    Call inside the caller's transaction (the counter stays locked until it commits).

    Numbers the agency's documents already carry but the ledger lacks are recorded first
    (``recorded`` on the result); numbers taken in the ledger or carried by a document
    received from the agency are skipped (``skipped``: the numbers, for the audit event)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate must run inside the caller's transaction")
    if not series.is_active:
        raise DomainError(f"发文代字“{series.code}”已停用，请选择其他代字。")
    if series.agency_id != document.agency_id:
        raise DomainError(f"发文代字“{series.code}”不属于{document.agency.short_name}。")
    year = year or timezone.localdate().year
    counter = _counter(series, year)
    found = carriers(series, year, exclude=document)
    recorded = _record_carried(series, year, found, actor=actor, note=FOUND_AT_ALLOCATION)
    taken = set(IssuedNumber.objects.filter(series=series, year=year, seq__gt=counter.last).values_list(
        "seq", flat=True)) | {seq for seq in found if seq > counter.last}
    seq = counter.last + 1
    skipped = []
    while seq in taken:
        skipped.append(format_number(series.code, year, seq))
        seq += 1
    counter.last = seq
    counter.save(update_fields=["last"])
    issued = IssuedNumber.objects.create(series=series, year=year, seq=seq,
                                         number=format_number(series.code, year, seq), document=document,
                                         allocated_by=actor, allocated_at=timezone.now())
    issued.skipped = skipped
    issued.recorded = recorded
    return issued


def record(series: NumberSeries, *, document, actor, year: int, seq: int, note: str) -> IssuedNumber:
    """Record in the ledger a number ``document`` carries that the counter did not give (登记
    已有文号: numbered on paper, before the system). Call inside the caller's transaction;
    the counter is locked like an allocation's, so the two never race. Refused when the
    number is in the ledger already or another document of the agency carries it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record must run inside the caller's transaction")
    if series.agency_id != document.agency_id:
        raise DomainError(f"发文代字“{series.code}”不属于{document.agency.short_name}。")
    number = format_number(series.code, year, seq)
    _counter(series, year)
    existing = IssuedNumber.objects.filter(series=series, year=year, seq=seq).select_related("document").first()
    if existing is not None:
        state = "（已作废）" if existing.is_void else ""
        raise DomainError(f"{number}已在发文登记簿中{state}，登记于《{existing.document.title}》，不能重复登记。")
    other = [pk for pk, own in carriers(series, year, exclude=document).get(seq, []) if own]
    if other:
        title = Document.objects.filter(pk=other[0]).values_list("title", flat=True).first()
        raise DomainError(f"{number}已用于本机关的《{title}》，不能再登记到本件。")
    return IssuedNumber.objects.create(series=series, year=year, seq=seq, number=number, document=document,
                                       allocated_by=actor, allocated_at=timezone.now(),
                                       source=IssuedNumber.Source.RECORDED, note=(note or "").strip()[:300])


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
