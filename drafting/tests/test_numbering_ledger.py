"""The 发文字号 ledger knows every number a document carries, and allocation never hands out
a number already on a document of the series (issue 11, defect 9).

The defect as found: the demo's documents held 示府办函〔2026〕61–64号, written onto them past
the ledger, while the series' counter stood at 0 — the ledger did not know them, so the
counter would have handed them out again. Now allocation records the numbers the agency's
own documents carry (登记已有文号) and skips those and any a document received from the
agency carries; the office records a number given on paper (``record_number``); a data
migration backfills the ledger from the numbers documents carry.
"""

from importlib import import_module

import pytest
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from documents import numbering
from documents.models import Direction, Document, IssuedNumber, NumberCounter, NumberSeries, SlipKind
from drafting import services as drafting
from gongwen.errors import NotFound, PermissionDenied
from sealing.tests.chain import draft_data, series_for, to_seal
from tests.helpers import open_task, refused

pytestmark = pytest.mark.django_db


def year() -> int:
    return timezone.localdate().year


def letters(o) -> NumberSeries:
    return NumberSeries.objects.get_or_create(agency=o.gov, code="示府办函", defaults={"name": "府办函"})[0]


def carrying(o, number: str, *, agency=None, direction=Direction.OUTGOING, sender=None, title="") -> Document:
    """A document with a 发文字号 written onto it past the ledger (as the old demo did)."""
    return Document.objects.create(
        agency=agency or o.gov, direction=direction, slip_kind=SlipKind.ROUTINE if direction == Direction.OUTGOING
        else SlipKind.INTAKE, doc_type="函", title=title or f"关于{number}的函", doc_number=number, sender=sender,
        drafted_by=o.handler_a if direction == Direction.OUTGOING else None)


def draft(o, n: int = 1) -> Document:
    return drafting.create_draft(actor=o.handler_a, data=draft_data(o, title=f"示范市人民政府办公室关于第{n}项工作的函"))


def allocate(o, series, document) -> IssuedNumber:
    with transaction.atomic():
        issued = numbering.allocate(series, document=document, actor=o.clerk)
        Document.objects.filter(pk=document.pk).update(doc_number=issued.number)
        return issued


def not_in_ledger() -> list[str]:
    """Numbers outgoing documents carry, in one of their agency's series, missing from the ledger."""
    missing = []
    for document in Document.objects.filter(direction=Direction.OUTGOING).exclude(doc_number=""):
        parsed = numbering.parse_number(document.doc_number)
        if parsed and NumberSeries.objects.filter(agency=document.agency, code=parsed[0]).exists() and \
                not IssuedNumber.objects.filter(document=document, number=document.doc_number).exists():
            missing.append(document.doc_number)
    return missing


def test_the_demo_situation_the_next_allocations_never_repeat_a_number(office):
    o = office
    series = letters(o)
    y = year()
    carried = {n: carrying(o, f"示府办函〔{y}〕{n}号") for n in (61, 62, 63, 64)}
    # and a paper letter of the office that 市交通局 registered as received
    carrying(o, f"示府办函〔{y}〕2号", agency=o.dept, direction=Direction.INCOMING, sender=o.gov)
    assert not IssuedNumber.objects.exists() and set(not_in_ledger()) == {d.doc_number for d in carried.values()}

    first = allocate(o, series, draft(o, 1))
    assert first.seq == 1
    # the numbers the office's own documents carry are in the ledger now, theirs
    for n, document in carried.items():
        row = IssuedNumber.objects.get(series=series, year=y, seq=n)
        assert row.document == document and row.source == IssuedNumber.Source.RECORDED and row.note
    assert first.recorded and not_in_ledger() == []
    second = allocate(o, series, draft(o, 2))
    assert second.seq == 3 and second.skipped == [f"示府办函〔{y}〕2号"]  # the received one is skipped
    # the series is behind: its counter at 60 runs into 61–64
    NumberCounter.objects.filter(series=series, year=y).update(last=60)
    given = [allocate(o, series, draft(o, n)).seq for n in range(3, 6)]
    assert given == [65, 66, 67]
    numbers = list(Document.objects.filter(agency=o.gov, direction=Direction.OUTGOING).exclude(doc_number="")
                   .values_list("doc_number", flat=True))
    assert len(numbers) == len(set(numbers)) == 4 + 2 + 3
    assert not_in_ledger() == []


def test_numbering_at_the_node_skips_and_records_in_its_audit_event(office):
    o = office
    series = series_for(o)
    y = year()
    taken = carrying(o, f"示府办发〔{y}〕1号")
    document = to_seal_number_node(o)
    issued = drafting.number(open_task(document, o.clerk).pk, actor=o.clerk, series_id=series.pk)
    assert issued.number == f"示府办发〔{y}〕2号"
    assert IssuedNumber.objects.get(series=series, seq=1).document == taken
    event = AuditEvent.objects.get(action="drafting.number", target_id=str(issued.pk))
    assert event.new["skipped"] == [f"示府办发〔{y}〕1号"] and event.new["number"] == issued.number


def to_seal_number_node(o) -> Document:
    """A routine draft reviewed, signed off and rechecked: at 编号 (chain.to_seal's steps)."""
    from flow import services as flow
    from sealing.tests.chain import with_body

    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o))
    with_body(document, o.handler_a)
    for person, opinion in ((o.handler_a, "请审核。"), (o.head_a, "同意。"), (o.secretary, "已核。"),
                            (o.director, "请签发。")):
        flow.send_on(open_task(document, person).pk, actor=person, opinion=opinion)
    drafting.sign_off(open_task(document, o.leader_a).pk, actor=o.leader_a, opinion="同意印发。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已复核。")
    document.refresh_from_db()
    return document


def test_a_voided_number_and_a_recorded_one_are_never_given_again(office):
    o = office
    series = series_for(o)
    y = year()
    document = to_seal(o)  # numbered 1 at the node
    assert document.doc_number == f"示府办发〔{y}〕1号"
    paper = draft(o, 9)
    recorded = drafting.record_number(paper.pk, actor=o.clerk, number=f"示府办发〔{y}〕2号",
                                      reason="系统上线前已以纸质编号印发")
    assert (recorded.source, recorded.document, recorded.note) == (IssuedNumber.Source.RECORDED, paper,
                                                                   "系统上线前已以纸质编号印发")
    paper.refresh_from_db()
    assert paper.doc_number == recorded.number and paper.number_series == series
    assert AuditEvent.objects.filter(action="drafting.record_number", target_id=str(recorded.pk)).exists()
    assert allocate(o, series, draft(o, 10)).seq == 3


def test_record_number_refusals_write_nothing(office):
    o = office
    series_for(o)
    y = year()
    numbered = to_seal(o)
    other = carrying(o, f"示府办发〔{y}〕5号")
    paper = draft(o, 3)
    cases = [
        (f"示府办发〔{y}〕1号", "已在发文登记簿中，登记于《", o.clerk),  # allocated to another document
        (f"示府办发〔{y}〕5号", f"已用于本机关的《{other.title}》", o.clerk),  # carried by another document
        (f"示府办发〔{y}〕05号", "不能有前导零", o.clerk),
        (f"示府办明电〔{y}〕1号", "没有发文代字“示府办明电”", o.clerk),
        ("", "请填写要登记的发文字号", o.clerk),
    ]
    for number, message, actor in cases:
        with refused(message):
            drafting.record_number(paper.pk, actor=actor, number=number, reason="纸质编号")
    with refused("请写明登记理由"):
        drafting.record_number(paper.pk, actor=o.clerk, number=f"示府办发〔{y}〕6号", reason=" ")
    with refused("只有市政府办办公室人员可以登记已有文号", exc=PermissionDenied):
        drafting.record_number(paper.pk, actor=o.handler_a, number=f"示府办发〔{y}〕6号", reason="纸质编号")
    with refused(exc=NotFound):
        drafting.record_number(paper.pk, actor=o.outsider, number=f"示府办发〔{y}〕6号", reason="纸质编号")
    with refused(f"本件已编号：{numbered.doc_number}"):
        drafting.record_number(numbered.pk, actor=o.clerk, number=f"示府办发〔{y}〕6号", reason="纸质编号")


def test_the_migration_backfills_the_ledger_from_the_numbers_documents_carry(office):
    from django.apps import apps

    o = office
    series_for(o)
    letters(o)
    y = year()
    carrying(o, f"示府办函〔{y}〕61号")
    carrying(o, f"示府办发〔{y}〕3号")
    carrying(o, f"示委办发〔{y}〕3号")  # a code of no series of the office: left alone
    carrying(o, f"示府办函〔{y}〕2号", agency=o.dept, direction=Direction.INCOMING, sender=o.gov)  # not its own
    backfill = import_module("documents.migrations.0007_numbers_ledger_records").record_carried_numbers
    backfill(apps, None)
    assert set(IssuedNumber.objects.values_list("number", "source")) == {
        (f"示府办函〔{y}〕61号", "recorded"), (f"示府办发〔{y}〕3号", "recorded")}
    backfill(apps, None)  # idempotent
    assert IssuedNumber.objects.count() == 2
    assert not_in_ledger() == []
